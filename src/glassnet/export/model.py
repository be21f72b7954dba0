"""``gn.to_onnx``: a network or a fitted estimator as an ONNX model."""

from __future__ import annotations

import os
from pathlib import Path

from .._atomic import atomic_write
from ..estimators.net import NetClassifier, NetRegressor
from ..modelfile import check_save_path
from ..network import Sequential, _check_dtype
from ._extra import require
from .graph import OPSET, Graph
from .kinds import (
    check_model,
    classifier_nodes,
    model_task,
    output_types,
    regressor_nodes,
    sequential_nodes,
)

__all__ = ["to_onnx"]


def to_onnx(model, path: str | os.PathLike | None = None, *, dtype=None, task=None):
    """``model`` as an ONNX graph that predicts what glassnet predicts.

    The graph takes the raw inputs ``X`` of shape (n, n_inputs), applies the input
    transform the model carries (``Standardize``, ``Features``, ``Chain``), then each
    layer as at prediction time: dropout is left out and a ``BatchNorm`` after a ``Dense``
    layer is folded into it, with its running statistics. Its outputs:

    - ``Sequential``: ``label`` (n,), ``probabilities`` (n, k) and ``outputs``
      (n, n_outputs), as ``net.classes_[net.predict_classes(X)]`` (the class indices
      when ``net.classes_`` is None), ``net.predict_proba(X)`` and ``net.forward(X)``;
      for a regression network only ``outputs``.
    - ``NetClassifier``: ``label`` (n,) and ``probabilities`` (n, n_classes), as
      ``predict`` and ``predict_proba`` (skl2onnx's outputs for ``MLPClassifier``).
    - ``NetRegressor``: ``variable`` (n, n_outputs), as ``predict``.

    Labels are int64 for integer classes, strings for strings, float64 for floats.

    Parameters
    ----------
    model : Sequential, NetClassifier or NetRegressor (fitted)
    path : str or Path, optional
        Where to write the model (atomically); None writes nothing. As for ``gn.save``,
        the name is used as given (no suffix is added or checked; ``.onnx`` is the usual
        choice) and a file of that name is replaced.
    dtype : float32, float64 or None
        The dtype of the graph's input and numbers; None: the model's own. onnxruntime
        runs both; in float64 the activations it has float-only kernels for (ELU,
        Softplus) and LeakyReLU (whose ``alpha`` ONNX stores as float32) are written as
        their formulas.
    task : "classification", "regression" or None
        For a ``Sequential``: whether to add ``label`` and ``probabilities``. None: the
        task ``glassnet train`` noted in ``net.metadata``, else classification. An
        estimator's task is its own: None or that task (a ``ValueError`` otherwise).

    Returns
    -------
    onnx.ModelProto
        Checked with ``onnx.checker.check_model``; opset 17.

    Raises
    ------
    ImportError
        Without the ``onnx`` package: ``pip install "glassnet[onnx]"`` installs it.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> import onnxruntime as ort
    >>> net = gn.mlp([2, 8, 3], activation="relu", seed=0)
    >>> onx = gn.to_onnx(net)
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities', 'outputs']
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> X = np.array([[0.5, -1.0], [2.0, 0.0]])
    >>> label, proba, out = session.run(None, {"X": X})
    >>> bool(np.allclose(proba, net.predict_proba(X)))
    True
    >>> bool(np.array_equal(label, net.predict_classes(X)))
    True
    """
    onnx = require("onnx")
    check_model(model)
    net = model if isinstance(model, Sequential) else model.net_
    g = Graph(net.dtype if dtype is None else _check_dtype(dtype))
    task = model_task(model, task)
    if path is not None:
        path = check_save_path(path)
    x = g.name("X")
    classes = model.classes_ if not isinstance(model, NetRegressor) else None
    types = output_types(model, task, g, classes)
    outs = {name: g.name(name) for name in types}
    if isinstance(model, NetClassifier):
        classifier_nodes(g, x, model, classes, outs["label"], outs["probabilities"])
    elif isinstance(model, NetRegressor):
        regressor_nodes(g, x, model, outs["variable"])
    else:
        sequential_nodes(g, x, model, task, outs)
    proto = _model_proto(onnx, g, x, net.n_inputs, types, f"glassnet {type(model).__name__}")
    onnx.checker.check_model(proto)
    if path is not None:
        data = proto.SerializeToString()
        atomic_write(Path(path), lambda fh: fh.write(data))
    return proto


def _model_proto(onnx, g: Graph, x: str, n_inputs: int, types: dict, doc: str):
    """The ONNX model of the graph ``g``: input ``x`` (N, n_inputs), outputs ``types``."""
    from .. import __version__

    helper = onnx.helper
    inputs = [helper.make_tensor_value_info(x, g.elem_type, ["N", n_inputs])]
    outputs = [helper.make_tensor_value_info(k, t, shape) for k, (t, shape) in types.items()]
    graph = helper.make_graph(g.nodes, "glassnet", inputs, outputs, g.initializers, doc_string=doc)
    opsets = [helper.make_opsetid("", OPSET)]
    return helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),  # what older runtimes read
        producer_name="glassnet",
        producer_version=__version__,
    )
