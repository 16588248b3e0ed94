"""BagOfVisualWords: shapes, pooled counts, determinism, errors, dtypes, sklearn integration."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_info, threadpool_limits

from features import _patches
from features._base import iter_chunks
from features._validation import to_float_images
from features.bovw import BagOfVisualWords
from features.words import save_words_image, words_image
from features.pixels import RawPixels
from tests._blas import needs_split_invariant_blas



@pytest.fixture(autouse=True)
def _single_threaded():
    # k-means' OpenMP threads spin at barriers: on a busy 2-core machine they
    # slow these tiny fits down tenfold. One thread keeps the suite fast.
    with threadpool_limits(limits=1):
        yield


def _blas_threads():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


SMALL = dict(n_words=8, patch_size=3, patches_per_image=10, max_iter=20, random_state=0)


@pytest.fixture(scope="module")
def images():
    # Smooth random images (blurred noise) so patches have structure to cluster.
    rng = np.random.RandomState(0)
    x = rng.rand(12, 11, 10, 3)
    x = (x + np.roll(x, 1, axis=1) + np.roll(x, 1, axis=2)) / 3
    return (x * 255).astype(np.uint8)


@pytest.mark.parametrize("encoding", ["hard", "soft", "triangle"])
@pytest.mark.parametrize("pooling, n_regions", [("global", 1), ("quadrants", 4), ("pyramid", 5)])
def test_shapes_of_words_and_features(images, encoding, pooling, n_regions):
    bovw = BagOfVisualWords(encoding=encoding, pooling=pooling, **SMALL).fit(images)
    assert bovw.words_.shape == (8, 3 * 3 * 3)
    assert bovw.whitening_.shape == (27, 27)
    assert bovw.grid_shape_ == (9, 8)
    assert 1 <= bovw.n_iter_ <= 20
    out = bovw.transform(images)
    assert out.shape == (12, n_regions * 8)
    assert len(bovw.get_feature_names_out()) == out.shape[1]


@pytest.mark.parametrize("stride", [1, 2])
def test_hard_codes_in_a_region_sum_to_its_patches(images, stride):
    bovw = BagOfVisualWords(encoding="hard", pooling="pyramid", stride=stride, **SMALL)
    out = bovw.fit(images).transform(images).reshape(12, 5, 8)
    nh, nw = _patches.grid_shape((11, 10), 3, stride)
    h2, w2 = (nh + 1) // 2, (nw + 1) // 2
    want = [nh * nw, h2 * w2, h2 * (nw - w2), (nh - h2) * w2, (nh - h2) * (nw - w2)]
    np.testing.assert_array_equal(out.sum(axis=2), np.tile(want, (12, 1)))


def test_soft_codes_in_a_region_sum_to_its_patches(images):
    out = BagOfVisualWords(encoding="soft", pooling="global", **SMALL).fit_transform(images)
    np.testing.assert_allclose(out.sum(axis=1), 9 * 8, rtol=1e-5)


def test_triangle_codes_are_non_negative_and_sparse(images):
    bovw = BagOfVisualWords(encoding="triangle", pooling="global", **SMALL).fit(images)
    out = bovw.transform(images)
    assert (out >= 0).all()
    assert (out > 0).any()


def test_same_random_state_gives_identical_output(images):
    a = BagOfVisualWords(**SMALL).fit(images)
    b = BagOfVisualWords(**SMALL).fit(images)
    np.testing.assert_array_equal(a.words_, b.words_)
    np.testing.assert_array_equal(a.transform(images), b.transform(images))
    c = BagOfVisualWords(**{**SMALL, "random_state": 1}).fit(images)
    assert not np.array_equal(a.words_, c.words_)


def test_chunking_and_threads_do_not_change_the_output(images):
    one = BagOfVisualWords(**SMALL).fit(images).transform(images)
    many = BagOfVisualWords(chunk_size=5, n_jobs=2, **SMALL).fit(images).transform(images)
    np.testing.assert_allclose(many, one, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype, gray, encoding, power, normalize, chunk_size, n_jobs", [
    (np.uint8, False, "triangle", 0.5, "l2", 5, 2),
    (np.float64, False, "soft", 1.0, "l1", None, None),
    (np.float32, True, "hard", 0.7, None, 1, 2),
    (np.uint8, False, "triangle", 1.0, None, 4, None),
])
def test_transform_is_the_per_chunk_computation_bit_for_bit(images, dtype, gray, encoding, power,
                                                             normalize, chunk_size, n_jobs):
    # The pipeline of transform spelled out chunk by chunk: floats of the
    # output dtype, normalized and whitened patches, codes pooled per region,
    # then the power and the row normalization.
    X = images[..., :1] if gray else images
    X = X if dtype == np.uint8 else (X / 255).astype(dtype)
    bovw = BagOfVisualWords(encoding=encoding, power=power, normalize=normalize,
                            chunk_size=chunk_size, n_jobs=n_jobs, **SMALL).fit(X)
    floats = to_float_images(X)
    words_aug = _patches.augment_words(bovw.words_, floats.dtype)
    parts = []
    for s in iter_chunks(len(X), chunk_size or len(X)):
        patches = _patches.extract_patches(floats[s], bovw.patch_size, bovw.stride)
        patches = patches.reshape(-1, patches.shape[-1])
        _patches.normalize_patches(patches, bovw.norm_eps)
        patches = (patches - bovw.patch_mean_) @ bovw.whitening_
        parts.append(_patches.encode_pool(patches, words_aug, bovw.grid_shape_, encoding,
                                          "quadrants", sigma=bovw.sigma_))
    want = np.concatenate(parts)
    want = np.sqrt(want) if power == 0.5 else want ** want.dtype.type(power)
    if normalize is not None:
        norms = np.linalg.norm(want, ord=1 if normalize == "l1" else 2, axis=1, keepdims=True)
        want /= np.where(norms > 0, norms, 1)
    np.testing.assert_array_equal(bovw.transform(X), want)


@pytest.mark.parametrize("encoding, power, normalize, total, rows", [
    ("triangle", 0.5, "l2", 59.6943497, [[0.0328673, 0.267792, 0.183207],
                                         [0.0645385, 0.255047, 0.0879507]]),
    ("soft", 1.0, None, 864.0, [[0.433026, 4.69057, 2.24492], [0.564187, 4.50842, 0.889499]]),
    ("hard", 0.7, "l1", 12.0, [[0.0, 0.0750647, 0.0214156], [0.0, 0.0914382, 0.0]]),
])
def test_transform_known_values(images, encoding, power, normalize, total, rows):
    # Numbers computed by the transform as it stood when chunking moved to the
    # base class; the words are set by hand so that k-means does not enter.
    bovw = BagOfVisualWords(encoding=encoding, power=power, normalize=normalize, soft_sigma=2.0,
                            chunk_size=5, n_jobs=2, **SMALL).fit(images)
    bovw.words_ = np.random.RandomState(1).standard_normal((8, 27)).astype(np.float32)
    out = bovw.transform(images)
    assert out.dtype == np.float32
    assert float(out.sum(dtype=np.float64)) == pytest.approx(total, rel=1e-6)
    np.testing.assert_allclose(out[[0, 11], :3], rows, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype, itemsize", [(np.uint8, 4), (np.float64, 8)])
def test_default_chunks_keep_the_patches_by_words_block_within_budget(images, monkeypatch,
                                                                      dtype, itemsize):
    import features.bovw as bovw_module

    X = images if dtype == np.uint8 else images / 255
    bovw = BagOfVisualWords(**SMALL).fit(X)
    whole = bovw.transform(X)
    block = 9 * 8 * 8 * itemsize  # bytes of one image's (patches x words) block
    monkeypatch.setattr(bovw_module, "_CHUNK_BYTES", 5 * block + block // 2)
    sizes = []
    real = _patches.encode_pool
    monkeypatch.setattr(_patches, "encode_pool",
                        lambda y, *a, **k: sizes.append(y.shape[0] // 72) or real(y, *a, **k))
    np.testing.assert_allclose(bovw.transform(X), whole, rtol=1e-6)
    assert sizes == [5, 5, 2]


@pytest.mark.parametrize("n_jobs, chunk_size, expected", [(2, 3, {1}), (None, 3, {2}), (2, None, {2})])
def test_blas_runs_one_thread_per_chunk_only_when_chunks_run_in_parallel(
        images, monkeypatch, n_jobs, chunk_size, expected):
    seen = []
    real = _patches.encode_pool

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return real(*args, **kwargs)

    bovw = BagOfVisualWords(n_jobs=n_jobs, chunk_size=chunk_size, **SMALL).fit(images)
    monkeypatch.setattr(_patches, "encode_pool", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() != {2}:
            pytest.skip("BLAS cannot run two threads here")
        bovw.transform(images)  # chunk_size=None: one chunk of these small images
        assert _blas_threads() == {2}
    assert seen and all(threads == expected for threads in seen)


@pytest.mark.parametrize("dtype, scale, expected", [
    (np.uint8, 255, np.float32), (np.float32, 1, np.float32), (np.float64, 1, np.float64)])
def test_dtype_rule(images, dtype, scale, expected):
    x = (images / 255 * scale).astype(dtype) if dtype != np.uint8 else images
    bovw = BagOfVisualWords(**SMALL).fit(x)
    assert bovw.transform(x).dtype == expected


def test_gray_images_without_channel_axis(images):
    gray = images[..., 0]
    bovw = BagOfVisualWords(**SMALL).fit(gray)
    assert bovw.words_.shape == (8, 9)
    np.testing.assert_allclose(bovw.transform(gray), bovw.transform(gray[..., None]))


@pytest.mark.parametrize("norm, order", [("l1", 1), ("l2", 2)])
def test_final_normalization(images, norm, order):
    out = BagOfVisualWords(normalize=norm, **SMALL).fit_transform(images)
    np.testing.assert_allclose(np.linalg.norm(out, ord=order, axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("power", [0.5, 0.25])
def test_power_is_applied_to_the_pooled_sums_before_normalizing(images, power):
    plain = BagOfVisualWords(**SMALL).fit(images)
    sums = plain.transform(images)
    powered = BagOfVisualWords(power=power, **SMALL).fit(images).transform(images)
    np.testing.assert_allclose(powered, sums ** power, rtol=1e-5)
    both = BagOfVisualWords(power=power, normalize="l2", **SMALL).fit_transform(images)
    want = sums ** power / np.linalg.norm(sums ** power, axis=1, keepdims=True)
    np.testing.assert_allclose(both, want, rtol=1e-5)
    # power does not change what fit learns: it may be set after fit.
    np.testing.assert_allclose(plain.set_params(power=power).transform(images), powered)


def test_without_whitening(images):
    bovw = BagOfVisualWords(whiten=False, **SMALL).fit(images)
    assert bovw.whitening_ is None
    # normalized patches have zero mean, so do the words (means of such patches)
    np.testing.assert_allclose(bovw.words_.sum(axis=1), 0, atol=1e-4)


@pytest.mark.parametrize("params, error, match", [
    ({"n_words": 200}, ValueError, r"n_words=200 is larger than the 120 patches"),
    ({"patch_size": 11}, ValueError, r"patch_size=11 is larger than the images, which are 11x10"),
    ({"stride": 0}, ValueError, r"stride must be an integer >= 1; got 0"),
    ({"stride": 1.5}, TypeError, r"stride must be an integer >= 1; got 1.5 of type float"),
    ({"encoding": "fuzzy"}, ValueError, r"encoding must be one of .*got 'fuzzy'"),
    ({"pooling": "max"}, ValueError, r"pooling must be one of .*got 'max'"),
    ({"patch_size": 10, "pooling": "quadrants"}, ValueError, r"needs at least 2x2 patch positions"),
    ({"norm_eps": -1}, ValueError, r"norm_eps must be a finite number >= 0; got -1"),
    ({"whiten_eps": 0.0}, ValueError, r"whiten_eps must be a finite number > 0; got 0.0"),
    ({"soft_sigma": np.inf}, ValueError, r"soft_sigma must be a finite number > 0; got inf"),
    ({"whiten": "yes"}, TypeError, r"whiten must be True or False; got 'yes'"),
    ({"power": 0}, ValueError, r"power must be a finite number > 0; got 0"),
    ({"power": "sqrt"}, TypeError, r"power must be a finite number > 0; got 'sqrt' of type str"),
    ({"normalize": "l3"}, ValueError, r"normalize must be one of None, 'l1', 'l2'; got 'l3'"),
    ({"kmeans": "elkan"}, ValueError, r"kmeans must be one of 'minibatch', 'full'; got 'elkan'"),
    ({"max_patches": 0}, ValueError, r"max_patches must be an integer >= 1; got 0"),
    ({"max_patches": 1e6}, TypeError, r"max_patches must be an integer >= 1; got 1000000.0"),
    ({"n_words": 25, "max_patches": 20}, ValueError,
     r"n_words=25 is larger than the 20 patches sampled \(2 images x 10 patches each, "
     r"max_patches=20\)"),
])
def test_clear_errors_at_fit(images, params, error, match):
    with pytest.raises(error, match=match):
        BagOfVisualWords(**{**SMALL, **params}).fit(images)


def test_transform_before_fit_raises_not_fitted(images):
    with pytest.raises(NotFittedError):
        BagOfVisualWords().transform(images)


def test_transform_refuses_images_of_another_size(images):
    bovw = BagOfVisualWords(**SMALL).fit(images)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(11, 10, 3\)"):
        bovw.transform(images[:, :9])


def test_pandas_output_and_union_with_other_features(images):
    union = make_union(RawPixels(), BagOfVisualWords(**SMALL)).set_output(transform="pandas")
    df = union.fit_transform(images)
    assert isinstance(df, pd.DataFrame)
    assert df.shape == (12, 11 * 10 * 3 + 4 * 8)
    assert "bagofvisualwords__top_left_word0" in df.columns


def test_defaults_work_on_tiny_gray_digits():
    from sklearn.datasets import load_digits

    digits = (load_digits().images[:150] / 16).astype(np.float32)  # 8x8, values 0..16
    bovw = BagOfVisualWords(n_words=100, random_state=0).fit(digits)
    assert bovw.grid_shape_ == (3, 3)
    assert bovw.transform(digits).shape == (150, 400)


def test_words_image_unwhitens_the_words(images):
    bovw = BagOfVisualWords(**SMALL).fit(images)
    grid = words_image(bovw, n_cols=4, border=1)
    assert grid.shape == (2 * 4 + 1, 4 * 4 + 1, 3)
    # the first tile is the first word mapped back through the inverse ZCA
    raw = np.linalg.solve(bovw.whitening_.astype(np.float64), bovw.words_[0]) + bovw.patch_mean_
    raw = (raw - raw.min()) / (raw.max() - raw.min())
    np.testing.assert_allclose(grid[1:4, 1:4].reshape(-1), raw, atol=1e-5)


def test_save_words_image_writes_a_png(images, tmp_path):
    import matplotlib.image as mpimg

    bovw = BagOfVisualWords(**SMALL).fit(images)
    saved = save_words_image(bovw, tmp_path / "words.png", scale=2)
    back = mpimg.imread(tmp_path / "words.png")
    assert back.shape[:2] == saved.shape[:2] == (2 * 13, 2 * 13)


def test_learns_useful_features_on_real_cifar10(cifar10):
    # A small slice of the real data: 50 words on 400 training images must
    # beat chance (0.10) by a wide margin on 200 test images.
    bovw = BagOfVisualWords(n_words=50, stride=2, patches_per_image=20, random_state=0)
    model = make_pipeline(bovw, StandardScaler(), LinearSVC(C=0.01))
    model.fit(cifar10.X_train[:400], cifar10.y_train[:400])
    assert model.score(cifar10.X_test[:200], cifar10.y_test[:200]) > 0.25


@pytest.mark.parametrize("kmeans, cls", [("minibatch", "MiniBatchKMeans"), ("full", "KMeans")])
def test_vocabulary_comes_from_sklearn_kmeans(images, kmeans, cls):
    bovw = BagOfVisualWords(kmeans=kmeans, **SMALL).fit(images)
    assert type(bovw.kmeans_).__name__ == cls
    np.testing.assert_allclose(bovw.words_, bovw.kmeans_.cluster_centers_, rtol=1e-6)


@pytest.mark.parametrize("sigma", [None, 0.5])
def test_soft_sigma_is_given_or_the_rms_distance_to_the_nearest_word(images, sigma):
    bovw = BagOfVisualWords(encoding="soft", soft_sigma=sigma, **SMALL).fit(images)
    n_patches = 12 * 10
    want = sigma if sigma is not None else np.sqrt(bovw.kmeans_.inertia_ / n_patches)
    assert bovw.sigma_ == pytest.approx(want)


def test_encoding_may_change_after_fit_but_pooling_may_not(images):
    bovw = BagOfVisualWords(**SMALL).fit(images)
    refit = BagOfVisualWords(**{**SMALL, "encoding": "hard"}).fit(images)
    np.testing.assert_array_equal(bovw.set_params(encoding="hard").transform(images),
                                  refit.transform(images))
    with pytest.raises(ValueError, match=r"encoding must be one of .*got 'nope'"):
        bovw.set_params(encoding="nope").transform(images)
    with pytest.raises(ValueError, match=r"pooling='global' gives 8 features .* fit it again"):
        bovw.set_params(encoding="hard", pooling="global").transform(images)


def test_fit_on_8_bit_images_learns_what_it_learns_from_their_float_conversion(images):
    from_uint8 = BagOfVisualWords(**SMALL).fit(images)
    from_floats = BagOfVisualWords(**SMALL).fit(to_float_images(images, np.float32))
    np.testing.assert_array_equal(from_uint8.words_, from_floats.words_)
    np.testing.assert_array_equal(from_uint8.whitening_, from_floats.whitening_)


def test_whitening_in_blocks_is_the_whole_product_to_rounding(images, monkeypatch):
    whole = BagOfVisualWords(**SMALL).fit(images)
    import features.bovw as bovw_module

    monkeypatch.setattr(bovw_module, "_WHITEN_ROWS", 7)
    blocks = BagOfVisualWords(**SMALL).fit(images)
    np.testing.assert_array_equal(blocks.whitening_, whole.whitening_)
    np.testing.assert_allclose(blocks.words_, whole.words_, rtol=1e-4, atol=1e-5)


def test_fit_holds_one_float_copy_of_the_sampled_patches(monkeypatch):
    import tracemalloc

    from sklearn.cluster import MiniBatchKMeans

    import features.bovw as bovw_module

    peaks = []

    class Recorded(MiniBatchKMeans):
        def fit(self, X, y=None, sample_weight=None):
            # Everything before the clustering: sampling, normalizing and whitening.
            peaks.append(tracemalloc.get_traced_memory()[1])
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(bovw_module, "MiniBatchKMeans", Recorded)
    # Whitened and summed in small blocks, so the temporaries stay small next to the patches.
    monkeypatch.setattr(bovw_module, "_WHITEN_ROWS", 500)
    monkeypatch.setattr(_patches, "_ZCA_ROWS", 500)
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (400, 16, 16, 3)).astype(np.uint8)
    bovw = BagOfVisualWords(n_words=8, patch_size=6, patches_per_image=50, max_iter=5,
                            random_state=0)
    patch_bytes = 400 * 50 * 6 * 6 * 3 * 4  # float32
    tracemalloc.start()
    try:
        bovw.fit(X)
    finally:
        tracemalloc.stop()
    # A float copy of the images (1.2 MB), a float64 copy of the patches (2 x 8.6 MB) or
    # a whitened copy beside them would each break this bound.
    assert peaks[0] < 1.4 * patch_bytes


@pytest.mark.parametrize("max_patches, n_images", [(40, 4), (59, 5), (9, 1)])
def test_max_patches_samples_from_that_many_images_drawn_at_random(images, monkeypatch,
                                                                   max_patches, n_images):
    seen, real = [], _patches.sample_patches
    monkeypatch.setattr(_patches, "sample_patches",
                        lambda X, *a: seen.append(X) or real(X, *a))
    params = {**SMALL, "n_words": 2, "max_patches": max_patches}
    BagOfVisualWords(**params).fit(images)
    assert len(seen[0]) == n_images
    # Distinct images of the training set, not its first ones.
    rows = [int(np.flatnonzero((images == x).all(axis=(1, 2, 3)))[0]) for x in seen[0]]
    assert len(set(rows)) == n_images and rows != list(range(n_images))


@pytest.mark.parametrize("max_patches", [120, 10**6])
def test_a_cap_the_sample_does_not_reach_changes_nothing(images, max_patches):
    # 12 images x 10 patches = 120: the cap draws nothing, the words are the same.
    capped = BagOfVisualWords(**SMALL, max_patches=max_patches).fit(images)
    free = BagOfVisualWords(**SMALL, max_patches=None).fit(images)
    np.testing.assert_array_equal(capped.words_, free.words_)
    np.testing.assert_array_equal(capped.transform(images), free.transform(images))


def test_a_capped_fit_is_seeded(images):
    params = {**SMALL, "max_patches": 60}
    first = BagOfVisualWords(**params).fit(images).words_
    np.testing.assert_array_equal(first, BagOfVisualWords(**params).fit(images).words_)


@needs_split_invariant_blas
def test_n_jobs_and_blas_threads_do_not_change_a_bit():
    # 800 words and chunks of 3 images, as on CIFAR-10: sizes at which OpenBLAS's
    # two-thread matrix-vector product rounds some patches' mean distance differently,
    # which the triangle code and the square root then carry into the features.
    rng = np.random.RandomState(0)
    x = rng.rand(30, 32, 32, 3)
    for _ in range(3):
        x = (x + np.roll(x, 1, axis=1) + np.roll(x, 1, axis=2)) / 3
    X = (x * 255).astype(np.uint8)
    bovw = BagOfVisualWords(n_words=800, patches_per_image=100, max_iter=5, random_state=0).fit(X)
    with threadpool_limits(limits=2, user_api="blas"):
        if _blas_threads() != {2}:
            pytest.skip("BLAS cannot run two threads here")
        alone = bovw.transform(X)  # one worker, two BLAS threads
    shared = bovw.set_params(n_jobs=2).transform(X)  # two workers, one BLAS thread each
    np.testing.assert_array_equal(alone, shared)
