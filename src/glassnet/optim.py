"""Optimizers. Each updates the packed parameter vector in place from its gradient.

``step(theta, grad)`` applies one update; ``lr`` may be changed between steps (that is
how schedules drive it); ``state_dict()``/``load_state_dict()`` save and restore the
internal state (moments, step count) for checkpoints. Each optimizer names its settings
in ``config`` and its per-parameter state in ``state_arrays``; the base class does the
rest (``get_config``, ``reset``, ``state_dict``, ``load_state_dict``).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from ._checks import Interval, check_param
from .registry import Configured, Registry

__all__ = ["Optimizer", "SGD", "Adam", "RMSProp", "Adagrad", "LBFGS", "OPTIMIZERS", "get_optimizer"]


_POSITIVE = Interval(Real, 0, None, closed="neither")  # a finite number > 0
_NONNEG = Interval(Real, 0, None)  # a finite number >= 0
_FRACTION = Interval(Real, 0, 1, closed="left")  # a number in [0, 1)
_COUNT = Interval(Integral, 1, None)  # an integer >= 1

# each optimizer's parameters and what they may be (glassnet._checks)
CONSTRAINTS = {
    "lr": _POSITIVE,
    "momentum": _FRACTION,
    "nesterov": "boolean",
    "beta_1": _FRACTION,
    "beta_2": _FRACTION,
    "epsilon": _NONNEG,
    "rho": _FRACTION,
    "max_fun": _COUNT,
    "memory": _COUNT,
    "gtol": _NONNEG,
    "ftol": _NONNEG,
}


class Optimizer(Configured):
    """Base class. ``lr`` is the learning rate of the next step.

    ``config`` names the constructor's arguments (``get_config``); ``state_arrays`` names
    the arrays of the state, one number per parameter (SGD's velocity ``v``, Adam's
    moments ``m`` and ``v``), ``None`` until the first step sizes them.
    """

    name = "optimizer"
    config = ("lr",)
    state_arrays: tuple[str, ...] = ()

    def __init__(self, lr: float):
        self.lr = check_param("lr", lr, CONSTRAINTS["lr"])
        self.reset()

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the state (moments, step count)."""
        self.t = 0  # steps taken
        for key in self.state_arrays:
            setattr(self, key, None)

    def state_dict(self) -> dict:
        arrays = {key: getattr(self, key) for key in self.state_arrays}
        return {"t": self.t, "lr": self.lr, **arrays}

    def load_state_dict(self, state: dict) -> None:
        self.t = int(state["t"])
        self.lr = float(state["lr"])
        for key in self.state_arrays:
            setattr(self, key, None if state.get(key) is None else np.array(state[key]))


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    Without momentum: ``theta <- theta - lr * g`` (the post's update).
    With momentum ``mu``: ``v <- mu v - lr g``; ``theta <- theta + v``, or with Nesterov
    ``theta <- theta + mu v - lr g`` (the look-ahead form used by scikit-learn and PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> theta, grad = np.array([1.0, 2.0]), np.array([10.0, -10.0])
    >>> gn.SGD(lr=0.01).step(theta, grad)  # theta -= lr * grad, in place
    >>> theta
    array([0.9, 2.1])
    """

    name = "sgd"
    config = ("lr", "momentum", "nesterov")
    state_arrays = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(lr)
        self.momentum = check_param("momentum", momentum, CONSTRAINTS["momentum"])
        nesterov = check_param("nesterov", nesterov, CONSTRAINTS["nesterov"])
        if nesterov and not self.momentum:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0")
        self.nesterov = bool(nesterov)

    def step(self, theta, grad):
        self.t += 1
        if not self.momentum:
            theta -= self.lr * grad
            return
        if self.v is None or self.v.shape != theta.shape:
            self.v = np.zeros_like(theta)
        v = self.v
        v *= self.momentum
        v -= self.lr * grad
        if self.nesterov:
            theta += self.momentum * v - self.lr * grad
        else:
            theta += v


class Adam(Optimizer):
    """Adam (Kingma & Ba): with ``t`` the step count::

        m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
        theta <- theta - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

    (the bias correction folded into the step size, as scikit-learn does).
    """

    name = "adam"
    config = ("lr", "beta_1", "beta_2", "epsilon")
    state_arrays = ("m", "v")

    def __init__(
        self, lr: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8
    ):
        super().__init__(lr)
        self.beta_1 = check_param("beta_1", beta_1, CONSTRAINTS["beta_1"])
        self.beta_2 = check_param("beta_2", beta_2, CONSTRAINTS["beta_2"])
        self.epsilon = check_param("epsilon", epsilon, CONSTRAINTS["epsilon"])

    def step(self, theta, grad):
        if self.m is None or self.m.shape != theta.shape:
            self.m = np.zeros_like(theta)
            self.v = np.zeros_like(theta)
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        m, v = self.m, self.v
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * (grad * grad)
        # a Python float, so that float32 parameters are updated in float32
        lr_t = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        denom = np.sqrt(v)
        denom += self.epsilon
        theta -= lr_t * (m / denom)


class RMSProp(Optimizer):
    """RMSProp: ``s <- rho s + (1 - rho) g^2``; ``theta <- theta - lr g / (sqrt(s) + eps)``."""

    name = "rmsprop"
    config = ("lr", "rho", "epsilon")
    state_arrays = ("s",)

    def __init__(self, lr: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8):
        super().__init__(lr)
        self.rho = check_param("rho", rho, CONSTRAINTS["rho"])
        self.epsilon = check_param("epsilon", epsilon, CONSTRAINTS["epsilon"])

    def step(self, theta, grad):
        if self.s is None or self.s.shape != theta.shape:
            self.s = np.zeros_like(theta)
        self.t += 1
        s = self.s
        s *= self.rho
        s += (1 - self.rho) * (grad * grad)
        denom = np.sqrt(s)
        denom += self.epsilon
        theta -= self.lr * (grad / denom)


class LBFGS(Optimizer):
    """Limited-memory BFGS through ``scipy.optimize.minimize(method="L-BFGS-B")`` on the
    packed parameter vector, always full batch.

    ``fit`` hands the whole objective ``f(theta)`` and its gradient to SciPy; one epoch
    of the history is one L-BFGS iteration. ``max_fun`` bounds the function evaluations;
    ``gtol`` (the largest gradient entry) and ``ftol`` (the relative change of ``f``) are
    SciPy's stopping tolerances; ``memory`` is the number of correction pairs.
    """

    name = "lbfgs"
    config = ("max_fun", "gtol", "ftol", "memory")

    def __init__(
        self, max_fun: int = 15000, gtol: float = 1e-9, ftol: float = 1e-12, memory: int = 10
    ):
        super().__init__(1.0)
        self.max_fun = check_param("max_fun", max_fun, CONSTRAINTS["max_fun"])
        self.gtol = check_param("gtol", gtol, CONSTRAINTS["gtol"])
        self.ftol = check_param("ftol", ftol, CONSTRAINTS["ftol"])
        self.memory = check_param("memory", memory, CONSTRAINTS["memory"])
        self.n_fun = 0

    def step(self, theta, grad):
        raise TypeError("LBFGS does not take single steps: pass it to glassnet.fit")

    def minimize(self, fun, theta0, max_iter, callback):
        """Run SciPy's L-BFGS-B from ``theta0``; ``fun(theta) -> (f, grad)``."""
        from scipy.optimize import minimize

        res = minimize(
            fun,
            theta0,
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={
                "maxiter": max_iter,
                "maxfun": self.max_fun,
                "ftol": self.ftol,
                "gtol": self.gtol,
                "maxcor": self.memory,
            },
        )
        self.n_fun += int(res.nfev)
        self.t += int(res.nit)
        return res


class Adagrad(Optimizer):
    """Adagrad: ``s <- s + g^2``; ``theta <- theta - lr g / (sqrt(s) + eps)``.

    Each parameter's step shrinks with the sum of all its squared gradients so far:
    parameters with large or frequent gradients slow down first (Duchi et al., 2011).
    """

    name = "adagrad"
    config = ("lr", "epsilon")
    state_arrays = ("s",)

    def __init__(self, lr: float = 0.01, epsilon: float = 1e-8):
        super().__init__(lr)
        self.epsilon = check_param("epsilon", epsilon, CONSTRAINTS["epsilon"])

    def step(self, theta, grad):
        if self.s is None or self.s.shape != theta.shape:
            self.s = np.zeros_like(theta)
        self.t += 1
        self.s += grad * grad
        theta -= self.lr * (grad / (np.sqrt(self.s) + self.epsilon))


OPTIMIZERS = Registry("optimizer", base=Optimizer)
for _cls in (SGD, Adam, RMSProp, Adagrad, LBFGS):
    OPTIMIZERS.register(_cls.name, _cls)


def get_optimizer(spec, **kwargs) -> Optimizer:
    """An optimizer from a name (``"sgd"``, ``"adam"``, ...), a class or an instance."""
    return OPTIMIZERS.create(spec, **kwargs)
