"""ONNX export: ``gn.to_onnx(model, path)`` for networks and estimators, and the converters
that let skl2onnx convert pipelines holding ``NetClassifier``/``NetRegressor``.

Importing this package (which ``gn.to_onnx`` does) registers the converters with
skl2onnx when skl2onnx is installed; ``register_skl2onnx()`` does it explicitly (and says
how to install skl2onnx when it is missing). ``onnx``, ``onnxruntime`` and ``skl2onnx`` are
the ``onnx`` extra: ``pip install "glassnet[onnx]"``.
"""

from .converter import register_skl2onnx
from .model import to_onnx

__all__ = ["to_onnx", "register_skl2onnx"]

try:
    register_skl2onnx()
except ImportError:  # without skl2onnx there is nothing to register with
    pass
