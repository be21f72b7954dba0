"""scikit-learn estimators: ``NetClassifier`` and ``NetRegressor``.

They take the parameters of ``sklearn.neural_network.MLPClassifier``/``MLPRegressor``
with the same names, defaults and meaning, and set the same fitted attributes, so that
switching is a change of import. They add what scikit-learn's MLP lacks: ``dropout``,
an activation per hidden layer (any glassnet activation), ``init``, ``class_weight``,
``callbacks``, ``validation_loss_curve_``, a safe model file (``gn.save``), and the
post's exact setup (``binary_output="softmax"``, ``init="scaled_normal"``,
``batch_size=None`` for full batch).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import validate_data

from ..losses import SoftmaxCrossEntropy, one_hot, softmax
from .base import BaseNet
from .outputs import LogisticOutputs, PoissonOutputs, SquaredErrorOutputs
from .params import estimator_init

__all__ = ["NetClassifier", "NetRegressor"]


def _class_weight(class_weight: dict, c) -> float:
    """The weight ``class_weight`` gives class ``c`` (1 when it names none): a finite
    number >= 0, since a negative weight would reward the errors on that class."""
    w = class_weight.get(c, 1.0)
    if (
        isinstance(w, (bool, np.bool_))
        or not isinstance(w, (Real, np.number))
        or not (np.isfinite(w) and w >= 0)
    ):
        raise ValueError(f"class_weight[{c!r}] must be a finite number >= 0, got {w!r}")
    return float(w)


class NetClassifier(ClassifierMixin, BaseNet):
    """A multi-layer perceptron classifier on the glassnet engine; a drop-in replacement
    for ``sklearn.neural_network.MLPClassifier``.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As in ``MLPClassifier``, with the same defaults. ``activation`` may also be any
        glassnet activation name or a list with one per hidden layer; ``batch_size=None``
        trains on the full batch.
    dropout : float in [0, 1), dropout after every hidden layer while training
    init : "auto" (scikit-learn's: weights and biases uniform, the same draws as
        ``MLPClassifier`` for the same ``random_state``), or a glassnet initializer such
        as "scaled_normal" (the post's)
    callbacks : list of glassnet callbacks (or functions ``f(epoch, logs)``) run by ``fit``;
        scikit-learn's callbacks (scikit-learn 1.9+) are set with ``set_callbacks``, one
        task per epoch or L-BFGS iteration (``glassnet.estimators.sklearn_callbacks``)
    class_weight : dict {class: weight}, "balanced" or None
    binary_output : "logistic" (one sigmoid output, as scikit-learn) or "softmax"
        (two softmax outputs, as the post) for two classes

    Attributes
    ----------
    classes_, coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_,
    best_validation_score_, n_iter_, t_, n_layers_, n_outputs_, out_activation_,
    n_features_in_ : as in ``MLPClassifier``, set (or left unset, for L-BFGS) as it does;
        ``coefs_``/``intercepts_`` are views into ``net_``'s parameters and assignable
    validation_loss_curve_ : list of float, the validation loss per epoch (early stopping)
    net_ : the trained ``glassnet.Sequential``; history_ : the last call's ``History``

    ``X`` may be dense or sparse (CSR/CSC: the first layer is a sparse-dense product);
    ``y`` may be labels (binary, multiclass, a single class) or a multilabel indicator
    matrix (logistic outputs; ``predict`` returns an indicator matrix). Training is
    scikit-learn's, step for step: for the same ``random_state`` and the same calls
    (``fit``, ``partial_fit``, ``warm_start``) the model is ``MLPClassifier``'s.

    Notes
    -----
    The post's network is ``NetClassifier(hidden_layer_sizes=(3,), activation="tanh",
    solver="sgd", alpha=0.01, batch_size=None, learning_rate_init=0.01 * n_samples,
    momentum=0, max_iter=20000, tol=0, n_iter_no_change=20000, shuffle=False,
    binary_output="softmax", init="scaled_normal", random_state=0)``: scikit-learn's mean
    loss with ``alpha / n_samples`` is the post's summed loss divided by ``n_samples``.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons()
    >>> clf = gn.NetClassifier(
    ...     hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=2000, random_state=0
    ... ).fit(X, y)
    >>> round(clf.score(X, y), 3), clf.n_iter_, clf.predict_proba(X[:1]).shape
    (0.97, 787, (1, 2))
    """

    _classifier = True

    __init__ = estimator_init(last={"class_weight": None, "binary_output": "logistic"})

    def _validate_input(self, X, y, incremental, reset):
        """scikit-learn's: check ``X`` (dense, CSR or CSC) and ``y``; set or check
        ``classes_``; return ``y`` binarized (n, n_columns) of bools."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_same_target_type(y)
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(bool)

    def _check_same_target_type(self, y):
        """A warm start (or ``partial_fit``) keeps the fitted kind of target: labels, or a
        multilabel indicator matrix (whose columns are its classes)."""
        fitted = self._label_binarizer.y_type_.startswith("multilabel")
        given = type_of_target(y).startswith("multilabel")
        if given != fitted:
            kinds = ("labels", "a multilabel indicator matrix")
            raise ValueError(
                f"y is {kinds[given]} but the network was fitted on {kinds[fitted]}: "
                "set warm_start=False to train a new network"
            )

    def _softmax_pair(self) -> bool:
        """Two classes on two softmax outputs (``binary_output="softmax"``, the post's)."""
        return (
            self._label_binarizer.y_type_ == "binary"
            and len(self.classes_) == 2
            and (self.binary_output == "softmax")
        )

    def _output_layer(self, Y):
        if self.binary_output not in ("logistic", "softmax"):
            raise ValueError(
                f"binary_output must be 'logistic' or 'softmax', got {self.binary_output!r}"
            )
        if self._label_binarizer.y_type_ == "multiclass" or self._softmax_pair():
            return max(Y.shape[1], 2), "softmax"
        return Y.shape[1], "logistic"  # two classes, one class, or multilabel

    def _make_loss(self):
        return SoftmaxCrossEntropy() if self.out_activation_ == "softmax" else LogisticOutputs()

    def _loss_targets(self, Y):
        if self.out_activation_ == "softmax" and Y.shape[1] == 1:
            # two classes binarized to one 0/1 column: the two one-hot columns of the outputs
            return one_hot(Y[:, 0].astype(np.intp), 2, self.net_.dtype)
        return Y.astype(self.net_.dtype)  # the binarizer's rows: one-hot for k classes

    def _original_targets(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    _score_fn = staticmethod(accuracy_score)

    def _class_weights(self, Y, sample_weight):
        cw = self.class_weight
        if cw is None:
            return sample_weight
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets")
        from sklearn.utils.class_weight import compute_class_weight

        codes = np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)
        if isinstance(cw, str) and cw == "balanced":
            present = np.unique(codes)
            weights = np.zeros(len(self.classes_))
            weights[present] = compute_class_weight("balanced", classes=present, y=codes)
        elif isinstance(cw, dict):
            unknown = [k for k in cw if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight names classes not in the data: {unknown!r}")
            weights = np.array([_class_weight(cw, c) for c in self.classes_.tolist()])
        else:
            raise ValueError(f"class_weight must be a dict, 'balanced' or None, got {cw!r}")
        w = weights[codes].astype(self.net_.dtype)
        return w if sample_weight is None else w * sample_weight

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)`` (dense or sparse); ``classes`` (all labels) is
        required on the first call. Only for ``solver`` "sgd" and "adam"."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _probabilities(self, out):
        """sigmoid or softmax of the outputs, raveled for a single output."""
        p = softmax(out) if self.out_activation_ == "softmax" else expit(out)
        return p.ravel() if p.shape[1] == 1 else p

    def _predict_outputs(self, out):
        p = self._probabilities(out)
        if self._softmax_pair():
            p = p[:, 1]
        return self._label_binarizer.inverse_transform(p)

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes), in the order of
        ``classes_`` (for multilabel targets one probability per label)."""
        p = self._probabilities(self._forward(X))
        return np.vstack([1 - p, p]).T if p.ndim == 1 else p

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        p = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(p, out=p)

    def predict(self, X):
        """Predicted class labels of shape (n_samples,), or an indicator matrix
        (n_samples, n_labels) for multilabel targets."""
        return self._predict_outputs(self._forward(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NetRegressor(RegressorMixin, BaseNet):
    """A multi-layer perceptron regressor on the glassnet engine; a drop-in replacement
    for ``sklearn.neural_network.MLPRegressor``.

    Parameters and attributes are those of ``NetClassifier`` without ``class_weight``
    and ``binary_output``, plus ``loss``: "squared_error" (identity output, half the
    squared error) or "poisson" (``out_activation_ = "exp"``, half the Poisson
    deviance), as in scikit-learn 1.7+. ``predict`` returns shape (n_samples,) for one
    output (also when ``y`` was a column), else (n_samples, n_outputs).

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.sine(200)
    >>> reg = gn.NetRegressor(
    ...     hidden_layer_sizes=(32, 32), activation="tanh", learning_rate_init=0.01,
    ...     max_iter=500, random_state=0,
    ... ).fit(X, y)
    >>> round(reg.score(X, y), 2)
    0.98
    """

    __init__ = estimator_init(first={"loss": "squared_error"})

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            # the Poisson deviance is defined for counts and rates: y >= 0
            raise ValueError(
                f"loss='poisson' needs targets y >= 0, got a minimum of {float(y.min())!r}"
            )
        return X, y

    def _output_layer(self, Y):
        if self.loss not in ("squared_error", "poisson"):
            raise ValueError(f"loss must be 'squared_error' or 'poisson', got {self.loss!r}")
        return Y.shape[1], "exp" if self.loss == "poisson" else "identity"

    def _make_loss(self):
        return PoissonOutputs() if self.out_activation_ == "exp" else SquaredErrorOutputs()

    def _original_targets(self, Y):
        return Y

    _score_fn = staticmethod(r2_score)

    def _class_weights(self, Y, sample_weight):
        return sample_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)`` (dense or sparse). Only for ``solver`` "sgd" and "adam"."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _predict_outputs(self, out):
        y = np.exp(out) if self.out_activation_ == "exp" else out
        return y.ravel() if y.shape[1] == 1 else y

    def predict(self, X):
        """Predictions of shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        return self._predict_outputs(self._forward(X))
