"""The skl2onnx converters of ``NetClassifier`` and ``NetRegressor``, so that
``skl2onnx.to_onnx`` converts a pipeline (``make_pipeline(StandardScaler(),
NetClassifier())``, a ``GridSearchCV``'s best estimator) that holds one.

They write the nodes of ``gn.to_onnx`` (``glassnet.export.kinds``) into skl2onnx's
container and follow its conventions for classifiers, as for ``MLPClassifier``: the outputs
``label`` and ``probabilities`` (turned into a list of dicts by ``ZipMap`` unless the
option ``zipmap`` is False), labels as int64 or strings, the options ``zipmap`` and
``nocl`` (labels are the class indices). The graph's numbers are float64 when the input
is, else float32.
"""

from __future__ import annotations

import numpy as np

from ..estimators.net import NetClassifier, NetRegressor
from ._extra import require
from .graph import Graph
from .kinds import check_model, classifier_nodes, regressor_nodes

__all__ = ["register_skl2onnx"]

MIN_OPSET = 13  # the ops' forms used (Softmax over one axis, Slice's inputs) are there


class _ContainerGraph(Graph):
    """A ``Graph`` whose nodes and constants go into skl2onnx's container."""

    def __init__(self, scope, container, dtype):
        super().__init__(dtype)
        self.scope, self.container = scope, container

    def name(self, prefix: str) -> str:
        return self.scope.get_unique_variable_name(prefix)

    def _add_constant(self, name: str, arr: np.ndarray) -> None:
        from onnx import TensorProto, numpy_helper

        if arr.dtype.kind == "U":  # skl2onnx copies a tensor's raw bytes, which strings lack
            values = [s.encode("utf-8") for s in arr.ravel()]
            self.container.add_initializer(name, TensorProto.STRING, list(arr.shape), values)
        else:
            self.container.add_initializer(name, None, None, numpy_helper.from_array(arr, name))

    def _add_node(self, op_type: str, inputs: list, out: str, attrs: dict) -> None:
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, inputs, [out], name=name, **attrs)


def _graph(scope, operator, container) -> tuple[_ContainerGraph, str]:
    """The graph, float64 for a float64 input (else float32), and its input cast to it."""
    from skl2onnx.common.data_types import DoubleTensorType

    if container.target_opset < MIN_OPSET:
        raise ValueError(
            f"target_opset must be >= {MIN_OPSET} to convert a glassnet estimator, got "
            f"{container.target_opset}"
        )
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    g = _ContainerGraph(scope, container, np.float64 if double else np.float32)
    return g, g.op("Cast", operator.inputs[0].full_name, to=g.elem_type)


def _skl2onnx_labels(classes) -> np.ndarray:
    """The labels as skl2onnx types them (its shape calculator): strings, or int64 for
    numbers (scikit-learn takes float labels only when they are whole numbers)."""
    arr = np.asarray(classes)
    return arr.astype(str) if arr.dtype.kind in "OU" else arr.astype(np.int64)


def _convert_classifier(scope, operator, container) -> None:
    from skl2onnx.common.utils_classifier import get_label_classes

    clf = operator.raw_operator
    g, x = _graph(scope, operator, container)
    classes = _skl2onnx_labels(get_label_classes(scope, clf))  # indices with nocl
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    classifier_nodes(g, x, clf, classes, label, proba)


def _convert_regressor(scope, operator, container) -> None:
    g, x = _graph(scope, operator, container)
    regressor_nodes(g, x, operator.raw_operator, operator.outputs[0].full_name)


def _classifier_shapes(operator) -> None:
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    check_model(operator.raw_operator)
    calculate_linear_classifier_output_shapes(operator)


def _regressor_shapes(operator) -> None:
    """``variable``: (N, n_outputs), float64 for a float64 input, else float32."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    from skl2onnx.common.utils import check_input_and_output_numbers

    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    reg = operator.raw_operator
    check_model(reg)
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    kind = DoubleTensorType if double else FloatTensorType
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = kind([n, reg.n_outputs_])


def register_skl2onnx() -> None:
    """Register the converters of ``NetClassifier`` and ``NetRegressor`` with skl2onnx
    (``update_registered_converter``); importing ``glassnet.export`` already does.

    Calling it again does no harm. After it, ``skl2onnx.to_onnx`` converts pipelines and
    searches that hold the estimators; a classifier takes the options ``zipmap`` (True,
    False or "columns") and ``nocl``, as ``MLPClassifier`` does.

    Raises
    ------
    ImportError
        Without skl2onnx: ``pip install "glassnet[onnx]"`` installs it.
    """
    skl2onnx = require("skl2onnx")
    skl2onnx.update_registered_converter(
        NetClassifier,
        "GlassnetNetClassifier",
        _classifier_shapes,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    skl2onnx.update_registered_converter(
        NetRegressor, "GlassnetNetRegressor", _regressor_shapes, _convert_regressor
    )
