"""Pictures of a fitted bag of visual words: its words as one image grid."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .bovw import BagOfVisualWords
from .checks import check_int

__all__ = ["words_image", "save_words_image"]


def words_image(bovw, *, n_cols=None, border=1):
    """The learned words as one image grid, un-whitened so a person can see them.

    Each word is mapped back through the inverse ZCA, then min-max scaled to
    [0, 1] on its own (the words are contrast-normalized, so only their
    shape is meaningful).

    Parameters
    ----------
    bovw : fitted BagOfVisualWords
    n_cols : int or None, default=None
        Words per row; None makes the grid roughly square.
    border : int, default=1
        Pixels of white between the words.

    Returns
    -------
    grid : ndarray of shape (rows * (p + border) + border, n_cols * (p + border) + border, C)
        float64 in [0, 1].

    Examples
    --------
    >>> X = np.random.RandomState(0).randint(0, 256, (10, 8, 8), dtype=np.uint8)
    >>> words_image(BagOfVisualWords(n_words=4, patch_size=3, random_state=0).fit(X)).shape
    (9, 9, 1)
    """
    check_is_fitted(bovw, "words_")
    p, c = bovw.patch_size, bovw.image_shape_[2]
    words = bovw.words_.astype(np.float64)
    if bovw.whitening_ is not None:
        # whitening_ is symmetric positive definite (whiten_eps > 0): invertible.
        words = np.linalg.solve(bovw.whitening_.astype(np.float64), words.T).T
        words += bovw.patch_mean_
    lo, hi = words.min(axis=1, keepdims=True), words.max(axis=1, keepdims=True)
    words = (words - lo) / np.where(hi > lo, hi - lo, 1.0)
    k = words.shape[0]
    n_cols = int(np.ceil(np.sqrt(k))) if n_cols is None else check_int(n_cols, "n_cols", low=1)
    n_rows = -(-k // n_cols)
    cell = p + border
    grid = np.ones((n_rows * cell + border, n_cols * cell + border, c))
    tiles = words.reshape(k, p, p, c)
    # One vectorized write: pad the tiles to a full grid and place them as a block.
    full = np.ones((n_rows * n_cols, cell, cell, c))
    full[:k, :p, :p] = tiles
    block = full.reshape(n_rows, n_cols, cell, cell, c).transpose(0, 2, 1, 3, 4)
    grid[border:, border:] = block.reshape(n_rows * cell, n_cols * cell, c)
    return grid


def save_words_image(bovw, path, *, n_cols=None, border=1, scale=4):
    """Save :func:`words_image` as a PNG, each pixel enlarged ``scale`` times.

    Parameters
    ----------
    bovw : fitted BagOfVisualWords
    path : str or path-like
        Output file; the format follows the extension (".png").
    n_cols, border : see :func:`words_image`
    scale : int, default=4
        Nearest-neighbour enlargement, since 6x6 words are tiny on a screen.

    Returns
    -------
    grid : ndarray
        The saved image, of shape (scale * rows, scale * cols, 3).

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> X = np.random.RandomState(0).randint(0, 256, (10, 8, 8), dtype=np.uint8)
    >>> bovw = BagOfVisualWords(n_words=4, patch_size=3, random_state=0).fit(X)
    >>> folder = tempfile.mkdtemp()
    >>> save_words_image(bovw, os.path.join(folder, "words.png"), scale=2).shape  # 2 x (9, 9)
    (18, 18, 3)
    >>> os.listdir(folder)
    ['words.png']
    >>> shutil.rmtree(folder)
    """
    import matplotlib.image as mpimg  # optional-feeling dependency, loaded on use

    scale = check_int(scale, "scale", low=1)
    grid = words_image(bovw, n_cols=n_cols, border=border)
    if grid.shape[2] == 1:
        grid = np.repeat(grid, 3, axis=2)
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    mpimg.imsave(path, grid)
    return grid
