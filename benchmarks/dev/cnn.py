"""ConvNet: a numpy training epoch against PyTorch's, and each conv layer against its matmul.

``python -m benchmarks.dev.speed cnn [--data DIR]`` trains featbench's
:class:`classifiers.ConvNetClassifier` and its PyTorch twin
(:class:`pipelines.reference_torch.TorchConvNetClassifier`: same network,
initial weights, batches, augmentation and schedule) for one epoch each on the
CIFAR-10 training images, in interleaved rounds with the same number of
threads, and prints the best epoch time of each and their ratio. Then it times
the forward pass of each conv layer (:func:`classifiers.layers.conv2d_forward`,
batch 128) against the bare float32 matrix product it reduces to, twice: as a
call that allocates its im2col matrix and output, and as the ConvNet runs it,
the batch copied into a zero-bordered buffer and both arrays written into
buffers reused from call to call. The time of building the im2col matrix
alone (:func:`classifiers.layers.im2col`) is beside them. The four calls run
one after another in each of ``--layer-rounds`` rounds, so every ratio is
taken between times measured moments apart: the table gives its median with
the quartiles, then the ratio of the best times for comparison, and a line
ends it with the largest median ratio against the goal of 2. Without PyTorch
only the layer table is printed, with a line saying why.
"""

import importlib.util

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from benchmarks.dev._timing import (best_time, count_option, interleaved_times,
                                    ratio_quartiles)
from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "layer_verdict", "run_speed"]


def add_speed_arguments(parser):
    parser.add_argument("--rounds", type=count_option("--rounds"), default=3,
                        help="interleaved rounds of the epochs (best kept)")
    parser.add_argument("--layer-rounds", type=count_option("--layer-rounds"), default=100,
                        help="interleaved rounds of the conv layer timings (medians kept)")
    parser.add_argument("--threads", type=count_option("--threads"), default=2,
                        help="BLAS and PyTorch threads for both sides (default 2)")
    parser.add_argument("--augment", default="hflip+shift",
                        help="per-batch augmentation of both (default hflip+shift)")


def _epoch_rows(X, y, args):
    from classifiers import ConvNetClassifier
    from pipelines.reference_torch import TorchConvNetClassifier

    import torch

    torch.set_num_threads(args.threads)
    models = {
        "numpy ConvNetClassifier": ConvNetClassifier(max_epochs=1, augment=args.augment,
                                                     random_state=0),
        "PyTorch twin": TorchConvNetClassifier(max_epochs=1, augment=args.augment,
                                               random_state=0, n_threads=args.threads),
    }
    best = dict.fromkeys(models, np.inf)
    for _ in range(args.rounds):
        for name, model in models.items():
            seconds, _ = best_time(model.fit, X, y)
            best[name] = min(best[name], seconds)
    torch_s = best["PyTorch twin"]
    return pd.DataFrame({
        "model": list(best),
        "epoch s": list(best.values()),
        "images/s": [len(y) / s for s in best.values()],
        "x PyTorch": [s / torch_s for s in best.values()],
    })


def _buffered_forward(x, xp, W, buffers):
    """A conv layer's forward as the ConvNet runs it: the batch written into the interior
    of a zero-bordered buffer, im2col and product into buffers reused from call to call."""
    from classifiers.layers import conv2d_forward

    np.copyto(xp[:, 1:-1, 1:-1], x)
    return conv2d_forward(xp, W, **buffers)


def _layer_rows(rounds, batch=128):
    from classifiers.layers import conv2d_forward, im2col

    rng = np.random.default_rng(0)
    rows = []
    for side, c_in, c_out in ((32, 3, 32), (16, 32, 64), (8, 64, 128)):
        x = rng.random((batch, side, side, c_in), dtype=np.float32)
        W = rng.standard_normal((3, 3, c_in, c_out)).astype(np.float32)
        cols = rng.random((batch * side * side, 9 * c_in), dtype=np.float32)
        out = np.empty((batch * side * side, c_out), np.float32)
        Wm = W.reshape(9 * c_in, c_out)
        xp = np.zeros((batch, side + 2, side + 2, c_in), np.float32)
        buffers = {"cols": np.empty_like(cols), "out": np.empty_like(out)}
        # Ratios within a round, not of bests from separate blocks of calls
        # (docs/decisions.md#conv-ratio-paired-rounds).
        t = interleaved_times({
            "bare": lambda: np.matmul(cols, Wm, out=out),
            "conv": lambda: conv2d_forward(x, W, None, 1, 1),
            "buffers": lambda: _buffered_forward(x, xp, W, buffers),
            "im2col": lambda: im2col(x, 3, 3, 1, 1),
        }, rounds)
        q25, ratio, q75 = ratio_quartiles(t["conv"], t["bare"])
        _, ratio_buffers, _ = ratio_quartiles(t["buffers"], t["bare"])
        rows.append({"layer": f"{side}x{side}x{c_in} -> {c_out}",
                     "matmul": f"{cols.shape[0]}x{cols.shape[1]} @ {Wm.shape[0]}x{c_out}",
                     "bare matmul ms": 1e3 * np.median(t["bare"]),
                     "conv2d_forward ms": 1e3 * np.median(t["conv"]), "ratio": ratio,
                     "ratio q25-q75": f"{q25:.2f}-{q75:.2f}",
                     "ratio of bests": t["conv"].min() / t["bare"].min(),
                     "with buffers ms": 1e3 * np.median(t["buffers"]),
                     "ratio, buffers": ratio_buffers,
                     "im2col alone ms": 1e3 * np.median(t["im2col"])})
    return pd.DataFrame(rows)


def layer_verdict(rows, goal=2.0):
    """One line: the largest median ratio of a layer's forward to its bare product, and
    whether it is within ``goal``.

    Examples
    --------
    >>> rows = pd.DataFrame({"layer": ["a", "b"], "ratio": [1.5, 1.9],
    ...                      "ratio, buffers": [1.6, 2.1]})
    >>> layer_verdict(rows)
    'largest median ratio 2.10 (b, with buffers); goal at most 2: not met'
    """
    ratios = rows.set_index("layer")[["ratio", "ratio, buffers"]]
    layer, column = ratios.stack().idxmax()
    worst = ratios.loc[layer, column]
    how = "allocating" if column == "ratio" else "with buffers"
    return (f"largest median ratio {worst:.2f} ({layer}, {how}); goal at most {goal:g}: "
            f"{'met' if worst <= goal else 'not met'}")


def run_speed(args):
    from benchmarks.data.cifar10 import load_cifar10

    ds = load_cifar10(args.data)
    with threadpool_limits(args.threads):
        if importlib.util.find_spec("torch") is None:
            print("PyTorch is not installed, so no epoch comparison: "
                  "pip install 'torch==2.13.0+cpu'\n")
        else:
            print(f"One epoch on {len(ds.y_train)} CIFAR-10 training images, batch 128, "
                  f"{args.augment} drawn per batch, {args.threads} threads, best of "
                  f"{args.rounds} interleaved rounds:\n")
            print(markdown_table(_epoch_rows(ds.X_train, ds.y_train, args), floatfmt=".2f"))
            print()
        print(f"Conv layer forward (3x3, pad 1), batch 128, {args.threads} threads, "
              f"{args.layer_rounds} interleaved rounds: median times, and the median and "
              f"quartiles of the per-round ratio to the bare product:\n")
        rows = _layer_rows(args.layer_rounds)
        print(markdown_table(rows, floatfmt=".2f"))
        print(f"\n{layer_verdict(rows)}")
