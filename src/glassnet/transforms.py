"""What a network does to its raw inputs before its first layer, and what its outputs name.

A network owns at most one *input transform* (``net.input_transform``), which
``Sequential.forward`` applies before the first layer, and so does every door that
predicts from the network: ``predict_proba``, ``predict_classes``, ``gn.evaluate``,
``fit``, ``glassnet predict``, the playground's download. A model file therefore holds
everything its predictions depend on, and a model trained on standardised features
predicts from the raw ones.

A transform is small, named and declarative: its ``name`` and its numbers
(``get_config()``, plain JSON) are its whole description. It lives in the network's
description (``Sequential.get_config``), and so in every model file, copy and checkpoint;
an exporter rebuilds its formula from the same description (``Standardize``: a
subtraction, then a division). It holds no trained parameters: ``fit`` never changes it,
and ``net.params`` ("0.W", "0.b", ...) does not list it.

The class labels (``net.classes_``: output ``j`` is the class ``classes_[j]``) travel in
the same description; ``check_classes`` is their one check.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_finite
from .registry import Registry

__all__ = [
    "InputTransform",
    "Standardize",
    "Features",
    "Chain",
    "FEATURES",
    "TRANSFORMS",
    "check_input_transform",
    "check_classes",
    "fold_output_scaling",
]

TRANSFORMS = Registry("input transform")


class InputTransform:
    """A fixed map from ``n_in`` raw input columns to the ``n_out`` columns that the
    network's first layer takes. Subclasses define ``__call__`` and ``get_config``
    (``{"type": name, **arguments}``, from which ``TRANSFORMS`` rebuilds them)."""

    name = ""
    n_in: int
    n_out: int

    def __call__(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError


def _vector(name: str, value) -> np.ndarray:
    """``value`` as a finite 1-D float64 array of at least one number."""
    try:
        arr = np.asarray(value) if not isinstance(value, (str, bytes, dict)) else None
    except ValueError:  # a ragged list
        arr = None
    if arr is None or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a 1-D array of numbers, got {value!r:.80}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a 1-D array of numbers, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    check_finite(arr, name)
    return arr


class Standardize(InputTransform):
    """Each input column to zero mean and unit spread, with the training data's numbers::

        z0 = (x - mean) / scale        x: (n, n_features) -> z0: (n, n_features)

    ``glassnet train`` standardises a CSV's features this way (``--standardize``, on by
    default), as does the playground; the network keeps ``mean`` and ``scale``, so that
    it predicts from raw features wherever it is loaded.

    Parameters
    ----------
    mean : array-like of shape (n_features,)
    scale : array-like of shape (n_features,), every entry > 0

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> X = np.array([[1.0, 100.0], [3.0, 300.0]])
    >>> scaling = gn.Standardize.from_data(X)
    >>> scaling.mean.tolist(), scaling.scale.tolist()
    ([2.0, 200.0], [1.0, 100.0])
    >>> scaling(X).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """

    name = "standardize"

    def __init__(self, mean, scale):
        self.mean = _vector("mean", mean)
        self.scale = _vector("scale", scale)
        if self.scale.shape != self.mean.shape:
            raise ValueError(
                f"scale has {self.scale.size} entries but mean has {self.mean.size}; "
                "give one of each per feature"
            )
        if (self.scale <= 0).any():
            bad = float(self.scale[self.scale <= 0][0])
            raise ValueError(f"scale must be > 0 for every feature, got {bad!r}")
        self.n_in = self.n_out = self.mean.size

    @classmethod
    def from_data(cls, X: np.ndarray) -> Standardize:
        """``mean = X.mean(axis=0)``, ``scale = X.std(axis=0)``; a constant column keeps
        ``scale = 1`` (it is only centred)."""
        X = np.asarray(X, dtype=np.float64)
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        return cls(mean, scale)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean) / scale``, in ``X``'s float dtype (float64 for other data)."""
        z0 = (X - self.mean) / self.scale  # (n, n_features)
        return z0.astype(X.dtype, copy=False) if X.dtype.kind == "f" else z0

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        """The raw values back: ``Z * scale + mean``."""
        return Z * self.scale + self.mean

    def get_config(self) -> dict:
        # JSON numbers round-trip float64 exactly (json writes repr)
        return {"type": self.name, "mean": self.mean.tolist(), "scale": self.scale.tolist()}

    def __eq__(self, other) -> bool:
        return (
            type(other) is type(self)
            and np.array_equal(self.mean, other.mean)
            and np.array_equal(self.scale, other.scale)
        )

    def __repr__(self) -> str:
        return f"Standardize(<{self.n_in} features>)"


TRANSFORMS.register(Standardize.name, Standardize)


# the columns ``Features`` can compute from a point (x1, x2), by name: TensorFlow
# Playground's input features
FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


class Features(InputTransform):
    """Columns computed from the two inputs of a point, by name::

        (x1, x2) -> [x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)]   (those asked for)

    With ``["x1^2", "x2^2"]`` a network with no hidden layer computes
    ``z = w1 x1^2 + w2 x2^2 + b``, and so separates the inside of a circle from its
    outside: a linear model of new features, as the playground shows.

    Parameters
    ----------
    features : list of str
        Distinct names from ``FEATURES``, in the order of the columns they make.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> gn.Features(["x1", "x1*x2", "x2^2"])(np.array([[2.0, 3.0]])).tolist()
    [[2.0, 6.0, 9.0]]
    """

    name = "features"

    def __init__(self, features):
        if isinstance(features, str) or not isinstance(features, (list, tuple)):
            raise TypeError(f"features must be a list of names, got {features!r:.80}")
        bad = [f for f in features if not isinstance(f, str) or f not in FEATURES]
        if bad:
            raise ValueError(
                f"features must be names from {', '.join(FEATURES)}; got {bad[0]!r:.40}"
            )
        if not features or len(set(features)) != len(features):
            raise ValueError(f"features must list at least one name, each once, got {features}")
        self.features = list(features)
        self.n_in, self.n_out = 2, len(self.features)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        x1, x2 = X[:, 0], X[:, 1]
        columns = [FEATURES[name](x1, x2) for name in self.features]
        return np.column_stack(columns).astype(X.dtype, copy=False)

    def get_config(self) -> dict:
        return {"type": self.name, "features": list(self.features)}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.features == self.features

    def __repr__(self) -> str:
        return f"Features({self.features})"


class Chain(InputTransform):
    """Transforms applied one after the other, the first to the raw inputs::

        Chain([gn.Standardize(mean, scale), gn.Features(["x1", "x1^2"])])

    standardises a point, then computes the features of the standardised point.

    Parameters
    ----------
    steps : list of InputTransform (or their descriptions)
        Each step's output columns are the next one's inputs.
    """

    name = "chain"

    def __init__(self, steps):
        if not isinstance(steps, (list, tuple)) or not steps:
            raise TypeError(
                f"steps must be a non-empty list of input transforms, got {steps!r:.80}"
            )
        self.steps = [check_input_transform(step, None) for step in steps]
        for a, b in zip(self.steps, self.steps[1:]):
            if a.n_out != b.n_in:
                raise ValueError(f"{a!r} gives {a.n_out} columns but {b!r} takes {b.n_in}")
        self.n_in, self.n_out = self.steps[0].n_in, self.steps[-1].n_out

    def __call__(self, X: np.ndarray) -> np.ndarray:
        for step in self.steps:
            X = step(X)
        return X

    def get_config(self) -> dict:
        return {"type": self.name, "steps": [step.get_config() for step in self.steps]}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.steps == self.steps

    def __repr__(self) -> str:
        return f"Chain({self.steps})"


TRANSFORMS.register(Features.name, Features)
TRANSFORMS.register(Chain.name, Chain)


def check_input_transform(value, n_in: int | None) -> InputTransform | None:
    """``value`` (None, an ``InputTransform`` or its ``get_config()`` description) as an
    ``InputTransform`` whose output fits a first layer of ``n_in`` inputs."""
    if value is None:
        return None
    if isinstance(value, dict):
        spec = dict(value)
        value = TRANSFORMS.create(spec.pop("type", None), argname="input_transform type", **spec)
    if not isinstance(value, InputTransform):
        raise TypeError(
            f"input_transform must be None or a glassnet InputTransform such as "
            f"gn.Standardize(mean, scale), got {value!r:.80} of type {type(value).__name__}"
        )
    if n_in is not None and value.n_out != n_in:
        raise ValueError(
            f"input_transform gives {value.n_out} columns but the network's first layer "
            f"takes {n_in}"
        )
    return value


def check_classes(classes, n_outputs: int) -> np.ndarray | None:
    """``classes`` (None, or one distinct label per class: strings or numbers) as a 1-D
    array; a network with one output (a binary logit) has two classes."""
    if classes is None:
        return None
    n = max(n_outputs, 2)
    arr = np.asarray(classes) if isinstance(classes, (list, tuple, np.ndarray)) else None
    if arr is None or arr.ndim != 1 or arr.dtype.kind not in "iufU":
        raise TypeError(
            f"classes_ must be None or a list of {n} class labels (strings or numbers), "
            f"got {classes!r:.80}"
        )
    if arr.size != n or len(set(arr.tolist())) != n:
        raise ValueError(
            f"classes_ must list {n} distinct labels, one per class of the network's "
            f"{n_outputs} output(s), got {classes!r:.80}"
        )
    return arr


def fold_output_scaling(net, scaling: Standardize):
    """A copy of ``net`` that predicts in the targets' own units.

    A regression network trained on standardised targets, ``t = (y - mean) / scale``,
    predicts ``t``; its last layer is linear, ``t = a @ W + b``, so
    ``y = t * scale + mean = a @ (W * scale) + (b * scale + mean)``: the copy's last
    Dense layer holds ``W * scale`` and ``b * scale + mean``, and every door (Python,
    ``glassnet predict``, ONNX) predicts ``y`` from the same file with no extra step.

    Parameters
    ----------
    net : Sequential
        Its last layer must be ``Dense`` (a linear output).
    scaling : Standardize
        The targets' scaling, one ``mean`` and ``scale`` per output.
    """
    from .layers import Dense  # (transforms is imported by the layers' network)

    last = net.layers[-1]
    if not isinstance(last, Dense):
        raise ValueError(
            f"the network's last layer must be Dense (a linear output) to fold a target "
            f"scaling into it, got {type(last).__name__}"
        )
    if not isinstance(scaling, Standardize) or scaling.n_out != last.n_out:
        raise ValueError(
            f"scaling must be a Standardize of {last.n_out} output(s), got {scaling!r}"
        )
    folded = net.copy()
    out = folded.layers[-1]
    out.W *= scaling.scale  # (n_in, n_out) * (n_out,): each output column scaled
    out.b[...] = out.b * scaling.scale + scaling.mean
    return folded
