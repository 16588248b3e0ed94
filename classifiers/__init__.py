"""Linear classifiers and a multilayer perceptron written in numpy."""

__all__ = []
