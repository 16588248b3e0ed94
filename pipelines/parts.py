"""The parts named pipelines are built from: each feature family and each classifier.

Defaults scale with the image size (HoG cells and patch sizes are set for
32x32 images and shrink for smaller ones), so every pipeline also runs on the
8x8 digits; on gray images the color histogram is an intensity (HSV value)
histogram, since hue is undefined there.
"""

from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_union
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from classifiers import (Augment, ConvNetClassifier, KNNClassifier, LinearSVM, MLPClassifier,
                         SoftmaxClassifier)
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels
from pipelines.reference import PartialFitAugmented, reference_hog_color, reference_pixels

__all__ = ["features_for", "classifier_for", "scale_for", "CNN_EPOCHS", "KNN_K"]

#: Epochs of the named ConvNet rows.
CNN_EPOCHS = 60
#: Raw-pixel rows, each epoch one pass over the fit images with fresh flips and shifts.
SVM_PIXELS_EPOCHS, SVM_PIXELS_DECAY = 300, 0.995
SOFTMAX_PIXELS_EPOCHS, SOFTMAX_PIXELS_DECAY = 300, 0.99
MLP_PIXELS_EPOCHS = 100
# The linear models on features (docs/decisions.md#svm-features-100-epochs).
SVM_FEATURE_EPOCHS, SOFTMAX_FEATURE_EPOCHS = 100, 30
# The MLPs on features (docs/decisions.md#mlp-features-onecycle).
MLP_FEATURE_EPOCHS, MLP_FEATURE_SCHEDULE = 60, "onecycle_cosine"
REF_PIXELS_EPOCHS = {"linearsvc": 20, "logreg": 50, "skmlp": 30}
#: Neighbours of the named kNN rows.
KNN_K = 1


def scale_for(image_shape):
    """Feature geometry for images of ``image_shape``: (HoG cell, patch size)."""
    side = min(image_shape[0], image_shape[1])
    # Smaller HoG cells validated no better (docs/decisions.md#hog-cell-size).
    cell = max(2, side // 4)              # 8 for 32x32, 2 for 8x8: a 4x4 grid of cells
    patch = max(3, round(side * 6 / 32))  # 6 for 32x32, 3 for 8x8
    return cell, patch


def features_for(kind, image_shape, random_state, reference=False):
    cell, patch = scale_for(image_shape)
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
_REF_C = {("hog+color", "linearsvc"): 0.01, ("hog+color", "logreg"): 0.1}


def _reference_pixels_classifier(kind, random_state, augment):
    """A raw-pixel reference: scikit-learn fitted by partial_fit on batches augmented afresh."""
    # Neither LinearSVC nor LogisticRegression has partial_fit: their models are fitted
    # by SGD (one-vs-rest squared hinge) and by scikit-learn's MLP without a hidden layer
    # (multinomial logistic regression, Adam); fixed epochs, since partial_fit cannot
    # stop early (docs/decisions.md#ref-pixels-partial-fit).
    if kind == "linearsvc":
        est = SGDClassifier(loss="squared_hinge", alpha=1e-4, average=True,
                            random_state=random_state)
        batch_size = 1000  # SGD updates per image; larger batches mean fewer calls
    else:
        est = SkMLPClassifier(hidden_layer_sizes=() if kind == "logreg" else (500,),
                              random_state=random_state)
        batch_size = 200  # one Adam step per call
    return PartialFitAugmented(est, max_epochs=REF_PIXELS_EPOCHS[kind], batch_size=batch_size,
                               random_state=random_state, **augment)


def classifier_for(kind, random_state, features, augment=Augment(), image_shape=(32, 32, 3)):
    pixels = features == "pixels"
    # Raw-pixel learners draw their flips and shifts per mini-batch (kNN has no batches).
    drawn = dict(augment=augment.name, shift=augment.shift or None)
    augment = dict(drawn, image_shape=tuple(image_shape)) if pixels else {}
    if pixels and kind in ("linearsvc", "logreg", "skmlp"):
        return _reference_pixels_classifier(kind, random_state, augment)
    # The harness holds out its own validation split, so the linear models train on
    # the whole fit part for fixed epochs (docs/decisions.md#linear-no-early-stopping).
    if kind == "svm":
        # One binary squared-hinge SVM per class (LinearSVC's scheme) cross-validated
        # above the multiclass hinge (docs/decisions.md#svm-ovr-squared-hinge).
        # Raw pixels: averaged iterates cross-validated better
        # (docs/decisions.md#svm-pixels-averaged-sgd); epochs and decay suit the
        # per-batch draws, whose noisy epoch loss stopped training too soon: the
        # loss stop is off (docs/decisions.md#svm-pixels-epochs).
        params = (dict(max_epochs=SVM_PIXELS_EPOCHS, lr_decay=SVM_PIXELS_DECAY, average=True,
                       n_iter_no_change=SVM_PIXELS_EPOCHS) if pixels
                  else dict(max_epochs=SVM_FEATURE_EPOCHS))
        return LinearSVM(loss="squared_hinge", multi_class="ovr", early_stopping=False,
                         random_state=random_state, **params, **augment)
    if kind == "softmax":
        # Raw pixels: smaller batches (docs/decisions.md#softmax-pixels-batch-50), weaker
        # decay, more epochs and no loss stop (docs/decisions.md#softmax-pixels-alpha-epochs).
        params = (dict(alpha=1e-3, batch_size=50, max_epochs=SOFTMAX_PIXELS_EPOCHS,
                       lr_decay=SOFTMAX_PIXELS_DECAY, n_iter_no_change=SOFTMAX_PIXELS_EPOCHS)
                  if pixels else dict(max_epochs=SOFTMAX_FEATURE_EPOCHS))
        return SoftmaxClassifier(early_stopping=False, random_state=random_state, **params,
                                 **augment)
    if kind == "mlp":
        # 512 hidden units: 1024 validated better but take twice the time, more than the
        # default run can afford (docs/decisions.md#mlp-512-hidden). Raw pixels have
        # their own epochs (docs/decisions.md#mlp-pixels-epochs); on features the rate
        # anneals to 0 over every epoch, with no loss stop to cut the cycle short
        # (docs/decisions.md#mlp-features-onecycle).
        params = (dict(max_epochs=MLP_PIXELS_EPOCHS) if pixels
                  else dict(max_epochs=MLP_FEATURE_EPOCHS, lr_schedule=MLP_FEATURE_SCHEDULE,
                            n_iter_no_change=MLP_FEATURE_EPOCHS))
        return MLPClassifier((512,), random_state=random_state, **params, **augment)
    if kind in ("cnn", "torchcnn"):
        # Epochs and rate fit the default run's time (docs/decisions.md#cnn-defaults).
        params = dict(max_epochs=CNN_EPOCHS, random_state=random_state, **drawn)
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
