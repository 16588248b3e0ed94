"""scikit-learn's common estimator checks, run on every estimator of the project.

To add an estimator: append an instance to ``ESTIMATORS`` and, if some checks
cannot apply to it, add an entry ``{check name: reason}`` under its class name
in ``EXPECTED_FAILED_CHECKS`` (reuse the shared reason dicts below when they fit).
Every check not listed must pass.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers import (ConvNetClassifier, KNNClassifier, LinearSVM, MLPClassifier,
                         SoftmaxClassifier)
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels

_NOT_IMAGES = (
    "the check feeds a 2-D tabular array (n_samples, n_features); image transformers "
    "take a batch of images (N, H, W) or (N, H, W, C) and refuse 2-D input by design"
)

# Checks that fit an image transformer on 2-D tabular data. They would pass on
# a batch of images; each error they get is the documented "wrong ndim" error.
# Their image-batch versions (idempotent fit, per-image transform, pickling,
# read-only and Fortran input, dtype rule) are in tests/features/test__base.py.
IMAGE_INPUT_EXPECTED_FAILURES = {
    name: _NOT_IMAGES
    for name in [
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_empty_data_messages",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
    ]
}

# The same for an image classifier: each check below fits it on 2-D tabular
# data and gets the documented "wrong ndim" error. Their image-batch versions
# (determinism, pickling, chunk-size invariance of prediction, float32,
# NaN and empty input) are in tests/classifiers/test_convnet.py.
IMAGE_CLASSIFIER_EXPECTED_FAILURES = {
    name: _NOT_IMAGES
    for name in [
        "check_classifier_data_not_an_array",
        "check_classifiers_classes",
        "check_classifiers_train",
        "check_classifiers_train(readonly_memmap=True)",
        "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_empty_data_messages",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_estimators_pickle(readonly_memmap=True)",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_supervised_y_2d",
    ]
}

ESTIMATORS = [
    HOG(pixels_per_cell=(2, 2), cells_per_block=(1, 1)),
    ColorHistogram(),
    RawPixels(),
    BagOfVisualWords(n_words=2, patch_size=2, random_state=0),
    # Classifiers: max_epochs=20 keeps the ~50 fits per estimator fast; the
    # defaults themselves are exercised in tests/classifiers.
    # On the checks' unscaled features (near 100) the default steps raise the loss 6
    # to 70 times and leave the model at chance, which fit refuses: smaller steps.
    # The squared hinge's gradient grows with |x|^2, so smaller still.
    LinearSVM(learning_rate=1e-4, max_epochs=20, random_state=0),
    LinearSVM(loss="squared_hinge", multi_class="ovr", learning_rate=1e-4, max_epochs=20,
              random_state=0),
    SoftmaxClassifier(learning_rate=3e-4, max_epochs=20, random_state=0),
    MLPClassifier(hidden_layer_sizes=(32,), max_epochs=20, random_state=0),
    MLPClassifier(hidden_layer_sizes=(32,), activation="maxout", batch_norm=True, max_epochs=20,
                  random_state=0),
    KNNClassifier(),
    KNNClassifier(n_neighbors=1, metric="l1", chunk_size=7),
    ConvNetClassifier(conv_channels=(2,), max_epochs=2, random_state=0),
]

EXPECTED_FAILED_CHECKS = {
    "HOG": IMAGE_INPUT_EXPECTED_FAILURES,
    "ColorHistogram": IMAGE_INPUT_EXPECTED_FAILURES,
    "RawPixels": IMAGE_INPUT_EXPECTED_FAILURES,
    # It has max_iter (k-means), so one more check fits it on 2-D data.
    "BagOfVisualWords": {**IMAGE_INPUT_EXPECTED_FAILURES, "check_transformer_n_iter": _NOT_IMAGES},
    "ConvNetClassifier": IMAGE_CLASSIFIER_EXPECTED_FAILURES,
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
