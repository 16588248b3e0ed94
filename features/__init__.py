"""Classic image features as batched scikit-learn transformers."""

from .bovw import BagOfVisualWords, save_words_image, words_image
from .hog import HOG, hog_image, plot_hog
from .pixels import RawPixels

__all__ = ["BagOfVisualWords", "save_words_image", "words_image", "HOG", "RawPixels", "hog_image", "plot_hog"]
