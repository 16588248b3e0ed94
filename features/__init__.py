"""Classic image features as batched scikit-learn transformers."""

from .hog import HOG, hog_image, plot_hog
from .pixels import RawPixels

__all__ = ["HOG", "RawPixels", "hog_image", "plot_hog"]
