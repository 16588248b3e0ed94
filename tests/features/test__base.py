"""Tests of the shared image-transformer plumbing in features/_base.py."""

import pickle
import re
import threading

import numpy as np
import pytest
from joblib import parallel_config
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.exceptions import NotFittedError

from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels
from features._base import ImageTransformerMixin, iter_chunks, thread_map


class MeanColor(ImageTransformerMixin, BaseEstimator):
    """Minimal subclass: the mean of every channel, recording which chunk sizes it saw."""

    def __init__(self, chunk_size=None, n_jobs=None):
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    @property
    def _n_features_out(self):
        return self.image_shape_[2]

    def _feature_names(self):
        return [f"mean_{c}" for c in range(self.image_shape_[2])]

    def _transform_chunk(self, images):
        return images.mean(axis=(1, 2))


@pytest.mark.parametrize("n_jobs", [None, 1, 2, 3, -1])
def test_thread_map_returns_results_in_item_order(n_jobs):
    items = list(range(11))
    assert thread_map(lambda x: x * x + 1, items, n_jobs) == [x * x + 1 for x in items]


def _meet_at(barrier):
    # Every call waits for the others: only concurrent calls get past it.
    def func(item):
        barrier.wait(timeout=10)
        return threading.get_ident()
    return func


def test_thread_map_runs_n_jobs_calls_at_once():
    idents = thread_map(_meet_at(threading.Barrier(3)), range(3), n_jobs=3)
    assert len(set(idents)) == 3


def test_thread_map_reads_n_jobs_none_from_joblib_parallel_config():
    with parallel_config(n_jobs=2):
        idents = thread_map(_meet_at(threading.Barrier(2)), range(2), n_jobs=None)
    assert len(set(idents)) == 2


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_thread_map_raises_the_error_of_a_call(n_jobs):
    def func(item):
        if item == 3:
            raise ArithmeticError(f"item {item}")
        return item

    with pytest.raises(ArithmeticError, match="item 3"):
        thread_map(func, range(6), n_jobs)


@pytest.mark.parametrize("n, size", [(5, 2), (4, 4), (1, 3), (7, 10)])
def test_iter_chunks_covers_range_once(n, size):
    covered = np.concatenate([np.arange(n)[s] for s in iter_chunks(n, size)])
    np.testing.assert_array_equal(covered, np.arange(n))


@pytest.mark.parametrize("chunk_size, n_jobs", [(None, None), (3, None), (1, 2), (4, -1)])
def test_chunked_transform_equals_whole_batch(chunk_size, n_jobs):
    X = np.random.default_rng(0).random((10, 5, 6, 3))
    expected = X.mean(axis=(1, 2))
    got = MeanColor(chunk_size=chunk_size, n_jobs=n_jobs).fit(X).transform(X)
    np.testing.assert_allclose(got, expected)


class ShiftedMeanColor(MeanColor):
    """MeanColor plus the batch size, through the optional hooks of transform."""

    def __init__(self, chunk_size=None, n_jobs=None):
        super().__init__(chunk_size, n_jobs)
        self.seen = []  # (hook, value) in call order; list.append is thread-safe

    def _check_transform_params(self):
        self.seen.append(("check", None))

    def _before_transform(self, images):
        self.seen.append(("before", images.dtype))
        return {"shift": float(images.shape[0])}

    def _default_chunk_size(self, n_images, work_dtype):
        self.seen.append(("default_chunk_size", (n_images, work_dtype)))
        return 4

    def _chunk_blas_limit(self, n_workers):
        self.seen.append(("blas", n_workers))
        return None

    def _transform_chunk(self, images, shift):
        self.seen.append(("chunk", images.shape[0]))
        return images.mean(axis=(1, 2)) + shift


@pytest.mark.parametrize("chunk_size, n_jobs, chunks, workers", [
    (None, None, [4, 4, 2], 1), (None, 2, [4, 4, 2], 2), (3, 2, [3, 3, 3, 1], 2),
    (10, 2, [10], 1), (20, None, [10], 1),
])
def test_transform_hooks_in_order_with_their_arguments(chunk_size, n_jobs, chunks, workers):
    X = np.random.default_rng(1).integers(0, 256, (10, 5, 6, 3), dtype=np.uint8)
    est = ShiftedMeanColor(chunk_size=chunk_size, n_jobs=n_jobs).fit(X)
    got = est.transform(X)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_allclose(got, (X / 255).mean(axis=(1, 2)) + 10, rtol=1e-6)
    expected = [("check", None), ("before", np.uint8)]
    if chunk_size is None:
        expected.append(("default_chunk_size", (10, np.float64)))
    expected.append(("blas", workers))
    assert est.seen[:len(expected)] == expected
    assert sorted(v for hook, v in est.seen[len(expected):]) == sorted(chunks)


class PixelBudgetMeanColor(MeanColor):
    """MeanColor whose default chunk holds 40 pixels, recording the chunks it saw."""

    _chunk_pixels = 40

    def __init__(self, chunk_size=None, n_jobs=None):
        super().__init__(chunk_size, n_jobs)
        self.chunks = []

    def _transform_chunk(self, images):
        self.chunks.append(images.shape[0])
        return super()._transform_chunk(images)


@pytest.mark.parametrize("shape, chunk_size, chunks", [
    ((4, 5, 3), None, [2, 2, 2, 1]), ((2, 2, 3), None, [7]), ((9, 9, 1), None, [1] * 7),
    ((4, 5, 3), 3, [3, 3, 1]),
])
def test_pixel_budget_sets_the_default_chunk(shape, chunk_size, chunks):
    X = np.random.default_rng(2).random((7,) + shape)
    est = PixelBudgetMeanColor(chunk_size=chunk_size).fit(X)
    np.testing.assert_allclose(est.transform(X), X.mean(axis=(1, 2)))
    assert est.chunks == chunks


def test_check_transform_params_runs_before_the_batch_is_checked():
    class Strict(MeanColor):
        def _check_transform_params(self):
            raise ValueError("bad parameter first")

    est = Strict().fit(np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="bad parameter first"):
        est.transform(np.full((2, 4, 4, 3), np.nan))


def test_fit_records_image_shape_and_n_features():
    est = MeanColor().fit(np.zeros((2, 5, 6), dtype=np.uint8))
    assert est.image_shape_ == (5, 6, 1)
    assert est.n_features_out_ == 1
    assert list(est.get_feature_names_out()) == ["mean_0"]


def test_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        MeanColor().transform(np.zeros((2, 4, 4, 3)))


def test_transform_rejects_other_image_shape():
    est = MeanColor().fit(np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(4, 4, 3\)"):
        est.transform(np.zeros((2, 5, 4, 3)))


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2", np.True_])
def test_bad_n_jobs_raises_value_error_at_fit(n_jobs):
    with pytest.raises(ValueError, match=r"n_jobs must be an integer( >= 1)?; got "
                                         + re.escape(repr(n_jobs)) + r"\. Pass None, a number"):
        MeanColor(n_jobs=n_jobs).fit(np.zeros((2, 4, 4, 3)))


@pytest.mark.parametrize("n_jobs", [None, 1, 2, -1, -2, np.int64(2)])
def test_n_jobs_accepts_none_and_nonzero_integers(n_jobs):
    X = np.zeros((2, 4, 4, 3))
    np.testing.assert_array_equal(MeanColor(n_jobs=n_jobs).fit(X).transform(X), np.zeros((2, 3)))


@pytest.mark.parametrize("chunk_size, error", [(0, ValueError), (2.5, TypeError)])
def test_bad_chunk_size_raises_at_fit(chunk_size, error):
    with pytest.raises(error, match=rf"chunk_size must be an integer >= 1; got {chunk_size}"):
        MeanColor(chunk_size=chunk_size).fit(np.zeros((2, 4, 4, 3)))


def test_pandas_output_uses_feature_names():
    est = MeanColor().set_output(transform="pandas").fit(np.zeros((2, 4, 4, 3)))
    df = est.transform(np.zeros((2, 4, 4, 3)))
    assert list(df.columns) == ["mean_0", "mean_1", "mean_2"]


# -- bad input, the same clear error from every image transformer ----------------

TRANSFORMERS = [MeanColor, HOG, ColorHistogram, RawPixels]


def _with(value, index=(0, 0, 0, 0), shape=(2, 16, 16, 3)):
    X = np.full(shape, 0.5)
    X[index] = value
    return X


@pytest.mark.parametrize("cls", TRANSFORMERS)
@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((4, 16)), ValueError, r"batch of images.*got an array with 2 dimension"),
        (np.zeros((1, 2, 16, 16, 3)), ValueError, r"got an array with 5 dimension"),
        (np.zeros((0, 16, 16, 3)), ValueError, "empty batch"),
        (_with(np.nan), ValueError, "NaN or infinite"),
        (_with(np.inf), ValueError, "NaN or infinite"),
        (_with(1.5), ValueError, r"values in \[0.5, 1.5\].*must lie in \[0, 1\]"),
        (_with(-0.25), ValueError, r"float images must lie in \[0, 1\]"),
        (np.full((2, 16, 16, 3), 300, dtype=np.int64), ValueError, r"integer images must lie in"),
        (np.full((2, 16, 16, 3), "a"), TypeError, "numeric image array"),
        (np.zeros((2, 16, 16, 3), dtype=complex), ValueError, "Complex data not supported"),
    ],
)
def test_bad_batch_raises_clear_error_at_fit(cls, X, error, match):
    with pytest.raises(error, match=match):
        cls().fit(X)


@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_sparse_input_raises(cls):
    with pytest.raises(TypeError, match="sparse input is not supported"):
        cls().fit(sparse.csr_array(np.zeros((4, 16))))


@pytest.mark.parametrize("cls", TRANSFORMERS)
@pytest.mark.parametrize("other", [(2, 16, 24, 3), (2, 24, 16, 3), (2, 16, 16)])
def test_transform_rejects_images_of_another_size(cls, other):
    est = cls().fit(np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(16, 16, 3\)"):
        est.transform(np.zeros(other))


@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_transform_checks_values_too(cls):
    est = cls().fit(np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match="NaN"):
        est.transform(_with(np.nan))


@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_unfitted_transform_and_feature_names_raise(cls):
    with pytest.raises(NotFittedError):
        cls().transform(np.zeros((2, 16, 16, 3)))
    with pytest.raises(NotFittedError):
        cls().get_feature_names_out()


# -- image versions of the scikit-learn checks that 2-D input keeps from running -------

IMAGE_TRANSFORMERS = [HOG(pixels_per_cell=(4, 4)), ColorHistogram(channels=None, bins=4),
                      RawPixels()]


@pytest.fixture(scope="module")
def small_batch():
    return np.random.default_rng(7).integers(0, 256, (9, 16, 16, 3), dtype=np.uint8)


@pytest.mark.parametrize("est", IMAGE_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_fit_is_idempotent_and_leaves_params_alone(est, small_batch):
    est = clone(est)
    params = est.get_params()
    first = est.fit(small_batch).transform(small_batch)
    assert est.fit(small_batch) is est
    np.testing.assert_array_equal(first, est.transform(small_batch))
    assert est.get_params() == params


@pytest.mark.parametrize("est", IMAGE_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_transform_is_per_image(est, small_batch):
    # Subset and order invariance: an image's features do not depend on its batch.
    est = clone(est).fit(small_batch)
    full = est.transform(small_batch)
    order = np.random.default_rng(0).permutation(len(small_batch))
    np.testing.assert_array_equal(est.transform(small_batch[order]), full[order])
    np.testing.assert_array_equal(est.transform(small_batch[2:3]), full[2:3])


@pytest.mark.parametrize("est", IMAGE_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_pickle_round_trip_keeps_output(est, small_batch):
    est = clone(est).fit(small_batch)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(small_batch), est.transform(small_batch))


@pytest.mark.parametrize("est", IMAGE_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_read_only_and_fortran_input(est, small_batch):
    X = (small_batch / 255).astype(np.float32)
    expected = clone(est).fit_transform(X)
    frozen = X.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(clone(est).fit_transform(frozen), expected)
    np.testing.assert_array_equal(clone(est).fit_transform(np.asfortranarray(X)), expected)


@pytest.mark.parametrize("est", IMAGE_TRANSFORMERS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("dtype, expected", [(np.uint8, np.float32), (np.uint16, np.float32),
                                             (np.bool_, np.float32), (np.float32, np.float32),
                                             (np.float64, np.float64)])
def test_output_dtype_rule(est, small_batch, dtype, expected):
    X = small_batch.astype(dtype) if dtype not in (np.float32, np.float64) else \
        (small_batch / 255).astype(dtype)
    if dtype == np.bool_:
        X = small_batch > 127
    out = clone(est).fit_transform(X)
    assert out.dtype == expected
    assert np.isfinite(out).all()


def test_union_of_hog_and_hue_in_a_pipeline_with_pandas_output(cifar10):
    X, y = cifar10.X_train[:150], cifar10.y_train[:150]
    pipe = make_pipeline(make_union(HOG(), ColorHistogram()), StandardScaler(),
                         LogisticRegression(max_iter=100))
    pipe.set_output(transform="pandas")
    pipe.fit(X, y)
    assert pipe.predict(cifar10.X_test[:20]).shape == (20,)
    frame = pipe[:-1].transform(X[:5])
    assert frame.shape == (5, 324 + 10)
    assert frame.columns[0] == "hog__hog_b0_0_c0_0_o0"
    assert frame.columns[-1] == "colorhistogram__hue_9"
    # Better than chance (0.1) on training data: the features carry signal.
    assert pipe.score(X, y) > 0.3


def test_transform_converts_to_float_one_chunk_at_a_time(monkeypatch):
    import features._base as base

    seen = []
    real = base.to_float_images

    def spy(chunk, dtype=None):
        seen.append((chunk.shape[0], chunk.dtype))
        return real(chunk, dtype)

    monkeypatch.setattr(base, "to_float_images", spy)
    X = np.random.default_rng(3).integers(0, 256, (10, 4, 4, 3), dtype=np.uint8)
    got = MeanColor(chunk_size=4).fit(X).transform(X)
    assert seen == [(4, np.uint8), (4, np.uint8), (2, np.uint8)]
    np.testing.assert_allclose(got, (X / 255).mean(axis=(1, 2)), rtol=1e-6)


@pytest.mark.parametrize("cls", [HOG, ColorHistogram, RawPixels])
def test_fit_of_features_that_learn_nothing_makes_no_float_copy(cls, monkeypatch):
    import features._validation as validation

    monkeypatch.setattr(validation, "to_float_images", None)  # a call would fail
    est = cls().fit(np.zeros((2, 16, 16, 3), dtype=np.uint8))
    assert est.image_shape_ == (16, 16, 3)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_chunk_blas_threads_caps_blas_during_transform_only(n_jobs):
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    seen = []

    class CappedMeanColor(MeanColor):
        _chunk_products = False  # one BLAS thread always (features.threads)

        def _transform_chunk(self, images):
            seen.append(blas_threads())
            return super()._transform_chunk(images)

    before = blas_threads()
    if before <= {1}:
        pytest.skip("BLAS runs one thread already here (one core or OPENBLAS_NUM_THREADS=1)")
    X = np.random.default_rng(0).random((6, 4, 4, 3))
    CappedMeanColor(chunk_size=2, n_jobs=n_jobs).fit(X).transform(X)
    assert seen and all(threads == {1} for threads in seen)
    assert blas_threads() == before


# -- one image without its batch axis ---------------------------------------------------

def BagOfWords():
    return BagOfVisualWords(n_words=2, patch_size=4, random_state=0)


ALL_TRANSFORMERS = TRANSFORMERS + [BagOfWords]


@pytest.mark.parametrize("cls", ALL_TRANSFORMERS)
@pytest.mark.parametrize("channels", [3, 4])
def test_fit_refuses_one_color_image_without_a_batch_axis(cls, channels):
    image = np.random.default_rng(0).integers(0, 256, (16, 16, channels), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"add a batch axis: X\[np.newaxis\]"):
        cls().fit(image)


@pytest.mark.parametrize("cls", ALL_TRANSFORMERS)
def test_transform_refuses_one_color_image_without_a_batch_axis(cls):
    batch = np.random.default_rng(0).integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    est = cls().fit(batch)
    with pytest.raises(ValueError, match=r"add a batch axis: X\[np.newaxis\]"):
        est.transform(batch[0])
    assert est.transform(batch[:1]).shape == (1, est.n_features_out_)


@pytest.mark.parametrize("cls", [MeanColor, RawPixels])
def test_gray_images_three_pixels_wide_are_fitted_with_a_channel_axis(cls):
    # (N, H, 3) is ambiguous; once fitted on gray (N, H, 3, 1) images it means gray.
    X = np.random.default_rng(0).integers(0, 256, (5, 8, 3), dtype=np.uint8)
    est = cls().fit(X[..., np.newaxis])
    np.testing.assert_array_equal(est.transform(X), est.transform(X[..., np.newaxis]))


@pytest.mark.parametrize("n_jobs, chunk_size", [(None, None), (2, 3)])
def test_transform_into_writes_the_transform_into_a_column_slice(n_jobs, chunk_size):
    from features import HOG

    X = np.random.default_rng(0).integers(0, 256, (10, 16, 16, 3), dtype=np.uint8)
    hog = HOG(pixels_per_cell=(4, 4), chunk_size=chunk_size, n_jobs=n_jobs).fit(X)
    wide = np.full((10, hog.n_features_out_ + 2), -1.0, np.float32)
    returned = hog.transform_into(X, wide[:, 1:-1])
    np.testing.assert_array_equal(wide[:, 1:-1], hog.transform(X))
    assert (wide[:, [0, -1]] == -1).all() and np.shares_memory(returned, wide)


def test_transform_into_refuses_an_array_of_another_shape():
    from features import HOG

    X = np.zeros((4, 16, 16, 3), np.uint8)
    hog = HOG(pixels_per_cell=(4, 4)).fit(X)
    with pytest.raises(ValueError, match=r"out has shape \(4, 3\); the features of 4 images"):
        hog.transform_into(X, np.empty((4, 3), np.float32))
