"""Result rows to tables: the DataFrame, results.csv, results.json and results.md."""

import numpy as np
import pandas as pd

from classifiers import Augment
from benchmarks.harness.atomic import write_json_atomic, write_text_atomic
from benchmarks.harness.memory import row_peak
from benchmarks.harness.stats import mcnemar

__all__ = ["rows_to_frame", "compare_best", "augment_note", "render_markdown", "write_results",
           "markdown_table"]

SCALAR_COLUMNS = [
    "pipeline", "accuracy", "ci_low", "ci_high", "balanced_accuracy", "val_accuracy",
    "n_features", "fit_images", "augment", "feature_time", "fit_time", "predict_time",
    "peak_rss", "cache", "reference", "learned", "features", "classifier",
]


def rows_to_frame(rows):
    """One line per pipeline: the scalar columns, then ``acc:<class>`` columns.

    Examples
    --------
    >>> rows_to_frame([]).columns[:2].tolist()
    ['pipeline', 'accuracy']
    """
    if not rows:
        return pd.DataFrame(columns=SCALAR_COLUMNS)
    # .get: rows written before a column existed (a resumed run) leave it empty.
    frame = pd.DataFrame([_scalars(r) for r in rows])
    per_class = pd.DataFrame([r["per_class_accuracy"] for r in rows]).add_prefix("acc:")
    return pd.concat([frame, per_class], axis=1)


def _scalars(row):
    values = {k: row.get(k) for k in SCALAR_COLUMNS}
    values["peak_rss"] = row_peak(row.get("peak_rss"))  # bytes; the record holds each phase's
    return values


def _best(rows, learned):
    pool = [r for r in rows if r["learned"] == learned]
    return max(pool, key=lambda r: (r["accuracy"], r["pipeline"])) if pool else None


def compare_best(rows, y_test):
    """McNemar test between the best classic-feature and the best raw-pixel row.

    Returns
    -------
    dict or None
        ``classic``, ``pixels`` (pipeline names), ``classic_only``,
        ``pixels_only`` (images only that one gets right) and ``p_value``;
        ``None`` unless both kinds of row are present.

    Examples
    --------
    >>> rows = [{"pipeline": "hog/svm", "learned": False, "accuracy": 0.75,
    ...          "predictions": [0, 1, 1, 0]},
    ...         {"pipeline": "pixels/mlp", "learned": True, "accuracy": 0.5,
    ...          "predictions": [0, 0, 1, 0]}]
    >>> c = compare_best(rows, [0, 1, 1, 1])
    >>> c["classic"], c["pixels"], c["classic_only"], c["pixels_only"]
    ('hog/svm', 'pixels/mlp', 1, 0)
    """
    classic, pixels = _best(rows, False), _best(rows, True)
    if classic is None or pixels is None:
        return None
    test = mcnemar(y_test, classic["predictions"], pixels["predictions"])
    return {
        "classic": classic["pipeline"], "pixels": pixels["pipeline"],
        "classic_accuracy": classic["accuracy"], "pixels_accuracy": pixels["accuracy"],
        "classic_only": test["a_only"], "pixels_only": test["b_only"],
        "p_value": test["p_value"],
    }


def _display_frame(frame):
    shown = pd.DataFrame({
        "pipeline": frame["pipeline"],
        "accuracy": frame["accuracy"],
        "95% CI": [f"{lo:.3f}-{hi:.3f}" for lo, hi in zip(frame["ci_low"], frame["ci_high"])],
        "balanced": frame["balanced_accuracy"],
        "val": frame["val_accuracy"],
        "dim": frame["n_features"].astype(int),
        "fit images": frame["fit_images"].astype("Int64"),
        "augment": frame["augment"],
        "features s": frame["feature_time"],
        "fit s": frame["fit_time"],
        "predict s": frame["predict_time"],
        "peak GB": pd.to_numeric(frame["peak_rss"]) / 1024 ** 3,
    })
    return shown


def _augment_words(augment, config):
    augment = Augment.parse(augment, shift=config.get("shift_pixels"))
    words = ["horizontal flips"] * augment.hflip
    words += [f"{augment.shift}-pixel shifts"] * (augment.shift > 0)
    return " and ".join(words)


def augment_note(config):
    """The run's augmentation as ", fit part augmented by ...", or "" without one.

    ``config["augment"]`` is what the feature rows' fit part holds;
    ``config["augment_per_batch"]``, when present, what the raw-pixel
    learners draw per mini-batch instead, and ``config["augment_knn"]`` what
    the kNN rows store; ``config["test_mirrors"]`` that the rows trained on
    mirrors score each validation and test image with its mirror too.

    Examples
    --------
    >>> augment_note({"augment": "hflip", "augment_per_batch": "hflip+shift",
    ...               "shift_pixels": 2, "augment_knn": "none"})
    ', fit part augmented by horizontal flips (raw-pixel rows: horizontal flips and 2-pixel shifts drawn per mini-batch; kNN: none)'
    >>> augment_note({"augment": "none", "augment_per_batch": "shift", "shift_pixels": 2})
    ', fit part not augmented (raw-pixel rows: 2-pixel shifts drawn per mini-batch)'
    >>> augment_note({"augment": "hflip", "augment_in_batches": True})
    ', fit part augmented by horizontal flips drawn per mini-batch'
    >>> augment_note({"augment": "hflip", "test_mirrors": True})
    ', fit part augmented by horizontal flips, test images scored with their mirrors'
    >>> augment_note({"augment": "none"})
    ''
    """
    words = _augment_words(config.get("augment"), config)
    if words and config.get("augment_in_batches"):  # a run of raw-pixel learners only
        words += " drawn per mini-batch"
    note = ", fit part augmented by " + words if words else ""
    extra = []
    if "augment_per_batch" in config:
        words = _augment_words(config["augment_per_batch"], config)
        extra.append("raw-pixel rows: " + (words + " drawn per mini-batch" if words else "none"))
    if "augment_knn" in config:
        extra.append("kNN: " + (_augment_words(config["augment_knn"], config) or "none"))
    if extra:
        note = (note or ", fit part not augmented") + f" ({'; '.join(extra)})"
    if config.get("test_mirrors"):
        note += ", test images scored with their mirrors"
    return note


def render_markdown(frame, comparison, config):
    """The comparison table a person reads, with the split and the McNemar line."""
    lines = [
        f"# featbench results: {config['dataset']}",
        "",
        f"train {config['train_size']} (of which validation {config['val_size']}), "
        f"test {config['test_size']}, seed {config['seed']}"
        + augment_note(config)
        + (", hyper-parameters searched on the validation split" if config.get("search")
           else ""),
        "",
        markdown_table(_display_frame(frame), floatfmt=".3f") if len(frame) else "(no rows)",
        "",
        "Accuracy is on the test split, with its 95% Wilson interval; `val` is the "
        "validation accuracy; `fit images` counts the images the classifier was fitted "
        "on, mirror copies (`augment` hflip) included; `per batch` rows fit on those "
        "images alone, drawing a fresh flip and shift of each for every mini-batch. "
        "Times are as measured when the features and "
        "the row were computed (`cache` in results.csv says what came from the cache); "
        "`ref:` rows use only scikit-image, scikit-learn or PyTorch. `peak GB` is the "
        "most resident memory a row's process held in any of its phases (features, fit, "
        "prediction; the images included; GB of 1024^3 bytes): a run that computes its rows "
        "one at a time needs its largest row's.",
    ]
    if comparison is not None:
        verdict = ("significant at the 5% level" if comparison["p_value"] < 0.05
                   else "not significant at the 5% level")
        lines += [
            "",
            f"McNemar, best classic-feature pipeline `{comparison['classic']}` "
            f"({comparison['classic_accuracy']:.3f}) against best raw-pixel pipeline "
            f"`{comparison['pixels']}` ({comparison['pixels_accuracy']:.3f}): "
            f"{comparison['classic_only']} test images only the first gets right, "
            f"{comparison['pixels_only']} only the second; p = {comparison['p_value']:.3g} "
            f"({verdict}).",
        ]
    return "\n".join(lines) + "\n"


def write_results(out, rows, config, y_test):
    """Write results.csv, results.json and results.md into ``out``, each atomically.

    Returns
    -------
    (frame, comparison, markdown)
    """
    frame = rows_to_frame(rows)
    comparison = compare_best(rows, y_test)
    markdown = render_markdown(frame, comparison, config)
    write_text_atomic(out / "results.csv", frame.to_csv(index=False))
    write_json_atomic(out / "results.json", {
        "config": config,
        "y_test": np.asarray(y_test).astype(int).tolist(),
        "comparison": comparison,
        "rows": rows,
    })
    write_text_atomic(out / "results.md", markdown)
    return frame, comparison, markdown


def _cell(value, floatfmt):
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(value, floatfmt)
    return str(value)


def markdown_table(df, floatfmt=".3f", index=False):
    """Render a DataFrame as a GitHub markdown table (no optional dependency needed).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to render.
    floatfmt : str, default=".3f"
        Format spec applied to float cells; NaN renders as an empty cell.
    index : bool, default=False
        Whether to include the index as the first column.

    Returns
    -------
    str
        The table, one row a line, without a trailing newline.

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1.0], "b": ["x"]})))
    | a | b |
    | ---: | --- |
    | 1.000 | x |
    """
    if index:
        df = df.reset_index()
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = [
        "| " + " | ".join(str(c) for c in df.columns) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, floatfmt) for v in row) + " |")
    return "\n".join(lines)
