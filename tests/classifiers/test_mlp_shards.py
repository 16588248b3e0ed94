"""MLPClassifier's fixed shards: the same numbers for every n_jobs, whatever the BLAS."""

import numpy as np
import pytest

import classifiers._mlp_network as mlp_network
from classifiers.mlp import MLPClassifier
from features.threads import blas_limit

SETTINGS = {
    "plain": dict(hidden_layer_sizes=(24,)),
    "two layers, early stopping": dict(hidden_layer_sizes=(24, 16), early_stopping=True,
                                       validation_fraction=0.2),
    "batch norm": dict(hidden_layer_sizes=(24,), batch_norm=True, dropout=0.0),
    "maxout, weight decay": dict(hidden_layer_sizes=(24,), activation="maxout", alpha=1e-3),
}


def _fitted(X, y, n_jobs, **kw):
    clf = MLPClassifier(max_epochs=3, batch_size=32, random_state=0, n_jobs=n_jobs, **kw)
    clf.fit(X, y)
    return clf


def _numbers(clf, X):
    """Every learned array, the loss curve and the probabilities, as bytes."""
    arrays = clf.coefs_ + clf.intercepts_ + [a for pair in clf.bn_running_ for a in pair]
    return ([a.tobytes() for a in arrays] + [np.asarray(clf.loss_curve_).tobytes()]
            + [clf.predict_proba(X).tobytes(), clf.predict_proba(X[:5]).tobytes()])


@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(0)
    return rng.standard_normal((150, 40)).astype(np.float32), rng.integers(0, 4, 150)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_n_jobs_gives_the_same_bits(setting, wide, monkeypatch):
    # Three shards for every product, however small, so every cut runs in these shapes.
    monkeypatch.setattr(mlp_network, "product_shards", lambda multiply_adds: 3)
    X, y = wide
    # BLAS may use its threads: the shards must not depend on them.
    with blas_limit(None):
        seen = [_numbers(_fitted(X, y, n_jobs, **SETTINGS[setting]), X)
                for n_jobs in (1, 2, 3, -1)]
    assert all(s == seen[0] for s in seen[1:])


def test_a_batch_through_a_wide_layer_gives_the_same_bits():
    # The shard counts of the policy (200 x 1100 x 512 multiply-adds cut in six) and
    # Adam's update of the 1100 x 512 first layer shared by the threads.
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((400, 1100)).astype(np.float32), rng.integers(0, 10, 400)
    kw = dict(hidden_layer_sizes=(512,), batch_size=200, max_epochs=2, random_state=0)
    fits = [MLPClassifier(n_jobs=n_jobs, **kw).fit(X, y) for n_jobs in (1, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(fits[0].coefs_, fits[1].coefs_))
    assert fits[0].loss_curve_ == fits[1].loss_curve_


def test_shards_compute_the_products_of_the_whole_network(wide, monkeypatch):
    X, y = wide
    whole = _fitted(X, y, None, hidden_layer_sizes=(24,))
    monkeypatch.setattr(mlp_network, "product_shards", lambda multiply_adds: 3)
    sharded = _fitted(X, y, 2, hidden_layer_sizes=(24,))
    for a, b in zip(whole.coefs_, sharded.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(whole.loss_curve_, sharded.loss_curve_, rtol=1e-5)


@pytest.mark.parametrize("n_jobs, error, match", [
    (0, ValueError, "n_jobs must be an integer >= 1; got 0"),
    (1.5, TypeError, "n_jobs must be an integer; got 1.5"),
    ("2", TypeError, "n_jobs must be an integer"),
])
def test_invalid_n_jobs_is_refused_before_training(n_jobs, error, match, wide):
    X, y = wide
    with pytest.raises(error, match=match):
        MLPClassifier(n_jobs=n_jobs).fit(X, y)


def test_augmented_batches_moved_beside_the_update_give_the_same_bits(monkeypatch):
    # 16 x 16 x 3 inputs into 700 units: Adam shares the first layer among the threads,
    # and the next batch's flips and shifts are taken in turn with its shares.
    rng = np.random.default_rng(2)
    X, y = rng.random((160, 768)).astype(np.float32), rng.integers(0, 3, 160)
    kw = dict(hidden_layer_sizes=(700,), batch_size=40, max_epochs=2, random_state=0,
              augment="hflip+shift", image_shape=(16, 16, 3), dropout=0.5)
    fits = [MLPClassifier(n_jobs=n_jobs, **kw).fit(X, y) for n_jobs in (1, 2, 3)]

    # The same network fed minibatches' own batches, made whole when reached.
    import classifiers.mlp as mlp
    from classifiers.augment import minibatches

    def made_whole(X, B, gen, augment, shape, pieces):
        return ((idx, batch, ()) for idx, batch in minibatches(X, B, gen, augment, shape))

    monkeypatch.setattr(mlp, "batch_plans", made_whole)
    fits.append(MLPClassifier(n_jobs=2, **kw).fit(X, y))
    for fit in fits[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(fits[0].coefs_, fit.coefs_))
        assert fit.loss_curve_ == fits[0].loss_curve_
