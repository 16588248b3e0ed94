"""Multilayer perceptron classifier (softmax output) trained in float32.

Forward and backward follow :mod:`classifiers.layers` (affine, activation,
inverted dropout) but run on buffers allocated once per fit, with activations
applied in place and their local gradients computed from the outputs, so an
epoch allocates almost nothing beyond what BLAS needs.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._training import (check_choice, check_common_params, check_real, encode_labels,
                        split_validation, train_loop)
from .layers import ACTIVATIONS as LAYER_ACTIVATIONS
from .layers import activate_inplace, backprop_activation_inplace
from .losses import softmax, softmax_loss

__all__ = ["MLPClassifier"]

ACTIVATIONS = tuple(LAYER_ACTIVATIONS)
INITS = ("he", "xavier")
_SMALL_PRODUCT = 10**7  # multiply-adds of the largest per-batch product


def init_weights(sizes, init, rng, dtype=np.float32):
    """Random weights and zero biases for layer widths ``sizes`` (input first).

    ``init="he"`` draws ``N(0, 2 / fan_in)``, which keeps the variance of ReLU
    activations constant across layers; ``"xavier"`` draws
    ``N(0, 2 / (fan_in + fan_out))`` (Glorot), suited to tanh and sigmoid.

    Returns
    -------
    Ws : list of ndarray, ``Ws[i]`` of shape (sizes[i], sizes[i + 1])
    bs : list of ndarray, ``bs[i]`` of shape (sizes[i + 1],)
    """
    Ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        var = 2.0 / fan_in if init == "he" else 2.0 / (fan_in + fan_out)
        Ws.append((np.sqrt(var) * rng.standard_normal((fan_in, fan_out))).astype(dtype))
        bs.append(np.zeros(fan_out, dtype=dtype))
    return Ws, bs


class _Network:
    """Weights plus the buffers of one mini-batch step (forward, softmax loss, backward).

    Buffers are allocated once in the weights' dtype; views ``[:m]`` serve a
    last, smaller batch. Gradients land in ``grads`` (same order as ``params``).
    """

    def __init__(self, Ws, bs, activation, dropout, alpha, batch_size, gen):
        self.Ws, self.bs, self.act, self.p = Ws, bs, activation, dropout
        self.alpha2, self.batch_size, self.gen = 2.0 * alpha, batch_size, gen
        dt, B = Ws[0].dtype, batch_size
        sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
        hidden = sizes[1:-1]
        self.xb = np.empty((B, sizes[0]), dt)
        self.A = [np.empty((B, s), dt) for s in sizes[1:]]       # activations, scores
        self.G = [np.empty((B, s), dt) for s in sizes[1:]]       # gradients wrt A
        self.T = [np.empty((B, s), dt) for s in hidden]          # scratch
        self.D = [np.empty((B, s), dt) for s in hidden] if dropout > 0 else None  # masks
        self.H = [np.empty((B, s), dt) for s in hidden] if dropout > 0 else None  # dropped
        self.gW = [np.empty_like(W) for W in Ws]
        self.gb = [np.empty_like(b) for b in bs]
        self.wtmp = [np.empty_like(W) for W in Ws]
        self.params, self.grads = Ws + bs, self.gW + self.gb
        self.rows = np.arange(B)

    def dropout_mask(self, out):
        """Fill ``out`` with an inverted-dropout mask: 0 with probability ``p``, else ``1 / (1 - p)``.

        Returns ``out``.
        """
        scale = out.dtype.type(1.0 / (1.0 - self.p))
        if self.p == 0.5:
            # A fair coin per unit needs one random bit, not a float: drawing
            # 32x fewer random bits makes the mask about 5x faster, which is
            # several percent of a training step of a small network.
            n = out.size
            bits = np.unpackbits(np.frombuffer(self.gen.bytes(-(-n // 8)), np.uint8), count=n)
            return np.multiply(bits.reshape(out.shape), scale, out=out)
        r = self.gen.random(out.shape, dtype=out.dtype, out=out)
        # floor(r + 1 - p) is 1 with probability 1 - p, else 0
        r += 1.0 - self.p
        np.floor(r, out=r)
        r *= scale
        return r

    def penalty(self):
        """Weight-decay term ``alpha * sum W**2``."""
        return 0.5 * self.alpha2 * sum(float(np.vdot(W, W)) for W in self.Ws)

    def loss_and_grads(self, X, idx, y):
        """Mean cross-entropy of rows ``idx`` of ``X``; fills ``grads`` (penalty included)."""
        Ws, bs, act, p, L = self.Ws, self.bs, self.act, self.p, len(self.Ws)
        m = idx.shape[0]
        inputs = [np.take(X, idx, axis=0, out=self.xb[:m])]
        for i in range(L):
            z = np.matmul(inputs[i], Ws[i], out=self.A[i][:m])
            z += bs[i]
            if i < L - 1:
                activate_inplace(act, z)
                if p > 0:
                    z = np.multiply(z, self.dropout_mask(self.D[i][:m]), out=self.H[i][:m])
                inputs.append(z)
        # Softmax cross-entropy on the scores, in place (max subtracted first).
        s = self.A[L - 1][:m]
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        rows = self.rows[:m]
        loss = -np.log(np.maximum(s[rows, y], 1e-30)).sum(dtype=np.float64) / m
        d = self.G[L - 1][:m]
        np.copyto(d, s)
        d[rows, y] -= 1.0
        d *= 1.0 / m
        for i in range(L - 1, -1, -1):
            np.matmul(inputs[i].T, d, out=self.gW[i])
            np.sum(d, axis=0, out=self.gb[i])
            if self.alpha2 > 0:
                np.multiply(Ws[i], self.alpha2, out=self.wtmp[i])
                self.gW[i] += self.wtmp[i]
            if i > 0:
                dprev = np.matmul(d, Ws[i].T, out=self.G[i - 1][:m])
                if p > 0:
                    dprev *= self.D[i - 1][:m]
                backprop_activation_inplace(act, dprev, self.A[i - 1][:m], self.T[i - 1][:m])
                d = dprev
        return float(loss)


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Fully connected network with softmax output, trained by mini-batch gradient descent.

    Computation is float32 whatever the input dtype (half the memory traffic of
    float64 and faster BLAS); prediction runs in the input's dtype.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512,)
        Width of each hidden layer; any number of layers (``()`` is softmax regression).
    activation : {"relu", "leaky_relu", "elu", "tanh", "sigmoid"}, default="relu"
        Hidden non-linearity (leaky slope 0.01, ELU alpha 1).
    dropout : float, default=0.5
        Inverted-dropout drop probability on every hidden layer's output, in [0, 1).
    alpha : float, default=0.0
        L2 weight decay: ``alpha * sum W**2`` over all weight matrices (not biases)
        is added to the mean cross-entropy of each mini-batch.
    init : {"he", "xavier"}, default="xavier"
        Weight initialization: ``N(0, 2 / fan_in)`` (He, for relu-like units) or
        ``N(0, 2 / (fan_in + fan_out))`` (Xavier/Glorot, for tanh and sigmoid).
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}, default="adam"
        Update rule (see :mod:`classifiers.optimizers`).
    learning_rate : float, default=1e-3
        Initial step size, > 0.
    lr_schedule : str, default="constant"
        Learning-rate decay per epoch, one of :data:`classifiers.schedules.SCHEDULES`
        (see :func:`classifiers.schedules.make_schedule`).
    lr_decay : float, default=0.95
        Decay factor in (0, 1].
    lr_decay_step : int, default=10
        Epochs between decays of the ``"step"`` schedule.
    batch_size : int, default=200
        Mini-batch size (capped at the number of training samples).
    max_epochs : int, default=60
        Maximum number of passes over the training data.
    tol : float, default=1e-4
        Minimum improvement that resets the patience counter (validation accuracy
        with early stopping, training loss otherwise).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified, seeded), stop after
        ``n_iter_no_change`` epochs without improvement, keep the best weights.
    validation_fraction : float, default=0.1
        Held-out share in (0, 1), used only with ``early_stopping``.
    n_iter_no_change : int, default=10
        Patience, in epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, validation split, shuffling and dropout masks.
    verbose : int, default=0
        Print progress every epoch when > 0.

    Notes
    -----
    The defaults (one hidden layer of 512 ReLU units, dropout 0.5, Xavier
    init, Adam at a constant 1e-3, batches of 200, 60 epochs, no weight
    decay) were chosen on a 20% validation split of the CIFAR-10 training
    images, for mean-centered pixels in [0, 1] and for standardized HoG + hue
    features. Early stopping on a 10% split stopped too soon there (validation
    accuracy keeps creeping up after the validation loss turns), so it is off
    by default; turn it on for unfamiliar data.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coefs_ : list of ndarray, float32
        ``coefs_[i]`` has shape (n_units_in, n_units_out) of layer ``i``.
    intercepts_ : list of ndarray, float32
    loss_curve_ : list of float
        Mean training cross-entropy of every epoch plus the weight decay term.
    validation_scores_ : list of float
        Validation accuracy of every epoch (empty without early stopping).
    validation_loss_curve_ : list of float
        Validation cross-entropy of every epoch (empty without early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run.
    n_layers_ : int
        Number of layers including input and output.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    def __init__(self, hidden_layer_sizes=(512,), *, activation="relu", dropout=0.5,
                 alpha=0.0, init="xavier", optimizer="adam", learning_rate=1e-3,
                 lr_schedule="constant", lr_decay=0.95, lr_decay_step=10,
                 batch_size=200, max_epochs=60, tol=1e-4, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, random_state=None,
                 verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.init = init
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
        self.random_state = random_state
        self.verbose = verbose

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
            for s in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a tuple of positive integers; got "
                f"{self.hidden_layer_sizes!r}. Pass e.g. hidden_layer_sizes=(512,)."
            )
        return tuple(int(s) for s in sizes)

    def _check_params(self):
        check_common_params(self)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("init", self.init, INITS)
        check_real("dropout", self.dropout, 0, 1, high_open=True)
        return self._hidden_sizes()

    def fit(self, X, y):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any type (at least two classes).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            Invalid hyper-parameters or data, a single class, or a diverging loss.
        TypeError
            Hyper-parameters of the wrong type.
        """
        hidden = self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        self.classes_, y_idx = encode_labels(y)
        rng = check_random_state(self.random_state)
        X = X.astype(np.float32, copy=False)
        f32 = np.float32

        if self.early_stopping:
            tr, va = split_validation(y_idx, self.validation_fraction, rng)
            X_tr, y_tr, X_va, y_va = X[tr], y_idx[tr], X[va], y_idx[va]
        else:
            X_tr, y_tr, X_va, y_va = X, y_idx, None, None

        sizes = (X.shape[1],) + hidden + (self.classes_.shape[0],)
        Ws, bs_ = init_weights(sizes, self.init, rng, f32)
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))

        n_tr = X_tr.shape[0]
        net = _Network(Ws, bs_, self.activation, float(self.dropout), float(self.alpha),
                       min(self.batch_size, n_tr), gen)
        B = net.batch_size

        def train_epoch(opt):
            order = gen.permutation(n_tr)
            total = 0.0
            for start in range(0, n_tr, B):
                idx = order[start:start + B]
                total += net.loss_and_grads(X_tr, idx, y_tr[idx]) * idx.shape[0]
                opt.update(net.params, net.grads)
            return total / n_tr + net.penalty()

        def validate():
            scores = self._forward(X_va, Ws, bs_)
            return np.mean(scores.argmax(axis=1) == y_va), softmax_loss(scores, y_va)[0]

        # Below ~1e7 multiply-adds per product, splitting a matmul across BLAS
        # threads saves little and costs far more when other processes share
        # the cores: run those networks on one thread. Above, two threads won
        # on an idle 2-core machine: HoG + hue (354 features), batch 200, 512
        # hidden units (3.6e7): 0.067 s per epoch against 0.096 s on one thread.
        biggest = B * max(W.shape[0] * W.shape[1] for W in Ws)
        with threadpool_limits(limits=1 if biggest < _SMALL_PRODUCT else None, user_api="blas"):
            (self.loss_curve_, self.validation_scores_, self.validation_loss_curve_,
             self.n_iter_, self.best_validation_score_) = (
                train_loop(
                    self, train_epoch, validate if self.early_stopping else None,
                    get_state=lambda: [q.copy() for q in net.params],
                    set_state=lambda st: [np.copyto(q, v) for q, v in zip(net.params, st)],
                )
            )
        self.coefs_, self.intercepts_ = Ws, bs_
        self.n_layers_ = len(Ws) + 1
        self.out_activation_ = "softmax"
        return self

    def _forward(self, X, Ws, bs_):
        """Scores for ``X`` (no dropout), in X's dtype."""
        h = X
        for i, (W, b) in enumerate(zip(Ws, bs_)):
            h = h @ W.astype(X.dtype, copy=False) + b.astype(X.dtype, copy=False)
            if i < len(Ws) - 1:
                activate_inplace(self.activation, h)
        return h

    def _scores(self, X):
        """Output scores of the fitted network for validated ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._forward(X, self.coefs_, self.intercepts_)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), rows summing to 1.
        """
        return softmax(self._scores(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), labels from ``classes_``.
        """
        scores = self._scores(X)  # first: it raises NotFittedError before classes_ is read
        return self.classes_[scores.argmax(axis=1)]
