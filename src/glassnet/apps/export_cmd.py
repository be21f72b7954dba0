"""``glassnet export MODEL.npz MODEL.onnx``: a saved model as an ONNX file."""

from __future__ import annotations

from ._common import UsageError, check_distinct_files, check_output_file

__all__ = ["add_export_arguments", "run_export"]

DTYPES = ("float32", "float64")


def add_export_arguments(p) -> None:
    p.add_argument(
        "model", metavar="MODEL", help="a model file from gn.save or glassnet train --save"
    )
    p.add_argument("onnx", metavar="ONNX", help="the ONNX file to write (MODEL.onnx, say)")
    p.add_argument(
        "--dtype",
        choices=DTYPES,
        help="the dtype of the graph's input and numbers (default: the model's)",
    )
    p.set_defaults(func=run_export)


def _shape(value_info) -> str:
    dims = [d.dim_param or str(d.dim_value) for d in value_info.type.tensor_type.shape.dim]
    return f"({', '.join(dims)}{',' if len(dims) == 1 else ''})"


def run_export(args) -> int:
    from ..export._extra import require
    from .predict_cmd import load_model

    check_output_file(args.onnx, "ONNX")
    check_distinct_files([("MODEL", args.model)], [("ONNX", args.onnx)])
    try:
        require("onnx")
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    model = load_model(args.model)
    from ..export import to_onnx

    proto = to_onnx(model, args.onnx, dtype=args.dtype)
    graph = proto.graph
    x = graph.input[0]
    outputs = ", ".join(f"{o.name} {_shape(o)}" for o in graph.output)
    dtype = "float32" if x.type.tensor_type.elem_type == 1 else "float64"
    print(f"wrote {args.onnx}: input {x.name} {_shape(x)} of {dtype}; outputs {outputs}")
    return 0
