"""What the named pipelines are made of, in words and figures: descriptions, grids, costs.

Read by :mod:`pipelines.registry`, which builds each :class:`~pipelines.PipelineSpec`
from them.
"""

__all__ = ["SEARCH", "SEARCH_REF_PIXELS", "FEATURE_SEARCH", "DESCRIBE_FEATURES",
           "DESCRIBE_CLASSIFIERS", "DESCRIBE_REF_PIXELS", "SECONDS", "ONE_CORE_CLASSIFIERS",
           "MANY_CORE_FEATURES"]

_ALPHA = {"clf__alpha": [1e-4, 1e-3, 1e-2]}
_C = {"clf__C": [1e-4, 1e-3, 1e-2, 0.1]}
_K = {"clf__n_neighbors": [1, 5, 10, 20]}
#: The ``--search`` grid of each classifier kind.
SEARCH = {"svm": _ALPHA, "softmax": _ALPHA, "mlp": _ALPHA, "linearsvc": _C, "logreg": _C,
          "skmlp": {"clf__alpha": [1e-4, 1e-2, 1.0]}, "knn": _K, "skknn": _K,
          "cnn": {"clf__alpha": [1e-4, 5e-4, 2e-3]}, "torchcnn": {"clf__alpha": [5e-4]}}
#: The raw-pixel references are scikit-learn estimators inside PartialFitAugmented.
SEARCH_REF_PIXELS = {"linearsvc": {"clf__estimator__alpha": [1e-5, 1e-4, 1e-3]},
                     "logreg": {"clf__estimator__alpha": [1e-4, 1e-2, 1.0]},
                     "skmlp": {"clf__estimator__alpha": [1e-4, 1e-2, 1.0]}}
#: Feature settings a search tunes beside the classifier's, by feature family of our
#: rows: the vocabulary's size, which may grow with the data
#: (docs/decisions.md#search-vocabulary-size).
FEATURE_SEARCH = {"bovw": {"features__n_words": [800, 1600]},
                  "all": {"features__bagofvisualwords__n_words": [800, 1600]}}
#: What each feature family and classifier is, for ``featbench pipelines``.
DESCRIBE_FEATURES = {
    "pixels": "raw pixels in [0, 1], mean-centered",
    "color": "hue, saturation and value histograms (10 bins each)",
    "hog": "HoG (dominant channel, 9 orientations, 4x4 cells, 2x2 blocks L1-sqrt, sqrt gamma)",
    "hog+color": "HoG + HSV histograms",
    "bovw": "bag of visual words (6x6 patches, whitened, triangle codes, square roots of "
            "image and quadrant sums)",
    "all": "HoG + HSV histograms + bag of visual words",
    "images": "the images themselves (NHWC, [0, 1])",
}
DESCRIBE_CLASSIFIERS = {
    "svm": "featbench LinearSVM (one-vs-rest squared hinge)",
    "softmax": "featbench SoftmaxClassifier", "mlp": "featbench MLPClassifier",
    "linearsvc": "scikit-learn LinearSVC",
    "logreg": "scikit-learn LogisticRegression", "skmlp": "scikit-learn MLPClassifier(500)",
    "knn": "featbench KNNClassifier (L1 distance)",
    "skknn": "scikit-learn KNeighborsClassifier (manhattan, brute force)",
    "cnn": "featbench ConvNetClassifier (conv-batchnorm-ReLU-pool blocks of 32, 64, 128 "
           "channels, dropout, linear head; flips and shifts drawn per mini-batch)",
    "torchcnn": "the same ConvNet, initialization, batches and schedule in PyTorch (CPU)",
}


DESCRIBE_REF_PIXELS = {
    "linearsvc": "scikit-learn SGDClassifier (LinearSVC's one-vs-rest squared hinge, averaged)",
    "logreg": "scikit-learn MLPClassifier without hidden layer (LogisticRegression's "
              "multinomial model, Adam)",
    "skmlp": "scikit-learn MLPClassifier(500)",
}


#: Seconds (features + fit + predict) of the rows that take more than 2 on the CIFAR-10
#: subset's 5,170 training images, on one core; a row not listed counts 1 s
#: (docs/decisions.md#dask-longest-first).
SECONDS = {
    "ref:pixels/cnn": 328, "pixels/cnn": 320, "all/mlp": 108, "bovw/mlp": 108,
    "pixels/mlp": 50, "all/svm": 38, "bovw/svm": 37, "all/softmax": 33, "bovw/softmax": 32,
    "ref:pixels/mlp": 19, "ref:hog+color/linearsvc": 17, "pixels/svm": 16,
    "pixels/softmax": 16, "ref:hog+color/mlp": 12, "ref:pixels/knn": 12,
    "hog+color/mlp": 8, "pixels/knn": 7, "ref:hog+color/logreg": 7,
    "ref:pixels/linearsvc": 6, "ref:pixels/logreg": 5,
}

#: Classifier kinds whose fit and predictions run on one core at any ``--n-jobs``, and
#: feature families whose extraction is long and uses every core it is given: a row of
#: the first on other features runs on one core, side by side with the other such rows
#: (docs/decisions.md#rows-side-by-side).
ONE_CORE_CLASSIFIERS = frozenset({"svm", "softmax", "linearsvc", "logreg"})
MANY_CORE_FEATURES = frozenset({"bovw", "all"})
