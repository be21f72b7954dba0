"""What each kind of model exports: its graph's outputs and the nodes that compute them.

================  =========================================================================
model             outputs (n rows)
================  =========================================================================
Sequential        ``label`` (n,), ``probabilities`` (n, k) and ``outputs`` (n, n_outputs),
(classification)  as ``net.classes_[net.predict_classes(X)]`` (the indices without
                  ``classes_``), ``net.predict_proba(X)`` and ``net.forward(X)``
Sequential        ``outputs`` (n, n_outputs), as ``net.forward(X)``
(regression)
NetClassifier     ``label`` (n,) and ``probabilities`` (n, n_classes), as ``predict`` and
                  ``predict_proba`` (skl2onnx's names for ``MLPClassifier``)
NetRegressor      ``variable`` (n, n_outputs), as ``predict`` (skl2onnx's name for
                  ``MLPRegressor``; one column for one output)
================  =========================================================================
"""

from __future__ import annotations

import numpy as np

from ..estimators.net import NetClassifier, NetRegressor
from ..network import Sequential
from .graph import INT64, Graph, label_array, labels, network_nodes, probabilities

__all__ = [
    "check_model",
    "model_task",
    "classifier_nodes",
    "regressor_nodes",
    "sequential_nodes",
    "TASKS",
]

TASKS = ("classification", "regression")


def check_model(model) -> None:
    """Refuse, with what to do, a model that cannot be exported."""
    if isinstance(model, Sequential):
        return
    if not isinstance(model, (NetClassifier, NetRegressor)):
        raise TypeError(
            "model must be a glassnet Sequential, NetClassifier or NetRegressor, got "
            f"{type(model).__name__}"
        )
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "net_")
    if isinstance(model, NetClassifier):
        y_type = model._label_binarizer.y_type_
        if y_type == "multilabel-indicator":
            raise ValueError(
                "cannot export a NetClassifier fitted on multilabel targets: ONNX export "
                "knows one label per row"
            )
        if len(model.classes_) < 2:
            raise ValueError(
                f"cannot export a NetClassifier fitted on one class ({model.classes_[0]!r}): "
                "it has nothing to choose"
            )


def model_task(model, task) -> str:
    """The task whose outputs ``model``'s graph has. A ``Sequential``'s is ``task`` as given,
    or the one ``glassnet train`` noted in its metadata, or classification; an estimator's
    is its own (classification for a ``NetClassifier``), and a ``task`` that says
    otherwise is refused rather than ignored."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be None, 'classification' or 'regression', got {task!r}")
    if isinstance(model, Sequential):
        noted = (model.metadata or {}).get("task")
        return task or (noted if noted in TASKS else "classification")
    own = "classification" if isinstance(model, NetClassifier) else "regression"
    if task not in (None, own):
        raise ValueError(
            f"task={task!r} contradicts the {type(model).__name__}, whose graph does {own}: "
            "leave task=None (task chooses the outputs of a Sequential)"
        )
    return own


def sequential_nodes(g: Graph, x: str, net: Sequential, task: str, outs: dict) -> None:
    """The nodes of a network: ``outs["outputs"]`` and, for classification,
    ``outs["probabilities"]`` and ``outs["label"]``."""
    z = network_nodes(g, x, net)
    g.op("Identity", z, out=outs["outputs"])
    if task == "classification":
        n, kind = net.n_outputs, "softmax" if net.n_outputs > 1 else "logistic"
        probabilities(g, z, n, kind, out=outs["probabilities"])
        # predict_classes: the largest output, or a positive single logit
        labels(g, z, net.classes_, outs["label"], logit=n == 1)


def classifier_nodes(g: Graph, x: str, clf: NetClassifier, classes, label: str, proba: str):
    """``predict_proba`` into ``proba`` and ``predict`` into ``label``: the estimator's
    labels are ``classes[argmax of the probabilities]``, as its label binarizer reads
    them (for two classes on one logistic output, ``p > 1 - p``, which is ``p > 0.5``)."""
    z = network_nodes(g, x, clf.net_)
    p = probabilities(g, z, clf.n_outputs_, clf.out_activation_, out=proba)
    labels(g, p, classes, label)


def regressor_nodes(g: Graph, x: str, reg: NetRegressor, out: str) -> None:
    """``predict`` (as a column for one output) into ``out``: ``exp(z)`` for the Poisson
    loss (``out_activation_ = "exp"``), else the outputs themselves."""
    z = network_nodes(g, x, reg.net_)
    if reg.out_activation_ == "exp":
        g.op("Exp", z, out=out)
    else:
        g.op("Identity", z, out=out)


def output_types(model, task: str | None, g: Graph, classes) -> dict:
    """``{output name: (ONNX element type, shape)}`` of a model's graph, in order."""
    if isinstance(model, NetRegressor):
        return {"variable": (g.elem_type, ["N", model.n_outputs_])}
    label = (INT64 if classes is None else _elem_type(label_array(classes)), ["N"])
    if isinstance(model, NetClassifier):
        return {"label": label, "probabilities": (g.elem_type, ["N", len(model.classes_)])}
    outputs = (g.elem_type, ["N", model.n_outputs])
    if task == "regression":
        return {"outputs": outputs}
    k = max(model.n_outputs, 2)  # one logit: two probabilities
    return {"label": label, "probabilities": (g.elem_type, ["N", k]), "outputs": outputs}


def _elem_type(arr: np.ndarray) -> int:
    """ONNX's element type of the labels ``arr``."""
    from onnx import TensorProto, helper

    if arr.dtype.kind == "U":
        return TensorProto.STRING
    return helper.np_dtype_to_tensor_dtype(arr.dtype)
