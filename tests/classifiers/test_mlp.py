import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from classifiers._mlp_network import init_weights
from classifiers.mlp import ACTIVATIONS, MLPClassifier
from classifiers.optimizers import OPTIMIZERS


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=200, centers=3, n_features=6, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(X), y


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


@pytest.mark.parametrize("kw", [
    dict(batch_norm=True), dict(activation="maxout"), dict(activation="maxout", maxout_pieces=3),
    dict(activation="maxout", batch_norm=True, init="he"),
])
def test_batchnorm_and_maxout_learn_blobs(kw, blobs):
    X, y = blobs
    clf = MLPClassifier((32,), learning_rate=1e-2, random_state=0, **kw).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_maxout_and_batchnorm_shapes_and_float32(blobs):
    X, y = blobs
    clf = MLPClassifier((16, 8), activation="maxout", maxout_pieces=3, batch_norm=True,
                        max_epochs=2, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(6, 48), (16, 24), (8, 3)]
    assert [g.shape for g, _ in clf.bn_params_] == [(48,), (24,)]
    assert [m.shape for m, _ in clf.bn_running_] == [(48,), (24,)]
    arrays = clf.coefs_ + [a for pair in clf.bn_params_ + clf.bn_running_ for a in pair]
    assert all(a.dtype == np.float32 for a in arrays)
    assert not any(b.any() for b in clf.intercepts_[:-1])  # beta replaces the hidden biases


def test_batchnorm_prediction_uses_running_stats(blobs):
    # One sample alone gets the probabilities it gets within the whole batch.
    X, y = blobs
    clf = MLPClassifier((16,), batch_norm=True, max_epochs=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X[:1]), clf.predict_proba(X)[:1], rtol=1e-10)


@pytest.mark.parametrize("kw", [dict(batch_norm=True, activation="maxout", dropout=0.5),
                                dict(augment="hflip+shift", image_shape=(2, 3))])
def test_same_random_state_same_weights_new_options(kw, blobs):
    X, y = blobs
    a = MLPClassifier((16,), max_epochs=3, random_state=1, **kw).fit(X, y)
    b = MLPClassifier((16,), max_epochs=3, random_state=1, **kw).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    for (ma, va), (mb, vb) in zip(a.bn_running_, b.bn_running_):
        np.testing.assert_array_equal(ma, mb)
        np.testing.assert_array_equal(va, vb)


def test_augment_draws_fresh_images_per_batch(monkeypatch):
    import classifiers._batch_plans as plans_module

    calls, original = [], plans_module.move_images

    def recording(images, which, offsets, shift):
        out = original(images, which, offsets, shift)
        calls.append((images.copy(), out))
        return out

    monkeypatch.setattr(plans_module, "move_images", recording)
    rng = np.random.default_rng(0)
    X = rng.random((12, 4 * 5 * 3)).astype(np.float32) + 0.1
    y = np.arange(12) % 3
    kw = dict(hidden_layer_sizes=(8,), batch_size=4, max_epochs=2, augment="hflip+shift",
              image_shape=(4, 5, 3), shift=1, random_state=0)
    MLPClassifier(**kw).fit(X, y)
    assert len(calls) == 6 and all(i.shape == (4, 4, 5, 3) for i, _ in calls)
    # Each image is X's row viewed in (H, W, C) order, flipped and/or shifted.
    rows = {tuple(r) for r in X}
    assert all(tuple(img.ravel()) in rows for i, _ in calls for img in i)
    first, calls[:] = list(calls), []
    MLPClassifier(**kw).fit(X, y)
    for (ai, ao), (bi, bo) in zip(first, calls):
        np.testing.assert_array_equal(ao, bo)
    # Across the two epochs every image is seen twice, with fresh draws.
    by_row = {}
    for images, out in first:
        for img, res in zip(images, out):
            by_row.setdefault(img.tobytes(), []).append(res)
    assert sum(not np.array_equal(a, b) for a, b in by_row.values()) >= 8


@pytest.mark.parametrize("param,value,error,match", [
    ("maxout_pieces", 1, ValueError, "maxout_pieces must be an integer >= 2; got 1"),
    ("batch_norm", 1, TypeError, "batch_norm must be True or False; got 1"),
    ("augment", "hflip", ValueError,
     r"image_shape must be \(H, W\) or \(H, W, C\) with H \* W \* C = n_features = 6 when "
     r"augment='hflip'; got None"),
    ("augment", "rot90", ValueError, "augment must be one of 'none', 'hflip'"),
])
def test_invalid_new_parameters(param, value, error, match, blobs):
    X, y = blobs
    with pytest.raises(error, match=match):
        MLPClassifier(**{param: value}).fit(X, y)


def test_image_shape_must_match_the_features(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"H \* W \* C = n_features = 6 .*got \(2, 2\)"):
        MLPClassifier(augment="shift", image_shape=(2, 2)).fit(X, y)
