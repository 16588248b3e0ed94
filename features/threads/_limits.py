"""How many BLAS and OpenMP threads a piece of work may use, and the one way to cap them.

Capping goes through one :class:`threadpoolctl.ThreadpoolController`
(:func:`blas_limit`); the other functions decide the cap: for chunks of
features beside each other (:func:`chunk_blas_threads`), a training product
(:func:`product_blas_threads`), a sum whose bits must not depend on the
threads (:func:`ordered_sums`) and a row on a dask worker (:func:`task_limits`).
"""

import contextlib

from threadpoolctl import ThreadpoolController

__all__ = ["blas_limit", "chunk_blas_threads", "product_blas_threads", "ordered_sums",
           "task_limits", "SMALL_PRODUCT", "SMALL_OUTPUT"]

#: Multiply-adds below which a training product runs on one BLAS thread: threads save
#: little there and cost far more when other processes share the cores
#: (docs/decisions.md#mlp-blas-threads).
SMALL_PRODUCT = 10**7
#: Entries below which a product's output (a filter gradient summed over every
#: position of a batch) runs on one BLAS thread.
SMALL_OUTPUT = 2**12

_CONTROLLER = []


def _controller():
    # threadpool_limits scans the loaded libraries on every call (about 5 ms, as
    # long as a whole small batch); a controller scans once.
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def blas_limit(n_threads, user_api="blas"):
    """Context manager capping BLAS (or ``user_api``; None: every library) at ``n_threads``.

    ``n_threads=None`` caps nothing.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_limit(1):
    ...     float(np.ones((4, 4)).dot(np.ones(4)).sum())
    16.0
    """
    if n_threads is None:
        return contextlib.nullcontext()
    return _controller().limit(limits=n_threads, user_api=user_api)


def chunk_blas_threads(workers, products):
    """BLAS threads of each chunk while ``workers`` chunks run at once (None: no cap).

    Parameters
    ----------
    workers : int
    products : bool or None
        True for chunks whose time goes to large products (the visual-word
        encoding): every BLAS thread alone, one each beside other workers (no
        ``workers x BLAS threads``). False for small products among
        element-wise passes (HoG): one thread always. None: no cap.

    Examples
    --------
    >>> chunk_blas_threads(1, True), chunk_blas_threads(4, True), chunk_blas_threads(1, False)
    (None, 1, 1)
    """
    if products is None:
        return None
    return 1 if workers > 1 or not products else None


def ordered_sums():
    """Context manager holding BLAS to one thread for a matrix-vector product.

    OpenBLAS shares a matrix-vector product's rows among its threads, and the
    rows beside a boundary are summed in another order: their last bits
    change with the number of threads. On one thread they do not.

    Examples
    --------
    >>> import numpy as np
    >>> with ordered_sums():
    ...     (np.ones((3, 4), np.float32) @ np.ones((4, 1), np.float32)).ravel().tolist()
    [4.0, 4.0, 4.0]
    """
    return blas_limit(1)


def product_blas_threads(multiply_adds=None, output_entries=None):
    """BLAS threads of a training product: 1 for a small one, None (no cap) otherwise.

    Parameters
    ----------
    multiply_adds : int or None
        Multiply-adds of the largest per-batch product (small: under
        :data:`SMALL_PRODUCT`).
    output_entries : int or None
        Entries of a product's output (small: under :data:`SMALL_OUTPUT`).

    Examples
    --------
    >>> product_blas_threads(200 * 3072 * 10), product_blas_threads(128 * 3072 * 512)
    (1, None)
    >>> product_blas_threads(output_entries=27 * 32)
    1
    """
    small = ((multiply_adds is not None and multiply_adds < SMALL_PRODUCT)
             or (output_entries is not None and output_entries < SMALL_OUTPUT))
    return 1 if small else None


def task_limits(n_threads=1):
    """Every BLAS and OpenMP library held to ``n_threads``: a row on a dask worker of that many.

    Process-wide: such a worker runs one row at a time, and more threads would
    fight the other workers for the cores.

    Examples
    --------
    >>> import numpy as np
    >>> with task_limits(2):
    ...     float(np.ones((4, 4)).dot(np.ones(4)).sum())
    16.0
    """
    return blas_limit(n_threads, user_api=None)
