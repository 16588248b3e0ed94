"""Linear classifiers trained by mini-batch gradient descent: LinearSVM and SoftmaxClassifier.

Scores are ``s = x W + b`` (one column per class); the full loss is the mean data
loss (multiclass or one-vs-rest hinge, plain or squared, or softmax cross-entropy) plus
``alpha * R(W)`` with R from :mod:`classifiers.regularizers` (the bias is not
penalized).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from features.checks import check_choice, check_int, check_real
from features.threads import blas_limit, product_blas_threads

from ._linear_doc import fill_params_doc
from .training import check_common_params, encode_labels, split_validation, train_loop
from .augment import augment_for_rows, check_augment, minibatches
from .losses import (ovr_squared_svm_loss, ovr_svm_loss, softmax, softmax_loss,
                     squared_svm_loss, svm_loss)
from .optimizers import IterateAverage
from .regularizers import PENALTIES, regularization

__all__ = ["LinearSVM", "SoftmaxClassifier"]

# Data losses of LinearSVM by its ``multi_class`` and ``loss`` parameters.
_SVM_LOSSES = {
    "weston_watkins": {"hinge": svm_loss, "squared_hinge": squared_svm_loss},
    "ovr": {"hinge": ovr_svm_loss, "squared_hinge": ovr_squared_svm_loss},
}


class _BaseLinearClassifier(ClassifierMixin, BaseEstimator):
    """Shared fit / decision logic; subclasses set ``_loss`` (or override
    ``_loss_function``) and defaults."""

    _loss = None
    _extra_params_doc = ""

    def _loss_function(self):
        """The data loss ``(scores, y) -> (loss, dscores)``; called after ``_check_params``."""
        return type(self)._loss

    def _check_params(self):
        check_common_params(self)
        check_choice(self.penalty, "penalty", PENALTIES)
        check_real(self.l1_ratio, "l1_ratio", low=0, high=1)
        check_int(self.average, "average", low=0, allow_bool=True)
        check_augment(self.augment, self.shift)

    def fit(self, X, y):
        """Fit the weights by mini-batch gradient descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, other types become float64.
        y : array-like of shape (n_samples,)
            Labels of any type (at least two classes).

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            Invalid hyper-parameters, data (an ``image_shape`` that does not match
            the number of features when ``augment`` is set), a single class, or a
            diverging loss: NaN or infinite, grown 1e3 times past the first
            epoch's (the first epoch: past the starting loss's), or blown up and
            left at chance (see :func:`classifiers.training.train_loop`); lower
            ``learning_rate``.
        TypeError
            Hyper-parameters of the wrong type.
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_idx = encode_labels(y)
        augment, shape = augment_for_rows(self.augment, self.shift, self.image_shape, X.shape[1])
        rng = check_random_state(self.random_state)
        n_classes, dtype = self.classes_.shape[0], X.dtype

        if self.early_stopping:
            tr, va = split_validation(y_idx, self.validation_fraction, rng)
            X_tr, y_tr, X_va, y_va = X[tr], y_idx[tr], X[va], y_idx[va]
        else:
            X_tr, y_tr, X_va, y_va = X, y_idx, None, None

        # Small random weights: the loss starts near C - 1 (hinge) or log C (softmax).
        W = (0.001 * rng.standard_normal((X.shape[1], n_classes))).astype(dtype)
        b = np.zeros(n_classes, dtype=dtype)
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        n_tr, bs = X_tr.shape[0], min(self.batch_size, X_tr.shape[0])
        loss_fn, alpha = self._loss_function(), float(self.alpha)
        # Averaging starts at epoch `start_avg` (1-based); 0 means never.
        start_avg = int(self.average)
        avg = IterateAverage()
        epoch, start = [0], []

        def current():
            # The weights that predict: the running mean once averaging has begun.
            return avg.means if avg.means is not None else (W, b)

        def train_epoch(opt):
            epoch[0] += 1
            averaging = start_avg and epoch[0] >= start_avg
            total = 0.0
            for idx, Xb in minibatches(X_tr, bs, gen, augment, shape):
                scores = Xb @ W
                scores += b
                loss, d = loss_fn(scores, y_tr[idx])
                dW = Xb.T @ d
                if alpha > 0:
                    r, g = regularization(W, self.penalty, self.l1_ratio)
                    loss += alpha * r
                    dW += (alpha * g).astype(dtype, copy=False)
                if not start:  # before the first update: the loss the model starts from
                    start.append(loss)
                opt.update([W, b], [dW, d.sum(axis=0)])
                if averaging:
                    avg.update([W, b])
                total += loss * idx.shape[0]
            return total / n_tr

        def validate():
            Wc, bc = current()
            scores = X_va @ Wc + bc
            return np.mean(scores.argmax(axis=1) == y_va), loss_fn(scores, y_va)[0]

        def get_state():
            return tuple(a.copy() for a in current())

        def set_state(state):
            # Write into W and b (the arrays read below), whichever weights the state holds.
            W[...], b[...] = state

        # Products of batch x features x classes: the thread policy decides their threads.
        with blas_limit(product_blas_threads(bs * X.shape[1] * n_classes)):
            (self.loss_curve_, self.validation_scores_, self.validation_loss_curve_,
             self.n_iter_, self.best_validation_score_) = (
                train_loop(
                    self, train_epoch, validate if self.early_stopping else None,
                    start_loss=lambda: start[0],
                    zero_loss=float(loss_fn(np.zeros((n_tr, n_classes), dtype), y_tr)[0]),
                    get_state=get_state, set_state=set_state,
                )
            )
        if not self.early_stopping and avg.means is not None:
            set_state(avg.means)
        if n_classes == 2:
            # Only the score difference matters for two classes (sklearn's layout).
            self.coef_ = (W[:, 1] - W[:, 0])[None, :]
            self.intercept_ = np.array([b[1] - b[0]], dtype=dtype)
        else:
            self.coef_ = np.ascontiguousarray(W.T)
            self.intercept_ = b
        return self

    def decision_function(self, X):
        """Class scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for two
            classes (positive means ``classes_[1]``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        scores = X @ self.coef_.T.astype(X.dtype, copy=False) + self.intercept_.astype(X.dtype)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predicted labels (highest score).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), labels from ``classes_``.
        """
        scores = self.decision_function(X)
        idx = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]


@fill_params_doc
class LinearSVM(_BaseLinearClassifier):
    """Linear SVM (Weston-Watkins or one-vs-rest, plain or squared hinge) fit by mini-batch SGD.
    %PARAMS%
    Notes
    -----
    The defaults (momentum 0.9, learning rate 1e-3 decayed by 0.95 per epoch,
    alpha 1e-2, batches of 200, early stopping on 10% with patience 10) suit
    standardized features or mean-centered pixels scaled to [0, 1] (both have
    per-sample squared norms of a few hundred); see
    docs/decisions.md#linear-sgd-defaults.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LinearSVM(random_state=0).fit(StandardScaler().fit_transform(X), y)
    >>> clf.coef_.shape
    (3, 4)
    """

    _extra_params_doc = """\
    loss : {"hinge", "squared_hinge"}, default="hinge"
        Data loss: the sum of the margin violations (``"hinge"``; with the
        default ``multi_class``, ``sum_{j != y} max(0, s_j - s_y + 1)``) or of
        their squares (``"squared_hinge"``, see
        :func:`classifiers.losses.squared_svm_loss`), which charges a violation
        in proportion to its size. The hinge is the default: on raw pixels it
        cross-validated above the squared hinge
        (docs/decisions.md#svm-default-hinge).
    multi_class : {"weston_watkins", "ovr"}, default="weston_watkins"
        How the classes share the margin. ``"weston_watkins"`` (the lecture
        notes' multiclass SVM) asks the true score to beat every other score
        by 1; ``"ovr"`` trains one binary SVM per class on the same features,
        asking each class score to be at least +1 on its class and at most -1
        on the others (scikit-learn's ``LinearSVC`` does this, with the
        squared hinge; see :func:`classifiers.losses.ovr_squared_svm_loss`).
        Prediction is the largest score either way.
"""

    def __init__(self, *, loss="hinge", multi_class="weston_watkins", alpha=1e-2, penalty="l2",
                 l1_ratio=0.15, optimizer="momentum", learning_rate=1e-3,
                 lr_schedule="exponential",
                 lr_decay=0.95, lr_decay_step=10, batch_size=200, max_epochs=100, average=False,
                 tol=1e-4, early_stopping=True, validation_fraction=0.1,
                 n_iter_no_change=10, augment="none", shift=None, image_shape=None,
                 random_state=None, verbose=0):
        self.loss = loss
        self.multi_class = multi_class
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.lr_decay_step = lr_decay_step
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.average = average
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.augment = augment
        self.shift = shift
        self.image_shape = image_shape
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        # The loss first: a wrong name is the likeliest typo, and it is reported
        # before any other parameter or the data is looked at.
        check_choice(self.loss, "loss", _SVM_LOSSES["ovr"])
        check_choice(self.multi_class, "multi_class", _SVM_LOSSES)
        super()._check_params()

    def _loss_function(self):
        # Chosen by the ``multi_class`` and ``loss`` parameters rather than a
        # class attribute.
        return _SVM_LOSSES[self.multi_class][self.loss]


@fill_params_doc
class SoftmaxClassifier(_BaseLinearClassifier):
    """Multinomial logistic regression (softmax cross-entropy) trained by mini-batch SGD.
    %PARAMS%
    Notes
    -----
    The defaults (momentum 0.9, learning rate 3e-3 decayed by 0.95 per epoch,
    alpha 1e-2, batches of 200, early stopping on 10% with patience 10) suit
    standardized features or mean-centered pixels scaled to [0, 1]; see
    docs/decisions.md#linear-sgd-defaults.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxClassifier(random_state=0).fit(StandardScaler().fit_transform(X), y)
    >>> clf.predict_proba(StandardScaler().fit_transform(X)[:1]).sum().round(6)
    np.float64(1.0)
    """

    _loss = staticmethod(softmax_loss)

    def __init__(self, *, alpha=1e-2, penalty="l2", l1_ratio=0.15, optimizer="momentum",
                 learning_rate=3e-3, lr_schedule="exponential", lr_decay=0.95,
                 lr_decay_step=10, batch_size=200, max_epochs=100, average=False,
                 tol=1e-4, early_stopping=True, validation_fraction=0.1,
                 n_iter_no_change=10, augment="none", shift=None, image_shape=None,
                 random_state=None, verbose=0):
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.lr_decay_step = lr_decay_step
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.average = average
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.augment = augment
        self.shift = shift
        self.image_shape = image_shape
        self.random_state = random_state
        self.verbose = verbose

    def predict_proba(self, X):
        """Class probabilities (softmax of the scores).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), rows summing to 1.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            # softmax over (0, s) is the sigmoid of s.
            p1 = 0.5 * (1.0 + np.tanh(0.5 * scores))
            return np.column_stack([1.0 - p1, p1])
        return softmax(scores)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))
