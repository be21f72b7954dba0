"""The optional packages of ONNX export, with one message when one is missing."""

from __future__ import annotations

import importlib

__all__ = ["require", "INSTALL"]

INSTALL = 'pip install "glassnet[onnx]"'


def require(module: str):
    """``module`` (onnx, onnxruntime or skl2onnx) imported, or an ImportError that says
    how to install the ``onnx`` extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"ONNX export needs {module}, which could not be imported ({exc}): install the "
            f"onnx extra (onnx, onnxruntime and skl2onnx) with {INSTALL}",
            name=module,
        ) from exc
