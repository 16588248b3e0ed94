"""How many threads each piece of work may use: the one thread policy of featbench.

Every decision about threads is made in this package and asked for elsewhere:

- :mod:`~features.threads._limits`: BLAS and OpenMP caps, through one
  :class:`threadpoolctl.ThreadpoolController` (:func:`blas_limit`); the BLAS
  threads of feature chunks side by side (:func:`chunk_blas_threads`), of a
  training product (:func:`product_blas_threads`), of sums whose bits must not
  depend on the threads (:func:`ordered_sums`) and of a row on a dask worker
  (:func:`task_limits`).
- :mod:`~features.threads._workers`: how many threads a batch of calls runs on
  (:func:`n_workers`, :func:`thread_map`, and :func:`product_map` for calls
  that are matrix products), how a row's cores are shared by a search's fits
  (:func:`classifier_threads`) and what a row on a dask worker may use
  (:func:`task_n_jobs`).
- :mod:`~features.threads._shards`: the threads that share a network's batches
  (:func:`shard_pool`, :func:`run_shared`, :func:`run_beside`), the fixed
  shards of its products (:func:`product_shards`), whether they leave the
  calling thread (:func:`product_workers`) and the pieces of an update rule's
  pass (:func:`elementwise_pieces`).
"""

from ._limits import (SMALL_OUTPUT, SMALL_PRODUCT, blas_limit, chunk_blas_threads,
                      ordered_sums, product_blas_threads, task_limits)
from ._shards import (BATCH_SHARDS, ELEMENTWISE_PIECE, POOL_PRODUCT, SHARD_PRODUCT,
                      elementwise_pieces, product_shards, product_workers, run_beside,
                      run_shared, shard_pool)
from ._workers import classifier_threads, n_workers, product_map, task_n_jobs, thread_map

__all__ = ["blas_limit", "n_workers", "thread_map", "product_map", "chunk_blas_threads",
           "product_blas_threads", "ordered_sums", "SMALL_PRODUCT", "SMALL_OUTPUT",
           "classifier_threads", "task_limits", "task_n_jobs", "shard_pool", "BATCH_SHARDS",
           "product_shards", "SHARD_PRODUCT", "product_workers", "POOL_PRODUCT",
           "elementwise_pieces", "ELEMENTWISE_PIECE", "run_beside", "run_shared"]
