"""A glassnet network as ONNX nodes, one formula at a time.

``network_nodes`` writes what ``Sequential.forward`` computes at prediction time: the
input transform (``Standardize``: ``Sub`` then ``Div``; ``Features``: ``Slice``, ``Mul``,
``Sin`` and ``Concat``; ``Chain``: its steps in order), then each layer::

    Dense        z = x @ W + b                        MatMul, Add
    BatchNorm    y = gamma (x - mean) / sqrt(var + eps) + beta, with the running
                 statistics; folded into the Dense layer before it when there is one
                 (W' = W * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps)),
                 else BatchNormalization
    Dropout      nothing: it changes nothing at prediction time
    activations  Tanh, Sigmoid, Relu, LeakyRelu, Elu, Softplus, Identity

``probabilities`` and ``labels`` write the heads that turn the outputs into class
probabilities and labels. Everything goes through a ``Graph``, which names the values and
holds the constants; the standalone exporter (``glassnet.export.model``) makes an ONNX
model of it, and the skl2onnx converter (``glassnet.export.converter``) writes the same
nodes into skl2onnx's container, so that both give one graph for one network.
"""

from __future__ import annotations

import numpy as np

from ..activations import ELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from ..layers import BatchNorm, Dense, Dropout
from ..transforms import Chain, Features, Standardize

__all__ = ["Graph", "network_nodes", "probabilities", "labels", "label_array", "OPSET"]

OPSET = 17  # the ai.onnx opset the graphs are written for (every op below exists there)

# ONNX's element types (onnx.TensorProto's numbers), so this module needs no onnx import
FLOAT, DOUBLE, INT64 = 1, 11, 7


class Graph:
    """The nodes and constants of a graph being written, each value with a unique name.

    Parameters
    ----------
    dtype : float32 or float64
        The dtype of the graph's numbers: constants that are floats are stored in it.
    """

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self.nodes: list = []
        self.initializers: list = []
        self._names: set[str] = set()

    @property
    def elem_type(self) -> int:
        """ONNX's number of the graph's dtype (1 float, 11 double)."""
        return FLOAT if self.dtype == np.float32 else DOUBLE

    def name(self, prefix: str) -> str:
        """A name no value of the graph has yet: ``prefix``, ``prefix_1``, ..."""
        name, i = prefix, 0
        while name in self._names:
            i += 1
            name = f"{prefix}_{i}"
        self._names.add(name)
        return name

    def const(self, prefix: str, value, exact: bool = False) -> str:
        """A constant holding ``value``, floats in the graph's dtype (in their own with
        ``exact``); returns its name."""
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and not exact:
            arr = arr.astype(self.dtype)
        name = self.name(prefix)
        self._add_constant(name, arr)
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs) -> str:
        """A node ``op_type(inputs)`` with ONNX attributes ``attrs``; returns its output,
        named ``out`` if given."""
        out = out if out is not None else self.name(op_type.lower())
        self._add_node(op_type, list(inputs), out, attrs)
        return out

    # the two ways of storing them: here as ONNX protos, or skl2onnx's container
    def _add_constant(self, name: str, arr: np.ndarray) -> None:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(arr, name))

    def _add_node(self, op_type: str, inputs: list, out: str, attrs: dict) -> None:
        from onnx import helper

        node = helper.make_node(op_type, inputs, [out], name=self.name(f"{op_type}_node"), **attrs)
        self.nodes.append(node)


# ------------------------------------------------------------------ input transforms
def _standardize(g: Graph, x: str, t: Standardize) -> str:
    """``z0 = (x - mean) / scale``, in float64 as glassnet computes it (``mean`` and
    ``scale`` unrounded), then in the graph's dtype."""
    x64 = x if g.dtype == np.float64 else g.op("Cast", x, to=DOUBLE)
    mean, scale = g.const("mean", t.mean, exact=True), g.const("scale", t.scale, exact=True)
    z0 = g.op("Div", g.op("Sub", x64, mean), scale)
    return z0 if g.dtype == np.float64 else g.op("Cast", z0, to=FLOAT)


# each named column of ``Features`` from the columns x1 and x2, as transforms.FEATURES
# computes them (a test checks that every name there has its nodes here)
_FEATURE_NODES = {
    "x1": lambda g, x1, x2: x1,
    "x2": lambda g, x1, x2: x2,
    "x1^2": lambda g, x1, x2: g.op("Mul", x1, x1),
    "x2^2": lambda g, x1, x2: g.op("Mul", x2, x2),
    "x1*x2": lambda g, x1, x2: g.op("Mul", x1, x2),
    "sin(x1)": lambda g, x1, x2: g.op("Sin", x1),
    "sin(x2)": lambda g, x1, x2: g.op("Sin", x2),
}


def _column(g: Graph, x: str, j: int) -> str:
    """``x[:, j:j+1]``, shape (n, 1)."""
    starts, ends, axes = g.const("start", [j]), g.const("end", [j + 1]), g.const("axis", [1])
    return g.op("Slice", x, starts, ends, axes)


def _features(g: Graph, x: str, t: Features) -> str:
    """``[x1, x2, x1^2, ...]``: each named column of (x1, x2), side by side."""
    x1, x2 = _column(g, x, 0), _column(g, x, 1)
    columns = [_FEATURE_NODES[name](g, x1, x2) for name in t.features]
    return columns[0] if len(columns) == 1 else g.op("Concat", *columns, axis=1)


def transform_nodes(g: Graph, x: str, t) -> str:
    """The input transform ``t`` applied to ``x``."""
    if isinstance(t, Standardize):
        return _standardize(g, x, t)
    if isinstance(t, Features):
        return _features(g, x, t)
    if isinstance(t, Chain):
        for step in t.steps:
            x = transform_nodes(g, x, step)
        return x
    raise TypeError(
        f"cannot export the input transform {t!r}: ONNX export knows Standardize, Features "
        "and Chain"
    )


# ------------------------------------------------------------------ layers
def _elu(g: Graph, x: str, alpha: float) -> str:
    if g.dtype == np.float32:
        return g.op("Elu", x, alpha=alpha)
    # onnxruntime's Elu is float-only: a = z if z > 0 else alpha (exp(min(z, 0)) - 1)
    neg = g.op("Exp", g.op("Min", x, g.const("zero", 0.0)))
    neg = g.op("Mul", g.const("alpha", alpha), g.op("Sub", neg, g.const("one", 1.0)))
    return g.op("Where", g.op("Greater", x, g.const("zero", 0.0)), x, neg)


def _leaky_relu(g: Graph, x: str, alpha: float) -> str:
    if g.dtype == np.float32:
        return g.op("LeakyRelu", x, alpha=alpha)
    # LeakyRelu's alpha is a float32 attribute: a = z if z > 0 else alpha z, alpha exact
    scaled = g.op("Mul", x, g.const("alpha", alpha))
    return g.op("Where", g.op("Greater", x, g.const("zero", 0.0)), x, scaled)


def _softplus(g: Graph, x: str) -> str:
    if g.dtype == np.float32:
        return g.op("Softplus", x)
    # onnxruntime's Softplus is float-only: log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|))
    tail = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    return g.op("Add", g.op("Relu", x), g.op("Log", g.op("Add", g.const("one", 1.0), tail)))


# each activation of glassnet.activations (its very class, not a subclass that may
# compute something else): (graph, x, layer) -> its output
ACTIVATION_NODES = {
    Tanh: lambda g, x, layer: g.op("Tanh", x),
    Sigmoid: lambda g, x, layer: g.op("Sigmoid", x),
    ReLU: lambda g, x, layer: g.op("Relu", x),
    LeakyReLU: lambda g, x, layer: _leaky_relu(g, x, float(layer.alpha)),
    ELU: lambda g, x, layer: _elu(g, x, float(layer.alpha)),
    Softplus: lambda g, x, layer: _softplus(g, x),
    Identity: lambda g, x, layer: x,
}


def _batchnorm_scale(bn: BatchNorm) -> tuple[np.ndarray, np.ndarray]:
    """``(s, t)`` with ``BatchNorm(x) = x * s + t`` at prediction time, in float64:
    ``s = gamma / sqrt(running_var + eps)``, ``t = beta - running_mean * s``."""
    s = bn.gamma.astype(np.float64) / np.sqrt(bn.running_var.astype(np.float64) + bn.eps)
    return s, bn.beta - bn.running_mean.astype(np.float64) * s


def _dense(g: Graph, x: str, layer: Dense, bn: BatchNorm | None) -> str:
    """``z = x @ W + b``, with the BatchNorm that follows it (if any) folded in."""
    W, b = layer.W.astype(np.float64), layer.b.astype(np.float64)
    if bn is not None:
        s, t = _batchnorm_scale(bn)
        W, b = W * s, b * s + t  # (x @ W + b) * s + t
    return g.op("Add", g.op("MatMul", x, g.const("W", W)), g.const("b", b))


def _batchnorm(g: Graph, x: str, bn: BatchNorm) -> str:
    """A BatchNorm with no Dense layer before it to fold into."""
    consts = [g.const(k, getattr(bn, k)) for k in ("gamma", "beta", "running_mean", "running_var")]
    return g.op("BatchNormalization", x, *consts, epsilon=float(bn.eps))


def layer_nodes(g: Graph, x: str, layers) -> str:
    """Each layer of ``layers`` in turn, as at prediction time (no dropout)."""
    folded = set()  # the BatchNorm layers folded into the Dense layer before them
    for i, layer in enumerate(layers):
        if i in folded:
            continue
        if isinstance(layer, Dense):
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            bn = nxt if isinstance(nxt, BatchNorm) else None
            if bn is not None:
                folded.add(i + 1)
            x = _dense(g, x, layer, bn)
        elif isinstance(layer, BatchNorm):
            x = _batchnorm(g, x, layer)
        elif isinstance(layer, Dropout):
            pass  # inverted dropout: the identity at prediction time
        elif type(layer) in ACTIVATION_NODES:
            x = ACTIVATION_NODES[type(layer)](g, x, layer)
        else:
            known = ", ".join(cls.__name__ for cls in ACTIVATION_NODES)
            raise TypeError(
                f"cannot export layers[{i}] = {layer!r}: ONNX export knows Dense, BatchNorm, "
                f"Dropout and the activations {known}"
            )
    return x


def network_nodes(g: Graph, x: str, net) -> str:
    """``net.forward(x)`` at prediction time: the outputs ``z``, shape (n, n_outputs)."""
    if net.input_transform is not None:
        x = transform_nodes(g, x, net.input_transform)
    return layer_nodes(g, x, net.layers)


# ------------------------------------------------------------------ heads
def probabilities(g: Graph, z: str, n_outputs: int, kind: str, out: str | None = None) -> str:
    """Class probabilities (n, k) from the outputs ``z``: ``kind`` "softmax" is the
    softmax of each row; "logistic" with one output is ``p = sigmoid(z)`` as the two
    columns ``[1 - p, p]``, as ``predict_proba`` gives them."""
    if kind == "softmax":
        return g.op("Softmax", z, axis=1, out=out)
    if kind != "logistic" or n_outputs != 1:
        raise ValueError(f"no probabilities for {n_outputs} {kind} output(s)")
    p = g.op("Sigmoid", z)
    return g.op("Concat", g.op("Sub", g.const("one", 1.0), p), p, axis=1, out=out)


def label_array(classes) -> np.ndarray:
    """The class labels as an array an ONNX tensor holds: integers as int64 (and booleans
    as themselves), floats as float64, strings as str."""
    arr = np.asarray(classes)
    if arr.dtype == object and all(isinstance(c, str) for c in arr):
        arr = arr.astype(str)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind in "bUf":
        return arr.astype(np.float64) if arr.dtype.kind == "f" else arr
    raise TypeError(
        f"cannot export classes_ of dtype {arr.dtype}: an ONNX label is a number or a "
        "string; train on integer or string labels"
    )


def labels(g: Graph, scores: str, classes, out: str, logit: bool = False) -> str:
    """The label of each row, shape (n,): the index of the largest of ``scores`` (or,
    with ``logit``, 1 where the single output is > 0, as ``predict_classes``), then
    ``classes[index]`` when there are ``classes``."""
    if logit:
        positive = g.op("Greater", scores, g.const("zero", 0.0))
        index = g.op("Reshape", g.op("Cast", positive, to=INT64), g.const("flat", [-1]))
    else:
        index = g.op("ArgMax", scores, axis=1, keepdims=0)
    if classes is None:
        return g.op("Identity", index, out=out)
    table = g.const("classes", label_array(classes), exact=True)
    return g.op("Gather", table, index, axis=0, out=out)
