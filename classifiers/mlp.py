"""Multilayer perceptron classifier (softmax output) trained in float32.

The network's forward and backward passes are in :mod:`classifiers._mlp_network`.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from features.checks import check_bool, check_choice, check_int, check_n_jobs, check_real
from features.threads import BATCH_SHARDS, blas_limit, n_workers, product_blas_threads
from features.threads import shard_pool

from ._mlp_network import MLPNetwork, init_batchnorm, init_weights, max_pieces, product
from .training import check_common_params, encode_labels, split_validation, train_loop
from ._batch_plans import batch_plans
from .augment import augment_for_rows, check_augment
from .layers import ACTIVATIONS as LAYER_ACTIVATIONS
from .layers import activate_inplace, batchnorm_forward
from .losses import softmax, softmax_loss

__all__ = ["MLPClassifier"]

ACTIVATIONS = tuple(LAYER_ACTIVATIONS) + ("maxout",)
INITS = ("he", "xavier")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Fully connected network with softmax output, trained by mini-batch gradient descent.

    Computation is float32 whatever the input dtype (half the memory traffic of
    float64 and faster BLAS); prediction runs in the input's dtype.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512,)
        Width of each hidden layer; any number of layers (``()`` is softmax regression).
    activation : {"relu", "leaky_relu", "elu", "tanh", "sigmoid", "maxout"}, default="relu"
        Hidden non-linearity (leaky slope 0.01, ELU alpha 1). ``"maxout"``: each
        unit outputs the maximum of ``maxout_pieces`` linear functions of its input.
    maxout_pieces : int, default=2
        Linear pieces per maxout unit (>= 2; used only with ``activation="maxout"``).
    batch_norm : bool, default=False
        Batch-normalize every hidden layer's linear output before its
        activation (batch statistics in training, running averages at
        prediction); the hidden layers then have no bias (the shift beta
        replaces it, and their ``intercepts_`` stay 0).
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
    augment : {"none", "hflip", "shift", "hflip+shift"}, default="none"
        Per-batch image augmentation (see :mod:`classifiers.augment`): each row
        of ``X`` is viewed as an image of ``image_shape`` (rows flattened in
        row, column, channel order, as :class:`features.RawPixels` does),
        mirrored and/or shifted with fresh random draws for every mini-batch.
    shift : int or None, default=None
        Largest shift in pixels, >= 1 (None: 1/16 of the smaller image side,
        :func:`classifiers.augment.default_shift`, 2 for 32x32 images); zero padding.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of the images the rows hold; required with
        ``augment`` (``H * W * C`` must equal the number of features).
    random_state : int, RandomState instance or None, default=None
        Seeds initialization, validation split, shuffling, dropout masks and augmentation.
    n_jobs : int or None, default=None
        Cores of training and prediction (-1: every core): each matrix product
        is cut into shards that depend on its shapes alone, run on that many
        threads with one BLAS thread each
        (:func:`features.threads.product_shards`), so the numbers are the same
        bit for bit for every ``n_jobs``. None: each product whole, on BLAS's
        own threads (small ones on one thread): the same network but for the
        last bits of its sums, which may also change with the machine's cores.
    verbose : int, default=0
        Print progress every epoch when > 0.

    Notes
    -----
    The defaults (one hidden layer of 512 ReLU units, dropout 0.5, Xavier
    init, Adam at a constant 1e-3, batches of 200, 60 epochs, no weight
    decay) suit mean-centered pixels in [0, 1] and standardized features such
    as HoG + hue. Early stopping is off by default because validation accuracy
    can keep creeping up after the validation loss turns; turn it on for
    unfamiliar data (docs/decisions.md#mlp-defaults).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coefs_ : list of ndarray, float32
        ``coefs_[i]`` has shape (n_units_in, n_units_out) of layer ``i``.
    intercepts_ : list of ndarray, float32
    bn_params_ : list of (gamma, beta) pairs, one per hidden layer (empty without batch_norm)
    bn_running_ : list of (mean, variance) pairs, the running averages (empty without)
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
                 validation_fraction=0.1, n_iter_no_change=10, maxout_pieces=2,
                 batch_norm=False, augment="none", shift=None, image_shape=None,
                 random_state=None, n_jobs=None, verbose=0):
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
        self.maxout_pieces = maxout_pieces
        self.batch_norm = batch_norm
        self.augment = augment
        self.shift = shift
        self.image_shape = image_shape
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        # Every bad value has always been a ValueError, a wrong type included.
        kw = dict(low=1, type_error=ValueError, fix="Pass e.g. hidden_layer_sizes=(512,).")
        try:
            sizes = tuple(sizes)
        except TypeError:  # not a sequence: the size of the one hidden layer
            return (check_int(sizes, "hidden_layer_sizes", **kw),)
        return tuple(check_int(s, f"hidden_layer_sizes[{i}]", **kw) for i, s in enumerate(sizes))

    def _check_params(self):
        check_common_params(self)
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_choice(self.init, "init", INITS)
        check_real(self.dropout, "dropout", low=0, high=1, high_open=True)
        check_int(self.maxout_pieces, "maxout_pieces", low=2)
        check_bool(self.batch_norm, "batch_norm")
        check_augment(self.augment, self.shift)
        check_n_jobs(self.n_jobs)
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
            Invalid hyper-parameters or data, a single class, or a diverging loss: NaN or
            infinite, grown 1e3 times past the first epoch's (the first epoch: past
            the starting loss's), or blown up and left at chance (see
            :func:`classifiers.training.train_loop`); lower ``learning_rate``.
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

        augment, shape = augment_for_rows(self.augment, self.shift, self.image_shape, X.shape[1])
        pieces = self.maxout_pieces if self.activation == "maxout" else 1
        sizes = (X.shape[1],) + hidden + (self.classes_.shape[0],)
        Ws, bs_ = init_weights(sizes, self.init, rng, f32, pieces)
        bn = init_batchnorm(Ws, f32) if self.batch_norm else None
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))

        n_tr = X_tr.shape[0]
        with shard_pool(self.n_jobs) as (pool, _):
            net = MLPNetwork(Ws, bs_, self.activation, float(self.dropout), float(self.alpha),
                             min(self.batch_size, n_tr), gen, bn, pieces, **self._shards(pool))
            self._train(net, X_tr, y_tr, X_va, y_va, gen, augment, shape, bn)
        self.coefs_, self.intercepts_ = Ws, bs_
        self.bn_params_ = [(g, b) for g, b, _, _ in bn] if bn else []
        self.bn_running_ = [(m, v) for _, _, m, v in bn] if bn else []
        self.n_layers_ = len(Ws) + 1
        self.out_activation_ = "softmax"
        return self

    def _shards(self, pool):
        """How the network computes its products, for the pool of :func:`shard_pool`."""
        return dict(pool=pool, workers=n_workers(self.n_jobs, BATCH_SHARDS),
                    sharded=self.n_jobs is not None)

    def _train(self, net, X_tr, y_tr, X_va, y_va, gen, augment, shape, bn):
        """Epochs of ``net`` on the training part; the fitted curves set on ``self``."""
        Ws, bs_, B, n_tr = net.Ws, net.bs, net.batch_size, X_tr.shape[0]
        start = []

        pool, workers = net.shards["pool"], net.shards["workers"]

        def train_epoch(opt):
            total = 0.0
            plans = batch_plans(X_tr, B, gen, augment, shape, pieces=workers)
            plan = next(plans, None)
            for fill in plan[2] if plan is not None else ():
                fill()
            while plan is not None:
                idx, batch, _ = plan
                loss = net.loss_and_grads(batch, y_tr[idx])
                if not start:  # before the first update: the loss the model starts from
                    start.append(loss + net.penalty())
                total += loss * idx.shape[0]
                # The next batch's draws follow this step's dropout masks, as in minibatches;
                # its images are moved beside the update
                # (docs/decisions.md#mlp-batches-beside-update).
                plan = next(plans, None)
                opt.update(net.params, net.grads, pool, workers,
                           beside=plan[2] if plan is not None else ())
            return total / n_tr + net.penalty()

        def validate():
            scores = self._forward(X_va, Ws, bs_, bn, net.shards)
            return np.mean(scores.argmax(axis=1) == y_va), softmax_loss(scores, y_va)[0]

        # Small products run on one BLAS thread (docs/decisions.md#mlp-blas-threads).
        biggest = B * max(W.shape[0] * W.shape[1] for W in Ws)
        state = net.params + ([a for _, _, m, v in bn for a in (m, v)] if bn else [])
        with blas_limit(product_blas_threads(biggest)):
            (self.loss_curve_, self.validation_scores_, self.validation_loss_curve_,
             self.n_iter_, self.best_validation_score_) = (
                train_loop(
                    self, train_epoch, validate if self.early_stopping else None,
                    start_loss=lambda: start[0],
                    zero_loss=float(np.log(self.classes_.shape[0])),
                    get_state=lambda: [q.copy() for q in state],
                    set_state=lambda st: [np.copyto(q, v) for q, v in zip(state, st)],
                )
            )

    def _forward(self, X, Ws, bs_, bn, shards):
        """Scores for ``X`` (no dropout; batch norm with the running averages), in X's dtype.

        ``shards``: the keywords of :func:`classifiers._mlp_network.product`.
        """
        h = X
        for i, (W, b) in enumerate(zip(Ws, bs_)):
            h = product(h, W.astype(X.dtype, copy=False), **shards)
            h += b.astype(X.dtype, copy=False)
            if i < len(Ws) - 1:
                if bn:
                    gamma, beta, mean, var = (a.astype(X.dtype) for a in bn[i])
                    h, _ = batchnorm_forward(h, gamma, beta, mean, var, training=False)
                if self.activation == "maxout":
                    h, _ = max_pieces(h, self.maxout_pieces)
                else:
                    activate_inplace(self.activation, h)
        return h

    def _scores(self, X):
        """Output scores of the fitted network for validated ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        bn = [(g, b, m, v) for (g, b), (m, v) in zip(self.bn_params_, self.bn_running_)]
        with shard_pool(self.n_jobs) as (pool, _):
            return self._forward(X, self.coefs_, self.intercepts_, bn, self._shards(pool))

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
