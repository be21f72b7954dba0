"""Weight initializers: each takes ``(rng, n_in, n_out)``, returns an (n_in, n_out) array
(or a pair ``(W, b)`` when it also sets the biases; biases are zero otherwise).

``rng`` is a ``numpy.random.RandomState``: the post seeds NumPy's legacy generator,
and drawing from the same stream is what makes its initial weights reproducible here.
"""

from __future__ import annotations

import numpy as np

from .registry import Registry

__all__ = [
    "scaled_normal",
    "glorot_normal",
    "glorot_uniform",
    "sklearn_uniform",
    "sklearn_uniform_logistic",
    "he_normal",
    "he_uniform",
    "zeros",
    "INITIALIZERS",
    "get_initializer",
]


def scaled_normal(rng: np.random.RandomState, n_in: int, n_out: int) -> np.ndarray:
    """The post's initialisation: ``randn(n_in, n_out) / sqrt(n_in)``."""
    return rng.randn(n_in, n_out) / np.sqrt(n_in)


def glorot_normal(rng, n_in, n_out):
    """Glorot (Xavier) normal: std ``sqrt(2 / (n_in + n_out))``."""
    return rng.randn(n_in, n_out) * np.sqrt(2.0 / (n_in + n_out))


def glorot_uniform(rng, n_in, n_out):
    """Glorot (Xavier) uniform on ``[-l, l]`` with ``l = sqrt(6 / (n_in + n_out))``
    (scikit-learn's MLP uses this bound, with 2 in place of 6 when the hidden activation is
    logistic)."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def sklearn_uniform(rng, n_in, n_out, factor=6.0):
    """scikit-learn's MLP initialisation: weights *and biases* uniform on ``[-l, l]``,
    ``l = sqrt(6 / (n_in + n_out))``, drawn in that order. Returns ``(W, b)``."""
    limit = np.sqrt(factor / (n_in + n_out))
    W = rng.uniform(-limit, limit, size=(n_in, n_out))
    return W, rng.uniform(-limit, limit, size=n_out)


def sklearn_uniform_logistic(rng, n_in, n_out):
    """``sklearn_uniform`` with ``l = sqrt(2 / (n_in + n_out))``, scikit-learn's choice
    when the hidden activation is the logistic sigmoid. Returns ``(W, b)``."""
    return sklearn_uniform(rng, n_in, n_out, factor=2.0)


def he_normal(rng, n_in, n_out):
    """He normal: std ``sqrt(2 / n_in)``, for ReLU layers."""
    return rng.randn(n_in, n_out) * np.sqrt(2.0 / n_in)


def he_uniform(rng, n_in, n_out):
    """He uniform on ``[-l, l]`` with ``l = sqrt(6 / n_in)``."""
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def zeros(rng, n_in, n_out):
    """All zeros (only sensible for a single layer, e.g. logistic regression)."""
    return np.zeros((n_in, n_out))


INITIALIZERS = Registry("initializer")
for _f in (
    scaled_normal,
    glorot_normal,
    glorot_uniform,
    sklearn_uniform,
    sklearn_uniform_logistic,
    he_normal,
    he_uniform,
    zeros,
):
    INITIALIZERS.register(_f.__name__, _f)
INITIALIZERS.alias("xavier_normal", "glorot_normal")
INITIALIZERS.alias("xavier_uniform", "glorot_uniform")


def get_initializer(spec):
    """An initializer from a name or a callable ``(rng, n_in, n_out) -> ndarray``."""
    if callable(spec):
        return spec
    return INITIALIZERS.get(spec, argname="init")
