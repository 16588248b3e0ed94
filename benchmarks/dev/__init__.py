"""Developer benchmarks, run from a checkout and not installed with the wheel.

``python -m benchmarks.dev.speed {features,bovw,classifiers,harness}`` and
``python -m benchmarks.dev.accuracy {bovw,classifiers}``: each target
(``benchmarks/dev/<target>.py``) measures ours against a reference in one
process and prints the ratios.
"""
