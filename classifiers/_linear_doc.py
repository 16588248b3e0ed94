"""The shared numpydoc Parameters/Attributes section of the linear classifiers."""

import inspect

__all__ = ["fill_params_doc"]

_PARAMS_DOC = """
    Parameters
    ----------
{extra}    alpha : float, default={alpha}
        Regularization strength (``lambda``); the penalty is ``alpha * R(W)``.
    penalty : {{"l2", "l1", "elasticnet"}}, default="l2"
        ``R(W)``: ``sum W**2``, ``sum |W|`` or their mix (see ``l1_ratio``).
    l1_ratio : float, default=0.15
        L1 share of the elastic net, in [0, 1]; only used by ``"elasticnet"``.
    optimizer : {{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}}, \
default="{optimizer}"
        Update rule (see :mod:`classifiers.optimizers`).
    learning_rate : float, default={learning_rate}
        Initial step size, > 0.
    lr_schedule : str, default="{lr_schedule}"
        Learning-rate decay: ``"constant"``, ``"exponential"``
        (``lr0 * lr_decay ** epoch``), ``"step"``
        (``lr0 * lr_decay ** (epoch // lr_decay_step)``), ``"onecycle"`` or
        ``"onecycle_cosine"`` (:class:`classifiers.schedules.OneCycle` over
        ``max_epochs``).
    lr_decay : float, default={lr_decay}
        Decay factor in (0, 1].
    lr_decay_step : int, default=10
        Epochs between decays of the ``"step"`` schedule.
    batch_size : int, default={batch_size}
        Mini-batch size (capped at the number of training samples).
    max_epochs : int, default={max_epochs}
        Maximum number of passes over the training data.
    average : bool or int, default={average}
        Polyak-Ruppert averaging (averaged SGD): the weights kept (and
        validated, with early stopping) are the mean of the iterates after
        every update from epoch ``average`` on (counted from 1; ``True`` means
        1, every update). ``False`` or 0: the last iterate. Off by default:
        it helped the LinearSVM little and cost the SoftmaxClassifier accuracy
        (docs/decisions.md#averaged-sgd-off-by-default).
    tol : float, default=1e-4
        Minimum improvement of the validation accuracy (early stopping) or of
        the training loss (otherwise) that resets the patience counter.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data (stratified,
        seeded by ``random_state``), stop when its accuracy has not improved for
        ``n_iter_no_change`` epochs and keep the weights of the best epoch.
    validation_fraction : float, default=0.1
        Held-out share in (0, 1), used only with ``early_stopping``.
    n_iter_no_change : int, default={n_iter_no_change}
        Patience, in epochs.
    augment : {{"none", "hflip", "shift", "hflip+shift"}}, default="none"
        Per-batch image augmentation (see :mod:`classifiers.augment`): each row
        of ``X`` is viewed as an image of ``image_shape`` (rows flattened in
        row, column, channel order, as :class:`features.RawPixels` does),
        mirrored and/or shifted with fresh random draws for every mini-batch.
        Only the training batches are augmented, never the validation split.
    shift : int or None, default=None
        Largest shift in pixels, >= 1 (None: 1/16 of the smaller image side,
        :func:`classifiers.augment.default_shift`, 2 for 32x32 images); the
        uncovered border is filled with 0 (the mean, for mean-centered pixels).
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of the images the rows hold; required with
        ``augment`` (``H * W * C`` must equal the number of features).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split, the shuffling and the
        augmentation.
    verbose : int, default=0
        Print the loss (and validation accuracy) after every epoch when > 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit``, in sorted order.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        Weights; for two classes a single row, ``W[:, 1] - W[:, 0]``, as in scikit-learn.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        Biases (same convention as ``coef_``).
    loss_curve_ : list of float
        Mean training loss (data + penalty) of every epoch.
    validation_scores_ : list of float
        Validation accuracy of every epoch (empty without early stopping).
    validation_loss_curve_ : list of float
        Validation data loss of every epoch (empty without early stopping).
    best_validation_score_ : float or None
        Best validation accuracy (its weights are the ones kept).
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen in ``fit``.
"""


def fill_params_doc(cls):
    """Replace ``%PARAMS%`` in ``cls``'s docstring by the shared parameter section.

    The defaults shown are read from ``cls.__init__``; the class-specific
    parameters (``cls._extra_params_doc``) come first, in signature order.
    """
    defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not p.empty}
    params = _PARAMS_DOC.format(extra=cls._extra_params_doc, **defaults)
    cls.__doc__ = cls.__doc__.replace("%PARAMS%", params)
    return cls
