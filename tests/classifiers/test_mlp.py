import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from classifiers.gradient_check import check_gradient
from classifiers.mlp import ACTIVATIONS, MLPClassifier, _Network, init_weights
from classifiers.optimizers import OPTIMIZERS


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=200, centers=3, n_features=6, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(X), y


def _network(activation, dropout, sizes=(5, 7, 6, 3), alpha=0.01, seed=0):
    rng = np.random.RandomState(seed)
    Ws, bs = init_weights(sizes, "he", rng, np.float64)
    bs = [b + 0.1 * rng.standard_normal(b.shape) for b in bs]
    net = _Network(Ws, bs, activation, dropout, alpha, batch_size=8, gen=None)
    X = rng.standard_normal((8, sizes[0]))
    y = rng.randint(0, sizes[-1], 8)
    return net, X, y


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dropout", [0.0, 0.3, 0.5])
def test_network_backward_passes_gradient_check(activation, dropout):
    net, X, y = _network(activation, dropout)
    idx = np.arange(8)

    def f(_=None):
        net.gen = np.random.default_rng(1)  # same dropout mask at every evaluation
        return net.loss_and_grads(X, idx, y) + net.penalty()

    f()
    analytic = [g.copy() for g in net.grads]
    for param, grad in zip(net.params, analytic):
        assert check_gradient(f, param, grad) < 1e-6


@pytest.mark.parametrize("dropout", [0.3, 0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_mask_keeps_1_minus_p_scaled_by_its_inverse(dropout, dtype):
    # p = 0.5 draws random bits and other p draw floats: both must give
    # Bernoulli(1 - p) masks of 0 and 1 / (1 - p), independent across units.
    net, _, _ = _network("relu", dropout)
    net.gen = np.random.default_rng(0)
    out = np.full((400, 250), np.nan, dtype)
    mask = net.dropout_mask(out)
    assert mask is out and mask.dtype == dtype
    keep = dtype(1.0 / (1.0 - dropout))
    assert set(np.unique(mask)) == {0.0, keep}
    kept = mask > 0
    # 100,000 units: the kept share is within 4 standard deviations (0.006).
    assert abs(kept.mean() - (1 - dropout)) < 0.006
    assert abs(np.corrcoef(kept[:, :-1].ravel(), kept[:, 1:].ravel())[0, 1]) < 0.02
    assert abs(kept.mean(axis=1).std() - np.sqrt(dropout * (1 - dropout) / 250)) < 0.01
    # A view of fewer rows (the last batch) gets a full mask of its own.
    part = net.dropout_mask(np.full((3, 250), np.nan, dtype)[:2])
    assert np.isin(part, [0.0, keep]).all()


def test_network_handles_a_last_smaller_batch():
    net, X, y = _network("relu", 0.0)  # buffers for 8 rows
    idx = np.arange(5)
    loss = net.loss_and_grads(X, idx, y[:5])
    grads = [g.copy() for g in net.grads]
    exact = _Network(net.Ws, net.bs, "relu", 0.0, 0.01, batch_size=5, gen=None)
    assert loss == pytest.approx(exact.loss_and_grads(X, idx, y[:5]))
    for g, e in zip(grads, exact.grads):
        np.testing.assert_allclose(g, e)


def test_mlp_overfits_50_examples():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((50, 20))
    y = rng.randint(0, 5, 50)  # random labels: only memorization fits them
    clf = MLPClassifier((100,), dropout=0.0, alpha=0.0, learning_rate=1e-2,
                        lr_schedule="constant", early_stopping=False, max_epochs=300,
                        tol=0.0, n_iter_no_change=300, random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_learns_blobs(activation, blobs):
    X, y = blobs
    init = "xavier" if activation in ("tanh", "sigmoid") else "he"
    clf = MLPClassifier((32,), activation=activation, init=init, learning_rate=1e-2,
                        random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_learns_blobs(optimizer, blobs):
    X, y = blobs
    lr = {"sgd": 0.1, "momentum": 0.02, "nesterov": 0.02}.get(optimizer, 0.01)
    clf = MLPClassifier((32,), optimizer=optimizer, learning_rate=lr, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_deeper_network_shapes_and_float32(blobs):
    X, y = blobs
    clf = MLPClassifier((16, 8, 4), max_epochs=3, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(6, 16), (16, 8), (8, 4), (4, 3)]
    assert all(W.dtype == np.float32 for W in clf.coefs_ + clf.intercepts_)
    assert clf.n_layers_ == 5 and clf.n_iter_ == 3 == len(clf.loss_curve_)
    assert clf.predict_proba(X).dtype == np.float64
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("init,expected_std", [("he", np.sqrt(2 / 400)),
                                               ("xavier", np.sqrt(2 / 600))])
def test_init_weight_scale(init, expected_std):
    Ws, bs = init_weights((400, 200, 10), init, np.random.RandomState(0))
    assert Ws[0].std() == pytest.approx(expected_std, rel=0.02)
    assert Ws[0].dtype == np.float32 and not bs[0].any()


def test_same_random_state_same_weights(blobs):
    X, y = blobs
    kw = dict(hidden_layer_sizes=(16,), max_epochs=4, dropout=0.5)
    a, b = MLPClassifier(random_state=1, **kw).fit(X, y), MLPClassifier(random_state=1, **kw).fit(X, y)
    c = MLPClassifier(random_state=2, **kw).fit(X, y)
    for wa, wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(wa, wb)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_string_labels_and_probabilities(blobs):
    X, y = blobs
    labels = np.array(["ant", "bee", "cow"])[y]
    clf = MLPClassifier((16,), learning_rate=1e-2, random_state=0).fit(X, labels)
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[p.argmax(axis=1)], clf.predict(X))
    assert set(clf.predict(X)) <= {"ant", "bee", "cow"}


def test_dropout_changes_training_not_prediction(blobs):
    X, y = blobs
    clf = MLPClassifier((16,), dropout=0.5, max_epochs=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_divergence_raises_with_advice(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        MLPClassifier((16,), optimizer="sgd", learning_rate=1e12, dropout=0.0,
                      random_state=0).fit(X * 1e6, y)


@pytest.mark.parametrize("param,value,error,match", [
    ("hidden_layer_sizes", (10, 0), ValueError,
     r"hidden_layer_sizes\[1\] must be an integer >= 1; got 0\. Pass e\.g\. hidden_layer_sizes"),
    ("hidden_layer_sizes", "big", ValueError, r"hidden_layer_sizes\[0\] must be .*; got 'b'"),
    ("hidden_layer_sizes", (8, 2.5), ValueError, r"hidden_layer_sizes\[1\] must be .*; got 2.5"),
    ("hidden_layer_sizes", None, ValueError, r"hidden_layer_sizes must be an integer >= 1; got None"),
    ("hidden_layer_sizes", True, ValueError, r"hidden_layer_sizes must be .*; got True"),
    ("activation", "swish", ValueError, r"activation must be one of .*got 'swish'"),
    ("init", "lecun", ValueError, r"init must be one of 'he', 'xavier'; got 'lecun'"),
    ("dropout", 1.0, ValueError, r"dropout must be a finite number in \[0, 1\); got 1.0"),
    ("optimizer", "adamw", ValueError, "optimizer must be one of .*; got 'adamw'"),
    ("learning_rate", 0, ValueError, "learning_rate must be a finite number > 0; got 0"),
    ("batch_size", 1.5, TypeError, "batch_size must be an integer >= 1; got 1.5"),
])
def test_invalid_parameters(param, value, error, match, blobs):
    X, y = blobs
    with pytest.raises(error, match=match):
        MLPClassifier(**{param: value}).fit(X, y)


def test_integer_hidden_size_is_one_layer(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=8, max_epochs=1, random_state=0).fit(X, y)
    assert clf.coefs_[0].shape == (6, 8)
