"""HOG and color histogram: batched transformers against per-image loops.

``python -m benchmarks.dev.speed features [--data DIR]`` times, in one process and
on the CIFAR-10 training images:

- :class:`features.HOG` against a Python loop of :func:`skimage.feature.hog`
  with the same parameters (goal: at least 30x faster);
- :class:`features.ColorHistogram` (hue, 10 bins) against a per-image loop of
  :func:`skimage.color.rgb2hsv` + :func:`numpy.histogram` (goal: at least 100x).

Each row also reports the largest absolute difference from the loop's
result, so a fast but wrong kernel cannot pass unnoticed.
"""

import numpy as np
import pandas as pd

from benchmarks.dev._timing import best_time, count_option
from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "run_speed"]

HOG_PARAMS = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                  block_norm="L2-Hys", transform_sqrt=False)


def add_speed_arguments(parser):
    """Options of the ``features`` speed target."""
    parser.add_argument("--n-images", type=count_option("--n-images"), default=None,
                        help="time only the first N training images (default: all)")
    parser.add_argument("--repeat", type=count_option("--repeat"), default=3,
                        help="repeats of the batched transformers; the best time counts "
                             "(default: 3)")
    parser.add_argument("--loop-repeat", type=count_option("--loop-repeat"), default=3,
                        help="repeats of the per-image loops, best time counts (default: 3; "
                             "on a shared machine one run of the loop can be 1.5x off)")
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="n_jobs of the extra parallel rows (default: 2; 1 skips them)")


def _hog_loop(images):
    from skimage.color import rgb2gray
    from skimage.feature import hog

    return np.stack([hog(rgb2gray(im), **HOG_PARAMS) for im in images])


def _hue_loop(images):
    from skimage.color import rgb2hsv

    n_pixels = images.shape[1] * images.shape[2]
    return np.stack([np.histogram(rgb2hsv(im)[..., 0], bins=10, range=(0, 1))[0] / n_pixels
                     for im in images])


def _rows(name, images, loop, loop_input, transformer, n_jobs, repeat, loop_repeat=1):
    """Time the loop and the transformer (first call, serial, parallel); one row each.

    After the first call, the loop and the batched settings are timed in
    interleaved rounds, so that on a shared machine a quiet or a busy spell
    reaches all of them rather than only the one timed during it.
    """
    from sklearn.base import clone

    n = len(images)
    loop_repeat, repeat = max(1, int(loop_repeat)), max(1, int(repeat))
    # The first call of the process pays for one-time tables (the 8-bit hue
    # table, the orientation table); it gets its own row.
    first = clone(transformer).set_params(n_jobs=1).fit(images[:1])
    first_s, first_out = best_time(first.transform, images)
    jobs_list = [1] + ([n_jobs] if n_jobs not in (None, 1) else [])
    ests = [clone(transformer).set_params(n_jobs=jobs).fit(images[:1]) for jobs in jobs_list]
    loop_s, seconds, outputs, expected = np.inf, [np.inf] * len(ests), [None] * len(ests), None
    rounds = max(loop_repeat, repeat)
    for r in range(rounds):
        if r < loop_repeat:
            t, expected = best_time(loop, loop_input)
            loop_s = min(loop_s, t)
        # Spread the batched repeats evenly over the rounds.
        times = repeat * (r + 1) // rounds - repeat * r // rounds
        for i, est in enumerate(ests):
            if times:
                t, outputs[i] = best_time(est.transform, images, repeat=times)
                seconds[i] = min(seconds[i], t)
    rows = [dict(feature=name, method=loop.__doc__ or f"per-image loop ({loop.__name__})",
                 seconds=loop_s, images_per_s=n / loop_s, speedup=1.0, max_abs_diff=0.0)]
    timed = [(1, ", first call", first_s, first_out)]
    timed += [(jobs, "", t, out) for jobs, t, out in zip(jobs_list, seconds, outputs)]
    for jobs, note, t, got in timed:
        rows.append(dict(feature=name,
                         method=f"{type(transformer).__name__} batched, n_jobs={jobs}{note}",
                         seconds=t, images_per_s=n / t, speedup=loop_s / t,
                         max_abs_diff=float(np.abs(got - expected).max())))
    return rows


def run_speed(args):
    """Load the data, time both features, print the markdown table and return it."""
    from benchmarks.data.cifar10 import load_cifar10
    from features import HOG, ColorHistogram

    data = load_cifar10(args.data)
    images = data.X_train if args.n_images is None else data.X_train[: args.n_images]
    # The loops get the same uint8 images as the transformers: what a user's
    # loop of skimage calls would see (skimage converts them to float64).
    _hog_loop.__doc__ = "loop of skimage.feature.hog(rgb2gray(image))"
    _hue_loop.__doc__ = "loop of rgb2hsv + np.histogram"
    rows = _rows("HOG", images, _hog_loop, images, HOG(**HOG_PARAMS), args.n_jobs, args.repeat,
                 args.loop_repeat)
    rows += _rows("hue histogram (10 bins)", images, _hue_loop, images,
                  ColorHistogram(color_space="hsv", channels=(0,), bins=10),
                  args.n_jobs, args.repeat, args.loop_repeat)
    table = pd.DataFrame(rows)
    table["images_per_s"] = table["images_per_s"].round().astype(int)
    table["speedup"] = table["speedup"].round(1)
    print(f"{len(images)} CIFAR-10 training images of shape {images.shape[1:]} ({images.dtype}); "
          f"goals: HOG >= 30x, hue histogram >= 100x the loop.\n")
    print(markdown_table(table, floatfmt=".3g").replace("| speedup |", "| speedup (x) |"))
    return table
