"""Batches planned ahead: the batches of minibatches, bit for bit, filled in pieces."""

import numpy as np
import pytest

from classifiers._batch_plans import batch_plans
from classifiers.augment import Augment, minibatches

AUGMENTS = [Augment(), Augment(hflip=True), Augment(shift=2), Augment(hflip=True, shift=1)]


def _data(rows):
    X = np.random.default_rng(0).integers(0, 255, (23, 6, 5, 3)).astype(np.float32)
    return (X.reshape(23, -1), (6, 5, 3)) if rows else (X, None)


@pytest.mark.parametrize("pieces", [1, 2, 3, 50])
@pytest.mark.parametrize("rows", [True, False])
@pytest.mark.parametrize("augment", AUGMENTS, ids=str)
def test_plans_fill_the_batches_of_minibatches(augment, rows, pieces):
    X, shape = _data(rows)
    ours_rng, theirs_rng = np.random.default_rng(4), np.random.default_rng(4)
    theirs = minibatches(X, 8, theirs_rng, augment, shape)
    for (idx, batch, fills), (want_idx, want) in zip(
            batch_plans(X, 8, ours_rng, augment, shape, pieces=pieces), theirs, strict=True):
        # The draws are made before the batch is handed out, as minibatches makes them.
        assert ours_rng.bit_generator.state == theirs_rng.bit_generator.state
        for fill in reversed(fills):  # in any order
            fill()
        assert len(fills) == min(pieces, len(idx))
        np.testing.assert_array_equal(idx, want_idx)
        assert batch.dtype == want.dtype
        np.testing.assert_array_equal(batch, want)


def test_a_batch_is_its_own_array():
    X, shape = _data(rows=True)
    plans = list(batch_plans(X, 8, np.random.default_rng(0), Augment(hflip=True), shape))
    for _, batch, fills in plans:
        for fill in fills:
            fill()
    assert not any(np.shares_memory(a[1], b[1]) for a in plans for b in plans if a is not b)
    assert not any(np.shares_memory(p[1], X) for p in plans)
