import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import classifiers.augment as augment_module
from classifiers import ConvNetClassifier, ConvNetParams
from classifiers import layers as L
from classifiers._convnet_network import ConvNetwork
from classifiers.gradient_check import check_gradient
from classifiers.losses import softmax_loss

FAST = dict(conv_channels=(4, 8), batch_size=8, max_epochs=3, random_state=0)


def _images(n=24, h=8, w=8, c=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, h, w, c), dtype=np.uint8)
    y = rng.integers(0, 3, n)
    return X, y


def _network(shape=(8, 8, 2), channels=(3, 4), hidden=None, dropout=0.0, n=6, seed=0,
             negative_gamma=False):
    rng = np.random.RandomState(seed)
    params = ConvNetParams.initialize(shape, channels, hidden, 3, rng, np.float64)
    for p in params.trainable():
        p += 0.1 * rng.standard_normal(p.shape)
    if negative_gamma:  # channels whose normalization flips the sign pool the minimum
        params.blocks[0].gamma[::2] *= -1.0
        params.blocks[1].gamma[1::2] *= -1.0
    net = ConvNetwork(params, shape, dropout, 0.01, n, None)
    X = rng.standard_normal((n,) + shape)
    y = rng.randint(0, 3, n)
    return net, X, y


def _reference_scores(net, X, training):
    """Forward pass composed from the readable layers of classifiers.layers."""
    h = X
    for block in net.params.blocks:
        mean, var = block.running_mean.copy(), block.running_var.copy()
        z, _ = L.conv2d_forward(h, block.weight, None, stride=1, pad=1)
        z, _ = L.batchnorm_forward(z, block.gamma, block.beta, mean, var, training=training)
        h, _ = L.maxpool_forward(np.maximum(z, 0))
    h = h.reshape(X.shape[0], -1)
    hidden, output = net.params.hidden, net.params.output
    if hidden is not None:
        h = np.maximum(h @ hidden.weight + hidden.bias, 0)
    return h @ output.weight + output.bias


@pytest.mark.parametrize("shape", [(8, 8, 2), (9, 7, 3)])
@pytest.mark.parametrize("hidden,dropout", [(None, 0.0), (None, 0.4), (5, 0.3)])
@pytest.mark.parametrize("negative_gamma", [False, True])
def test_network_backward_gradient_check(shape, hidden, dropout, negative_gamma):
    net, X, y = _network(shape, hidden=hidden, dropout=dropout, negative_gamma=negative_gamma)

    def f(_=None):
        net.gen = np.random.default_rng(1)  # the same dropout mask at every evaluation
        net.set_input(X)
        return net.loss_and_grads(X.shape[0], y) + net.penalty()

    f()
    analytic = [g.copy() for g in net.grads.trainable()]
    for param, grad in zip(net.params.trainable(), analytic):
        assert check_gradient(f, param, grad) < 1e-6


@pytest.mark.parametrize("shape", [(8, 8, 2), (9, 7, 3)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("negative_gamma", [False, True])
def test_network_forward_equals_the_composed_layers(shape, training, negative_gamma):
    # Pooling before normalization is exact: same scores as conv-bn-relu-pool.
    net, X, _ = _network(shape, hidden=5, negative_gamma=negative_gamma)
    for s in net.params.running_stats():
        s += 0.5  # running statistics other than the initial ones
    expected = _reference_scores(net, X, training)
    net.set_input(X)
    np.testing.assert_allclose(net.scores(X.shape[0], training), expected, rtol=1e-12,
                               atol=1e-12)


def test_network_updates_running_stats_like_batchnorm_forward():
    net, X, _ = _network()
    block = net.params.blocks[0]
    z, _ = L.conv2d_forward(X, block.weight, None, stride=1, pad=1)
    mean, var = block.running_mean.copy(), block.running_var.copy()
    L.batchnorm_forward(z, block.gamma, block.beta, mean, var)
    net.set_input(X)
    net.scores(X.shape[0], training=True)
    np.testing.assert_allclose(block.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(block.running_var, var, rtol=1e-10)


def test_network_handles_a_last_smaller_batch():
    net, X, y = _network(n=6)
    m = 4
    net.set_input(X[:m])
    loss = net.loss_and_grads(m, y[:m])
    grads = [g.copy() for g in net.grads.trainable()]
    # Training normalizes by batch statistics: the running ones both update do not matter.
    exact = ConvNetwork(net.params, (8, 8, 2), 0.0, 0.01, m, None)
    exact.set_input(X[:m])
    assert loss == pytest.approx(exact.loss_and_grads(m, y[:m]))
    for g, e in zip(grads, exact.grads.trainable()):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-14)


def test_reused_backward_buffers_start_clean():
    # The padded gradient buffers are allocated empty and reused across batches: what
    # a previous batch (or the allocator) left there must not reach the arithmetic.
    net, X, y = _network(n=6)
    net.set_input(X)
    net.loss_and_grads(6, y)
    grads = [g.copy() for g in net.grads.trainable()]
    for buffer in net.dxp[1:]:  # a signalling NaN: any arithmetic on it is "invalid"
        buffer.view(np.uint64)[...] = 0x7FF0000000000001
    net.set_input(X)
    with np.errstate(over="raise", invalid="raise"):
        net.loss_and_grads(6, y)
    for g, e in zip(net.grads.trainable(), grads):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_loss_decreases_on_a_tiny_problem():
    X, y = _images()
    clf = ConvNetClassifier(**{**FAST, "max_epochs": 8, "dropout": 0.0}).fit(X, y)
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]


def test_overfits_20_images_with_random_labels():
    X, y = _images(n=20)
    clf = ConvNetClassifier((8, 16), dropout=0.0, alpha=0.0, batch_size=10, max_epochs=60,
                            learning_rate=1e-2, tol=0.0, random_state=0).fit(X, y)
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("augment", [None, "hflip+shift"])
def test_same_random_state_same_weights(augment):
    X, y = _images()
    kw = {**FAST, "augment": augment, "dropout": 0.5}
    a = ConvNetClassifier(**kw).fit(X, y)
    b = ConvNetClassifier(**kw).fit(X, y)
    c = ConvNetClassifier(**{**kw, "random_state": 1}).fit(X, y)
    for wa, wb in zip(a.conv_weights_ + a.coefs_, b.conv_weights_ + b.coefs_):
        np.testing.assert_array_equal(wa, wb)
    for (ma, va), (mb, vb) in zip(a.bn_running_, b.bn_running_):
        np.testing.assert_array_equal(ma, mb)
        np.testing.assert_array_equal(va, vb)
    assert not np.allclose(a.conv_weights_[0], c.conv_weights_[0])


def test_trains_in_float32_and_predicts_float32_probabilities():
    X, y = _images()
    clf = ConvNetClassifier(**FAST).fit(X, y)
    weights = clf.conv_weights_ + clf.coefs_ + clf.intercepts_
    weights += [a for pair in clf.bn_params_ + clf.bn_running_ for a in pair]
    assert all(w.dtype == np.float32 for w in weights)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float32 and proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_float_images_in_0_1_equal_uint8_images():
    X, y = _images()
    a = ConvNetClassifier(**FAST).fit(X, y)
    b = ConvNetClassifier(**FAST).fit(X * np.float32(1 / 255), y)
    np.testing.assert_array_equal(a.conv_weights_[0], b.conv_weights_[0])


def test_gray_images_get_a_channel_axis():
    X, y = _images(c=1)
    clf = ConvNetClassifier(**FAST).fit(X[..., 0], y)
    assert clf.image_shape_ == (8, 8, 1) and clf.conv_weights_[0].shape == (3, 3, 1, 4)
    np.testing.assert_array_equal(clf.predict(X[..., 0]), clf.predict(X))


def test_prediction_does_not_depend_on_the_chunk_size():
    X, y = _images(n=30)
    clf = ConvNetClassifier(**FAST).fit(X, y)   # chunks of 8 images at prediction
    whole = clf.predict_proba(X)
    clf.batch_size = 30
    np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-5, atol=1e-7)


def test_hidden_layer_head_shapes():
    X, y = _images()
    clf = ConvNetClassifier(**FAST, hidden_size=6).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(2 * 2 * 8, 6), (6, 3)]
    assert clf.predict(X).shape == (24,)


def test_augmentation_draws_fresh_per_batch_and_repeats_with_the_seed(monkeypatch):
    calls, original = [], augment_module.augment_batch

    def recording(batch, augment, rng):
        out = original(batch, augment, rng)
        calls.append((batch.copy(), out))
        return out

    monkeypatch.setattr(augment_module, "augment_batch", recording)
    X, y = _images(n=16)
    X[:, 0, 0, 0] = np.arange(16)  # each image's id
    kw = {**FAST, "batch_size": 16, "max_epochs": 2, "augment": "hflip+shift"}
    ConvNetClassifier(**kw).fit(X, y)
    first_run, calls[:] = list(calls), []
    ConvNetClassifier(**kw).fit(X, y)
    for (bi, bo), (ci, co) in zip(first_run, calls):   # same seed: same draws
        np.testing.assert_array_equal(bi, ci)
        np.testing.assert_array_equal(bo, co)

    def by_id(batch_in, batch_out):
        return batch_out[np.argsort(batch_in[:, 0, 0, 0])]

    epoch1, epoch2 = (by_id(*call) for call in first_run)   # one batch per epoch
    changed = [not np.array_equal(a, b) for a, b in zip(epoch1, epoch2)]
    assert sum(changed) >= 12  # another flip or shift for (almost) every image


def test_early_stopping_records_scores_and_calls_the_callback():
    X, y = _images(n=40)
    seen = []
    clf = ConvNetClassifier(**{**FAST, "max_epochs": 4}, early_stopping=True,
                            validation_fraction=0.25,
                            epoch_callback=lambda *a: seen.append(a)).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ == len(seen) == 4
    assert [s[0] for s in seen] == [1, 2, 3, 4]
    assert [s[2] for s in seen] == clf.validation_scores_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


@pytest.mark.parametrize("optimizer", ["nesterov", "sgd", "adam"])
@pytest.mark.parametrize("lr_schedule", ["constant", "onecycle_cosine"])
def test_optimizers_and_schedules_train(optimizer, lr_schedule):
    X, y = _images()
    lr = 1e-3 if optimizer == "adam" else 2e-2
    clf = ConvNetClassifier(**{**FAST, "max_epochs": 2}, optimizer=optimizer,
                            learning_rate=lr, lr_schedule=lr_schedule).fit(X, y)
    assert np.isfinite(clf.loss_curve_).all() and clf.n_iter_ == 2


def test_divergence_raises_with_advice():
    X, y = _images()
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        ConvNetClassifier(**FAST, optimizer="sgd", learning_rate=1e30,
                          lr_schedule="constant").fit(X, y)


@pytest.mark.parametrize("param,value,error,match", [
    ("conv_channels", (4, 0), ValueError, r"conv_channels must be a non-empty tuple of positive"),
    ("conv_channels", (), ValueError, "conv_channels must be a non-empty tuple"),
    ("hidden_size", 0, ValueError, "hidden_size must be an integer >= 1; got 0"),
    ("dropout", 1.0, ValueError, r"dropout must be a finite number in \[0, 1\); got 1.0"),
    ("augment", "rotate", ValueError, "augment must be one of 'none', 'hflip'"),
    ("shift", 0, ValueError, "shift must be an integer >= 1; got 0"),
    ("epoch_callback", "print", TypeError, "epoch_callback must be callable"),
    ("optimizer", "adamw", ValueError, "optimizer must be one of"),
    ("lr_schedule", "cyclic", ValueError, "lr_schedule must be one of"),
    ("n_jobs", 0, ValueError, "n_jobs must be an integer >= 1; got 0. Pass None"),
    ("n_jobs", 1.5, TypeError, "n_jobs must be an integer; got 1.5"),
])
def test_invalid_parameters(param, value, error, match):
    X, y = _images()
    with pytest.raises(error, match=match):
        ConvNetClassifier(**{**FAST, param: value}).fit(X, y)


def test_images_too_small_for_the_blocks():
    X, y = _images(h=7, w=9)
    with pytest.raises(ValueError, match="images of 7x9 pixels are too small for 3 blocks"):
        ConvNetClassifier((2, 2, 2)).fit(X, y)


def test_tabular_input_is_refused():
    with pytest.raises(ValueError, match=r"X must be a batch of images of shape \(N, H, W\)"):
        ConvNetClassifier(**FAST).fit(np.zeros((10, 64)), np.arange(10) % 2)


def test_predict_checks_the_image_shape_and_fit():
    X, y = _images()
    with pytest.raises(NotFittedError):
        ConvNetClassifier().predict(X)
    clf = ConvNetClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"trained on images of shape \(8, 8, 3\)"):
        clf.predict(X[:, :, :, :2])


def test_pickled_classifier_predicts_the_same():
    import pickle

    X, y = _images()
    clf = ConvNetClassifier(**FAST).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_predictions_do_not_depend_on_the_other_images_of_the_batch():
    # Inference uses the running statistics, never the batch's own.
    X, y = _images(n=30)
    clf = ConvNetClassifier(**FAST).fit(X, y)
    whole = clf.predict_proba(X)
    order = np.random.default_rng(0).permutation(30)
    np.testing.assert_allclose(clf.predict_proba(X[order]), whole[order], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(clf.predict_proba(X[3:4]), whole[3:4], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("bad,match", [
    (np.full((4, 8, 8, 3), np.nan), "contains NaN or infinite values"),
    (np.zeros((0, 8, 8, 3)), "empty batch"),
    (np.full((4, 8, 8, 3), 2.0), r"float images must lie in \[0, 1\]"),
])
def test_bad_images_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        ConvNetClassifier(**FAST).fit(bad, np.arange(max(bad.shape[0], 2)) % 2)


def _reference_grads(net, X, y):
    """Loss gradients by the readable layers' backward passes (no dropout, no weight decay)."""
    caches, h = [], X
    for block in net.params.blocks:
        mean, var = block.running_mean.copy(), block.running_var.copy()
        z, c_conv = L.conv2d_forward(h, block.weight, None, stride=1, pad=1)
        z, c_bn = L.batchnorm_forward(z, block.gamma, block.beta, mean, var)
        a, c_relu = L.relu_forward(z)
        h, c_pool = L.maxpool_forward(a)
        caches.append((c_conv, c_bn, c_relu, c_pool))
    flat = h.reshape(X.shape[0], -1)
    scores, c_head = L.affine_forward(flat, net.params.output.weight, net.params.output.bias)
    _, d = softmax_loss(scores, y)
    d, dW, db = L.affine_backward(d, c_head)
    grads, d = [dW, db], d.reshape(h.shape)
    for b in range(net.n_blocks - 1, -1, -1):
        c_conv, c_bn, c_relu, c_pool = caches[b]
        d = L.relu_backward(L.maxpool_backward(d, c_pool), c_relu)
        d, dgamma, dbeta = L.batchnorm_backward(d, c_bn)
        d, dW, _ = L.conv2d_backward(d, c_conv)
        grads = [dW, dgamma, dbeta] + grads
    return grads


@pytest.mark.parametrize("negative_gamma", [False, True])
def test_network_gradients_equal_the_layers_backward_with_ties(negative_gamma):
    # 0/1 images and -1/0/1 filters make the first conv outputs small
    # integers, tied inside many pooling windows whose inputs differ: the
    # network (pooling before normalization) must route each window's
    # gradient to the same single input as maxpool_backward.
    net, X, y = _network((8, 8, 2), negative_gamma=negative_gamma)
    net.alpha2 = 0.0
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, X.shape).astype(float)
    W = net.params.blocks[0].weight
    W[...] = rng.integers(-1, 2, W.shape)
    z, _ = L.conv2d_forward(X, W, None, stride=1, pad=1)
    windows = z.reshape(6, 4, 2, 4, 2, 3)
    assert ((windows == windows.max(axis=(2, 4), keepdims=True)).sum(axis=(2, 4)) > 1).sum() > 50
    expected = _reference_grads(net, X, y)
    net.set_input(X)
    net.loss_and_grads(X.shape[0], y)
    for got, want in zip(net.grads.trainable(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_prediction_reads_the_fitted_architecture_not_the_parameters():
    X, y = _images()
    clf = ConvNetClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(conv_channels=(2, 2, 2), hidden_size=7)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_odd_image_sizes_pool_by_rounding_down():
    X, y = _images(n=12, h=10, w=9, c=1)
    clf = ConvNetClassifier((2, 3, 4), batch_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert clf.coefs_[0].shape == (1 * 1 * 4, 3)   # 10 -> 5 -> 2 -> 1 and 9 -> 4 -> 2 -> 1
    assert clf.predict(X).shape == (12,)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score"])
@pytest.mark.parametrize("channels", [3, 1])
def test_one_image_without_a_batch_axis_is_refused_with_the_fix(method, channels):
    X, y = _images(c=channels)
    clf = ConvNetClassifier(**FAST).fit(X, y)
    one = X[0] if channels == 3 else X[0, ..., 0][..., None]   # (8, 8, 3) or (8, 8, 1)
    args = (one, y[:1]) if method == "score" else (one,)
    with pytest.raises(ValueError, match=rf"X has shape \(8, 8, {channels}\), read as a batch "
                                         r"of 8 grayscale images .* add a batch axis: X\[None\]"):
        getattr(clf, method)(*args)
    np.testing.assert_array_equal(clf.predict(one[None]), clf.predict(X[:1]))
