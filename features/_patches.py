"""Numerics of the bag of visual words: patches, normalization, ZCA, encoding, pooling.

Plain functions on arrays, kept apart from the estimator in :mod:`features.bovw`
so that each step can be tested on its own. Every function works on a whole
chunk of images at once: there is no Python loop over images or patches.

Shapes: images are (n, H, W, C); a patch is flattened in (row, column,
channel) order, the order of ``image[r:r+p, c:c+p].reshape(-1)``, so it has
``d = p * p * C`` values; the patch grid of an image is (nh, nw).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._chunks import iter_chunks
from .threads import n_workers, ordered_sums, product_map, thread_map

__all__ = [
    "grid_shape",
    "extract_patches",
    "sample_size",
    "sample_patches",
    "normalize_patches",
    "fit_zca",
    "augment_words",
    "encode_pool",
    "REGION_NAMES",
]

ENCODINGS = ("hard", "soft", "triangle")
# Rows of patches per block of fit_zca's covariance sums (8 MB of float64 for 6x6x3 patches).
_ZCA_ROWS = 2**13
# Blocks per thread in one wave of fit_zca: each wave holds its blocks' (d, d) partial sums.
_ZCA_WAVE = 4
# Images per block of sample_patches' sort and gather (3 MB of keys for 27 x 27 positions).
_SAMPLE_IMAGES = 512
POOLINGS = ("global", "quadrants", "pyramid")
REGION_NAMES = {
    "global": ("all",),
    "quadrants": ("top_left", "top_right", "bottom_left", "bottom_right"),
    "pyramid": ("all", "top_left", "top_right", "bottom_left", "bottom_right"),
}


def grid_shape(image_hw, patch_size, stride):
    """Number of patch positions (nh, nw) along each axis of an (H, W) image.

    Examples
    --------
    >>> grid_shape((32, 32), 6, 1)
    (27, 27)
    """
    h, w = image_hw
    return (h - patch_size) // stride + 1, (w - patch_size) // stride + 1


def _windows(images, patch_size, stride):
    # A view of shape (n, nh, nw, C, p, p): no copy until the caller reshapes.
    win = sliding_window_view(images, (patch_size, patch_size), axis=(1, 2))
    return win[:, ::stride, ::stride]


def extract_patches(images, patch_size, stride):
    """Every patch of every image, flattened.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C)
    patch_size : int
        Side p of the square patches; at most min(H, W).
    stride : int
        Step between neighbouring patch positions; 1 is dense.

    Returns
    -------
    patches : ndarray of shape (n, nh * nw, p * p * C)
        A new array (row-major over the patch grid), same dtype as ``images``.

    Examples
    --------
    >>> extract_patches(np.arange(16.0).reshape(1, 4, 4, 1), 2, 2)[0, 1]
    array([2., 3., 6., 7.])
    """
    n, c = images.shape[0], images.shape[3]
    win = _windows(images, patch_size, stride).transpose(0, 1, 2, 4, 5, 3)
    return win.reshape(n, win.shape[1] * win.shape[2], patch_size * patch_size * c)


def sample_size(n_images, image_hw, patch_size, stride, patches_per_image, max_patches):
    """Images a vocabulary samples patches from, and patches per image, under a cap.

    Each image gives ``patches_per_image`` patches, or all its positions if
    fewer. The images are all ``n_images`` when ``max_patches`` is None or not
    reached; else ``max_patches`` // (patches per image), at least one.

    Returns
    -------
    (n_sampled, per_image) : tuple of int

    Examples
    --------
    >>> [sample_size(n, (32, 32), 6, 1, 50, 500_000) for n in (9306, 90000)]
    [(9306, 50), (10000, 50)]
    >>> sample_size(90000, (32, 32), 6, 1, 50, None), sample_size(10, (8, 8), 6, 1, 50, 5)
    ((90000, 50), (1, 9))
    """
    nh, nw = grid_shape(image_hw, patch_size, stride)
    per_image = min(patches_per_image, nh * nw)
    if max_patches is None:
        return n_images, per_image
    return min(n_images, max(1, max_patches // per_image)), per_image


def sample_patches(images, patch_size, stride, patches_per_image, rng, n_jobs=None):
    """Patches at random distinct grid positions, the same number from each image.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C)
    patch_size, stride : int
        As in :func:`extract_patches`; samples come from the same grid.
    patches_per_image : int
        Capped at nh * nw (positions are drawn without replacement per image).
    rng : numpy.random.RandomState
        Draws every image's positions, here, in one stream.
    n_jobs : int or None, default=None
        Threads that sort and gather blocks of images; the patches are the
        same for any value.

    Returns
    -------
    patches : ndarray of shape (n * k, p * p * C), k = min(patches_per_image, nh * nw)

    Examples
    --------
    Two 3x3 images hold 2x2 patches at 4 positions each, so 10 per image become 4:

    >>> X = np.arange(18).reshape(2, 3, 3, 1)
    >>> patches = sample_patches(X, 2, 1, 10, np.random.RandomState(0))
    >>> patches.shape
    (8, 4)
    >>> sorted(patches[:4].tolist())  # the first image's, in random order
    [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    """
    n = images.shape[0]
    win = _windows(images, patch_size, stride)
    nh, nw, channels = win.shape[1:4]
    k = min(patches_per_image, nh * nw)
    # argsort of uniform keys = one random permutation per image. The keys are one
    # stream; each image's sort and gather is its own, so blocks change no value.
    keys = rng.random_sample((n, nh * nw))
    out = np.empty((n * k, patch_size * patch_size * channels), images.dtype)

    def pick(block):
        pos = np.argsort(keys[block], axis=1)[:, :k]
        rows, cols = np.divmod(pos, nw)
        picked = win[np.arange(block.start, block.stop)[:, None], rows, cols]  # (b, k, C, p, p)
        out[block.start * k:block.stop * k].reshape(
            -1, k, patch_size, patch_size, channels)[...] = picked.transpose(0, 1, 3, 4, 2)

    thread_map(pick, iter_chunks(n, _SAMPLE_IMAGES), n_jobs)
    return out


def normalize_patches(patches, eps):
    """Contrast-normalize each patch in place: (x - mean) / sqrt(var + eps).

    Mean and (population) variance are taken over the last axis. ``eps``
    keeps flat patches (sky, walls) from being blown up into noise.

    Parameters
    ----------
    patches : float ndarray of shape (..., d)
        Modified in place.
    eps : float

    Returns
    -------
    patches : the same array

    Examples
    --------
    Mean 2 and variance 1, then a flat patch that ``eps`` keeps at zero:

    >>> patches = np.array([[1.0, 3.0, 1.0, 3.0], [5.0, 5.0, 5.0, 5.0]])
    >>> normalize_patches(patches, 1e-8)
    array([[-1.,  1., -1.,  1.],
           [ 0.,  0.,  0.,  0.]])
    """
    mean = patches.mean(axis=-1, keepdims=True)
    patches -= mean
    var = np.einsum("...i,...i->...", patches, patches)[..., None]
    var /= patches.shape[-1]
    var += eps
    np.sqrt(var, out=var)
    patches /= var
    return patches


def fit_zca(patches, eps, n_jobs=None):
    """ZCA whitening learned from normalized patches.

    The covariance is summed a block of rows at a time, the blocks' products
    computed on ``n_jobs`` threads (one BLAS thread each when there are
    several) and added in the blocks' order: the sums, and so the whitening,
    are the same for any ``n_jobs`` above 1.

    Parameters
    ----------
    patches : ndarray of shape (m, d)
    eps : float
        Added to the eigenvalues of the covariance; damps the directions of
        small variance (mostly noise) instead of amplifying them.
    n_jobs : int or None, default=None
        Threads for the blocks' products, as :func:`features.threads.thread_map`.

    Returns
    -------
    mean : ndarray of shape (d,)
    whitening : ndarray of shape (d, d)
        Symmetric; ``(x - mean) @ whitening`` whitens a patch ``x``.

    Examples
    --------
    >>> x = np.random.RandomState(0).normal(size=(500, 3)) * [1.0, 2.0, 5.0]
    >>> mean, whitening = fit_zca(x, 1e-8)
    >>> np.allclose(np.cov(((x - mean) @ whitening).T), np.eye(3))  # unit covariance
    True
    """
    # float64 sums, a block of rows at a time: no float64 copy of all the patches.
    mean = patches.mean(axis=0, dtype=np.float64)
    cov = np.zeros((patches.shape[1], patches.shape[1]))
    blocks = list(iter_chunks(patches.shape[0], _ZCA_ROWS))

    def block_product(rows):
        x = patches[rows].astype(np.float64)
        x -= mean
        return x.T @ x

    # Waves of blocks: a few partial sums held at a time, not one per block.
    for wave in iter_chunks(len(blocks), _ZCA_WAVE * n_workers(n_jobs, len(blocks))):
        for part in product_map(block_product, blocks[wave], n_jobs):
            cov += part
    cov /= max(patches.shape[0] - 1, 1)
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0.0, None)
    whitening = (vecs / np.sqrt(vals + eps)) @ vecs.T
    return mean, whitening


def augment_words(words, dtype):
    """Words as a (d + 2, K) matrix giving squared distances in one product.

    With ``y_aug = [y, 1, |y|^2]`` and ``words_aug = [-2 W^T; |w|^2; 1]``,
    ``y_aug @ words_aug = |y|^2 - 2 y.w + |w|^2 = |y - w|^2``: the norms are
    added by the matrix product instead of by two more passes over the
    (patches x words) block, which is what the encoding's time is spent on.

    Examples
    --------
    >>> words, y = np.array([[0.0, 0.0], [3.0, 0.0]]), np.array([3.0, 4.0])
    >>> (np.r_[y, 1.0, y @ y] @ augment_words(words, np.float64)).tolist()  # |y - w|^2
    [25.0, 16.0]
    """
    words = np.asarray(words, dtype=np.float64)
    aug = np.empty((words.shape[1] + 2, words.shape[0]), dtype=np.float64)
    aug[:-2] = -2.0 * words.T
    aug[-2] = np.einsum("ij,ij->i", words, words)
    aug[-1] = 1.0
    return aug.astype(dtype)


def _augment_patches(y):
    m, d = y.shape
    out = np.empty((m, d + 2), dtype=y.dtype)
    out[:, :d] = y
    out[:, d] = 1.0
    np.einsum("ij,ij->i", y, y, out=out[:, d + 1])
    return out


def _region_sums(codes, n_img, grid, n_split):
    """Sum codes (n_img * nh * nw, K) over 1 or 2x2 regions -> (n_img, R, K)."""
    nh, nw = grid
    k = codes.shape[-1]
    codes = codes.reshape(n_img, nh, nw, k)
    if n_split == 1:
        return codes.sum(axis=(1, 2))[:, None]
    # The first half takes the middle row/column of an odd grid (Coates et al.).
    h2, w2 = (nh + 1) // 2, (nw + 1) // 2
    parts = [codes[:, rs, cs].sum(axis=(1, 2))
             for rs in (slice(0, h2), slice(h2, None))
             for cs in (slice(0, w2), slice(w2, None))]
    return np.stack(parts, axis=1)


def _region_index(grid, n_split):
    nh, nw = grid

    def halves(size):
        if n_split != 2:
            return np.zeros(size, np.intp)
        return (np.arange(size) >= (size + 1) // 2).astype(np.intp)

    rows, cols = halves(nh), halves(nw)
    return (rows[:, None] * n_split + cols[None, :]).ravel()


def encode_pool(y, words_aug, grid, encoding, pooling, sigma=None):
    """Encode whitened patches against the words and sum-pool them per image.

    Parameters
    ----------
    y : ndarray of shape (n * nh * nw, d)
        Normalized (and whitened) patches of n images, image-major then row-major.
    words_aug : ndarray of shape (d + 2, K)
        From :func:`augment_words`, same dtype as ``y``.
    grid : tuple (nh, nw)
    encoding : {"hard", "soft", "triangle"}
        "hard": 1 for the nearest word, 0 elsewhere. "soft": Gaussian kernel
        codebook, ``exp(-|y - w_k|^2 / (2 sigma^2))`` normalized to sum to 1
        per patch. "triangle": ``max(0, mean_j z_j - z_k)`` with ``z_k = |y - w_k|``.
    pooling : {"global", "quadrants", "pyramid"}
        Sum over the whole grid, over its 2x2 quadrants, or both (whole first).
    sigma : float, optional
        Kernel width of the "soft" encoding.

    Returns
    -------
    pooled : ndarray of shape (n, R * K), R = 1, 4 or 5, region-major.

    Examples
    --------
    One image with a 2x2 grid of patches, three near the first word, one near the second:

    >>> words_aug = augment_words(np.array([[0.0, 0.0], [3.0, 0.0]]), np.float64)
    >>> y = np.array([[0.0, 0.0], [0.1, 0.0], [2.9, 0.0], [0.0, 0.2]])
    >>> encode_pool(y, words_aug, (2, 2), "hard", "global").tolist()
    [[3.0, 1.0]]
    >>> encode_pool(y, words_aug, (2, 2), "hard", "quadrants").tolist()  # a patch per quadrant
    [[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]]
    """
    nh, nw = grid
    n_img = y.shape[0] // (nh * nw)
    k = words_aug.shape[1]
    n_split = 1 if pooling == "global" else 2
    if encoding == "hard":
        # |y|^2 does not change which word is nearest: leave its column out.
        d = y.shape[1]
        scores = _augment_patches(y)[:, : d + 1] @ words_aug[: d + 1]
        nearest = scores.argmin(axis=1)
        del scores
        region = np.tile(_region_index(grid, n_split), n_img)
        image = np.repeat(np.arange(n_img), nh * nw)
        flat = (image * n_split**2 + region) * k + nearest
        pooled = np.bincount(flat, minlength=n_img * n_split**2 * k)
        pooled = pooled.reshape(n_img, n_split**2, k).astype(y.dtype)
    else:
        dist = _augment_patches(y) @ words_aug  # squared distances (m, K)
        if encoding == "triangle":
            # Rounding can leave tiny negatives where a patch equals a word:
            # |d2| is as exact as max(d2, 0) and a much cheaper pass (no NaN rule).
            np.abs(dist, out=dist)
            np.sqrt(dist, out=dist)
            # Row means as a BLAS matrix-vector product: faster than .mean(axis=1),
            # on one thread so that its bits do not follow n_jobs.
            with ordered_sums():
                mu = dist @ np.full((k, 1), 1.0 / k, dtype=dist.dtype)
            # max(0, mu - z) = mu - min(z, mu): one pass over the block instead
            # of two, and the sum of mu over a region is pooled separately.
            np.minimum(dist, mu, out=dist)
            pooled = _region_sums(mu, n_img, grid, n_split) - _region_sums(
                dist, n_img, grid, n_split)
            np.maximum(pooled, 0, out=pooled)  # rounding of the difference
        else:
            dist -= dist.min(axis=1, keepdims=True)  # stable: largest term is exp(0)
            dist *= -1.0 / (2.0 * sigma**2)
            np.exp(dist, out=dist)
            dist /= dist.sum(axis=1, keepdims=True)
            pooled = _region_sums(dist, n_img, grid, n_split)
    if pooling == "pyramid":
        pooled = np.concatenate([pooled.sum(axis=1, keepdims=True), pooled], axis=1)
    return pooled.reshape(n_img, -1)
