"""Datasets, the command-line interface and the benchmark harness."""

__version__ = "0.1.0"

__all__ = ["__version__"]
