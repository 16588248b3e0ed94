"""Classic image features as batched scikit-learn transformers.

The image-batch validation they share (:func:`check_images`,
:func:`to_float_images`) is public too, for the classifiers that take images;
how many threads each piece of work may use is decided in :mod:`features.threads`,
for the whole project.
"""

from ._validation import check_images, to_float_images
from .bovw import BagOfVisualWords
from .words import save_words_image, words_image
from .color import ColorHistogram, rgb_to_hsv
from .hog import HOG, hog_image, plot_hog
from .pixels import RawPixels

__all__ = ["BagOfVisualWords", "save_words_image", "words_image", "ColorHistogram", "HOG",
           "RawPixels", "hog_image", "plot_hog", "rgb_to_hsv", "check_images", "to_float_images"]
