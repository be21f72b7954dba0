"""W4: ``glassnet.NetClassifier`` against scikit-learn's ``MLPClassifier``, same parameters.

On ``load_digits`` (pixels scaled to [0, 1]) and on a 20,000 x 100
``make_classification``; each is split 75/25 (stratified, seed 0), both estimators fit
on the training part, and the table shows the fit time and the test accuracy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .core import System, time_systems

__all__ = ["W4Config", "PARAMS", "load", "w4_systems", "run_w4"]

PARAMS = dict(
    hidden_layer_sizes=(100,),
    activation="relu",
    solver="adam",
    alpha=1e-4,
    batch_size=200,
    learning_rate_init=1e-3,
    shuffle=True,
    random_state=0,
    tol=1e-4,
    momentum=0.9,
    nesterovs_momentum=True,
    n_iter_no_change=10,
)


@dataclass
class W4Config:
    datasets: tuple = ("digits", "make_classification")
    n_classification: int = 20000
    max_iter: dict = field(default_factory=lambda: {"digits": 200, "make_classification": 50})


def load(name: str, cfg: W4Config):
    """``(X_train, X_test, y_train, y_test)`` of one W4 data set."""
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split

    if name == "digits":
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    elif name == "make_classification":
        X, y = make_classification(
            n_samples=cfg.n_classification,
            n_features=100,
            n_informative=30,
            n_redundant=10,
            n_classes=5,
            random_state=0,
        )
    else:
        raise ValueError(f"unknown W4 data set {name!r}")
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def _params(name, cfg):
    return {**PARAMS, "max_iter": cfg.max_iter[name]}


def _fit(cls, data, params):
    from sklearn.exceptions import ConvergenceWarning

    Xtr, _, ytr, _ = data
    clf = cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    return clf


def w4_glassnet(data, params):
    from glassnet.estimators import NetClassifier

    return _fit(NetClassifier, data, params)


def w4_sklearn(data, params):
    from sklearn.neural_network import MLPClassifier

    return _fit(MLPClassifier, data, params)


def _describe(data):
    _, Xte, _, yte = data

    def describe(clf):
        info = {"accuracy": float(np.mean(clf.predict(Xte) == yte))}
        n_iter = getattr(clf, "n_iter_", None)
        if n_iter is not None:
            info["epochs"] = int(n_iter)
        return info

    return describe


def w4_systems(data) -> list[System]:
    describe = _describe(data)
    return [
        System(
            "glassnet NetClassifier",
            w4_glassnet,
            reference=True,
            describe=describe,
        ),
        System(
            "scikit-learn MLPClassifier",
            w4_sklearn,
            target=0.7,
            accuracy_target=True,
            describe=describe,
        ),
    ]


def run_w4(cfg: W4Config, warm_cfg: W4Config, repeat: int, log=None):
    """Time both estimators on each data set; returns ``(rows, checks)``."""
    rows = []
    for name in cfg.datasets:
        data = load(name, cfg)
        warm = (load(name, warm_cfg), _params(name, warm_cfg))
        label = f"W4 {name}"
        got = time_systems(label, w4_systems(data), data, _params(name, cfg), repeat, warm, log)
        for r in got:
            epochs = r.info.get("epochs")
            if r.best and epochs:
                r.info["ms/epoch"] = round(1000 * r.best / epochs, 2)
            if r.system.startswith("scikit"):
                r.note = f"{len(data[0])} train / {len(data[1])} test rows"
        rows += got
    return rows, []
