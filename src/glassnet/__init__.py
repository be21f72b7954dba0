"""glassnet: neural networks from scratch on NumPy, every step of the math in view.

The engine (layers, activations, losses, init, network, optim, schedules, gradcheck,
modelfile) sits at the top of the package; training lives in ``glassnet.train``, the
scikit-learn estimators in ``glassnet.estimators``, data in ``glassnet.data``, pictures in
``glassnet.viz`` and the command line, playground and benchmarks in ``glassnet.apps``.
Importing ``glassnet`` loads NumPy and the engine only: scikit-learn and matplotlib are
imported the first time a name that needs them is used.
"""

import importlib

from .activations import ELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .gradcheck import check_gradients
from .layers import BatchNorm, Dense, Dropout, Layer
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

__version__ = "0.1.0"

# names whose modules import scikit-learn or matplotlib: loaded on first use (PEP 562)
_LAZY = {
    "NetClassifier": ("glassnet.estimators", "NetClassifier"),
    "NetRegressor": ("glassnet.estimators", "NetRegressor"),
    "datasets": ("glassnet.data.datasets", None),
    "plotting": ("glassnet.viz.plotting", None),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'glassnet' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    # layers and activations
    "Layer",
    "Dense",
    "Dropout",
    "BatchNorm",
    "Tanh",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softplus",
    "Identity",
    # losses
    "SoftmaxCrossEntropy",
    "BinaryCrossEntropy",
    "MeanSquaredError",
    # networks
    "Sequential",
    "mlp",
    # optimizers and schedules
    "SGD",
    "Adam",
    "RMSProp",
    "Adagrad",
    "LBFGS",
    "Constant",
    "StepDecay",
    "Exponential",
    "InverseTime",
    "CosineWarmup",
    "ReduceOnPlateau",
    # training
    "fit",
    "evaluate",
    "check_gradients",
    "History",
    "Callback",
    "LambdaCallback",
    "EarlyStopping",
    "ModelCheckpoint",
    "DivergenceError",
    "OscillationWarning",
    "resume",
    "Monitor",
    "diagnose",
    # model files
    "save",
    "load",
    "ModelFileError",
    # scikit-learn estimators (lazy)
    "NetClassifier",
    "NetRegressor",
    "__version__",
]
