"""The shared machinery of ``NetClassifier`` and ``NetRegressor``: building the network
from the parameters (declared and checked in ``params``) and scikit-learn's ``_fit``
(check, build on a first pass, train with ``training``, check the result), so that the
same ``random_state`` and the same calls give scikit-learn's model."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._validation import check_some_weight
from ..activations import ACTIVATIONS, Activation
from ..layers import Dense, Dropout
from ..network import mlp
from ..optim import SGD, Adam
from . import training
from .params import check_estimator_params, estimator_init, hidden_activations, hidden_sizes
from .sklearn_callbacks import CallbackSupport, fit_tasks, with_callbacks

__all__ = ["BaseNet"]


def _fitted_views(name: str, what: str) -> property:
    """The fitted ``coefs_`` (``name`` "W") or ``intercepts_`` ("b") as a property."""
    doc = f"{what}, one per layer (views into the network's parameters); assigning a "
    doc += "list of arrays of the same shapes overwrites them."
    return property(
        lambda self: self._views(name), lambda self, values: self._assign(name, values), doc=doc
    )


class BaseNet(CallbackSupport, BaseEstimator):
    _classifier = False

    __init__ = estimator_init()

    # ------------------------------------------------------------ building
    def _init_name(self, acts):
        if self.init != "auto":
            return self.init
        return (
            "sklearn_uniform_logistic"
            if "logistic" in acts or "sigmoid" in acts
            else "sklearn_uniform"
        )

    def _build(self, n_features, n_out, dtype):
        hidden = hidden_sizes(self.hidden_layer_sizes)
        acts = hidden_activations(self.activation, len(hidden))
        rs = self._random_state
        return mlp(
            [n_features, *hidden, n_out],
            activation=acts,
            init=self._init_name(acts),
            dropout=self.dropout,
            seed=rs,
            dtype=dtype,
        )

    def _make_optimizer(self):
        lr = self.learning_rate_init
        if self.solver == "sgd":
            return SGD(
                lr=lr,
                momentum=self.momentum,
                nesterov=bool(self.nesterovs_momentum and self.momentum > 0),
            )
        return Adam(lr=lr, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    # ------------------------------------------------------------ fitting
    def _check_solver(self):
        """Raise AttributeError for L-BFGS: ``partial_fit`` exists for sgd and adam only."""
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _initialize(self, Y, n_features, dtype):
        """scikit-learn's ``_initialize``: a fresh network and fresh counters."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_, self.out_activation_ = self._output_layer(Y)
        self.n_layers_ = len(hidden_sizes(self.hidden_layer_sizes)) + 2
        self.net_ = self._build(n_features, self.n_outputs_, dtype)
        self._best_theta = self.net_.get_flat()
        if self.solver != "lbfgs":
            self.loss_curve_ = []
            self.validation_loss_curve_ = []
            self._no_improvement_count = 0
            self._stopping_counters()

    def _stopping_counters(self):
        """The best score (``early_stopping``) or the best loss that the stopping rule
        compares with, as scikit-learn's ``_initialize`` sets them."""
        early = bool(self.early_stopping)
        self.validation_scores_ = [] if early else None
        self.best_validation_score_ = -np.inf if early else None
        self.best_loss_ = None if early else np.inf

    def _continue_counters(self):
        """Before a warm start (or ``partial_fit``) with sgd or adam: the counters their
        loop keeps, where the last fit left none (it used L-BFGS) or those of the other
        stopping rule (``early_stopping`` was switched since). scikit-learn fails there
        with an AttributeError."""
        if not hasattr(self, "loss_curve_"):
            self.loss_curve_ = []
            self.validation_loss_curve_ = []
            self._no_improvement_count = 0
        if not hasattr(self, "_no_improvement_count"):  # loaded from a model file
            self._no_improvement_count = 0
        kept = getattr(
            self, "best_validation_score_" if self.early_stopping else "best_loss_", None
        )
        if kept is None:
            self._stopping_counters()
            self._no_improvement_count = 0

    def _check_same_network(self):
        """A warm start (or ``partial_fit``) trains the fitted network further: the
        layer widths, activations and dropout must be those it was built with."""
        layers = self.net_.layers
        fitted = (
            [layer.n_out for layer in layers if isinstance(layer, Dense)][:-1],
            [layer.name for layer in layers if isinstance(layer, Activation)],
            next((layer.p for layer in layers if isinstance(layer, Dropout)), 0.0),
        )
        hidden = hidden_sizes(self.hidden_layer_sizes)
        wanted = (
            hidden,
            [ACTIVATIONS.get(a).name for a in hidden_activations(self.activation, len(hidden))],
            float(self.dropout),
        )
        if fitted != wanted:
            names = ("hidden_layer_sizes", "activation", "dropout")
            changed = [f"{n}: {f!r} -> {w!r}" for n, f, w in zip(names, fitted, wanted) if f != w]
            raise ValueError(
                "warm_start and partial_fit train the fitted network further, but its "
                f"layers differ from the parameters ({'; '.join(changed)}): set "
                "warm_start=False to train a new network"
            )

    def _check_same_outputs(self, Y):
        """A warm start (or ``partial_fit``) trains the fitted output layer further: ``y``
        and the parameters (``binary_output``, ``loss``) must ask for the outputs it has."""
        wanted = self._output_layer(Y)
        fitted = (self.n_outputs_, self.out_activation_)
        if wanted != fitted:
            raise ValueError(
                "warm_start and partial_fit train the fitted network further, but y and the "
                f"parameters ask for {wanted[0]} {wanted[1]} output(s) where the network has "
                f"{fitted[0]} {fitted[1]} output(s): set warm_start=False to train a new network"
            )

    @with_callbacks
    def _fit(self, X, y, sample_weight=None, incremental=False):
        """scikit-learn's ``_fit``: check, (re)build on a first pass, train, check the
        result; scikit-learn's callbacks (``set_callbacks``) see it as one task."""
        check_estimator_params(self)
        if incremental:
            self._check_solver()
        first = not hasattr(self, "net_") or not (self.warm_start or incremental)
        X, y = self._validate_input(X, y, incremental, reset=first)
        if sample_weight is not None:
            # a negative weight would reward the errors it weighs: the loss has no minimum
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self._random_state = check_random_state(self.random_state)
        if first:
            self._initialize(Y, X.shape[1], X.dtype)
        else:
            self._check_same_network()
            self._check_same_outputs(Y)
            if self.solver != "lbfgs":
                self._continue_counters()
        self._loss_fn = self._make_loss()
        tasks = fit_tasks(self, X, Y, sample_weight, incremental)  # None before sklearn 1.9
        sample_weight = self._class_weights(Y, sample_weight)
        if sample_weight is not None:
            check_some_weight(sample_weight, self._weight_name())
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.solver == "lbfgs":
                training.fit_lbfgs(self, X, Y, sample_weight, tasks)
            else:
                training.fit_stochastic(self, X, Y, sample_weight, incremental, tasks)
        self.net_.clear_cache()
        if not np.isfinite(self.net_.theta).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        if tasks is not None:
            tasks.close()
        return self

    def _weight_name(self) -> str:
        """What the rows' weights come from, for messages."""
        if getattr(self, "class_weight", None) is None:
            return "sample_weight"
        return "class_weight (times sample_weight, if given)"

    def _loss_targets(self, Y):
        """The targets as the loss takes them, in the network's dtype."""
        return Y.astype(self.net_.dtype)

    def _score_outputs(self, out, y, sample_weight):
        """scikit-learn's ``_score_with_function`` from the network's outputs: NaN when a
        prediction is not finite."""
        y_pred = self._predict_outputs(out)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_fn(self._original_targets(y), y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------ fitted views
    def _views(self, name):
        check_is_fitted(self, "net_")
        return [getattr(lay, name) for lay in self.net_.layers if isinstance(lay, Dense)]

    def _assign(self, name, values):
        check_is_fitted(self, "net_")
        views = self._views(name)
        attr = "coefs_" if name == "W" else "intercepts_"
        values = list(values)
        shapes = [v.shape for v in views]
        if [np.shape(v) for v in values] != shapes:
            raise ValueError(
                f"{attr} must be a list of arrays of shapes {shapes}, got "
                f"{[np.shape(v) for v in values]}"
            )
        for view, value in zip(views, values):
            view[...] = value

    coefs_ = _fitted_views("W", "Weight matrices")
    intercepts_ = _fitted_views("b", "Bias vectors")

    def _forward(self, X):
        """The network's raw outputs ``z`` (n, n_outputs) for ``X`` (dense or sparse)."""
        check_is_fitted(self, "net_")
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], reset=False, dtype=(np.float64, np.float32)
        )
        if X.dtype != self.net_.dtype:
            X = X.astype(self.net_.dtype)
        return self.net_.forward(X)

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` (n_samples, n_features), dense or sparse (CSR/CSC),
        and ``y``; returns ``self``."""
        return self._fit(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags
