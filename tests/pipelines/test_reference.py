import numpy as np
import pytest
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC

from classifiers.augment import shift_images
from pipelines.reference import PartialFitAugmented, reference_pixels, skimage_hog_hue


def test_hog_hue_matches_one_image_by_hand():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    h = hog(rgb2gray(img), 9, (8, 8), (2, 2), block_norm="L2-Hys")
    hist = np.histogram(rgb2hsv(img)[..., 0], bins=10, range=(0, 1))[0] / 1024
    np.testing.assert_allclose(skimage_hog_hue(img[None])[0], np.r_[h, hist])


def test_gray_images_get_no_hue_histogram():
    out = skimage_hog_hue(np.zeros((2, 8, 8), np.uint8), pixels_per_cell=(2, 2))
    assert out.shape == (2, 9 * 3 * 3 * 4)


def test_reference_pixels_scale():
    out = reference_pixels().fit_transform(np.full((1, 2, 2, 3), 255, np.uint8))
    assert out.dtype == np.float32 and out.shape == (1, 12) and (out == 1).all()


def test_skimage_hog_hue_on_processes_gives_the_same_features():
    from pipelines.reference import SkimageHogHue

    images = np.random.default_rng(0).integers(0, 256, (37, 16, 16, 3), dtype=np.uint8)
    alone = SkimageHogHue(pixels_per_cell=(4, 4)).fit_transform(images)
    shared = SkimageHogHue(pixels_per_cell=(4, 4), n_jobs=2).fit_transform(images)
    np.testing.assert_array_equal(shared, alone)
    np.testing.assert_array_equal(alone, skimage_hog_hue(images, pixels_per_cell=(4, 4)))


@pytest.mark.parametrize("value, error", [(0, ValueError), (1.5, TypeError)])
def test_skimage_hog_hue_refuses_a_bad_n_jobs(value, error):
    from pipelines.reference import SkimageHogHue

    with pytest.raises(error, match="n_jobs must be an integer"):
        SkimageHogHue(n_jobs=value).fit(np.zeros((1, 16, 16, 3), np.uint8))


@pytest.mark.parametrize("method", ["fit", "transform"])
@pytest.mark.parametrize("value, error, match", [
    ((4, 0), ValueError, r"pixels_per_cell\[1\] must be an integer >= 1; got 0"),
    ("8", TypeError, "pixels_per_cell must be a pair of integers >= 1"),
    ((8, 8, 8), TypeError, "pixels_per_cell must be a pair of integers >= 1")])
def test_skimage_hog_hue_refuses_a_bad_cell_before_any_image(method, value, error, match):
    from pipelines.reference import SkimageHogHue

    with pytest.raises(error, match=match):
        getattr(SkimageHogHue(pixels_per_cell=value), method)(np.zeros((1, 16, 16, 3), np.uint8))


def test_skimage_hog_hue_reads_one_integer_as_a_square_cell():
    from pipelines.reference import SkimageHogHue

    images = np.random.default_rng(1).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    np.testing.assert_array_equal(SkimageHogHue(pixels_per_cell=4).fit_transform(images),
                                  skimage_hog_hue(images, pixels_per_cell=(4, 4)))


# PartialFitAugmented: a scikit-learn classifier fitted on batches flipped and shifted afresh.
class _Recorder(ClassifierMixin, BaseEstimator):
    """Records what partial_fit receives; predicts the first class."""

    def partial_fit(self, X, y, classes=None):
        self.calls_ = getattr(self, "calls_", []) + [(X.copy(), y.copy(), classes)]
        return self

    def predict(self, X):
        return np.full(len(X), self.calls_[0][2][0])


def _image_rows(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 4 * 5 * 3)), np.arange(n) % 3


def test_partial_fit_sees_every_row_once_per_epoch_as_flipped_shifted_images():
    X, y = _image_rows()
    clf = PartialFitAugmented(_Recorder(), max_epochs=3, batch_size=8, augment="hflip+shift",
                              shift=1, image_shape=(4, 5, 3), random_state=0).fit(X, y)
    calls = clf.estimator_.calls_
    assert [len(c[1]) for c in calls] == [8, 8, 4] * 3
    assert all(np.array_equal(c[2], [0, 1, 2]) for c in calls)
    images = X.reshape(20, 4, 5, 3)
    for epoch in range(3):
        labels, seen = [], []
        for batch, labels_b, _ in calls[3 * epoch:3 * epoch + 3]:
            for row, label in zip(batch.reshape(-1, 4, 5, 3), labels_b):
                # Which image: the one whose mirror or itself, moved by at most a
                # pixel, gives the row (and its label goes with it).
                found = [i for i, img in enumerate(images) for v in (img, img[:, ::-1])
                         for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                         if np.array_equal(shift_images(v[None], np.array([[dy, dx]]), 1)[0],
                                           row)]
                assert found, "a batch row is no flip or shift of any image"
                seen.append(found[0])
                labels.append(label)
        assert sorted(seen) == list(range(20)) and labels == [y[i] for i in seen]
    assert clf.n_iter_ == 3 and clf.predict(X[:2]).tolist() == [0, 0]


def test_partial_fit_draws_are_seeded_and_fresh_every_epoch():
    X, y = _image_rows()
    kw = dict(max_epochs=2, batch_size=20, augment="hflip+shift", image_shape=(4, 5, 3))
    a = PartialFitAugmented(_Recorder(), random_state=1, **kw).fit(X, y).estimator_.calls_
    b = PartialFitAugmented(_Recorder(), random_state=1, **kw).fit(X, y).estimator_.calls_
    for (xa, ya, _), (xb, yb, _) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a[0][0], a[1][0])


def test_partial_fit_without_augment_passes_the_rows_themselves():
    X, y = _image_rows()
    calls = PartialFitAugmented(_Recorder(), max_epochs=1, batch_size=7,
                                random_state=0).fit(X, y).estimator_.calls_
    rows = np.concatenate([c[0] for c in calls])
    order = np.random.default_rng(np.random.RandomState(0).randint(2**31 - 1)).permutation(20)
    np.testing.assert_array_equal(rows, X[order])


def test_partial_fit_of_sgd_learns_and_delegates_predictions():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16 - 0.5
    clf = PartialFitAugmented(SGDClassifier(loss="log_loss", random_state=0), max_epochs=5,
                              random_state=0)
    clf.fit(X[:1000], y[:1000])
    assert clf.score(X[1000:], y[1000:]) > 0.85
    assert clf.predict_proba(X[:3]).shape == (3, 10)
    assert clf.decision_function(X[:3]).shape == (3, 10)
    hinge = PartialFitAugmented(SGDClassifier(random_state=0), max_epochs=1).fit(X, y)
    assert not hasattr(hinge, "predict_proba") and hasattr(hinge, "decision_function")


@pytest.mark.parametrize("kw,error,match", [
    (dict(estimator=LinearSVC()), TypeError,
     r"estimator must have a partial_fit method; got LinearSVC\(\)\. Pass e\.g\."),
    (dict(max_epochs=0), ValueError, r"max_epochs must be an integer >= 1; got 0"),
    (dict(batch_size=1.5), TypeError, r"batch_size must be an integer >= 1; got 1\.5"),
    (dict(augment="vflip"), ValueError, r"augment must be one of 'none', 'hflip'"),
    (dict(augment="shift", shift=0, image_shape=(4, 5, 3)), ValueError,
     r"shift must be an integer >= 1; got 0"),
    (dict(augment="hflip"), ValueError,
     r"image_shape must be \(H, W\) or \(H, W, C\) with H \* W \* C = n_features = 60 when "
     r"augment='hflip'; got None"),
    (dict(augment="hflip", image_shape=(4, 5)), ValueError, r"n_features = 60 .*got \(4, 5\)"),
])
def test_partial_fit_augmented_errors(kw, error, match):
    X, y = _image_rows()
    params = {"estimator": _Recorder(), **kw}
    with pytest.raises(error, match=match):
        PartialFitAugmented(**params).fit(X, y)
