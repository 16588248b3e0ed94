"""Named pipelines: features, a scaler and a classifier, as scikit-learn ``Pipeline``s.

Every pipeline has three steps, ``features``, ``scale`` and ``clf``, so that the
harness can cache the features and tune the classifier the same way for all;
the parts themselves are built by :mod:`pipelines.parts`. Each
:class:`PipelineSpec` is the one place that says how the harness treats its
row: which side of the comparison it is on, whether its features are cached,
and what ``--augment auto`` gives it.
"""

import fnmatch
import importlib.util
from dataclasses import dataclass, field

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from classifiers import Augment
from pipelines.catalog import (DESCRIBE_CLASSIFIERS, DESCRIBE_FEATURES, DESCRIBE_REF_PIXELS,
                               FEATURE_SEARCH, MANY_CORE_FEATURES, ONE_CORE_CLASSIFIERS,
                               SEARCH, SEARCH_REF_PIXELS, SECONDS)
from pipelines.parts import classifier_for, features_for

__all__ = ["PipelineSpec", "available", "make", "get_spec", "select", "PRESETS",
           "hog_step"]


@dataclass(frozen=True)
class PipelineSpec:
    """What a named pipeline is made of.

    Attributes
    ----------
    name : str
        ``"<features>/<classifier>"``; reference rows start with ``ref:``.
    features : str
        Feature family: pixels, color, hog, hog+color, bovw or all.
    classifier : str
        Classifier key: svm, softmax, mlp, linearsvc, logreg or skmlp.
    description : str
        One line for listings.
    search : dict
        A small grid over the ``clf__`` parameters, for ``--search``, and over
        the vocabulary's size (``features__...n_words``) for our rows that have
        one.
    seconds : float
        Rough seconds of the row (features, fit and predict) on the CIFAR-10
        subset's 5,170 training images, to start the longest rows first on a
        cluster (only their order matters; docs/decisions.md#dask-longest-first).

    Examples
    --------
    >>> spec = get_spec("ref:pixels/logreg")
    >>> spec.features, spec.classifier, spec.reference, spec.learned
    ('pixels', 'logreg', True, True)
    >>> spec.cache_features, spec.auto_augment, spec.augments_in_batches
    (False, 'hflip+shift', True)
    """

    name: str
    features: str
    classifier: str
    description: str
    search: dict = field(default_factory=dict)
    seconds: float = 1.0

    @property
    def reference(self):
        """Whether this row is built only from off-the-shelf parts."""
        return self.name.startswith("ref:")

    @property
    def learned(self):
        """Whether the classifier sees raw pixels (the learned side of the comparison)."""
        return self.features in ("pixels", "images")

    @property
    def reads_images(self):
        """Whether the classifier reads the images themselves (the ConvNets), not features."""
        return self.features == "images"

    @property
    def augments_in_batches(self):
        """Whether the classifier draws its own augmentation for every mini-batch.

        Every row that learns from raw pixels does (ours, the ``ref:pixels/*``
        references through :class:`pipelines.reference.PartialFitAugmented`,
        and the ConvNets), except kNN, which has no batches. Such a row trains
        on the fit images themselves: the harness makes no augmented copies for
        it and passes the augmentation to the classifier instead, so memory
        does not grow with the augmentation.
        """
        return self.learned and self.classifier not in ("knn", "skknn")

    @property
    def cache_features(self):
        """Whether the harness stores this row's features in the feature cache.

        Raw pixels are not stored: computing them is no slower than reading
        them back, and each stored copy of an augmented training set would
        take hundreds of MB of disk.
        """
        return not self.learned

    @property
    def one_core(self):
        """Whether this row's work is on one core whatever ``--n-jobs`` gives it.

        Its classifier fits and predicts on one core (the linear models,
        ours and scikit-learn's) and its features are quick beside the fit
        (no vocabulary to learn): such rows run side by side, one core each
        (:mod:`benchmarks.harness.side_by_side`).
        """
        return (self.classifier in ONE_CORE_CLASSIFIERS
                and self.features not in MANY_CORE_FEATURES)

    @property
    def auto_augment(self):
        """What ``--augment auto`` gives this row on color images (gray ones get none).

        ``"hflip"`` (mirror images, extracted once as copies) for feature rows,
        whose HoG cells, histograms and pooled visual words already tolerate a
        shift of a pixel or two; ``"hflip+shift"``, drawn per mini-batch, for
        raw-pixel rows, ours and the references alike, whose input does not
        (docs/decisions.md#augment-shift-raw-pixels).
        """
        if self.classifier in ("knn", "skknn"):
            return "none"  # a copy costs a kNN its prediction time, not its training
        return "hflip+shift" if self.learned else "hflip"

    @property
    def tuned(self):
        """Whether ``--search`` (and each size of a learning curve) tunes this row's grid.

        Every row but the ConvNets: three more fits of 60 epochs would take
        longer than the rest of a default run, so they keep their fixed
        settings (docs/decisions.md#search-fixed-convnets).
        """
        return self.classifier not in ("cnn", "torchcnn")

    @property
    def classifier_bytes(self):
        """Bytes per feature value of the fit part that the classifier copies while fitting.

        scikit-learn's LinearSVC (liblinear) copies the features to float64 and
        then to (index, value) nodes, 8 + 16 bytes; the other classifiers keep
        the features they are given (docs/decisions.md#memory-check).
        """
        return 24 if self.classifier == "linearsvc" and not self.learned else 0


def _spec(name, features, classifier):
    desc = f"{DESCRIBE_FEATURES[features]} -> {DESCRIBE_CLASSIFIERS[classifier]}"
    search = {**FEATURE_SEARCH.get(features, {}), **SEARCH[classifier]}
    if name.startswith("ref:") and features not in ("pixels", "images"):
        desc = "per-image skimage hog + hue histogram -> " + DESCRIBE_CLASSIFIERS[classifier]
    elif name.startswith("ref:") and classifier in DESCRIBE_REF_PIXELS:
        desc = (f"{DESCRIBE_FEATURES[features]} -> {DESCRIBE_REF_PIXELS[classifier]}, "
                "partial_fit on flips and shifts drawn per mini-batch")
        search = SEARCH_REF_PIXELS[classifier]
    elif features == "pixels" and classifier in ("svm", "softmax", "mlp"):
        desc += ", flips and shifts drawn per mini-batch"
    return PipelineSpec(name, features, classifier, desc, search, SECONDS.get(name, 1.0))


_OURS = [
    ("pixels", "svm"), ("pixels", "softmax"), ("pixels", "mlp"), ("color", "svm"),
    ("hog", "svm"), ("hog+color", "svm"), ("hog+color", "softmax"), ("hog+color", "mlp"),
    ("bovw", "svm"), ("bovw", "softmax"), ("bovw", "mlp"), ("all", "svm"), ("all", "softmax"),
    ("all", "mlp"), ("pixels", "knn"),
]
_REFS = [
    ("ref:pixels/linearsvc", "pixels", "linearsvc"), ("ref:pixels/logreg", "pixels", "logreg"),
    ("ref:pixels/mlp", "pixels", "skmlp"), ("ref:hog+color/linearsvc", "hog+color", "linearsvc"),
    ("ref:hog+color/logreg", "hog+color", "logreg"), ("ref:hog+color/mlp", "hog+color", "skmlp"),
    ("ref:pixels/knn", "pixels", "skknn"),
]
_SPECS = {f"{f}/{c}": _spec(f"{f}/{c}", f, c) for f, c in _OURS}
# The ConvNets read the images themselves, not a vector of pixels; their rows are
# still named pixels/*, the learned side of the table.
_SPECS["pixels/cnn"] = _spec("pixels/cnn", "images", "cnn")
_SPECS.update({n: _spec(n, f, c) for n, f, c in _REFS})
_SPECS["ref:pixels/cnn"] = _spec("ref:pixels/cnn", "images", "torchcnn")
#: Rows that need PyTorch, an optional extra.
NEEDS_TORCH = ("ref:pixels/cnn",)
_HAS_TORCH = importlib.util.find_spec("torch") is not None

#: Named sets of pipelines accepted by ``select`` (and ``--pipelines``).
PRESETS = {
    "default": [
        "pixels/svm", "pixels/softmax", "pixels/mlp", "color/svm", "hog/svm",
        "hog+color/svm", "hog+color/softmax", "hog+color/mlp", "bovw/svm", "all/svm",
        # LogisticRegression's model rather than LinearSVC's for raw pixels: it
        # validated higher (docs/decisions.md#preset-ref-pixels-logreg).
        "ref:pixels/logreg", "ref:hog+color/linearsvc", "pixels/knn", "pixels/cnn",
    ],
    "ours": [f"{f}/{c}" for f, c in _OURS] + ["pixels/cnn"],
    # select() leaves ref:pixels/cnn out of these where PyTorch is not installed.
    "reference": [n for n, _, _ in _REFS] + ["ref:pixels/cnn"],
    "all": list(_SPECS),
    "quick": ["pixels/svm", "hog+color/svm", "ref:hog+color/linearsvc"],
    # What `featbench learning-curve` follows by default: the best row of each classic
    # feature family and every learned model on raw pixels but the linear ones
    # (docs/decisions.md#curve-preset).
    "curve": ["hog+color/mlp", "bovw/svm", "all/svm", "all/mlp", "pixels/mlp", "pixels/knn",
              "pixels/cnn"],
}


def available():
    """Names of every pipeline, ours first, then the reference rows.

    Examples
    --------
    >>> "hog+color/svm" in available()
    True
    """
    return list(_SPECS)


def get_spec(name):
    """The :class:`PipelineSpec` called ``name``.

    Raises
    ------
    ValueError
        If no pipeline has that name (the message lists the names).

    Examples
    --------
    >>> spec = get_spec("hog+color/svm")
    >>> spec.features, spec.classifier, spec.reference
    ('hog+color', 'svm', False)
    """
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(
            f"unknown pipeline {name!r}; available: {', '.join(_SPECS)} "
            f"(presets: {', '.join(PRESETS)})."
        ) from None


def select(patterns):
    """Expand names, shell globs (``hog*``, ``ref:*``) and preset names, in order.

    Parameters
    ----------
    patterns : str or list of str
        Comma-separated string or list.

    Returns
    -------
    list of str
        Pipeline names without duplicates.

    Raises
    ------
    ValueError
        If a pattern matches nothing, or names a row that needs PyTorch
        where it is not installed (globs and presets leave such rows out).

    Examples
    --------
    >>> select("hog+color/*")
    ['hog+color/svm', 'hog+color/softmax', 'hog+color/mlp']
    """
    if isinstance(patterns, str):
        patterns = [p.strip() for p in patterns.split(",") if p.strip()]
    names = []
    for pattern in patterns:
        if pattern in NEEDS_TORCH and not _HAS_TORCH:
            raise ValueError(f"{pattern} needs PyTorch, which is not installed: "
                             f"pip install 'torch==2.13.0+cpu' (or leave {pattern} out).")
        if pattern in PRESETS:
            matched = PRESETS[pattern]
        else:
            matched = [n for n in _SPECS if fnmatch.fnmatchcase(n, pattern)]
        # Presets and globs take the PyTorch rows only where PyTorch is installed.
        matched = [n for n in matched if _HAS_TORCH or n not in NEEDS_TORCH or n == pattern]
        if not matched:
            get_spec(pattern)  # raises with the list of names
        names.extend(n for n in matched if n not in names)
    if not names:
        raise ValueError("--pipelines selected no pipeline; pass names, globs or a preset.")
    return names


def hog_step(image_shape=(32, 32, 3)):
    """The HOG transformer of the named pipelines for images of ``image_shape``.

    Examples
    --------
    >>> hog_step((32, 32, 3)).pixels_per_cell
    (8, 8)
    """
    return features_for("hog", image_shape, random_state=0)


def make(name, *, image_shape=(32, 32, 3), random_state=0, augment="none", **params):
    """Build the named pipeline.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    image_shape : tuple, default=(32, 32, 3)
        Shape of one image; HoG cells and patch sizes scale with it, and the
        raw-pixel classifiers view their rows in it to flip and shift them.
    random_state : int or None, default=0
        Seed given to every random step (vocabulary, classifier, augmentation).
    augment : {"none", "hflip", "shift", "hflip+shift"}, None or Augment, default="none"
        The mirrors and shifts the classifier draws for every mini-batch
        (:class:`classifiers.Augment`; a name shifts by
        :func:`classifiers.default_shift` of ``image_shape``); only for rows
        whose spec ``augments_in_batches`` (the raw-pixel learners).
    **params
        Pipeline parameters set after building, e.g. ``clf__alpha=1e-3`` or
        ``features__n_words=200``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``features``, ``scale`` (``StandardScaler``; centering only for
        raw pixels) and ``clf``.

    Raises
    ------
    ValueError
        If the name is unknown, a parameter does not exist, or ``augment``
        is given to a row that does not draw augmentation per mini-batch.

    Examples
    --------
    >>> make("hog+color/svm").named_steps["clf"].__class__.__name__
    'LinearSVM'
    >>> clf = make("pixels/mlp", augment="hflip+shift").named_steps["clf"]
    >>> clf.augment, clf.shift, clf.image_shape
    ('hflip+shift', 2, (32, 32, 3))
    """
    spec = get_spec(name)
    augment = Augment.parse(augment, image_shape=image_shape)
    if augment and not spec.augments_in_batches:
        raise ValueError(
            f"augment={augment.name!r}: {name} does not draw augmentation per mini-batch "
            "(only raw-pixel learners other than kNN do); pass 'none' and augment its "
            "training images instead."
        )
    pipe = Pipeline([
        ("features", features_for(spec.features, image_shape, random_state, spec.reference)),
        # Distances and networks read pixels as they are; linear models want them centred.
        ("scale", "passthrough" if spec.reads_images or spec.classifier in
         ("knn", "skknn") else StandardScaler(with_std=spec.features != "pixels")),
        ("clf", classifier_for(spec.classifier, random_state, spec.features, augment,
                               image_shape)),
    ])
    if params:
        pipe.set_params(**params)
    return pipe
