"""Small data sets for learning and testing: all generated or shipped with scikit-learn.

Each generator returns ``(X, y)`` with ``X`` of shape (n_samples, n_features) float64
and ``y`` integer labels of shape (n_samples,) (float targets for the regression sets
``sine``, ``plane`` and ``gauss``), and is reproducible for a ``seed``.

``load_mnist`` (from ``glassnet.data.mnist``) reads MNIST or Fashion-MNIST from their
IDX files, downloaded once, and returns ``(X_train, y_train), (X_test, y_test)``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import sklearn.datasets

from .._checks import Interval, check_param
from .._validation import check_memory
from ..registry import Registry
from .mnist import load_mnist

__all__ = [
    "moons",
    "circles",
    "blobs",
    "spirals",
    "xor",
    "sine",
    "plane",
    "gauss",
    "iris",
    "digits",
    "load",
    "DATASETS",
    "load_mnist",
]


SEED = [Interval(Integral, 0, 2**32 - 1), None]  # what RandomState takes


def _n(n_samples, minimum=1) -> int:
    n = check_param("n_samples", n_samples, Interval(Integral, minimum, None))
    need = 64 * n  # bytes: X, y and the generators' temporaries, about 8 numbers a row
    check_memory(need, f"n_samples={n:,} needs about {need / 2**30:,.0f} GiB")
    return n


def _rng(seed) -> np.random.RandomState:
    """The generator of a data set: ``RandomState(seed)`` for a seed that it takes."""
    return np.random.RandomState(check_param("seed", seed, SEED))


def _noise(noise) -> float:
    return check_param("noise", noise, Interval(Real, 0, None))


def _classes(n_classes) -> int:
    return check_param("n_classes", n_classes, Interval(Integral, 1, None))


def moons(n_samples: int = 200, noise: float = 0.20, seed: int = 0):
    """Two interleaving half circles: the post's data set for the defaults.

    Equal to ``np.random.seed(seed); sklearn.datasets.make_moons(n_samples, noise=noise)``.

    Examples
    --------
    >>> from glassnet.data import datasets
    >>> X, y = datasets.moons()  # the post's 200 points, seed 0
    >>> X.shape, y[:5]
    ((200, 2), array([0, 1, 1, 0, 1]))
    """
    return sklearn.datasets.make_moons(
        _n(n_samples, 2), noise=_noise(noise), random_state=_rng(seed)
    )


def circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5, seed: int = 0):
    """A small circle inside a large one (two classes)."""
    return sklearn.datasets.make_circles(
        _n(n_samples, 2),
        noise=_noise(noise),
        factor=factor,
        random_state=_rng(seed),
    )


def blobs(n_samples: int = 300, n_classes: int = 3, noise: float = 1.0, seed: int = 0):
    """Gaussian blobs, one per class, with standard deviation ``noise``."""
    n_classes = _classes(n_classes)
    return sklearn.datasets.make_blobs(
        _n(n_samples, n_classes),
        centers=n_classes,
        cluster_std=_noise(noise) or 1e-12,
        random_state=_rng(seed),
    )


def spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0):
    """Interleaved spiral arms, one per class (not linearly separable for any k >= 2).

    Class ``j`` has radius ``r`` from 0 to 1 and angle ``4 (j + r) + noise * N(0, 1)``,
    each point at ``(r sin t, r cos t)``.
    """
    n_classes = _classes(n_classes)
    n_samples = _n(n_samples, n_classes)
    noise = _noise(noise)
    rng = _rng(seed)
    counts = np.full(n_classes, n_samples // n_classes)
    counts[: n_samples % n_classes] += 1
    X = np.empty((n_samples, 2))
    y = np.empty(n_samples, dtype=np.intp)
    start = 0
    for j, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, m) + rng.randn(m) * noise
        X[start : start + m] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[start : start + m] = j
        start += m
    return X, y


def xor(n_samples: int = 200, noise: float = 0.0, seed: int = 0):
    """Points uniform on [-1, 1]^2, class 1 where ``x1 * x2 > 0`` (the XOR pattern);
    ``noise`` adds Gaussian jitter to the points after labelling."""
    n_samples = _n(n_samples, 2)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.intp)
    X += _noise(noise) * rng.randn(n_samples, 2)
    return X, y


def sine(n_samples: int = 300, noise: float = 0.05, seed: int = 0):
    """A 1-D regression set: ``x ~ U(-3, 3)``, ``y = sin(x) + noise * N(0, 1)``.

    Returns ``X`` of shape (n_samples, 1) and float targets ``y`` of shape (n_samples,).
    """
    n_samples = _n(n_samples, 2)
    rng = _rng(seed)
    x = rng.uniform(-3.0, 3.0, size=(n_samples, 1))
    return x, np.sin(x[:, 0]) + _noise(noise) * rng.randn(n_samples)


def plane(n_samples: int = 400, noise: float = 0.0, seed: int = 0):
    """A regression set on the plane: ``x ~ U(-1, 1)^2``, ``y = (x1 + x2) / 2`` plus
    ``noise * N(0, 1)``: a target a network with no hidden layer fits exactly.

    Returns ``X`` of shape (n_samples, 2) and float targets ``y`` of shape (n_samples,).
    """
    n_samples = _n(n_samples, 2)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    return X, (X[:, 0] + X[:, 1]) / 2 + _noise(noise) * rng.randn(n_samples)


# the bumps of ``gauss``: centre (x1, x2) and sign, two rows of three alternating
GAUSS_BUMPS = [(-0.65, 0.4, 1), (0.0, 0.4, -1), (0.65, 0.4, 1)]
GAUSS_BUMPS += [(-0.65, -0.4, -1), (0.0, -0.4, 1), (0.65, -0.4, -1)]
GAUSS_WIDTH = 0.2  # each bump's standard deviation


def gauss(n_samples: int = 400, noise: float = 0.0, seed: int = 0):
    """A regression set on the plane: ``x ~ U(-1, 1)^2`` and a sum of six Gaussian bumps
    of both signs, ``y = sum_k s_k exp(-|x - c_k|^2 / (2 * 0.2^2))`` (centres ``c_k``
    and signs ``s_k`` in ``GAUSS_BUMPS``), plus ``noise * N(0, 1)``.

    Returns ``X`` of shape (n_samples, 2) and float targets ``y`` of shape (n_samples,).
    """
    n_samples = _n(n_samples, 2)
    rng = _rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = np.zeros(n_samples)
    for c1, c2, sign in GAUSS_BUMPS:
        d2 = (X[:, 0] - c1) ** 2 + (X[:, 1] - c2) ** 2
        y += sign * np.exp(-d2 / (2 * GAUSS_WIDTH**2))
    return X, y + _noise(noise) * rng.randn(n_samples)


def digits():
    """scikit-learn's handwritten digits: 1,797 images of 8 x 8 pixels, 10 classes.

    Returns ``X`` of shape (1797, 64), each row an image read row by row with its
    pixels scaled from 0-16 to [0, 1], and the digits ``y`` of shape (1797,).
    """
    X, y = sklearn.datasets.load_digits(return_X_y=True)
    return X / 16.0, y


def iris(standardize: bool = True):
    """Fisher's Iris (150 x 4, three classes), shipped with scikit-learn.

    With ``standardize`` each feature is scaled to zero mean and unit variance.
    """
    X, y = sklearn.datasets.load_iris(return_X_y=True)
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


DATASETS = Registry("data set")
for _f in (moons, circles, blobs, spirals, xor, sine, plane, gauss, iris, digits):
    DATASETS.register(_f.__name__, _f)
DATASETS.alias("circle", "circles")
DATASETS.alias("spiral", "spirals")
DATASETS.alias("blob", "blobs")


def load(name: str, **kwargs):
    """A data set by name (``"moons"``, ``"spirals"``, ...), with its keyword arguments."""
    return DATASETS.create(name, argname="data", **kwargs)
