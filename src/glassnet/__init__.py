"""glassnet: neural networks from scratch on NumPy, every step of the math in view.

The engine (layers, activations, losses, init, network, optim, schedules, gradcheck,
layercheck, modelfile) sits at the top of the package; training lives in ``glassnet.train``, the
scikit-learn estimators in ``glassnet.estimators``, data in ``glassnet.data``, pictures in
``glassnet.viz``, graded exercises for learners (``gn.learn.check``) and ``gn.explain`` (one
step with its numbers) in ``glassnet.learn``, ONNX export in ``glassnet.export``
(``gn.to_onnx``) and the command line, playground and benchmarks in ``glassnet.apps``.

The engine names things as the post does. ``z`` is a layer's weighted input and ``a``
its activation; ``delta`` is the derivative of the loss with respect to a layer's output
(``dL/d out``, the post's ``delta3`` and ``delta2``): ``layer.backward(delta)`` takes it
and returns the delta of the layer's input for the layer below. ``dW`` and ``db`` are a
parameter's gradients (the post's ``dW1``, ``db1``); ``grad`` is only ever the packed
vector of all of them (``net.grad``), as ``theta`` is the packed vector of the
parameters. ``gn.explain`` numbers the deltas as the post does, from its input layer:
``delta{k+1} = dL/dz{k}``, the delta that the k-th Dense layer's ``backward`` takes
(``delta3 = dL/dz2`` and ``delta2 = dL/dz1`` for the post's network).

``import glassnet as gn`` is instant: each public name below is imported from its module
the first time it is used (PEP 562, as SciPy does), so a command line starts at once and
scikit-learn and matplotlib load only with the names that need them.
"""

from importlib import import_module as _import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# the public names, grouped by the module that defines them
_PUBLIC = {
    "glassnet.layers": ["Layer", "Dense", "Dropout", "BatchNorm", "ParamSpec", "BufferSpec"],
    "glassnet.activations": ["Tanh", "Sigmoid", "ReLU", "LeakyReLU", "ELU", "Softplus", "Identity"],
    "glassnet.losses": ["SoftmaxCrossEntropy", "BinaryCrossEntropy", "MeanSquaredError"],
    "glassnet.network": ["Sequential", "mlp"],
    "glassnet.transforms": ["Standardize", "Features", "Chain", "fold_output_scaling"],
    "glassnet.optim": ["SGD", "Adam", "RMSProp", "Adagrad", "LBFGS"],
    "glassnet.schedules": [
        "Constant",
        "StepDecay",
        "Exponential",
        "InverseTime",
        "CosineWarmup",
        "ReduceOnPlateau",
    ],
    "glassnet.gradcheck": ["check_gradients"],
    "glassnet.layercheck": ["check_layer"],
    "glassnet.modelfile": ["save", "load", "ModelFileError"],
    "glassnet.train.fit": ["fit", "evaluate"],
    "glassnet.train.callbacks": [
        "History",
        "Callback",
        "LambdaCallback",
        "EarlyStopping",
        "ModelCheckpoint",
    ],
    "glassnet.train.diagnostics": ["DivergenceError", "OscillationWarning"],
    "glassnet.train.resume": ["resume"],
    "glassnet.train.monitor": ["Monitor"],
    "glassnet.train.doctor": ["diagnose"],
    "glassnet.learn.explain": ["explain"],
    "glassnet.estimators": ["NetClassifier", "NetRegressor"],  # scikit-learn
    "glassnet.export": ["to_onnx"],  # needs the onnx extra
}
_MODULES = {
    "datasets": "glassnet.data.datasets",
    "plotting": "glassnet.viz.plotting",
    "learn": "glassnet.learn",  # the graded exercises (gn.learn.check)
    "export": "glassnet.export",  # ONNX (gn.export.register_skl2onnx)
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = [*_WHERE, "__version__"]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(_import_module(_WHERE[name]), name)
    elif name in _MODULES:
        value = _import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
    globals()[name] = value  # the next use is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE) | set(_MODULES))


if TYPE_CHECKING:  # what static tools and editors see
    from . import export, learn
    from .activations import ELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
    from .data import datasets
    from .estimators import NetClassifier, NetRegressor
    from .export import to_onnx
    from .gradcheck import check_gradients
    from .layercheck import check_layer
    from .layers import BatchNorm, BufferSpec, Dense, Dropout, Layer, ParamSpec
    from .learn.explain import explain
    from .losses import BinaryCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy
    from .modelfile import ModelFileError, load, save
    from .network import Sequential, mlp
    from .optim import LBFGS, SGD, Adagrad, Adam, RMSProp
    from .schedules import (
        Constant,
        CosineWarmup,
        Exponential,
        InverseTime,
        ReduceOnPlateau,
        StepDecay,
    )
    from .train.callbacks import Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint
    from .train.diagnostics import DivergenceError, OscillationWarning
    from .train.doctor import diagnose
    from .train.fit import evaluate, fit
    from .train.monitor import Monitor
    from .train.resume import resume
    from .transforms import Standardize
    from .viz import plotting

del TYPE_CHECKING  # only the public names, __version__ and the submodules are glassnet's
