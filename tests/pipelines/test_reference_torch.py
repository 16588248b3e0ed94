"""pipelines/reference_torch.py: the PyTorch twin of the numpy ConvNet (skipped without torch)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (an optional extra) is not installed: "
                                            "pip install 'torch==2.13.0+cpu'")

from classifiers import ConvNetClassifier, ConvNetParams  # noqa: E402
from classifiers._convnet_network import ConvNetwork  # noqa: E402
from pipelines.reference_torch import TorchConvNetClassifier, build_module  # noqa: E402


@pytest.mark.parametrize("hidden_size", [None, 16])
def test_module_computes_the_numpy_networks_scores_from_the_same_weights(hidden_size):
    rng = np.random.RandomState(0)
    shape, channels = (8, 8, 3), (4, 6)
    params = ConvNetParams.initialize(shape, channels, hidden_size, 5, rng)
    block = params.blocks[0]                            # running statistics used in eval
    block.running_mean[:] = rng.rand(4).astype(np.float32)
    block.running_var[:] = 1 + rng.rand(4).astype(np.float32)
    images = rng.rand(7, *shape).astype(np.float32)
    net = ConvNetwork(params, shape, 0.0, 0.0, 7, None, training=False)
    ours = net.scores(net.set_input(images), training=False)
    module = build_module(params, 0.0).eval()
    with torch.no_grad():
        theirs = module(torch.from_numpy(images.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-5)


# Momentum in PyTorch scales the whole velocity by the current rate, ours keeps each past
# step at the rate it was taken: the two agree under a constant rate only.
@pytest.mark.parametrize("optimizer,rate,schedule", [
    ("adam", 2e-3, "onecycle"), ("sgd", 0.1, "onecycle"), ("momentum", 0.05, "constant"),
    ("nesterov", 0.05, "constant")])
@pytest.mark.parametrize("augment,dropout,hidden", [(None, 0.0, None),
                                                    ("hflip+shift", 0.3, None),
                                                    ("hflip+shift", 0.5, 8)])
def test_the_twin_trains_like_the_numpy_network(optimizer, rate, schedule, augment, dropout,
                                                hidden):
    # Same initial weights, mini-batches, flips, shifts, dropout masks, rates and
    # decay: the two networks differ only by float32 rounding after 18 steps.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (96, 8, 8, 3), dtype=np.uint8)
    y = np.arange(96) % 3
    kw = dict(conv_channels=(4, 6), dropout=dropout, hidden_size=hidden, optimizer=optimizer,
              learning_rate=rate,
              lr_schedule=schedule, max_epochs=3, batch_size=16, augment=augment, shift=1,
              random_state=0)
    ours = ConvNetClassifier(**kw).fit(X, y)
    twin = TorchConvNetClassifier(**kw, n_threads=1).fit(X, y)
    np.testing.assert_allclose(twin.loss_curve_, ours.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(twin.predict_proba(X), ours.predict_proba(X), atol=1e-5)


def test_twin_learns_a_separable_toy_problem_and_is_seeded():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 60, (64, 8, 8, 3), dtype=np.uint8)
    y = np.arange(64) % 2
    X[y == 1, :4] += 150  # class 1: bright top half
    a = TorchConvNetClassifier((4,), max_epochs=15, random_state=0, batch_size=16).fit(X, y)
    b = TorchConvNetClassifier((4,), max_epochs=15, random_state=0, batch_size=16).fit(X, y)
    assert a.score(X, y) > 0.9
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.loss_curve_[-1] < a.loss_curve_[0]


def test_twin_refuses_bad_parameters_with_the_numpy_networks_checks():
    X = np.zeros((4, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="dropout"):
        TorchConvNetClassifier((4,), dropout=1.5).fit(X, [0, 1, 0, 1])
