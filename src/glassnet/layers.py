"""Layers: the ``Layer`` protocol, ``Dense``, ``Dropout`` and ``BatchNorm``, and the
one helper that gives the layers' products their memory layout (``affine``, which writes
``x @ W + b`` into a ``column_major`` array).

A layer does not own its parameter arrays: the network allocates one flat vector
for all parameters (and one for their gradients) and hands each layer views into
them through ``bind``. Layers write their gradients into those views in place. State
that is not trained (BatchNorm's running statistics) is a buffer: declared by
``buffer_specs``, handed over by ``bind_buffers``, saved and checkpointed with the
parameters but never seen by the optimizer or the gradient check (``glassnet.packing``).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import NamedTuple

import numpy as np

from ._checks import Interval, check_param, check_params
from ._validation import issparse
from .init import get_initializer

__all__ = [
    "Layer",
    "Dense",
    "Dropout",
    "BatchNorm",
    "ParamSpec",
    "BufferSpec",
    "affine",
    "column_major",
]


class ParamSpec(NamedTuple):
    """A parameter a layer asks the network for: ``ParamSpec("W", (2, 3), penalized=True)``.

    ``penalized``: the ``l2``/``l1`` penalty applies to it (Dense's ``W``, not its ``b``).
    """

    name: str
    shape: tuple[int, ...]
    penalized: bool = False


def specs_of(layer) -> list[ParamSpec]:
    """``layer.param_specs()`` as ``ParamSpec``s: a layer of your own may return plain
    ``(name, shape)`` or ``(name, shape, penalized)`` tuples."""
    return [ParamSpec(*spec) for spec in layer.param_specs()]


class BufferSpec(NamedTuple):
    """State a layer keeps that is not trained: ``BufferSpec("running_mean", (3,))``."""

    name: str
    shape: tuple[int, ...]


# from this width on, Dense writes its outputs and deltas row by row (see column_major)
WIDE = 128


def column_major(n: int, width: int, dtype) -> np.ndarray:
    """An empty (n, width) array stored column by column (NumPy's ``order="F"``).

    Dense layers narrower than ``WIDE`` (128) units write their outputs and deltas into
    these, and the element-wise layers and losses keep the order (but for ``Dropout``,
    whose mask is drawn row by row: after it the arrays are row-major, which changes the
    speed, not the numbers). One unit's values over the batch are then contiguous, so the
    sums over the batch (``db = delta.sum(axis=0)``) and over a row's few classes (the
    softmax) run along memory instead of across it. For the post's narrow layers those
    sums then take about a third of the time, far more than a matrix product loses by
    writing in this order. Wider layers write row by row (NumPy's default order): there
    the sum over the batch adds whole rows at a time, twice as fast (128 x 256 float32
    deltas: 4 microseconds against 9), and the bias is added faster too. The formulas
    are the same: only where the numbers sit in memory changes.
    """
    return np.empty((n, width), dtype, order="F")


def affine(
    x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """``z = x @ W + b`` (``x @ W`` without ``b``), written into ``out``: by default one
    new array, ``column_major`` for fewer than ``WIDE`` (128) outputs, else row-major.

    ``x`` has shape (n, n_in), ``W`` (n_in, n_out), ``b`` (n_out,); ``z`` has shape
    (n, n_out). The numbers are those of ``x @ W + b``: BLAS writes the product straight
    into ``out`` and ``b`` is added to it in place, so that one array is made where
    ``x @ W + b`` makes two, and none when ``out`` is given. ``Dense`` computes its
    output (``affine(x, W, b)``), the delta it passes back (``affine(delta, W.T)``, so
    that everything downstream runs along memory, see ``column_major``) and its weight
    gradient (``affine(x.T, delta, out=self.dW)``: written into its view of the packed
    gradient, where ``self.dW[...] = x.T @ delta`` would make a temporary the size of
    ``W`` and copy it) here. A sparse ``x`` (the estimators') gives a sparse-dense
    product, never densified.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.layers import affine
    >>> x, W, b = np.ones((4, 2)), np.arange(6.0).reshape(2, 3), np.array([1.0, 0, -1])
    >>> z = affine(x, W, b)
    >>> bool(np.array_equal(z, x @ W + b)), z.flags.f_contiguous
    (True, True)
    >>> dW = np.empty((2, 3))
    >>> _ = affine(x.T, z, out=dW)  # dW = x.T @ z, in place
    >>> bool(np.array_equal(dW, x.T @ z))
    True
    """
    if not isinstance(x, np.ndarray) and issparse(x):
        z = np.asarray(x @ W)  # sparse @ dense: a dense array, (n, n_out)
        if out is not None:
            out[...] = z
            z = out
    else:
        if out is None:
            n, width = x.shape[0], W.shape[1]
            out = column_major(n, width, x.dtype) if width < WIDE else np.empty((n, width), x.dtype)
        z = np.matmul(x, W, out=out)  # x @ W
    if b is not None:
        z += b
    return z


class Layer:
    """Base class: ``forward`` caches what ``backward`` needs.

    Attributes
    ----------
    input_grad : bool
        Whether ``backward`` must return the gradient with respect to the input.
        The network turns it off for its first layer, which saves a matrix product.
    """

    name = "layer"
    input_grad = True

    def param_specs(self) -> list[ParamSpec]:
        """A ``ParamSpec(name, shape, penalized)`` for each parameter (a plain tuple
        ``(name, shape, penalized)`` will do); ``penalized`` means L2 applies."""
        return []

    def buffer_specs(self) -> list[BufferSpec]:
        """A ``BufferSpec(name, shape)`` for each buffer: state that is not trained."""
        return []

    def bind(self, params: dict, grads: dict) -> None:
        """Receive views into the network's flat parameter and gradient vectors."""

    def bind_buffers(self, buffers: dict) -> None:
        """Receive views into the network's flat buffer vector (``net.buffer``)."""

    def initialize(self, rng: np.random.RandomState) -> None:
        """Fill the bound parameters with their initial values."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, delta: np.ndarray) -> np.ndarray | None:
        """Take ``delta = dL/d out`` (the output's shape), write the parameters'
        gradients into the bound views (``self.dW[...] = ...``) and return the delta of
        the input, ``dL/dx`` (``None`` when ``input_grad`` is off)."""
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}


# the constraints of the layers' arguments (glassnet._checks)
WIDTH = Interval(Integral, 1, None)  # a layer width: an integer >= 1
DROPOUT = Interval(Real, 0, 1, closed="left")  # a dropout probability: a number in [0, 1)


class Dense(Layer):
    """Fully connected layer ``z = x @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths: ``W`` has shape (n_in, n_out), ``b`` shape (n_out,).
    init : str or callable
        Weight initializer (see ``glassnet.init``); biases start at zero.
        The default, ``"scaled_normal"``, is the post's ``randn / sqrt(n_in)``.

    Notes
    -----
    Backward, for ``delta = dL/dz`` of shape (n, n_out)::

        dW = x.T @ delta      db = delta.sum(axis=0)      dL/dx = delta @ W.T

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> layer = gn.Dense(2, 3)
    >>> net = gn.Sequential([layer], seed=0)  # allocates W and b and draws W
    >>> layer.W.shape, layer.b.shape
    ((2, 3), (3,))
    >>> x = np.ones((4, 2))
    >>> bool(np.allclose(layer.forward(x), x @ layer.W + layer.b))
    True
    """

    name = "dense"

    def __init__(self, n_in: int, n_out: int, init="scaled_normal"):
        self.n_in = check_param("n_in", n_in, WIDTH)
        self.n_out = check_param("n_out", n_out, WIDTH)
        self._init = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")

    def param_specs(self):
        return [ParamSpec("W", (self.n_in, self.n_out), True), ParamSpec("b", (self.n_out,))]

    def bind(self, params, grads):
        self.W, self.b = params["W"], params["b"]
        self.dW, self.db = grads["W"], grads["b"]

    def initialize(self, rng):
        W = self._init(rng, self.n_in, self.n_out)
        b = 0
        if isinstance(W, tuple):  # the initializer sets the biases too
            W, b = W
        W = np.asarray(W)
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(
                f"init={self.init!r} returned shape {W.shape}, expected {(self.n_in, self.n_out)}"
            )
        self.W[...] = W
        self.b[...] = b

    def forward(self, x, training=False):
        self._x = x  # (n, n_in), kept for dW; sparse for the estimators' sparse X
        z = affine(x, self.W, self.b)  # z = x @ W + b, (n, n_out)
        return z

    def backward(self, delta):
        x = self._x
        # dW and db are views into the network's packed gradient: written, not rebound
        affine(x.T, delta, out=self.dW)  # dW = x.T @ delta, (n_in, n_out)
        self.db[...] = delta.sum(axis=0)  # (n_out,)
        if not self.input_grad:
            return None
        return affine(delta, self.W.T)  # delta @ W.T: dL/dx, the delta of the layer below

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out, "init": self.init}

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, init={self.init!r})"


class Dropout(Layer):
    """Inverted dropout: while training, zero each unit with probability ``p`` and
    scale the survivors by ``1 / (1 - p)``, so that nothing changes at prediction time.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping a unit.

    Notes
    -----
    ``a = z * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)``; backward multiplies by the
    same mask. Set ``freeze_mask = True`` to reuse the last mask (gradient checking).
    """

    name = "dropout"

    def __init__(self, p: float = 0.5):
        self.p = check_param("p", p, DROPOUT)
        self.rng = np.random.RandomState()
        self.freeze_mask = False
        self._mask = None

    def forward(self, x, training=False):
        if not training or self.p == 0.0:
            self._mask = None
            return x
        if not (self.freeze_mask and self._mask is not None and self._mask.shape == x.shape):
            keep = self.rng.random_sample(x.shape) >= self.p
            self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._mask

    def backward(self, delta):
        if self._mask is None:
            return delta
        return delta * self._mask

    def get_config(self):
        return {"p": self.p}

    def __repr__(self):
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """Batch normalisation of each feature (column) over the batch's rows.

    Parameters
    ----------
    n_features : int
        Width of the input (the preceding Dense layer's ``n_out``).
    momentum : float in [0, 1)
        Weight of the old running statistics in their update.
    eps : float > 0
        Added to the variance before the square root.

    Notes
    -----
    Forward while training, for ``x`` of shape (n, d)::

        mu = x.mean(axis=0)          var = x.var(axis=0)        # (d,), the batch's
        xhat = (x - mu) / sqrt(var + eps)
        y = gamma * xhat + beta

    and the running statistics move towards the batch's (``var`` is the biased
    variance, as in the forward pass)::

        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var

    At prediction time (``training=False``) ``running_mean`` and ``running_var`` take
    the place of ``mu`` and ``var``.

    Backward, for ``delta = dL/dy`` of shape (n, d), with ``dxhat = delta * gamma``::

        dgamma = (delta * xhat).sum(axis=0)      dbeta = delta.sum(axis=0)
        dL/dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
                / (n * sqrt(var + eps))

    the compact form of the chain rule through ``mu`` and ``var`` (CS231n's
    "batchnorm_backward_alt").

    ``gamma`` and ``beta`` are trained (not penalised by ``l2``/``l1``).
    ``running_mean`` and ``running_var`` are buffers, state that is not trained: views
    into ``net.buffer`` (``net.buffers["1.running_mean"]``), outside ``theta``, so no
    optimizer, gradient check or ``n_params`` sees them; model files, checkpoints,
    copies and early stopping's snapshots (``net.state``) carry them. ``LBFGS`` evaluates
    the objective at points of its own choosing and does not accumulate them: after
    training with it, set them with one ``net.forward(X, training=True)`` at
    ``momentum=0``.
    """

    name = "batchnorm"
    CONSTRAINTS = {
        "n_features": WIDTH,
        "momentum": Interval(Real, 0, 1, closed="left"),  # a number in [0, 1)
        "eps": Interval(Real, 0, None, closed="neither"),  # a finite number > 0
    }

    def __init__(self, n_features: int, momentum: float = 0.9, eps: float = 1e-5):
        values = {"n_features": n_features, "momentum": momentum, "eps": eps}
        checked = check_params(values, self.CONSTRAINTS)
        self.n_features = checked["n_features"]
        self.momentum = checked["momentum"]
        self.eps = checked["eps"]

    @classmethod
    def sizes_from_config(cls, spec: dict) -> tuple[int, int]:
        """``(parameters, buffer values)`` a description implies (read by model files)."""
        n = spec.get("n_features")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"bad BatchNorm width in {spec!r:.80}")
        return 2 * n, 2 * n

    def param_specs(self):
        d = (self.n_features,)
        return [ParamSpec("gamma", d), ParamSpec("beta", d)]

    def buffer_specs(self):
        d = (self.n_features,)
        return [BufferSpec("running_mean", d), BufferSpec("running_var", d)]

    def bind(self, params, grads):
        self.gamma, self.beta = params["gamma"], params["beta"]
        self.dgamma, self.dbeta = grads["gamma"], grads["beta"]

    def bind_buffers(self, buffers):
        self.running_mean, self.running_var = buffers["running_mean"], buffers["running_var"]

    def initialize(self, rng):
        self.gamma[...] = 1.0
        self.beta[...] = 0.0
        self.running_mean[...] = 0.0
        self.running_var[...] = 1.0

    def forward(self, x, training=False):
        if training:
            mu = x.mean(axis=0)  # (d,)
            var = x.var(axis=0)  # (d,)
            m = self.momentum
            self.running_mean[...] = m * self.running_mean + (1 - m) * mu
            self.running_var[...] = m * self.running_var + (1 - m) * var
        else:
            mu, var = self.running_mean, self.running_var
        self._training = training
        self._inv_std = inv_std = 1.0 / np.sqrt(var + self.eps)  # (d,)
        self._xhat = xhat = (x - mu) * inv_std  # (n, d)
        return self.gamma * xhat + self.beta

    def backward(self, delta):
        xhat, inv_std = self._xhat, self._inv_std
        self.dgamma[...] = (delta * xhat).sum(axis=0)
        self.dbeta[...] = delta.sum(axis=0)
        if not self.input_grad:
            return None
        dxhat = delta * self.gamma  # (n, d)
        if not self._training:  # fixed statistics: a per-feature scale
            return dxhat * inv_std
        n = delta.shape[0]
        return (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) * (inv_std / n)

    def get_config(self):
        return {"n_features": self.n_features, "momentum": self.momentum, "eps": self.eps}

    def __repr__(self):
        return f"BatchNorm({self.n_features}, momentum={self.momentum}, eps={self.eps})"
