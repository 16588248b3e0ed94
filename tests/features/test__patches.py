"""Numerics of the bag of visual words, checked against naive loops."""

import numpy as np
import pytest

from features import _patches


def _naive_patches(image, p, s):
    h, w, _ = image.shape
    return np.array([image[r:r + p, c:c + p].reshape(-1)
                     for r in range(0, h - p + 1, s) for c in range(0, w - p + 1, s)])


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("shape", [(9, 7, 1), (8, 10, 3)])
def test_extract_patches_matches_naive_double_loop(stride, shape):
    rng = np.random.RandomState(0)
    images = rng.rand(2, *shape).astype(np.float32)
    got = _patches.extract_patches(images, 3, stride)
    for i in range(2):
        np.testing.assert_array_equal(got[i], _naive_patches(images[i], 3, stride))
    assert got.shape[1] == np.prod(_patches.grid_shape(shape[:2], 3, stride))


def test_sample_patches_are_distinct_patches_of_their_image():
    rng = np.random.RandomState(0)
    images = rng.rand(3, 7, 7, 2)
    got = _patches.sample_patches(images, 3, 2, 5, np.random.RandomState(1))
    assert got.shape == (15, 18)
    for i in range(3):
        every = _naive_patches(images[i], 3, 2)
        mine = got[5 * i:5 * i + 5]
        # each sample is a patch of image i, and no position is drawn twice
        matches = [np.flatnonzero((every == q).all(axis=1)) for q in mine]
        assert all(len(m) == 1 for m in matches)
        assert len({int(m[0]) for m in matches}) == 5


@pytest.mark.parametrize("n_jobs", [None, 2, -1])
def test_sample_patches_in_blocks_on_threads_are_the_whole_draw(monkeypatch, n_jobs):
    images = np.random.RandomState(0).randint(0, 256, (7, 6, 5, 3)).astype(np.uint8)
    monkeypatch.setattr(_patches, "_SAMPLE_IMAGES", 2)
    got = _patches.sample_patches(images, 3, 1, 4, np.random.RandomState(5), n_jobs)
    # The reference: one permutation of the 4 x 3 positions per image from one stream of
    # keys, each position's patch taken from the image itself.
    order = np.argsort(np.random.RandomState(5).random_sample((7, 12)), axis=1)[:, :4]
    want = [images[i, r:r + 3, c:c + 3].reshape(-1) for i in range(7)
            for r, c in zip(*np.divmod(order[i], 3))]
    np.testing.assert_array_equal(got, np.array(want))
    assert got.dtype == np.uint8


def test_sample_patches_caps_at_number_of_positions():
    images = np.random.RandomState(0).rand(2, 4, 4, 1)
    assert _patches.sample_patches(images, 3, 1, 100, np.random.RandomState(0)).shape == (8, 9)


@pytest.mark.parametrize("eps", [0.0, 0.01])
def test_normalize_patches_zero_mean_and_scaled_variance(eps):
    x = np.random.RandomState(0).rand(50, 12) * 3
    var = x.var(axis=1)
    y = _patches.normalize_patches(x.copy(), eps)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), var / (var + eps))


def test_fit_zca_whitens_the_covariance():
    rng = np.random.RandomState(0)
    x = rng.randn(5000, 4) @ rng.randn(4, 4)
    mean, w = _patches.fit_zca(x, 1e-9)
    y = (x - mean) @ w
    np.testing.assert_allclose(np.cov(y.T), np.eye(4), atol=1e-6)
    np.testing.assert_allclose(w, w.T)  # ZCA, not any whitening: symmetric


def _naive_distances(y, words):
    return np.sqrt(((y[:, None, :] - words[None]) ** 2).sum(-1))


def _setup(n_img=3, grid=(5, 4), d=6, k=7, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randn(n_img * grid[0] * grid[1], d)
    words = rng.randn(k, d)
    return y, words, _patches.augment_words(words, np.float64)


def test_augmented_product_gives_squared_distances():
    y, words, aug = _setup()
    d2 = _patches._augment_patches(y) @ aug
    np.testing.assert_allclose(d2, _naive_distances(y, words) ** 2, atol=1e-10)


def _quadrant_of(grid):
    nh, nw = grid
    r, c = np.divmod(np.arange(nh * nw), nw)
    return (r >= (nh + 1) // 2) * 2 + (c >= (nw + 1) // 2)


@pytest.mark.parametrize("encoding", ["hard", "soft", "triangle"])
def test_encode_pool_matches_naive_codes_summed_per_quadrant(encoding):
    y, words, aug = _setup()
    grid, n_img, k = (5, 4), 3, words.shape[0]
    z = _naive_distances(y, words)
    if encoding == "hard":
        codes = np.eye(k)[z.argmin(axis=1)]
    elif encoding == "triangle":
        codes = np.maximum(0, z.mean(axis=1, keepdims=True) - z)
    else:
        e = np.exp(-z**2 / (2 * 1.5**2))
        codes = e / e.sum(axis=1, keepdims=True)
    quad = np.tile(_quadrant_of(grid), n_img)
    image = np.repeat(np.arange(n_img), 20)
    want = np.zeros((n_img, 4, k))
    np.add.at(want, (image, quad), codes)
    got = _patches.encode_pool(y, aug, grid, encoding, "quadrants", sigma=1.5)
    np.testing.assert_allclose(got, want.reshape(n_img, -1), atol=1e-9)


@pytest.mark.parametrize("encoding", ["hard", "soft", "triangle"])
def test_pyramid_is_global_then_quadrants(encoding):
    y, _, aug = _setup()
    glob = _patches.encode_pool(y, aug, (5, 4), encoding, "global", sigma=1.0)
    quad = _patches.encode_pool(y, aug, (5, 4), encoding, "quadrants", sigma=1.0)
    pyr = _patches.encode_pool(y, aug, (5, 4), encoding, "pyramid", sigma=1.0)
    np.testing.assert_allclose(pyr, np.hstack([glob, quad]), atol=1e-9)


def test_fit_zca_in_blocks_matches_the_one_shot_covariance(monkeypatch):
    rng = np.random.RandomState(1)
    x = (rng.randn(3001, 5) @ rng.randn(5, 5) + 3.0).astype(np.float32)
    monkeypatch.setattr(_patches, "_ZCA_ROWS", 64)
    mean, w = _patches.fit_zca(x, 0.1)
    x64 = x.astype(np.float64)
    np.testing.assert_array_equal(mean, x64.mean(axis=0))
    vals, vecs = np.linalg.eigh(np.cov(x64.T))
    np.testing.assert_allclose(w, (vecs / np.sqrt(vals + 0.1)) @ vecs.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_jobs", [2, 3, -1])
def test_fit_zca_on_threads_is_the_serial_sum_bit_for_bit(monkeypatch, n_jobs):
    from features.threads import ordered_sums

    rng = np.random.RandomState(2)
    x = (rng.randn(5000, 6) @ rng.randn(6, 6) + 1.0).astype(np.float32)
    # 79 blocks: several waves, the last one short.
    monkeypatch.setattr(_patches, "_ZCA_ROWS", 64)
    with ordered_sums():
        mean, w = _patches.fit_zca(x, 0.1, n_jobs=1)
    got_mean, got_w = _patches.fit_zca(x, 0.1, n_jobs=n_jobs)
    np.testing.assert_array_equal(got_mean, mean)
    np.testing.assert_array_equal(got_w, w)
