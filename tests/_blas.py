"""Whether this machine's BLAS gives a product's rows the same bits however it is split.

featbench's bit-for-bit guarantees across ``n_jobs`` (the ConvNet's batch shards, the
vocabulary's blocks, the encoding's workers) rest on matrix products whose every element
has the same bits in a block of rows as in the whole product, on one BLAS thread as on
two. OpenBLAS gave that on the machines where the guarantees were measured; on an AMD
EPYC (OpenBLAS 0.3.30 and 0.3.31, 2026-12-06) it did not, so there the tests of those
guarantees are skipped with this reason instead of failing on the machine's sums.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits


def _split_invariant_products():
    rng = np.random.RandomState(0)
    A = rng.standard_normal((300, 354)).astype(np.float32)
    B = rng.standard_normal((354, 512)).astype(np.float32)
    with threadpool_limits(1):
        whole = A @ B
        blocks = np.vstack([A[:100] @ B, A[100:] @ B])
    with threadpool_limits(2):
        threads = A @ B
    return np.array_equal(whole, blocks) and np.array_equal(whole, threads)


SPLIT_INVARIANT_BLAS = _split_invariant_products()

needs_split_invariant_blas = pytest.mark.skipif(
    not SPLIT_INVARIANT_BLAS,
    reason="this machine's BLAS gives a matrix product's rows other last bits in a block "
           "of rows, or on two threads, than in the whole product on one (tests/_blas.py); "
           "featbench's bit-for-bit equality across n_jobs holds only where it does not")


def blas_threads():
    """The thread counts of the BLAS libraries loaded here, as a set."""
    from threadpoolctl import threadpool_info

    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
