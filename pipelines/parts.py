"""The parts named pipelines are built from: each feature family and each classifier.

Defaults scale with the image size (HoG cells and patch sizes are set for
32x32 images and shrink for smaller ones), so every pipeline also runs on the
8x8 digits; on gray images the color histogram is an intensity (HSV value)
histogram, since hue is undefined there.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_union
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from classifiers import (ConvNetClassifier, KNNClassifier, LinearSVM, MLPClassifier,
                         SoftmaxClassifier)
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels
from pipelines.reference import reference_hog_color, reference_pixels

__all__ = ["features_for", "classifier_for", "CNN_EPOCHS", "KNN_K"]

#: Epochs of the named ConvNet rows.
CNN_EPOCHS = 60
#: Neighbours of the named kNN rows.
KNN_K = 1


def _scale_for(image_shape):
    """Feature geometry for images of ``image_shape``: (HoG cell, patch size)."""
    side = min(image_shape[0], image_shape[1])
    # Smaller HoG cells validated no better (docs/decisions.md#hog-cell-size).
    cell = max(2, side // 4)              # 8 for 32x32, 2 for 8x8: a 4x4 grid of cells
    patch = max(3, round(side * 6 / 32))  # 6 for 32x32, 3 for 8x8
    return cell, patch


def features_for(kind, image_shape, random_state, reference=False):
    cell, patch = _scale_for(image_shape)
    if kind == "images":
        return FunctionTransformer()  # the images as they are, for the ConvNets
    if reference:
        return reference_pixels() if kind == "pixels" else reference_hog_color((cell, cell))
    # Square-root gamma, then dominant-channel gradients with L1-sqrt blocks and the
    # HSV histogram below, validated better than the plain choices
    # (docs/decisions.md#hog-sqrt-gamma, docs/decisions.md#hog-color-dominant-l1sqrt).
    hog = HOG(pixels_per_cell=(cell, cell), transform_sqrt=True, color="dominant",
              block_norm="L1-sqrt")
    # Hue is undefined on gray images (constant 0), so they get an intensity
    # (HSV value) histogram instead.
    gray = len(image_shape) == 2 or image_shape[-1] == 1
    color = ColorHistogram(channels=(2,) if gray else (0, 1, 2))
    # Square roots of whole-image and quadrant sums damp words common to many patches;
    # they cross-validated above plain quadrant sums (docs/decisions.md#bovw-sqrt-pyramid).
    bovw = BagOfVisualWords(patch_size=patch, pooling="pyramid", power=0.5,
                            random_state=random_state)
    return {
        "pixels": RawPixels(),
        "color": color,
        "hog": hog,
        "hog+color": make_union(hog, color),
        "bovw": bovw,
        "all": make_union(hog, color, bovw),
    }[kind]


# Reference C chosen on the validation split, never on the test images
# (docs/decisions.md#reference-c).
_REF_C = {("pixels", "linearsvc"): 1e-4, ("pixels", "logreg"): 0.01,
          ("hog+color", "linearsvc"): 0.01, ("hog+color", "logreg"): 0.1}


def classifier_for(kind, random_state, features, fit_copies=1, batch_augment=None, shift=2):
    # The harness holds out its own validation split, so the linear models train on
    # the whole fit part for fixed epochs (docs/decisions.md#linear-no-early-stopping).
    if kind == "svm":
        # One binary squared-hinge SVM per class (LinearSVC's scheme) cross-validated
        # above the multiclass hinge (docs/decisions.md#svm-ovr-squared-hinge).
        # Raw pixels: averaged iterates cross-validated better, a smaller alpha no better
        # (docs/decisions.md#svm-pixels-averaged-sgd, docs/decisions.md#svm-pixels-alpha).
        return LinearSVM(loss="squared_hinge", multi_class="ovr", early_stopping=False,
                         max_epochs=30, average=features == "pixels",
                         random_state=random_state)
    if kind == "softmax":
        # Raw pixels: smaller batches (docs/decisions.md#softmax-pixels-batch-50), and on
        # their ten times as many images weaker decay and more epochs, each cross-validated
        # better (docs/decisions.md#softmax-pixels-alpha-epochs).
        pixels = features == "pixels"
        return SoftmaxClassifier(alpha=1e-3 if pixels else 1e-2, early_stopping=False,
                                 max_epochs=50 if pixels else 30,
                                 batch_size=50 if pixels else 200,
                                 random_state=random_state)
    if kind == "mlp":
        # 512 hidden units: 1024 validated better but take twice the time, more than the
        # default run can afford (docs/decisions.md#mlp-512-hidden). Raw pixels need fewer
        # epochs, fewer still on ten copies (docs/decisions.md#mlp-pixels-epochs).
        if features == "pixels":
            epochs = 20 if fit_copies >= 5 else 40
        else:
            epochs = 60
        return MLPClassifier((512,), max_epochs=epochs, random_state=random_state)
    if kind in ("cnn", "torchcnn"):
        augment = None if batch_augment in (None, "none") else batch_augment
        # Epochs and rate fit the default run's time (docs/decisions.md#cnn-defaults).
        params = dict(max_epochs=CNN_EPOCHS, augment=augment, shift=shift,
                      random_state=random_state)
        if kind == "cnn":
            return ConvNetClassifier(**params)
        from pipelines.reference_torch import TorchConvNetClassifier

        return TorchConvNetClassifier(**params)
    if kind in ("knn", "skknn"):
        # k and the L1 distance chosen on the validation split (docs/decisions.md#knn-k).
        if kind == "knn":
            return KNNClassifier(n_neighbors=KNN_K, metric="l1")
        return KNeighborsClassifier(n_neighbors=KNN_K, metric="manhattan", algorithm="brute")
    if kind == "linearsvc":
        return LinearSVC(C=_REF_C[features, kind], random_state=random_state)
    if kind == "logreg":
        return LogisticRegression(C=_REF_C[features, kind], max_iter=300)
    return SkMLPClassifier(hidden_layer_sizes=(500,), early_stopping=True,
                           random_state=random_state)
