"""Convolutional network classifier for image batches, trained in float32."""

import numbers

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from features import check_images, to_float_images
from features.checks import check_int, check_n_jobs, check_real
from features.threads import n_workers, shard_pool

from ._convnet_network import ConvNetwork
from .augment import check_augment, minibatches
from .convnet_params import ConvBlockParams, ConvNetParams, DenseParams, check_image_size
from .losses import softmax, softmax_loss
from .training import (check_common_params, encode_labels, make_est_schedule,
                       split_validation, train_loop)

__all__ = ["ConvNetClassifier", "check_convnet_params", "check_image_size"]


def _check_channels(value):
    try:
        channels = tuple(value)
    except TypeError:
        channels = ()
    if not channels or not all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                               and c >= 1 for c in channels):
        raise ValueError(
            f"conv_channels must be a non-empty tuple of positive integers; got {value!r}. "
            "Pass e.g. conv_channels=(32, 64, 128)."
        )
    return tuple(int(c) for c in channels)


def _check_images(X):
    if issparse(X):
        raise TypeError(
            "Sparse data was passed for X, but dense data is required: X must be a batch of "
            "images (N, H, W) or (N, H, W, C). Use X.toarray() and reshape it."
        )
    return check_images(X, convert=False)


def check_convnet_params(est):
    """Validate the parameters of a :class:`ConvNetClassifier` (start of fit).

    Parameters
    ----------
    est : ConvNetClassifier
        Or any object with its parameters as attributes (e.g. the PyTorch twin's
        numpy counterpart).

    Returns
    -------
    conv_channels : tuple of int

    Raises
    ------
    ValueError, TypeError
        Naming the parameter, the value received and a valid one.

    Examples
    --------
    >>> check_convnet_params(ConvNetClassifier((8, 16)))
    (8, 16)
    >>> check_convnet_params(ConvNetClassifier(dropout=1.0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: dropout must be a finite number in [0, 1); got 1.0. ...
    """
    check_common_params(est)
    channels = _check_channels(est.conv_channels)
    if est.hidden_size is not None:
        check_int(est.hidden_size, "hidden_size", low=1,
                  fix="Pass e.g. hidden_size=256, or None for a linear head.")
    check_real(est.dropout, "dropout", low=0, high=1, high_open=True)
    check_augment(est.augment, est.shift)
    check_n_jobs(getattr(est, "n_jobs", None))
    if est.epoch_callback is not None and not callable(est.epoch_callback):
        raise TypeError(
            f"epoch_callback must be callable (epoch, loss, validation_score) or None; "
            f"got {est.epoch_callback!r}."
        )
    return channels


class ConvNetClassifier(ClassifierMixin, BaseEstimator):
    """Small ConvNet: blocks of conv 3x3 - batch norm - ReLU - 2x2 max pool, then a linear head.

    Each entry of ``conv_channels`` is one block: a 3x3 convolution (stride 1,
    zero padding 1, no bias) with that many filters, batch normalization
    (batch statistics in training, running averages at prediction), ReLU and
    2x2 max pooling (which halves height and width, rounding down). The head
    is ``[affine - ReLU] - dropout - affine`` with a softmax cross-entropy
    loss. Images are NHWC; computation is float32 (see
    :mod:`classifiers.layers` for the layers and their conventions).

    Parameters
    ----------
    conv_channels : tuple of int, default=(32, 64, 128)
        Filters of each block; images need at least ``2 ** len(conv_channels)``
        pixels in height and width.
    hidden_size : int or None, default=None
        Units of a hidden ReLU layer in the head; None puts the linear
        classifier right after the last block.
    dropout : float, default=0.3
        Inverted-dropout probability on the input of the last affine layer, in [0, 1).
    alpha : float, default=5e-4
        L2 weight decay ``alpha * sum W**2`` over the conv filters and head
        weights (not biases nor batch-norm scales and shifts).
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}, default="adam"
        Update rule (see :mod:`classifiers.optimizers`).
    learning_rate : float, default=2e-3
        Base (peak, for the one-cycle schedules) step size, > 0.
    lr_schedule : str, default="onecycle"
        One of :data:`classifiers.schedules.SCHEDULES`, evaluated at every
        mini-batch (fractional epochs): ``"onecycle"`` warms up linearly over
        the first 30% of ``max_epochs``, then decays linearly to 0.
    lr_decay : float, default=0.95
        Decay factor of the ``"step"`` and ``"exponential"`` schedules, in (0, 1].
    lr_decay_step : int, default=10
        Epochs between decays of the ``"step"`` schedule.
    batch_size : int, default=128
        Mini-batch size (capped at the number of training images); also the
        chunk size of prediction.
    max_epochs : int, default=40
    tol : float, default=1e-4
        Minimum improvement that resets the patience counter (validation
        accuracy or loss with early stopping, training loss otherwise).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified, seeded), stop after
        ``n_iter_no_change`` epochs without improvement, keep the best weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    augment : {"none", "hflip", "shift", "hflip+shift"}, default="none"
        Random mirror images and/or random shifts (zero padding of ``shift``
        pixels, crop at a random offset), drawn afresh for every image of
        every mini-batch (see :mod:`classifiers.augment`).
    shift : int or None, default=None
        Largest shift in pixels, >= 1 (None: 1/16 of the smaller image side,
        :func:`classifiers.augment.default_shift`, 2 for 32x32 images).
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, validation split, shuffling, dropout and augmentation.
    n_jobs : int or None, default=None
        Cores of training and prediction: that many threads share each batch's
        images, cut into the same shards whatever the cores (-1: every core;
        see :func:`features.threads.shard_pool`), so the numbers are the same
        bit for bit for every ``n_jobs`` on one machine. None: the whole batch
        at once, BLAS with its own threads; the same network but for the last
        bits of its sums.
    verbose : int, default=0
        Print progress every epoch when > 0.
    epoch_callback : callable or None, default=None
        Called as ``epoch_callback(epoch, loss, validation_score)`` after every
        epoch (score None without early stopping), e.g. to drive a progress bar.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    image_shape_ : tuple ``(H, W, C)``
    conv_weights_ : list of ndarray of shape (3, 3, C_in, C_out), float32
    bn_params_ : list of (gamma, beta) pairs of ndarray of shape (C_out,)
    bn_running_ : list of (mean, variance) pairs, the running averages
    coefs_, intercepts_ : lists of ndarray
        Head weights and biases (the hidden layer first when there is one).
    loss_curve_ : list of float
        Mean training cross-entropy of every epoch plus the weight decay term.
    validation_scores_ : list of float
        Validation accuracy of every epoch (empty without early stopping).
    validation_loss_curve_ : list of float
    best_validation_score_ : float or None
    n_iter_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    >>> y = (X[:, :4].mean(axis=(1, 2, 3)) > X[:, 4:].mean(axis=(1, 2, 3))).astype(int)
    >>> clf = ConvNetClassifier((4, 8), max_epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(self, conv_channels=(32, 64, 128), *, hidden_size=None, dropout=0.3,
                 alpha=5e-4, optimizer="adam", learning_rate=2e-3, lr_schedule="onecycle",
                 lr_decay=0.95, lr_decay_step=10, batch_size=128, max_epochs=40, tol=1e-4,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 augment="none", shift=None, random_state=None, n_jobs=None, verbose=0,
                 epoch_callback=None):
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
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.augment = augment
        self.shift = shift
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.epoch_callback = epoch_callback

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True  # uint8 images, or floats in [0, 1]
        return tags

    def _check_params(self):
        return check_convnet_params(self)

    def fit(self, X, y):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_images, H, W) or (n_images, H, W, C)
            uint8 images (scaled by 1/255), or float images in [0, 1].
        y : array-like of shape (n_images,)
            Labels of any type (at least two classes).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            Invalid parameters, images (wrong dimensions, too small, values out
            of range), a single class, or a diverging loss (see
            :func:`classifiers.training.train_loop`).
        TypeError
            Parameters of the wrong type.
        """
        channels = self._check_params()
        if y is None:
            raise ValueError("requires y to be passed, but the target y is None. Pass the labels.")
        y = column_or_1d(y, warn=True)
        if y.dtype.kind == "f":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        classes, y_idx = encode_labels(y)
        images = _check_images(X)
        check_consistent_length(images, y)
        self.classes_ = classes
        image_shape = tuple(int(s) for s in images.shape[1:])
        check_image_size(image_shape, len(channels))
        rng = check_random_state(self.random_state)

        if self.early_stopping:
            tr, va = split_validation(y_idx, self.validation_fraction, rng)
            X_tr, y_tr, X_va, y_va = images[tr], y_idx[tr], images[va], y_idx[va]
        else:
            X_tr, y_tr, X_va, y_va = images, y_idx, None, None

        params = ConvNetParams.initialize(image_shape, channels, self.hidden_size,
                                          self.classes_.shape[0], rng)
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        n_tr = X_tr.shape[0]
        B = min(self.batch_size, n_tr)
        # Threads share each batch's images; the numbers do not depend on how many.
        with shard_pool(self.n_jobs) as (pool, n_shards):
            net = ConvNetwork(params, image_shape, float(self.dropout), float(self.alpha), B, gen,
                              pool=pool, n_shards=n_shards,
                              workers=n_workers(self.n_jobs, n_shards))
            schedule, n_batches, epochs_done = make_est_schedule(self), -(-n_tr // B), [0]
            trainable, gradients = params.trainable(), net.grads.trainable()
            start = []

            augment = check_augment(self.augment, self.shift, image_shape)

            def train_epoch(opt):
                total = 0.0
                batches = minibatches(X_tr, B, gen, augment)
                for i, (idx, batch) in enumerate(batches):
                    opt.learning_rate = schedule(self.learning_rate,
                                                 epochs_done[0] + i / n_batches)
                    m = net.set_input(to_float_images(batch, np.float32))
                    loss = net.loss_and_grads(m, y_tr[idx])
                    if not start:  # before the first update: the loss the model starts from
                        start.append(loss + net.penalty())
                    total += loss * m
                    opt.update(trainable, gradients)
                epochs_done[0] += 1
                return total / n_tr + net.penalty()

            def validate():
                scores = self._predict_scores(X_va, params, image_shape)
                return np.mean(scores.argmax(axis=1) == y_va), softmax_loss(scores, y_va)[0]

            state = params.arrays()
            (self.loss_curve_, self.validation_scores_, self.validation_loss_curve_,
             self.n_iter_, self.best_validation_score_) = train_loop(
                self, train_epoch, validate if self.early_stopping else None,
                start_loss=lambda: start[0], zero_loss=float(np.log(classes.shape[0])),
                get_state=lambda: [q.copy() for q in state],
                set_state=lambda saved: [np.copyto(q, v) for q, v in zip(state, saved)],
                epoch_callback=self.epoch_callback,
            )
        self.image_shape_ = image_shape
        self.conv_weights_ = [block.weight for block in params.blocks]
        self.bn_params_ = [(block.gamma, block.beta) for block in params.blocks]
        self.bn_running_ = [(block.running_mean, block.running_var) for block in params.blocks]
        self.coefs_ = [layer.weight for layer in params.dense_layers()]
        self.intercepts_ = [layer.bias for layer in params.dense_layers()]
        return self

    def _fitted_params(self):
        """The fitted attributes as a :class:`classifiers.ConvNetParams` (same arrays)."""
        blocks = [ConvBlockParams(W, gamma, beta, mean, var) for W, (gamma, beta), (mean, var)
                  in zip(self.conv_weights_, self.bn_params_, self.bn_running_)]
        dense = [DenseParams(W, b) for W, b in zip(self.coefs_, self.intercepts_)]
        # The output layer comes last; a hidden layer, when fitted, before it.
        return ConvNetParams(blocks, output=dense.pop(), hidden=dense.pop() if dense else None)

    def _predict_scores(self, images, params, image_shape):
        """Class scores (float32) of validated images, in chunks of ``batch_size``."""
        chunk = min(self.batch_size, images.shape[0])
        out = np.empty((images.shape[0], params.n_classes), np.float32)
        with shard_pool(self.n_jobs) as (pool, n_shards):
            net = ConvNetwork(params, image_shape, 0.0, 0.0, chunk, None, training=False,
                              pool=pool, n_shards=n_shards,
                              workers=n_workers(self.n_jobs, n_shards))
            for start in range(0, images.shape[0], chunk):
                m = net.set_input(to_float_images(images[start:start + chunk], np.float32))
                out[start:start + m] = net.scores(m, training=False)
        return out

    def _scores(self, X):
        check_is_fitted(self)
        images = _check_images(X)
        if tuple(images.shape[1:]) != self.image_shape_:
            if np.ndim(X) == 3:  # e.g. one colour image, without its batch axis
                N, H, W = images.shape[:3]
                raise ValueError(
                    f"X has shape {(N, H, W)}, read as a batch of {N} grayscale images of "
                    f"{H}x{W} pixels, but the network was trained on images of shape "
                    f"{self.image_shape_}. For one image, add a batch axis: X[None]."
                )
            raise ValueError(
                f"X has images of shape {tuple(images.shape[1:])} (H, W, C) but the network "
                f"was trained on images of shape {self.image_shape_}. Resize the images or "
                "fit again."
            )
        return self._predict_scores(images, self._fitted_params(), self.image_shape_)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_images, H, W) or (n_images, H, W, C)
            A batch, even of one image (``image[None]``).

        Returns
        -------
        proba : ndarray of shape (n_images, n_classes), float32, rows summing to 1.
        """
        return softmax(self._scores(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_images, H, W) or (n_images, H, W, C)

        Returns
        -------
        y_pred : ndarray of shape (n_images,), labels from ``classes_``.
        """
        scores = self._scores(X)  # first: it raises NotFittedError before classes_ is read
        return self.classes_[scores.argmax(axis=1)]
