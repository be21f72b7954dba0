"""glassnet: neural networks from scratch on NumPy, every step of the math in view."""

from . import estimator_io  # noqa: F401  (registers the estimators with save/load)
from .activations import ELU, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .callbacks import Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint
from .checkpoint import resume
from .diagnostics import DivergenceError, OscillationWarning
from .estimators import NetClassifier, NetRegressor
from .gradcheck import check_gradients
from .io import ModelFileError, load, save
from .layers import Dense, Dropout, Layer
from .losses import BinaryCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy
from .network import Sequential, mlp
from .optim import LBFGS, SGD, Adam, RMSProp
from .schedules import (
    Constant,
    CosineWarmup,
    Exponential,
    InverseTime,
    ReduceOnPlateau,
    StepDecay,
)
from .training import evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "resume",
    "NetClassifier",
    "NetRegressor",
    "BinaryCrossEntropy",
    "evaluate",
    "OscillationWarning",
    "DivergenceError",
    "ModelCheckpoint",
    "EarlyStopping",
    "StepDecay",
    "ReduceOnPlateau",
    "InverseTime",
    "Exponential",
    "CosineWarmup",
    "Constant",
    "LBFGS",
    "Adam",
    "Callback",
    "Dense",
    "Dropout",
    "ELU",
    "History",
    "Identity",
    "LambdaCallback",
    "Layer",
    "LeakyReLU",
    "MeanSquaredError",
    "ModelFileError",
    "ReLU",
    "RMSProp",
    "SGD",
    "Sequential",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Softplus",
    "Tanh",
    "check_gradients",
    "fit",
    "load",
    "mlp",
    "save",
    "__version__",
]
