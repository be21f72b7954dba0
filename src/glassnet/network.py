"""``Sequential`` networks and the ``mlp`` shortcut.

All parameters of a network live in one contiguous vector ``net.theta`` and all
gradients in ``net.grad``; every layer's ``W`` and ``b`` is a view into them. The
L2-penalised weights come first, so that the penalty ``l2/2 * sum ||W||^2`` and its
gradient ``l2 * W`` are one NumPy call each over ``theta[:n_weights]``; an optimizer
step is a few calls over the whole vector, and gradient checking and L-BFGS see a
single vector. State that is not trained (BatchNorm's running statistics) lives in
``net.buffer``, right after ``theta`` in ``net.state`` (``glassnet.packing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
from scipy.special import expit

from ._checks import Interval, ParamTypeError, ParamValueError, check_param
from ._gradviews import GradientViews, ParameterViews
from ._validation import check_finite, check_param_memory, issparse
from .activations import ACTIVATIONS, Activation, get_activation
from .layers import DROPOUT, WIDTH, BatchNorm, Dense, Dropout, Layer
from .losses import softmax
from .packing import buffer_entries, packed_slices, param_entries
from .registry import Registry
from .transforms import InputTransform, check_classes, check_input_transform

__all__ = ["Sequential", "mlp", "LAYERS"]

LAYERS = Registry("layer")
LAYERS.register("dense", Dense)
LAYERS.register("dropout", Dropout)
LAYERS.register("batchnorm", BatchNorm)
for _name in ACTIVATIONS.names():
    LAYERS.register(_name, ACTIVATIONS.get(_name))

# the constraints of the networks' arguments (glassnet._checks)
SEED = [Interval(Integral, 0, 2**32 - 1), None, np.random.RandomState]  # what RandomState takes
DTYPES = "float32 or float64"


def _check_dtype(dtype) -> np.dtype:
    """``dtype`` (a NumPy dtype, a type such as ``np.float32``, or a name) as a NumPy dtype,
    if it is float32 or float64. Not a ``_checks`` constraint, because the value must be
    converted before it can be compared; its errors are the module's all the same."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ParamTypeError("dtype", dtype, DTYPES) from None
    if dt.name not in ("float32", "float64"):
        raise ParamValueError("dtype", dtype, DTYPES)
    return dt


class Sequential:
    """A stack of layers applied in order.

    Parameters
    ----------
    layers : list of Layer
        For example ``[Dense(2, 3), Tanh(), Dense(3, 2)]``; the last layer's output
        is the network's output (logits for a classifier: the loss applies softmax).
    seed : int or None
        Seeds the ``numpy.random.RandomState`` that draws the initial weights (in
        layer order, as the post draws W1 then W2) and the dropout masks.
    dtype : float32 or float64
        Dtype of the parameters, gradients and computations.
    input_transform : InputTransform, its description (dict), or None
        Applied to the inputs before the first layer (``net.input_transform``), for
        example ``gn.Standardize(mean, scale)``: ``z0 = (x - mean) / scale``.
    classes : sequence of str or numbers, or None
        The label of each class (``net.classes_``).

    Attributes
    ----------
    theta, grad : ndarray of shape (n_params,)
        All parameters and their gradients, packed: what the optimizer, the gradient
        check and L-BFGS see.
    params, grads : dict of str -> ndarray
        Views into ``theta`` and ``grad`` named ``"<layer index>.<name>"`` ("0.W", "0.b", ...).
    slices : dict of str -> slice
        Where each parameter lies in ``theta``.
    buffer : ndarray of shape (n_buffer,)
        The layers' state that is not trained (BatchNorm's running statistics), packed;
        ``buffers`` names its views as ``params`` does (``"1.running_mean"``).
    state : ndarray of shape (n_params + n_buffer,)
        ``theta`` then ``buffer``, one vector (they are views into it): everything the
        predictions depend on, what a snapshot of the network copies.
    input_transform : InputTransform or None
        What ``forward`` does to the raw inputs before the first layer (see
        ``glassnet.transforms``); saved and loaded with the network, so that every door
        (Python, ``glassnet predict``, the playground's download) predicts from raw inputs.
    classes_ : ndarray of shape (n_classes,) or None
        The class labels: output ``j`` is the class ``classes_[j]`` (the labels of
        ``glassnet train``'s data, strings from a CSV), so
        ``net.classes_[net.predict_classes(X)]`` are the predicted labels. None: the
        classes are the output indices. Saved and loaded with the network.
    metadata : dict
        Free JSON-able notes saved with the model (the command line stores the feature
        names and the target column of the data it trained on).

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> net = gn.Sequential([gn.Dense(2, 3), gn.Tanh(), gn.Dense(3, 2)], seed=0)
    >>> list(net.params)
    ['0.W', '0.b', '2.W', '2.b']
    >>> net.forward(np.zeros((4, 2))).shape
    (4, 2)
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        seed=None,
        dtype=np.float64,
        input_transform: InputTransform | dict | None = None,
        classes=None,
    ):
        layers = _check_layers(layers)
        self.layers = layers
        self.seed = check_param("seed", seed, SEED)
        self.dtype = _check_dtype(dtype)
        self.rng = (
            seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(self.seed)
        )
        for layer in layers:
            layer.input_grad = True
            if isinstance(layer, Dropout):
                layer.rng = self.rng
        layers[0].input_grad = False
        self.metadata: dict = {}
        # the size is known before anything is allocated: refuse what cannot fit
        n_state = sum(e.size for e in param_entries(layers) + buffer_entries(layers))
        check_param_memory(n_state, self.dtype)
        self._allocate()
        self.input_transform = input_transform
        self.classes_ = classes
        self.initialize()

    # ---------------------------------------------------------------- storage
    def _allocate(self) -> None:
        params, buffers = param_entries(self.layers), buffer_entries(self.layers)
        n = sum(e.size for e in params)
        self.state = np.zeros(n + sum(e.size for e in buffers), dtype=self.dtype)
        self.theta, self.buffer = self.state[:n], self.state[n:]
        self.grad = np.zeros(n, dtype=self.dtype)
        self.n_weights = sum(e.size for e in params if e.penalized)
        self.slices = packed_slices(params)
        buffer_slices = packed_slices(buffers)
        # the dicts list each layer's entries together, in the layers' order
        params = sorted(params, key=lambda e: e.layer)
        self.params = {e.key: self.theta[self.slices[e.key]].reshape(e.shape) for e in params}
        self.grads = {e.key: self.grad[self.slices[e.key]].reshape(e.shape) for e in params}
        self.buffers = {e.key: self.buffer[buffer_slices[e.key]].reshape(e.shape) for e in buffers}
        for i, lay in enumerate(self.layers):
            lay.bind(
                {e.name: self.params[e.key] for e in params if e.layer == i},
                {e.name: self.grads[e.key] for e in params if e.layer == i},
            )
            lay.bind_buffers({e.name: self.buffers[e.key] for e in buffers if e.layer == i})
        self._n_in = next((w[0] for w in map(_widths, self.layers) if w is not None), None)
        self._w = self.theta[: self.n_weights]
        self._gw = self.grad[: self.n_weights]

    def initialize(self) -> None:
        """Draw fresh initial parameters from the network's random state (a parameter a
        layer rebinds, ``self.W = ...``, is copied into ``theta``: ``glassnet._gradviews``)."""
        views = ParameterViews(self)
        for layer in self.layers:
            layer.initialize(self.rng)
        views.gather()

    @property
    def n_params(self) -> int:
        """The number of trained parameters (``theta``'s size; buffers not counted)."""
        return self.theta.size

    @property
    def n_inputs(self) -> int:
        """The width of the raw inputs (the input transform's, if there is one)."""
        t = self._input_transform
        return t.n_in if t is not None else _sized_layers(self)[0].n_in

    @property
    def n_outputs(self) -> int:
        return _sized_layers(self)[-1].n_out

    @property
    def input_transform(self) -> InputTransform | None:
        return self._input_transform

    @input_transform.setter
    def input_transform(self, value) -> None:
        self._input_transform = check_input_transform(value, self._n_in)

    @property
    def classes_(self) -> np.ndarray | None:
        return self._classes

    @classes_.setter
    def classes_(self, value) -> None:
        self._classes = None if value is None else check_classes(value, self.n_outputs)

    def transform_input(self, X: np.ndarray) -> np.ndarray:
        """``X`` as the first layer sees it: ``input_transform(X)``, or ``X`` itself."""
        t = self._input_transform
        return X if t is None else t(X)

    def astype(self, dtype) -> Sequential:
        """Convert parameters and gradients to ``dtype`` in place; returns ``self``."""
        dtype = _check_dtype(dtype)
        if dtype != self.dtype:
            state = self.state
            self.dtype = dtype
            self._allocate()
            self.state[...] = state
        return self

    def clear_cache(self) -> None:
        """Drop what the layers cached for ``backward`` (the last batch and activations),
        so that a stored or pickled network carries no training data."""
        for layer in self.layers:
            for key, value in list(vars(layer).items()):
                if key.startswith("_") and isinstance(value, np.ndarray):
                    setattr(layer, key, None)

    def get_flat(self) -> np.ndarray:
        """A copy of the packed parameter vector."""
        return self.theta.copy()

    def set_flat(self, theta: np.ndarray) -> None:
        """Overwrite all parameters from a packed vector of shape (n_params,)."""
        theta = np.asarray(theta)
        if theta.shape != self.theta.shape:
            raise ValueError(f"theta must have shape {self.theta.shape}, got {theta.shape}")
        self.theta[...] = theta

    # ---------------------------------------------------------------- math
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """Outputs of shape (n, n_outputs) for raw inputs ``X`` of shape (n, n_inputs):
        the input transform (if any), then each layer in turn."""
        if not isinstance(X, np.ndarray) and not issparse(X):  # sparse: Dense takes it
            raise TypeError(f"X must be a NumPy array (np.asarray(X)), got {type(X).__name__}")
        t = self._input_transform
        n_in = self._n_in if t is None else t.n_in
        if n_in is not None and (X.ndim != 2 or X.shape[1] != n_in):
            raise ValueError(
                f"X must have shape (n_samples, {n_in}) for this network, got {X.shape}"
            )
        if t is not None:
            X = t(X)  # the model's own input scaling, e.g. z0 = (x - mean) / scale
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    _grad_views: GradientViews | None = None  # found at the first backward

    def backward(self, delta: np.ndarray) -> np.ndarray | None:
        """Back-propagate ``delta = dL/d out`` (n, n_outputs) through the layers, last
        to first; fills ``self.grad`` (and ``grads``) and returns the input's delta.

        A layer whose ``backward`` rebinds its gradient attribute (``self.dW = ...``)
        instead of writing into its view still trains: the new array is copied into
        ``self.grad``, with a warning the first time (``glassnet._gradviews``)."""
        views = self.gradient_views()
        for layer in reversed(self.layers):
            delta = layer.backward(delta)
        views.gather()
        return delta

    def gradient_views(self) -> GradientViews:
        """Which attribute of each layer holds which view into ``grad`` (built at the
        first call, and again after ``astype``); ``backward`` gathers through it."""
        views = self._grad_views
        if views is None or views.vector is not self.grad:  # the first, or after astype
            views = self._grad_views = GradientViews(self)
        return views

    def penalty(self, l2: float, l1: float = 0.0) -> float:
        """``l2/2 * sum ||W||^2 + l1 * sum |W|`` over every Dense weight matrix (biases
        are not penalised)."""
        w = self._w
        value = 0.5 * l2 * float(np.dot(w, w)) if l2 else 0.0
        if l1:
            value += l1 * float(np.abs(w).sum())
        return value

    def add_penalty_grad(self, l2: float, l1: float = 0.0) -> None:
        """Add ``l2 * W`` (and ``l1 * sign(W)``) to every weight gradient, in place.

        ``|w|`` has no derivative at 0; ``sign(0) = 0`` is the subgradient used there,
        so a weight that is exactly zero feels no L1 pull."""
        if l2:
            self._gw += l2 * self._w
        if l1:
            self._gw += l1 * np.sign(self._w)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities of shape (n, k): the softmax of the outputs, or for a single
        output (the logit ``z`` of ``BinaryCrossEntropy``) ``p = sigmoid(z)`` as the two
        columns ``[1 - p, p]``, so that the largest is ``predict_classes``'s class.

        Examples
        --------
        >>> import numpy as np
        >>> import glassnet as gn
        >>> net = gn.mlp([2, 3, 2], seed=0)
        >>> p = net.predict_proba(np.array([[0.0, 0.0], [1.0, -1.0]]))
        >>> p.shape, bool(np.allclose(p.sum(axis=1), 1))
        ((2, 2), True)
        """
        out = self.forward(self._finite_rows(X))
        if out.shape[1] == 1:
            p = expit(out[:, 0])
            return np.column_stack([1 - p, p])
        return softmax(out)

    def _finite_rows(self, X) -> np.ndarray:
        """``X`` in the network's dtype; NaN or inf would give NaN probabilities and,
        through ``argmax``, class 0: refused instead."""
        X = np.asarray(X, dtype=self.dtype)
        check_finite(X, "X")
        return X

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """The predicted class of each row: the largest output's index, or for a single
        output (a logit for ``BinaryCrossEntropy``) 1 where it is positive. The labels
        are ``net.classes_[net.predict_classes(X)]`` when the network has ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> import glassnet as gn
        >>> net = gn.mlp([2, 3, 2], seed=0)
        >>> X = np.array([[0.0, 0.0], [1.0, -1.0]])
        >>> bool(np.array_equal(net.predict_classes(X), net.predict_proba(X).argmax(axis=1)))
        True
        """
        out = self.forward(self._finite_rows(X))
        if out.shape[1] == 1:
            return (out[:, 0] > 0).astype(np.intp)
        return np.argmax(out, axis=1)

    # ---------------------------------------------------------------- description
    def get_config(self) -> dict:
        """A JSON-able description from which ``from_config`` rebuilds the architecture,
        with the input transform (``"input_transform"``) and the class labels
        (``"classes"``) when the network has them."""
        config = {
            "layers": [{"type": lay.name, **lay.get_config()} for lay in self.layers],
            "dtype": self.dtype.name,
            "seed": self.seed if isinstance(self.seed, int) else None,
        }
        if self._input_transform is not None:
            config["input_transform"] = self._input_transform.get_config()
        if self._classes is not None:
            config["classes"] = self._classes.tolist()
        return config

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        layers = []
        for spec in config["layers"]:
            spec = dict(spec)
            layers.append(LAYERS.create(spec.pop("type"), argname="layer type", **spec))
        return cls(
            layers,
            seed=config.get("seed"),
            dtype=config.get("dtype", "float64"),
            input_transform=config.get("input_transform"),
            classes=config.get("classes"),
        )

    def __getstate__(self):
        # the layers hold views into theta: pickle the description and the packed
        # vector, and rebuild the views on unpickling (pickle would copy each view apart)
        return {
            "config": self.get_config(),
            "theta": self.theta.copy(),
            "buffer": self.buffer.copy(),
            "metadata": self.metadata,
            "rng": self.rng.get_state(),
        }

    def __setstate__(self, state):
        net = Sequential.from_config(state["config"])
        self.__dict__.update(net.__dict__)
        self.theta[...] = state["theta"]
        self.buffer[...] = state["buffer"]
        self.metadata = state.get("metadata", {})
        self.rng.set_state(state["rng"])

    def copy(self) -> Sequential:
        """An independent network with the same architecture, parameters and buffers."""
        net = Sequential.from_config(self.get_config())
        net.state[...] = self.state
        net.metadata = dict(self.metadata)
        return net

    def summary(self) -> str:
        """One line per layer with its parameter count (and buffer size, if it has buffers)."""
        return _summary(self)

    def __repr__(self):
        inner = ", ".join(repr(lay) for lay in self.layers)
        return f"Sequential([{inner}], seed={self.seed!r}, dtype={self.dtype.name!r})"


def _check_layers(layers) -> list[Layer]:
    """``Sequential``'s ``layers``: a non-empty list of glassnet Layers whose fixed widths
    (``_widths``) fit each other."""
    layers = list(layers)
    if not layers:
        raise ValueError("layers must hold at least one layer, got an empty list")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"layers[{i}] must be a glassnet Layer, got {layer!r} of type "
                f"{type(layer).__name__}"
            )
    # the layers of a fixed width must fit each other
    sized = [(i, w) for i, w in enumerate(map(_widths, layers)) if w is not None]
    for (i, (_, gives)), (j, (takes, _)) in zip(sized, sized[1:]):
        if gives != takes:
            raise ValueError(
                f"layers[{j}] takes {takes} inputs but layers[{i}] gives {gives} outputs"
            )
    return layers


def _widths(layer) -> tuple[int, int] | None:
    """The widths ``(inputs, outputs)`` that a layer fixes: a Dense layer's, or those of a
    layer of your own with integer ``n_in`` and ``n_out`` attributes as Dense has; a
    BatchNorm's features, both ways; None for a layer of any width (an activation)."""
    if isinstance(layer, BatchNorm):
        return layer.n_features, layer.n_features
    if isinstance(layer, Dense) or _has_widths(layer):
        return layer.n_in, layer.n_out
    return None


def _has_widths(layer) -> bool:
    return all(isinstance(getattr(layer, a, None), Integral) for a in ("n_in", "n_out"))


def _sized_layers(net: Sequential) -> list[Layer]:
    """The layers that fix the widths of the inputs and outputs: the Dense layers, and
    a layer of your own with integer ``n_in`` and ``n_out`` attributes as Dense has."""
    dense = [lay for lay in net.layers if isinstance(lay, Dense) or _has_widths(lay)]
    if not dense:
        raise ValueError(f"the network has no Dense layer, so nothing to train: {net!r}")
    return dense


def _summary(net: Sequential) -> str:
    """``net.summary()``."""
    lines = []
    for i, lay in enumerate(net.layers):
        n = sum(p.size for key, p in net.params.items() if key.startswith(f"{i}."))
        b = sum(v.size for key, v in net.buffers.items() if key.startswith(f"{i}."))
        lines.append(f"{i:>3}  {lay!r:<40} params: {n}" + (f"  buffers: {b}" if b else ""))
    lines.append(f"total parameters: {net.n_params} ({net.dtype.name})")
    return "\n".join(lines)


def mlp(
    sizes: Sequence[int],
    activation="tanh",
    init="scaled_normal",
    dropout: float = 0.0,
    seed=None,
    dtype=np.float64,
    batch_norm: bool = False,
) -> Sequential:
    """A multi-layer perceptron ``Dense [-> BatchNorm] -> activation [-> Dropout] -> ... -> Dense``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first and output last: ``[2, 3, 2]`` is the post's network.
    activation : str, Activation, or a sequence of them (one per hidden layer)
    init : str or callable, the weight initializer of every Dense layer
    dropout : float in [0, 1), dropout after each hidden activation (0 = none)
    seed, dtype : see ``Sequential``
    batch_norm : bool, a ``BatchNorm`` between each hidden Dense layer and its activation

    The output layer has no activation: its outputs are logits for
    ``SoftmaxCrossEntropy`` or values for ``MeanSquaredError``.

    Examples
    --------
    >>> import glassnet as gn
    >>> net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
    >>> [type(layer).__name__ for layer in net.layers]
    ['Dense', 'Tanh', 'Dense']
    >>> net.n_params
    17
    """
    sizes = _check_sizes(sizes)
    dropout = check_param("dropout", dropout, DROPOUT)
    batch_norm = check_param("batch_norm", batch_norm, "boolean")
    n_hidden = len(sizes) - 2
    if isinstance(activation, (str, Activation, type)) or not hasattr(activation, "__iter__"):
        # one activation for every hidden layer
        activations = [activation] * n_hidden
    else:
        activations = list(activation)
        if len(activations) != n_hidden:
            raise ValueError(
                f"activation lists {len(activations)} entries but sizes={sizes!r} has "
                f"{n_hidden} hidden layers"
            )
    layers: list[Layer] = []
    for k in range(n_hidden):
        layers.append(Dense(sizes[k], sizes[k + 1], init=init))
        if batch_norm:
            layers.append(BatchNorm(sizes[k + 1]))
        act = get_activation(activations[k])
        # each layer needs its own instance: activations cache their outputs
        layers.append(type(act)(**act.get_config()))
        if dropout:
            layers.append(Dropout(dropout))
    layers.append(Dense(sizes[-2], sizes[-1], init=init))
    return Sequential(layers, seed=seed, dtype=dtype)


def _check_sizes(sizes) -> list[int]:
    """``mlp``'s ``sizes``: a list of at least two layer widths, each an integer >= 1."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise ParamTypeError("sizes", sizes, "a list of layer widths like [2, 3, 2]")
    if len(sizes) < 2:
        raise ParamValueError("sizes", sizes, "a list of at least two widths, input and output")
    return [check_param(f"sizes[{i}]", s, WIDTH) for i, s in enumerate(sizes)]
