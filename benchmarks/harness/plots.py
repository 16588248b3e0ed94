"""PNG plots of a benchmark run, drawn with matplotlib's object API (no display needed)."""

import io
import re

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from sklearn.metrics import confusion_matrix

from benchmarks.harness.atomic import write_bytes_atomic

__all__ = ["save_figure", "run_plots", "accuracy_bars", "confusion_matrices", "loss_curves",
           "hog_pictures", "learning_curve_plot", "seeds_plot", "slug"]


def slug(name):
    """A file-name-safe form of a pipeline name (``ref:hog+color/svm`` -> ``ref-hog+color-svm``).

    Examples
    --------
    >>> slug("ref:hog+color/svm"), slug("pixels/mlp")
    ('ref-hog+color-svm', 'pixels-mlp')
    """
    return re.sub(r"[^A-Za-z0-9+._-]+", "-", name)


def save_figure(fig, path):
    """Render ``fig`` to PNG bytes and write them atomically to ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> fig = Figure(figsize=(2, 2))
    >>> bars = fig.add_subplot().bar([0, 1, 2], [3, 1, 2])
    >>> len(bars)
    3
    >>> path = Path(tempfile.mkdtemp()) / "sub" / "bars.png"  # missing folders are created
    >>> save_figure(fig, path)
    >>> path.read_bytes()[1:4], path.stat().st_size > 0
    (b'PNG', True)
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    write_bytes_atomic(path, buf.getvalue())


def accuracy_bars(frame, path):
    """Horizontal bars of test accuracy with 95% intervals; reference rows hatched.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "pipeline": ["hog/svm", "pixels/mlp", "ref:pixels/linearsvc"],
    ...     "accuracy": [0.8, 0.6, 0.5], "ci_low": [0.75, 0.55, 0.45],
    ...     "ci_high": [0.85, 0.65, 0.55], "learned": [False, True, True],
    ...     "reference": [False, False, True]})
    >>> path = Path(tempfile.mkdtemp()) / "accuracy.png"
    >>> accuracy_bars(frame, path)
    >>> path.read_bytes()[1:4], path.stat().st_size > 0
    (b'PNG', True)
    """
    frame = frame.sort_values("accuracy")
    fig = Figure(figsize=(7, 0.35 * len(frame) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(frame))
    acc = frame["accuracy"].to_numpy()
    err = np.vstack([acc - frame["ci_low"].to_numpy(), frame["ci_high"].to_numpy() - acc])
    colors = ["tab:orange" if learned else "tab:blue" for learned in frame["learned"]]
    bars = ax.barh(y, acc, xerr=err, color=colors, capsize=3)
    for bar, ref in zip(bars, frame["reference"]):
        if ref:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.set_yticks(y, frame["pipeline"])
    ax.set_xlabel("test accuracy (95% interval); orange: raw pixels, hatched: reference")
    ax.set_xlim(0, 1)
    save_figure(fig, path)


def confusion_matrices(rows, y_test, class_names, folder):
    """One confusion-matrix PNG per pipeline in ``folder`` (rows: true class).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> rows = [{"pipeline": "hog/svm", "predictions": [0, 1, 1], "accuracy": 2 / 3}]
    >>> folder = Path(tempfile.mkdtemp())
    >>> confusion_matrices(rows, [0, 1, 0], ["cat", "dog"], folder)
    >>> [p.name for p in folder.iterdir()]
    ['confusion-hog-svm.png']
    """
    for row in rows:
        cm = confusion_matrix(y_test, row["predictions"], labels=range(len(class_names)))
        fig = Figure(figsize=(5.5, 5))
        ax = fig.add_subplot()
        im = ax.imshow(cm, cmap="Blues")
        fig.colorbar(im, ax=ax, shrink=0.8)
        ax.set_xticks(range(len(class_names)), class_names, rotation=90)
        ax.set_yticks(range(len(class_names)), class_names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{row['pipeline']}  (accuracy {row['accuracy']:.3f})")
        save_figure(fig, folder / f"confusion-{slug(row['pipeline'])}.png")


def loss_curves(rows, path):
    """Training loss per epoch of every SGD-trained model; False if there is none.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "loss-curves.png"
    >>> loss_curves([{"pipeline": "hog/svm", "loss_curve": None}], path), path.exists()
    (False, False)
    >>> loss_curves([{"pipeline": "pixels/mlp", "loss_curve": [2.0, 1.0, 0.5]}], path)
    True
    >>> path.stat().st_size > 0
    True
    """
    curves = [(r["pipeline"], r["loss_curve"]) for r in rows if r.get("loss_curve")]
    if not curves:
        return False
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    for i, (name, curve) in enumerate(curves):
        # Past the ten colors of the cycle, a dashed line tells the curves apart.
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name,
                linestyle="-" if i < 10 else "--")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    save_figure(fig, path)
    return True


def hog_pictures(images, pictures, path, titles=None):
    """Test images beside their HoG glyph pictures (two rows).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> images = np.zeros((2, 8, 8), np.uint8)
    >>> path = Path(tempfile.mkdtemp()) / "hog-pictures.png"
    >>> hog_pictures(images, images, path, titles=["cat", "dog"])
    >>> path.read_bytes()[1:4], path.stat().st_size > 0
    (b'PNG', True)
    """
    n = len(images)
    fig = Figure(figsize=(1.6 * n, 3.4))
    for i in range(n):
        ax = fig.add_subplot(2, n, i + 1)
        ax.imshow(images[i], cmap="gray" if images[i].ndim == 2 else None)
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i], fontsize="small")
        ax = fig.add_subplot(2, n, n + i + 1)
        ax.imshow(pictures[i], cmap="gray")
        ax.set_axis_off()
    save_figure(fig, path)


def learning_curve_plot(table, path):
    """Accuracy against training-set size, one line per pipeline (log x axis).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "pipeline": ["hog/svm", "hog/svm", "pixels/mlp", "pixels/mlp"],
    ...     "train_size": [100, 200, 100, 200], "accuracy": [0.6, 0.7, 0.5, 0.65],
    ...     "ci_low": [0.55, 0.65, 0.45, 0.6], "ci_high": [0.65, 0.75, 0.55, 0.7]})
    >>> path = Path(tempfile.mkdtemp()) / "learning-curve.png"
    >>> learning_curve_plot(table, path)
    >>> path.read_bytes()[1:4], path.stat().st_size > 0
    (b'PNG', True)
    """
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    for name, group in table.groupby("pipeline", sort=False):
        ax.plot(group["train_size"], group["accuracy"], marker="o", label=name)
        ax.fill_between(group["train_size"], group["ci_low"], group["ci_high"], alpha=0.15)
    ax.set_xscale("log")
    sizes = sorted(table["train_size"].unique())
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(sizes, [str(int(v)) for v in sizes])
    ax.set_xlabel("training images")
    ax.set_ylabel("test accuracy (95% interval)")
    ax.legend(fontsize="small")
    save_figure(fig, path)


def seeds_plot(table, path):
    """Test accuracy of each seed (dots) and the mean (bar), one column per pipeline.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> table = pd.DataFrame({"pipeline": ["hog/svm"] * 2 + ["pixels/mlp"] * 2,
    ...                       "seed": [0, 1, 0, 1], "accuracy": [0.6, 0.62, 0.5, 0.55]})
    >>> path = Path(tempfile.mkdtemp()) / "seeds.png"
    >>> seeds_plot(table, path)
    >>> path.read_bytes()[1:4]
    b'PNG'
    """
    names = list(dict.fromkeys(table["pipeline"]))
    fig = Figure(figsize=(max(4.0, 1.2 * len(names) + 1.5), 4.5))
    ax = fig.add_subplot()
    for i, name in enumerate(names):
        acc = table.loc[table["pipeline"] == name, "accuracy"].to_numpy(dtype=float)
        ax.hlines(acc.mean(), i - 0.3, i + 0.3, color="black")
        # Spread the dots sideways by seed order so equal accuracies stay visible.
        ax.plot(i + np.linspace(-0.15, 0.15, len(acc)), acc, "o", alpha=0.7)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylabel("test accuracy (dots: seeds, line: mean)")
    fig.tight_layout()
    save_figure(fig, path)


def run_plots(out, rows, frame, split, n_pictures=6):
    """Every plot of ``featbench run`` in ``out``: accuracy, confusion, loss curves, HoG.

    Parameters
    ----------
    out : Path
    rows : list of dict
        The run's rows.
    frame : pandas.DataFrame
        The table of the rows.
    split : Split
        A split of the run: its test images and labels.
    n_pictures : int, default=6
        Test images drawn beside their HoG.
    """
    import pipelines
    from features import hog_image

    accuracy_bars(frame, out / "accuracy.png")
    confusion_matrices(rows, split.y_test, split.class_names, out / "confusion")
    loss_curves(rows, out / "loss-curves.png")
    # The HOG step of the hog pipelines, so the pictures show what they compute.
    hog = pipelines.hog_step(split.X_test.shape[1:])
    images = split.X_test[:n_pictures]
    pictures = [hog_image(img, **hog.get_params()) for img in images]
    titles = [split.class_names[y] for y in split.y_test[:n_pictures]]
    hog_pictures(images, pictures, out / "hog-pictures.png", titles)
