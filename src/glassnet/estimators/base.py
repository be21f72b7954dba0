"""The shared machinery of ``NetClassifier`` and ``NetRegressor``: scikit-learn's
parameters and their checks, building the network, and one ``fit`` that follows
scikit-learn's MLP step for step (same draws from ``random_state``, same shuffles, same
validation split, same stopping rule) on the glassnet engine."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..activations import ACTIVATIONS
from ..layers import Dense
from ..network import mlp
from ..optim import LBFGS, SGD, Adam
from ..schedules import InverseTime
from ..train.callbacks import Callback
from ..train.fit import fit

__all__ = ["BaseNet"]

_SOLVERS = ("sgd", "adam", "lbfgs")
_RATES = ("constant", "invscaling", "adaptive")


def _real(est, name, low=None, high=None, low_open=False, high_open=False):
    v = getattr(est, name)
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if (low is not None and (v <= low if low_open else v < low)) or (
        high is not None and (v >= high if high_open else v > high)
    ):
        lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
        raise ValueError(f"{name} must be {' and '.join(x for x in (lo, hi) if x)}, got {v!r}")
    return float(v)


def _closest(value, names) -> str:
    import difflib

    close = difflib.get_close_matches(str(value).lower(), names, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _int(est, name, low=1):
    v = getattr(est, name)
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    return int(v)


class _SklearnStopping(Callback):
    """scikit-learn's stopping rule, and its "adaptive" learning rate.

    Each epoch: with early stopping, count epochs whose validation score is not above
    the best by ``tol``; otherwise epochs whose training loss is not below the best by
    ``tol``. After more than ``n_iter_no_change`` such epochs, "adaptive" divides the rate
    by 5 (down to 1e-6); otherwise training stops.
    """

    def __init__(self, est, early_stopping, can_stop=True):
        self.est, self.early_stopping, self.can_stop = est, early_stopping, can_stop

    def on_train_begin(self):
        self.count = 0
        self.stopped = False

    def on_epoch_end(self, epoch, logs):
        est = self.est
        est.loss_curve_.append(logs["loss"])
        if "val_loss" in logs:
            est.validation_loss_curve_.append(logs["val_loss"])
        tol = est.tol
        if self.early_stopping:
            score = logs["val_accuracy" if "val_accuracy" in logs else "val_r2"]
            est.validation_scores_.append(score)
            self.count = self.count + 1 if score < est.best_validation_score_ + tol else 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_theta = self.net.get_flat()
        else:
            self.count = self.count + 1 if logs["loss"] > est.best_loss_ - tol else 0
            est.best_loss_ = min(est.best_loss_, logs["loss"])
        if self.count > est.n_iter_no_change and self.can_stop:
            opt = self.fit_state.optimizer
            if est.learning_rate == "adaptive" and est.solver == "sgd" and opt.lr > 1e-6:
                opt.lr /= 5.0
                self.count = 0
                if est.verbose:
                    print(f"Setting learning rate to {opt.lr:f}")
            else:
                self.stopped = True
                self.fit_state.stop_training = True


class BaseNet(BaseEstimator):
    _classifier = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        init="auto",
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.init = init
        self.callbacks = callbacks

    # ------------------------------------------------------------ checks
    def _hidden(self) -> list[int]:
        h = self.hidden_layer_sizes
        h = [h] if isinstance(h, numbers.Integral) and not isinstance(h, bool) else h
        try:
            h = list(h)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes must be a sequence of positive integers, "
                f"got {self.hidden_layer_sizes!r}"
            ) from None
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in h):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}"
            )
        return [int(v) for v in h]

    def _activations(self, n_hidden):
        acts = self.activation
        acts = [acts] * n_hidden if isinstance(acts, str) else list(acts)
        if len(acts) != n_hidden:
            raise ValueError(f"activation lists {len(acts)} entries for {n_hidden} hidden layers")
        for a in acts:
            ACTIVATIONS.get(a, argname="activation")
        return acts

    def _check_params(self):
        if self.solver not in _SOLVERS:
            raise ValueError(
                f"solver={self.solver!r} is not one of {', '.join(_SOLVERS)}"
                + _closest(self.solver, _SOLVERS)
            )
        if self.learning_rate not in _RATES:
            raise ValueError(
                f"learning_rate={self.learning_rate!r} is not one of {', '.join(_RATES)}"
                + _closest(self.learning_rate, _RATES)
            )
        _real(self, "alpha", low=0.0)
        _real(self, "learning_rate_init", low=0.0, low_open=True)
        _real(self, "power_t", low=0.0)
        _real(self, "tol", low=0.0)
        _real(self, "momentum", low=0.0, high=1.0)
        _real(self, "validation_fraction", low=0.0, high=1.0, low_open=True, high_open=True)
        _real(self, "beta_1", low=0.0, high=1.0, high_open=True)
        _real(self, "beta_2", low=0.0, high=1.0, high_open=True)
        _real(self, "epsilon", low=0.0, low_open=True)
        _real(self, "dropout", low=0.0, high=1.0, high_open=True)
        _int(self, "max_iter")
        _int(self, "n_iter_no_change")
        _int(self, "max_fun")
        bs = self.batch_size
        if not (
            bs is None
            or bs == "auto"
            or (isinstance(bs, numbers.Integral) and not isinstance(bs, bool) and bs >= 1)
        ):
            raise ValueError(f"batch_size must be 'auto', None or a positive integer, got {bs!r}")

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
        hidden = self._hidden()
        acts = self._activations(len(hidden))
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
        if self.solver == "adam":
            return Adam(lr=lr, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        # scikit-learn passes tol as gtol and keeps SciPy's default ftol
        return LBFGS(max_fun=self.max_fun, gtol=self.tol, ftol=2.220446049250313e-09)

    # ------------------------------------------------------------ fitting
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        self._check_params()
        if incremental and self.solver == "lbfgs":
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers; solver={self.solver!r}"
            )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        fitted = hasattr(self, "net_")
        first = not fitted or not (incremental or self.warm_start)
        X, y = validate_data(
            self,
            X,
            y,
            reset=first,
            dtype=(np.float64, np.float32),
            multi_output=not self._classifier,
            y_numeric=not self._classifier,
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        Y = self._encode_targets(y, first, classes)
        sample_weight = self._class_weights(Y, sample_weight)
        n_out = self._n_outputs(Y)
        if first:
            self._random_state = check_random_state(self.random_state)
            self.net_ = self._build(X.shape[1], n_out, X.dtype)
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_ = []
            self.validation_loss_curve_ = []
            self._no_improvement = 0
            self.best_loss_ = np.inf
            self.validation_scores_ = [] if self.early_stopping else None
            self.best_validation_score_ = -np.inf if self.early_stopping else None
            if self.early_stopping:
                self.best_loss_ = None
        if not incremental or not hasattr(self, "_optimizer") or first:
            self._optimizer = self._make_optimizer()
        stochastic = self.solver != "lbfgs"  # scikit-learn's L-BFGS ignores these rules
        early = self.early_stopping and not incremental and stochastic
        validation = None
        if early:
            X, Y, sample_weight, validation = self._split(X, Y, sample_weight)
        n_train = X.shape[0]
        if self.batch_size is None or self.solver == "lbfgs":
            batch = n_train
        elif self.batch_size == "auto":
            batch = min(200, n_train)
        else:
            if self.batch_size > n_train:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is "
                    "going to be clipped",
                    stacklevel=3,
                )
            batch = int(np.clip(self.batch_size, 1, n_train))
        schedule = None
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            # scikit-learn: lr = lr_init / (t + 1) ** power_t, t = samples seen so far
            schedule = InverseTime(
                self.learning_rate_init, decay=float(n_train), power=self.power_t
            )
        stopper = _SklearnStopping(self, early, can_stop=stochastic)
        user = self.callbacks or []
        user = [user] if isinstance(user, Callback) or callable(user) else list(user)
        epochs = 1 if incremental else self.max_iter
        hist = fit(
            self.net_,
            self._loss(n_out),
            X,
            Y,
            optimizer=self._optimizer,
            epochs=self.n_iter_ + epochs,
            initial_epoch=self.n_iter_,
            batch_size=None if batch >= n_train else batch,
            shuffle=bool(self.shuffle),
            seed=self._random_state,
            l2=float(self.alpha),
            l2_per_example=True,
            schedule=schedule,
            validation_data=validation,
            callbacks=[stopper, *user],
            sample_weight=sample_weight,
            verbose=int(bool(self.verbose)),
            min_classes=0,  # checked above; a partial_fit batch may hold one class
        )
        self.history_ = hist
        self.n_iter_ += len(hist)
        self.t_ += len(hist) * n_train
        self.loss_ = float(self.loss_curve_[-1]) if self.loss_curve_ else float("nan")
        if stopper.early_stopping and getattr(self, "_best_theta", None) is not None:
            self.net_.set_flat(self._best_theta)
            del self._best_theta
        if (
            not incremental
            and not stopper.stopped
            and not hist.interrupted
            and len(hist) == epochs
            and stochastic
        ):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        elif not stochastic and len(hist) == epochs and not hist.interrupted:
            warnings.warn(
                f"lbfgs failed to converge after {self.max_iter} iterations: increase "
                "max_iter or scale the data",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.net_.clear_cache()
        self.n_layers_ = len(self._hidden()) + 2
        return self

    def _split(self, X, Y, sample_weight):
        """Hold out ``validation_fraction`` as scikit-learn does (same draws, stratified
        for a single output only)."""
        from sklearn.model_selection import train_test_split

        strat = Y if self._classifier and self.n_outputs_ == 1 else None
        extra = [] if sample_weight is None else [sample_weight]
        parts = train_test_split(
            X,
            Y,
            *extra,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=strat,
        )
        X, Xv, Y, Yv = parts[:4]
        if Xv.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X, Y, (parts[4] if extra else None), (Xv, Yv)

    # ------------------------------------------------------------ fitted views
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices, one per layer (views into the network's parameters)."""
        check_is_fitted(self, "net_")
        return [lay.W for lay in self.net_.layers if isinstance(lay, Dense)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, one per layer (views into the network's parameters)."""
        check_is_fitted(self, "net_")
        return [lay.b for lay in self.net_.layers if isinstance(lay, Dense)]

    def _forward(self, X):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.net_.forward(np.asarray(X, dtype=self.net_.dtype))

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` (n_samples, n_features) and ``y``; returns ``self``."""
        return self._fit(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
