"""Bag of visual words with a k-means vocabulary, as one scikit-learn transformer.

The recipe is the one that made single-layer k-means features work on small
images (Coates, Lee & Ng, 2011, "An Analysis of Single-Layer Networks in
Unsupervised Feature Learning"): dense small patches, per-patch contrast
normalization, ZCA whitening, a k-means vocabulary, soft "triangle"
assignment and sum pooling over the image quadrants. The numerics live in
:mod:`features._patches`; the clustering is scikit-learn's.
"""

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

# The module, not its names: calls go through it, so tests can patch them.
import features._patches as _patches

from ._base import ImageTransformerMixin
from ._chunks import iter_chunks
from ._draws import CumulativeRandomState
from ._validation import output_dtype, to_float_images
from .checks import check_bool, check_choice, check_int, check_real
from .threads import blas_limit, product_map, thread_map

__all__ = ["BagOfVisualWords"]

# Budget for one chunk's (patches x words) block when chunk_size=None: small
# enough to stay in the last-level cache, where the passes over it are cheap
# (docs/decisions.md#bovw-encode-chunks).
_CHUNK_BYTES = 8 * 2**20
# Sampled patches converted, normalized and whitened per block at fit (on n_jobs
# threads): a few MB of temporaries, not a copy of all.
_WHITEN_ROWS = 2**16


class BagOfVisualWords(ImageTransformerMixin, TransformerMixin, BaseEstimator):
    """Pooled assignments of image patches to a learned vocabulary of visual words.

    ``fit`` samples ``patches_per_image`` patches from each training image,
    contrast-normalizes them, optionally ZCA-whitens them, and clusters them
    into ``n_words`` words with scikit-learn's k-means. ``transform`` encodes
    every patch of every image (a dense grid when ``stride=1``) against the
    words and sums the codes over image regions.

    Parameters
    ----------
    n_words : int, default=800
        Vocabulary size K.
    patch_size : int, default=6
        Side p of the square patches; at most the image's height and width.
    stride : int, default=1
        Step between patch positions, at fit and transform; 1 is dense.
    patches_per_image : int, default=50
        Patches sampled per training image (distinct positions, capped at the
        number of positions).
    max_patches : int or None, default=500_000
        Cap on the patches k-means clusters. From more training images than
        ``max_patches // patches_per_image`` (at least one), that many are
        drawn at random, without replacement, and only their patches are
        sampled, so the memory and time of ``fit`` stop growing with the
        training set. None: every image gives its patches.
    norm_eps : float, default=10 / 255**2
        Added to each patch's variance before dividing by its square root:
        the 10 of Coates et al. for 0-255 pixels, on the [0, 1] scale.
    whiten : bool, default=True
        ZCA-whiten the normalized patches before clustering and encoding.
    whiten_eps : float, default=0.1
        Added to the covariance eigenvalues of the (normalized) patches.
    encoding : {"triangle", "hard", "soft"}, default="triangle"
        "hard": count of the nearest word (classic bag of words). "soft":
        Gaussian kernel codebook, ``exp(-|y - w_k|^2 / (2 sigma^2))`` normalized
        to sum to 1 per patch. "triangle": ``max(0, mean_j z_j - z_k)`` with
        ``z_k = |y - w_k|``, zero for the words farther than average.
    pooling : {"quadrants", "global", "pyramid"}, default="quadrants"
        Sum the codes over the 2x2 quadrants of the patch grid (4 * K
        features), over the whole grid (K), or both (5 * K, whole first).
    power : float, default=1.0
        Exponent applied to every pooled value (all are >= 0) before
        ``normalize``: 1 keeps the sums, 0.5 is their square root. Powers
        below 1 ("power normalization") damp the words that occur in many
        patches of an image (sky, flat walls), which otherwise dominate the
        sums (docs/decisions.md#bovw-sqrt-pyramid).
    normalize : {None, "l1", "l2"}, default=None
        Optional normalization of each output vector.
    soft_sigma : float or None, default=None
        Kernel width of ``encoding="soft"``. None: the RMS distance of the
        training patches to their nearest word (``sigma_``).
    kmeans : {"minibatch", "full"}, default="minibatch"
        :class:`~sklearn.cluster.MiniBatchKMeans` or :class:`~sklearn.cluster.KMeans`.
    max_iter : int, default=100
        Passes over the sampled patches (MiniBatchKMeans) or Lloyd iterations.
    chunk_size : int or None, default=None
        Images encoded per chunk; bounds the memory of the (patches x words)
        block. None: as many as keep that block near 8 MiB (at least one).
    n_jobs : int or None, default=None
        Threads of k-means (its OpenMP threads), of the preparation of its
        patches (blocks of rows in parallel) and of the encoding (chunks in
        parallel, each with a single-threaded BLAS); None means 1 unless
        in a joblib ``parallel_config`` context, -1 means all cores.
    random_state : int, RandomState or None, default=None
        Seeds the patch sampling and k-means.

    Attributes
    ----------
    words_ : ndarray of shape (n_words, d)
        The visual words, d = patch_size**2 * C, in the whitened space.
    patch_mean_ : ndarray of shape (d,)
        Mean of the normalized training patches (centre of the whitening).
    whitening_ : ndarray of shape (d, d) or None
        ZCA matrix: ``(x - patch_mean_) @ whitening_``; None if ``whiten=False``.
    sigma_ : float
        Kernel width used by ``encoding="soft"``.
    kmeans_ : MiniBatchKMeans or KMeans
        The fitted clustering.
    n_iter_ : int
        Iterations (passes over the patches) k-means ran.
    grid_shape_ : tuple (nh, nw)
        Patch positions per image.
    image_shape_ : tuple (H, W, C)
    n_features_out_ : int

    Raises
    ------
    ValueError, TypeError
        At the start of ``fit`` for a bad parameter, a patch larger than the
        images, or fewer sampled patches than ``n_words``; at the start of
        ``transform`` for images of another shape than at fit.

    Notes
    -----
    ``transform`` returns R * n_words features per image, R = 1 (global), 4
    (quadrants) or 5 (pyramid), region-major (see ``get_feature_names_out``).
    Distances come from one float32 (float64 for float64 images) matrix
    product per chunk of images; the output dtype follows the input rule of
    :func:`features._validation.output_dtype`.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(20, 12, 12, 3), dtype=np.uint8)
    >>> bovw = BagOfVisualWords(n_words=10, patch_size=4, random_state=0).fit(X)
    >>> bovw.words_.shape, bovw.transform(X).shape
    ((10, 48), (20, 40))
    """

    def __init__(self, n_words=800, patch_size=6, stride=1, patches_per_image=50,
                 max_patches=500_000, norm_eps=10 / 255**2, whiten=True, whiten_eps=0.1,
                 encoding="triangle", pooling="quadrants", power=1.0, normalize=None,
                 soft_sigma=None, kmeans="minibatch", max_iter=100, chunk_size=None,
                 n_jobs=None, random_state=None):
        self.n_words = n_words
        self.patch_size = patch_size
        self.stride = stride
        self.patches_per_image = patches_per_image
        self.max_patches = max_patches
        self.norm_eps = norm_eps
        self.whiten = whiten
        self.whiten_eps = whiten_eps
        self.encoding = encoding
        self.pooling = pooling
        self.power = power
        self.normalize = normalize
        self.soft_sigma = soft_sigma
        self.kmeans = kmeans
        self.max_iter = max_iter
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- hooks of ImageTransformerMixin ------------------------------------
    def _check_params(self, image_shape):
        for name in ("n_words", "patch_size", "stride", "patches_per_image", "max_iter"):
            check_int(getattr(self, name), name, low=1)
        if self.max_patches is not None:
            check_int(self.max_patches, "max_patches", low=1)
        check_real(self.norm_eps, "norm_eps", low=0)
        check_real(self.whiten_eps, "whiten_eps", low=0, low_open=True)
        if self.soft_sigma is not None:
            check_real(self.soft_sigma, "soft_sigma", low=0, low_open=True)
        check_real(self.power, "power", low=0, low_open=True)
        check_choice(self.encoding, "encoding", _patches.ENCODINGS)
        check_choice(self.pooling, "pooling", _patches.POOLINGS)
        check_choice(self.normalize, "normalize", (None, "l1", "l2"))
        check_choice(self.kmeans, "kmeans", ("minibatch", "full"))
        check_bool(self.whiten, "whiten")
        h, w = image_shape[:2]
        if self.patch_size > min(h, w):
            raise ValueError(
                f"patch_size={self.patch_size} is larger than the images, which are "
                f"{h}x{w} pixels; pass patch_size <= {min(h, w)}."
            )
        nh, nw = _patches.grid_shape((h, w), self.patch_size, self.stride)
        if self.pooling != "global" and min(nh, nw) < 2:
            raise ValueError(
                f"pooling={self.pooling!r} needs at least 2x2 patch positions, but "
                f"patch_size={self.patch_size} and stride={self.stride} give {nh}x{nw} "
                f"on {h}x{w} images; use pooling='global' or a smaller patch_size/stride."
            )

    # fit converts the sampled patches to floats, not the whole batch of images.
    _fit_uses_images = False

    def fit_sample_bytes(self, n_images, image_shape):
        """Bytes of the patches :meth:`fit` clusters when given ``n_images`` images.

        Five bytes a value: the float32 patches and, while they are converted,
        the 8-bit sample they come from; the sample follows ``patches_per_image``
        and ``max_patches``.

        Examples
        --------
        >>> BagOfVisualWords().fit_sample_bytes(1000, (32, 32, 3))  # 1000 x 50 x 6x6x3 x 5
        27000000
        """
        p = self.patch_size
        n, per_image = _patches.sample_size(n_images, image_shape[:2], p, self.stride,
                                            self.patches_per_image, self.max_patches)
        channels = image_shape[2] if len(image_shape) == 3 else 1
        return n * per_image * p * p * channels * 5

    def _fit_images(self, images, y):
        n_images, per_image = _patches.sample_size(
            images.shape[0], images.shape[1:3], self.patch_size, self.stride,
            self.patches_per_image, self.max_patches)
        if self.n_words > n_images * per_image:
            raise ValueError(
                f"n_words={self.n_words} is larger than the {n_images * per_image} patches "
                f"sampled ({n_images} images x {per_image} patches each, max_patches="
                f"{self.max_patches}); pass fewer words, more images, a larger "
                f"patches_per_image or a larger max_patches."
            )
        rng = check_random_state(self.random_state)
        if n_images < images.shape[0]:
            # Drawn only when capped, so smaller sets sample exactly as without a cap
            # (the cap's value: docs/decisions.md#bovw-max-patches).
            images = images[np.sort(rng.choice(images.shape[0], n_images, replace=False))]
        sample = _patches.sample_patches(images, self.patch_size, self.stride,
                                         self.patches_per_image, rng, self.n_jobs)
        # Blocks of rows on n_jobs threads: each row's conversion, normalization and
        # whitening is computed alone, so the blocks change no value
        # (docs/decisions.md#bovw-fit-blocks-on-threads).
        blocks = list(iter_chunks(sample.shape[0], _WHITEN_ROWS))
        patches = np.empty(sample.shape, output_dtype(images.dtype))

        def convert(rows):
            patches[rows] = to_float_images(sample[rows], patches.dtype)
            _patches.normalize_patches(patches[rows], self.norm_eps)

        thread_map(convert, blocks, self.n_jobs)
        del sample
        if self.whiten:
            mean, zca = _patches.fit_zca(patches, self.whiten_eps, self.n_jobs)
            self.patch_mean_ = mean.astype(patches.dtype)
            self.whitening_ = zca.astype(patches.dtype)

            def whiten(rows):  # in place: no second copy of the patches
                patches[rows] = (patches[rows] - self.patch_mean_) @ self.whitening_

            product_map(whiten, blocks, self.n_jobs)
        else:
            self.patch_mean_ = patches.mean(axis=0)
            self.whitening_ = None
        seed = rng.randint(np.iinfo(np.int32).max)
        # Random initial words (as Coates et al.), not k-means++: its seeding
        # costs more than the clustering itself for hundreds of words.
        if self.kmeans == "minibatch":
            # The seed's own stream, its mini-batch draws without re-summing the weights.
            km = MiniBatchKMeans(self.n_words, init="random", batch_size=4096,
                                 max_iter=self.max_iter, n_init=3,
                                 random_state=CumulativeRandomState(seed))
        else:
            km = KMeans(self.n_words, init="random", max_iter=self.max_iter, n_init=1,
                        random_state=seed)
        # k-means' OpenMP threads follow n_jobs too: left at all cores, their
        # barrier spinning makes the fit crawl on a machine that is already busy.
        with blas_limit(effective_n_jobs(self.n_jobs), user_api="openmp"):
            km.fit(patches)
        self.kmeans_ = km
        self.n_iter_ = int(km.n_iter_)
        self.words_ = km.cluster_centers_.astype(patches.dtype)
        self.sigma_ = float(self.soft_sigma if self.soft_sigma is not None
                            else max(np.sqrt(km.inertia_ / patches.shape[0]), 1e-12))
        self.grid_shape_ = _patches.grid_shape(images.shape[1:3], self.patch_size, self.stride)

    @property
    def _n_features_out(self):
        return len(_patches.REGION_NAMES[self.pooling]) * self.n_words

    def _feature_names(self):
        return [f"{region}_word{k}" for region in _patches.REGION_NAMES[self.pooling]
                for k in range(self.n_words)]

    # -- transform: hooks of ImageTransformerMixin.transform ------------------
    def _check_transform_params(self):
        check_is_fitted(self, "words_")
        # encoding, power and normalize do not change what fit learns, so they
        # may be set between fit and transform; pooling fixes the output width.
        check_choice(self.encoding, "encoding", _patches.ENCODINGS)
        check_real(self.power, "power", low=0, low_open=True)
        check_choice(self.normalize, "normalize", (None, "l1", "l2"))
        if self._n_features_out != self.n_features_out_:
            raise ValueError(
                f"pooling={self.pooling!r} gives {self._n_features_out} features but this "
                f"transformer was fitted for {self.n_features_out_}; fit it again."
            )

    def _work_dtype(self, dtype):
        # Patches and distances in the output dtype (float32 for 8-bit images):
        # the (patches x words) block is the cost, and float32 halves it.
        return output_dtype(dtype)

    _chunk_products = True  # the (patches x words) products of the encoding

    def _default_chunk_size(self, n_images, work_dtype):
        # As many images as keep the (patches x words) block near _CHUNK_BYTES.
        nh, nw = self.grid_shape_
        return max(1, _CHUNK_BYTES // (nh * nw * self.n_words * np.dtype(work_dtype).itemsize))

    def _before_transform(self, images):
        return {"words_aug": _patches.augment_words(self.words_, self._work_dtype(images.dtype))}

    def _transform_chunk(self, images, words_aug):
        patches = _patches.extract_patches(images, self.patch_size, self.stride)
        patches = patches.reshape(-1, patches.shape[-1])
        _patches.normalize_patches(patches, self.norm_eps)
        if self.whitening_ is not None:
            patches -= self.patch_mean_.astype(patches.dtype)
            patches = patches @ self.whitening_.astype(patches.dtype)
        out = _patches.encode_pool(patches, words_aug, self.grid_shape_, self.encoding,
                                   self.pooling, sigma=self.sigma_)
        power = float(self.power)
        if power == 0.5:
            np.sqrt(out, out=out)  # the usual power, and faster than np.power
        elif power != 1.0:
            np.power(out, power, out=out)
        if self.normalize is not None:
            order = 1 if self.normalize == "l1" else 2
            norms = np.linalg.norm(out, ord=order, axis=1, keepdims=True)
            out /= np.where(norms > 0, norms, 1)
        return out
