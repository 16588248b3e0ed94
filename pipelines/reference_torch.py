"""The PyTorch twin of :class:`classifiers.ConvNetClassifier`, for the ``ref:pixels/cnn`` row.

The same network (blocks of 3x3 convolution without bias - batch
normalization - ReLU - 2x2 max pooling, then ``[affine - ReLU] - dropout -
affine``), the same initial weights, mini-batches, per-batch augmentation,
dropout masks and learning-rate schedule as featbench's numpy ConvNet, but PyTorch's
layers, loss, autograd and update rules: the numpy network is read against a
standard implementation. PyTorch is optional (``pip install featbench[torch]``);
without it this module imports, and fitting raises an ``ImportError`` that
says how to install it.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from classifiers import ConvNetClassifier, ConvNetParams
from classifiers.augment import check_augment, minibatches
from classifiers.convnet import check_convnet_params, check_image_size
from classifiers.convnet_params import BN_EPS, BN_MOMENTUM
from classifiers.layers import dropout_mask
from classifiers.training import encode_labels, make_est_schedule
from features import check_images, to_float_images

__all__ = ["TorchConvNetClassifier", "build_module"]

_INSTALL = ("PyTorch is not installed; the ref:pixels/cnn row needs it. Install the CPU build "
            "with: pip install 'torch==2.13.0+cpu' (or pip install 'featbench[torch]').")


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError(_INSTALL) from exc
    return torch


def build_module(params, dropout):
    """A ``torch.nn.Module`` holding a copy of the numpy network's ``params``.

    Parameters
    ----------
    params : classifiers.ConvNetParams
        E.g. from :meth:`classifiers.ConvNetParams.initialize` (NHWC filters
        ``(3, 3, C_in, C_out)``, head weights ``(fan_in, fan_out)``).
    dropout : float

    Returns
    -------
    torch.nn.Module
        Takes NCHW float32 batches; flattens the last block's maps in NHWC
        order, as the numpy network does, so the head weights carry over. Its
        ``dropout`` attribute is the dropout layer, which applies its ``mask``
        in training when one is set.
    """
    torch = _torch()
    nn = torch.nn

    class _Dropout(nn.Dropout):
        """``nn.Dropout`` that applies ``self.mask`` in training when one is set."""

        mask = None

        def forward(self, x):
            if self.training and self.mask is not None:
                return x * self.mask
            return super().forward(x)

    def copy(tensor, array):
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(array)))

    def linear(layer):
        module = nn.Linear(*layer.weight.shape)
        copy(module.weight, layer.weight.T)
        copy(module.bias, layer.bias)
        return module

    layers = []
    for block in params.blocks:
        c_in, c_out = block.weight.shape[2:]
        conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        bn = nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=1.0 - BN_MOMENTUM)
        copy(conv.weight, block.weight.transpose(3, 2, 0, 1))
        copy(bn.weight, block.gamma)
        copy(bn.bias, block.beta)
        copy(bn.running_mean, block.running_mean)
        copy(bn.running_var, block.running_var)
        layers += [conv, bn, nn.ReLU(), nn.MaxPool2d(2)]
    head = [linear(params.hidden), nn.ReLU()] if params.hidden is not None else []
    drop = _Dropout(dropout)
    head += [drop, linear(params.output)]

    class _Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(*layers)
            self.head = nn.Sequential(*head)
            self.dropout = drop  # the head's, by name (it holds no parameters)

        def forward(self, x):
            # NHWC flattening order, like the numpy network's head.
            return self.head(self.blocks(x).permute(0, 2, 3, 1).flatten(1))

    return _Net()


class TorchConvNetClassifier(ClassifierMixin, BaseEstimator):
    """:class:`classifiers.ConvNetClassifier` trained by PyTorch (CPU), for reference rows.

    Parameters are those of :class:`classifiers.ConvNetClassifier` that shape
    training (see there for their meaning and defaults). Initial weights come
    from the same seeded initializer; mini-batches, their flips and shifts
    (:func:`classifiers.augment.minibatches`) and the dropout masks
    (:func:`classifiers.layers.dropout_mask`) from the same seeded generator,
    drawn in the same order; the learning rate follows the same schedule
    every mini-batch. The layers, cross-entropy, backward pass and update
    rules (``adam``: ``torch.optim.Adam``; ``nesterov``/``momentum``:
    ``torch.optim.SGD``) are PyTorch's. Weight decay ``alpha * sum W**2``
    goes to the conv filters and head weights only, as in the numpy network.
    With ``adam`` or ``sgd`` the two networks differ only by float32
    rounding, which grows over many steps. PyTorch's momentum scales the
    whole velocity by the current rate, where the numpy update rules keep
    each past step at the rate it was taken, so ``momentum`` and
    ``nesterov`` agree with the numpy network under a constant rate only.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    module_ : torch.nn.Module
        The trained network, in evaluation mode.
    loss_curve_ : list of float
        Mean training cross-entropy of every epoch plus the weight decay term.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    >>> y = np.arange(40) % 2
    >>> clf = TorchConvNetClassifier((4,), max_epochs=2, random_state=0)
    >>> clf.get_params()["max_epochs"]  # fitting needs PyTorch: clf.fit(X, y).predict(X)
    2
    """

    def __init__(self, conv_channels=(32, 64, 128), *, hidden_size=None, dropout=0.3,
                 alpha=5e-4, optimizer="adam", learning_rate=2e-3, lr_schedule="onecycle",
                 lr_decay=0.95, lr_decay_step=10, batch_size=128, max_epochs=40,
                 augment="none", shift=None, random_state=None, n_threads=None):
        self.conv_channels = conv_channels
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.alpha = alpha
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.lr_decay_step = lr_decay_step
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.augment = augment
        self.shift = shift
        self.random_state = random_state
        self.n_threads = n_threads

    def _twin(self):
        """The numpy ConvNet with these parameters: one family of checks validates them."""
        params = self.get_params()
        params.pop("n_threads")
        return ConvNetClassifier(**params)

    def _make_optimizer(self, torch, groups):
        if self.optimizer == "adam":
            return torch.optim.Adam(groups, lr=self.learning_rate, betas=(0.9, 0.999), eps=1e-8)
        if self.optimizer in ("nesterov", "momentum"):
            return torch.optim.SGD(groups, lr=self.learning_rate, momentum=0.9,
                                   nesterov=self.optimizer == "nesterov")
        if self.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=self.learning_rate)
        raise ValueError(
            f"optimizer must be one of 'adam', 'nesterov', 'momentum', 'sgd' for the PyTorch "
            f"twin; got {self.optimizer!r}.")

    def fit(self, X, y):
        """Train on images ``X`` (N, H, W) or (N, H, W, C) and labels ``y``.

        Raises
        ------
        ImportError
            If PyTorch is not installed (the message says how to install it).
        ValueError, TypeError
            Bad parameters (as :class:`classifiers.ConvNetClassifier`) or images.
        """
        channels = check_convnet_params(self._twin())
        torch = _torch()
        if self.n_threads is not None:
            torch.set_num_threads(int(self.n_threads))
        self.classes_, y_idx = encode_labels(np.asarray(y))
        images = check_images(X, convert=False)
        image_shape = tuple(int(s) for s in images.shape[1:])
        check_image_size(image_shape, len(channels))
        rng = check_random_state(self.random_state)
        params = ConvNetParams.initialize(image_shape, channels, self.hidden_size,
                                          len(self.classes_), rng)
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        # gen draws the mini-batches, their flips and shifts and the dropout masks in
        # the numpy network's order; PyTorch's own generator is seeded from rng.
        torch.manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
        net = build_module(params, float(self.dropout))
        drop, width, rate = net.dropout, params.output.weight.shape[0], float(self.dropout)
        # Conv filters and head weights decay; batch-norm scales and biases do not.
        decayed, others = [], []
        for name, p in net.named_parameters():
            (decayed if name.endswith("weight") and p.ndim > 1 else others).append(p)
        opt = self._make_optimizer(torch, [
            {"params": decayed, "weight_decay": 2.0 * self.alpha},
            {"params": others, "weight_decay": 0.0}])
        schedule = make_est_schedule(self)
        n, B = len(y_idx), min(self.batch_size, len(y_idx))
        n_batches = -(-n // B)
        labels = torch.from_numpy(y_idx.astype(np.int64))
        augment = check_augment(self.augment, self.shift, image_shape)
        self.loss_curve_ = []
        net.train()
        for epoch in range(self.max_epochs):
            total = 0.0
            batches = minibatches(images, B, gen, augment)
            for i, (idx, batch) in enumerate(batches):
                for group in opt.param_groups:
                    group["lr"] = schedule(self.learning_rate, epoch + i / n_batches)
                x = torch.from_numpy(np.ascontiguousarray(
                    to_float_images(batch, np.float32).transpose(0, 3, 1, 2)))
                if rate > 0:
                    drop.mask = torch.from_numpy(dropout_mask(
                        gen, (len(idx), width), rate, np.float32))
                loss = torch.nn.functional.cross_entropy(net(x), labels[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            penalty = self.alpha * sum(float((p.detach() ** 2).sum()) for p in decayed)
            self.loss_curve_.append(total / n + penalty)
            if not np.isfinite(self.loss_curve_[-1]):
                raise ValueError(
                    f"training diverged (loss {self.loss_curve_[-1]}) at epoch {epoch + 1}; "
                    f"lower learning_rate (now {self.learning_rate}).")
        drop.mask = None
        self.module_ = net.eval()
        self.image_shape_ = image_shape
        return self

    def predict_proba(self, X):
        """Class probabilities, shape (n_images, n_classes), computed in chunks."""
        check_is_fitted(self)
        torch = _torch()
        images = check_images(X, convert=False)
        out = []
        with torch.no_grad():
            for start in range(0, len(images), 512):
                x = to_float_images(images[start:start + 512], np.float32)
                x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
                out.append(torch.softmax(self.module_(x), dim=1).numpy())
        return np.concatenate(out)

    def predict(self, X):
        """Predicted labels, shape (n_images,)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
