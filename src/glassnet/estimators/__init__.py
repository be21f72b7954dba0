"""scikit-learn estimators: ``NetClassifier`` and ``NetRegressor``, drop-in replacements
for ``MLPClassifier`` and ``MLPRegressor``, and their model files."""

from . import modelfile as _modelfile  # noqa: F401  (teaches gn.save/gn.load the estimators)
from .net import NetClassifier, NetRegressor

__all__ = ["NetClassifier", "NetRegressor"]
