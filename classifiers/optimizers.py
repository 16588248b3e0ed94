"""Update rules: small stateful classes (learning-rate schedules: :mod:`classifiers.schedules`).

Every update rule exposes ``update(params, grads)``: ``params`` and ``grads`` are
sequences of arrays of matching shapes, and each parameter array is updated in
place (so estimators can keep references to their weights). The per-parameter
state (velocity, caches, moments) is allocated on the first call, in the
parameter's dtype, and reused afterwards so training does not allocate per step.
``learning_rate`` is a plain attribute that schedules may change between epochs.
"""

import functools

import numpy as np

from features.checks import check_choice, check_real
from features.threads import elementwise_pieces, run_beside, run_shared
# The schedules live in classifiers.schedules; they stay importable from here.
from .schedules import SCHEDULES, ConstantLR, ExponentialDecay, OneCycle, StepDecay, make_schedule

__all__ = [
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam",
    "ConstantLR", "StepDecay", "ExponentialDecay", "OneCycle", "IterateAverage",
    "make_optimizer", "make_schedule", "OPTIMIZERS", "SCHEDULES",
]


def _flat(a, cut):
    """The values ``cut`` of ``a`` (contiguous) as a view; of each array of a tuple or list."""
    if isinstance(a, np.ndarray):
        return a.reshape(-1)[cut]
    return type(a)(_flat(x, cut) for x in a)


class _UpdateRule:
    def __init__(self, learning_rate):
        self.learning_rate = check_real(learning_rate, "learning_rate", low=0, low_open=True)
        self._state = None

    def _init_state(self, params):
        return [[] for _ in params]

    def update(self, params, grads, pool=None, workers=1, beside=()):
        """Apply one step to every array in ``params`` (in place).

        Parameters
        ----------
        params : sequence of ndarray
            Parameters, modified in place.
        grads : sequence of ndarray
            Gradients of the loss with respect to ``params``, same shapes.
        pool : concurrent.futures.Executor or None, default=None
            Threads that share the large arrays' values
            (:func:`features.threads.elementwise_pieces`), this thread taking
            the first share; every rule is element-wise, so the values are
            the same bit for bit with or without them.
        workers : int, default=1
            Shares of each large array, this thread's included.
        beside : sequence of callable, default=()
            Other work, each taking no argument and touching none of
            ``params``: taken before the step's shares by the same threads
            (:func:`features.threads.run_shared`) when the step has shares for
            the pool; otherwise run here first.
        """
        if self._state is None:
            self._state = self._init_state(params)
        if pool is None or workers <= 1:
            for call in beside:
                call()
            for p, g, s in zip(params, grads, self._state):
                self._step(p, g, s)
            return
        shares = [[] for _ in range(workers)]
        for p, g, s in zip(params, grads, self._state):
            # A strided array would be flattened into a copy: it is updated whole.
            n = elementwise_pieces(p.size, workers) if p.flags.c_contiguous else 1
            if n == 1:
                shares[0].append((p, g, s))
                continue
            for k in range(n):
                cut = slice(p.size * k // n, p.size * (k + 1) // n)
                shares[k].append((_flat(p, cut), _flat(g, cut), _flat(s, cut)))
        # The first share runs here; an empty one gives the pool nothing to wake for.
        busy = shares[:1] + [share for share in shares[1:] if share]
        steps = [functools.partial(self._steps, share) for share in busy]
        if beside and len(steps) > 1:
            # Taken in turn with the shares: the threads balance them.
            run_shared(pool, list(beside) + steps, workers)
            return
        for call in beside:  # nothing to share: the pool is not woken for them alone
            call()
        run_beside(pool, steps)

    def _steps(self, triples):
        for p, g, s in triples:
            self._step(p, g, s)

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


class SGD(_UpdateRule):
    """Vanilla gradient descent: ``p -= lr * g``.

    Examples
    --------
    >>> p = np.array([1.0]); SGD(0.1).update([p], [np.array([2.0])]); p
    array([0.8])
    """

    def _step(self, p, g, s):
        p -= self.learning_rate * g


class Momentum(_UpdateRule):
    """SGD with momentum: ``v = rho v - lr g; p += v``.

    Parameters
    ----------
    learning_rate : float
    momentum : float, default=0.9
        The friction ``rho`` in [0, 1).

    Examples
    --------
    Two steps with ``g = 1``: ``v = -0.5, p = 0.5``, then ``v = -0.75, p = -0.25``.

    >>> p, opt = np.array([1.0]), Momentum(0.5, momentum=0.5)
    >>> for _ in range(2): opt.update([p], [np.array([1.0])])
    >>> p
    array([-0.25])
    """

    def __init__(self, learning_rate, momentum=0.9):
        super().__init__(learning_rate)
        self.momentum = check_real(momentum, "momentum", low=0, high=1, high_open=True)

    def _init_state(self, params):
        return [np.zeros_like(p) for p in params]

    def _step(self, p, g, v):
        v *= self.momentum
        v -= self.learning_rate * g
        p += v


class Nesterov(Momentum):
    """Nesterov momentum, in the form that stores the look-ahead point.

    With ``v_prev = v; v = rho v - lr g``, the update
    ``p += -rho v_prev + (1 + rho) v`` is equivalent to evaluating the gradient
    at the look-ahead point ``p + rho v`` (cs231n notes), while the caller only
    ever computes gradients at the stored parameters.

    Examples
    --------
    The first step is ``(1 + rho) * lr * g``, here ``1.5 * 0.5 * 1``:

    >>> p = np.array([1.0]); Nesterov(0.5, momentum=0.5).update([p], [np.array([1.0])]); p
    array([0.25])
    """

    def _init_state(self, params):
        return [(np.zeros_like(p), np.empty_like(p)) for p in params]

    def _step(self, p, g, state):
        v, v_prev = state
        v_prev[...] = v
        v *= self.momentum
        v -= self.learning_rate * g
        p -= self.momentum * v_prev
        p += (1.0 + self.momentum) * v


class AdaGrad(_UpdateRule):
    """AdaGrad: ``cache += g**2; p -= lr g / (sqrt(cache) + eps)``.

    Parameters
    ----------
    learning_rate : float
    eps : float, default=1e-8

    Examples
    --------
    The first step is about ``lr`` in every coordinate, whatever the gradient's scale:

    >>> p = np.array([1.0, 1.0]); AdaGrad(0.1).update([p], [np.array([2.0, 200.0])])
    >>> np.round(p, 6)
    array([0.9, 0.9])
    """

    def __init__(self, learning_rate, eps=1e-8):
        super().__init__(learning_rate)
        self.eps = check_real(eps, "eps", low=0, low_open=True)

    def _init_state(self, params):
        return [(np.zeros_like(p), np.empty_like(p)) for p in params]

    def _step(self, p, g, state):
        cache, tmp = state
        np.multiply(g, g, out=tmp)
        cache += tmp
        self._scaled_step(p, g, cache, tmp)

    def _scaled_step(self, p, g, cache, tmp):
        """``p -= lr * g / (sqrt(cache) + eps)``, through the buffer ``tmp``."""
        np.sqrt(cache, out=tmp)
        tmp += self.eps
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate
        p -= tmp


class RMSProp(AdaGrad):
    """RMSProp ("leaky" AdaGrad): ``cache = d cache + (1 - d) g**2``.

    Parameters
    ----------
    learning_rate : float
    decay_rate : float, default=0.99
    eps : float, default=1e-8

    Examples
    --------
    With ``g = 2`` the cache is ``0.25 * 4 = 1``, so the step is ``0.1 * 2 / 1``:

    >>> p = np.array([1.0]); RMSProp(0.1, decay_rate=0.75).update([p], [np.array([2.0])])
    >>> np.round(p, 6)
    array([0.8])
    """

    def __init__(self, learning_rate, decay_rate=0.99, eps=1e-8):
        super().__init__(learning_rate, eps)
        self.decay_rate = check_real(decay_rate, "decay_rate", low=0, high=1, high_open=True)

    def _step(self, p, g, state):
        cache, tmp = state
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.decay_rate
        cache *= self.decay_rate
        cache += tmp
        self._scaled_step(p, g, cache, tmp)


class Adam(_UpdateRule):
    """Adam with bias correction.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``p -= lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1**t)`` and
    ``v_hat = v / (1 - b2**t)``; ``t`` counts calls to :meth:`update`.

    Parameters
    ----------
    learning_rate : float
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8

    Examples
    --------
    After bias correction the first step is about ``lr`` against the gradient's sign:

    >>> p = np.array([1.0, 1.0]); Adam(0.1).update([p], [np.array([2.0, -0.5])])
    >>> np.round(p, 6)
    array([0.9, 1.1])
    """

    def __init__(self, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate)
        self.beta1 = check_real(beta1, "beta1", low=0, high=1, high_open=True)
        self.beta2 = check_real(beta2, "beta2", low=0, high=1, high_open=True)
        self.eps = check_real(eps, "eps", low=0, low_open=True)
        self.t = 0

    def _init_state(self, params):
        return [(np.zeros_like(p), np.zeros_like(p), np.empty_like(p)) for p in params]

    def update(self, params, grads, pool=None, workers=1, beside=()):
        self.t += 1
        # The state holds m / (1 - b1) and v / (1 - b2), updated as
        # m' = b1 m' + g and v' = b2 v' + g**2: two fewer passes over memory
        # per step than m += (1 - b1) (g - m). The constant factors and both
        # bias corrections fold into two scalars:
        # lr m_hat / (sqrt(v_hat) + eps) = step * m' / (sqrt(v') + eps_t), with
        # c = sqrt((1 - b2) / (1 - b2^t)), step = lr (1 - b1) / ((1 - b1^t) c)
        # and eps_t = eps / c.
        c = np.sqrt((1.0 - self.beta2) / (1.0 - self.beta2 ** self.t))
        self._step_size = (self.learning_rate * (1.0 - self.beta1)
                           / ((1.0 - self.beta1 ** self.t) * c))
        self._eps_t = self.eps / c
        super().update(params, grads, pool, workers, beside)

    def _step(self, p, g, state):
        m, v, tmp = state
        # In place through one scratch buffer: no allocation per step.
        m *= self.beta1
        m += g
        np.multiply(g, g, out=tmp)
        v *= self.beta2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self._eps_t
        np.divide(m, tmp, out=tmp)
        tmp *= self._step_size
        p -= tmp


class IterateAverage:
    """Running mean of parameter iterates (Polyak-Ruppert averaging, ASGD).

    After ``k`` calls to :meth:`update`, ``means[i]`` is the mean of the ``k``
    values ``params[i]`` had at those calls. The mean of SGD's iterates is a
    less noisy estimate of the minimizer than the last iterate, without having
    to decay the learning rate to zero.

    Attributes
    ----------
    count : int
        Number of iterates averaged so far.
    means : list of ndarray or None
        The running means (same shapes and dtypes as the parameters), None
        before the first update.

    Examples
    --------
    >>> avg = IterateAverage()
    >>> for v in (1.0, 2.0, 6.0):
    ...     avg.update([np.array([v])])
    >>> avg.means[0], avg.count
    (array([3.]), 3)
    """

    def __init__(self):
        self.count = 0
        self.means = None
        self._tmp = None

    def update(self, params):
        """Fold the current values of ``params`` into the running means.

        Parameters
        ----------
        params : sequence of ndarray
            Current parameters (not modified).
        """
        self.count += 1
        if self.means is None:
            self.means = [np.array(p, copy=True) for p in params]
            self._tmp = [np.empty_like(p) for p in params]
            return
        # m += (p - m) / k through one scratch buffer: no allocation per step.
        weight = 1.0 / self.count
        for m, p, tmp in zip(self.means, params, self._tmp):
            np.subtract(p, m, out=tmp)
            tmp *= weight
            m += tmp


OPTIMIZERS = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov,
    "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam,
}


def make_optimizer(name, learning_rate, **kwargs):
    """Build an update rule by name.

    Parameters
    ----------
    name : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    learning_rate : float
        Positive step size.
    **kwargs
        Extra arguments of the rule (e.g. ``momentum=0.9``).

    Returns
    -------
    rule : object with ``update(params, grads)`` and a ``learning_rate`` attribute.

    Raises
    ------
    ValueError
        Unknown ``name``, or a ``learning_rate`` (or extra argument) out of range.
    TypeError
        A ``learning_rate`` (or extra argument) that is not a real number.

    Examples
    --------
    >>> make_optimizer("adam", 1e-3)
    Adam(learning_rate=0.001)
    """
    check_choice(name, "optimizer", OPTIMIZERS)
    return OPTIMIZERS[name](learning_rate, **kwargs)
