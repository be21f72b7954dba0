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

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..losses import BinaryCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy, softmax
from .base import BaseNet

__all__ = ["NetClassifier", "NetRegressor"]


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
    callbacks : list of glassnet callbacks (or functions ``f(epoch, logs)``) run by ``fit``
    class_weight : dict {class: weight}, "balanced" or None
    binary_output : "logistic" (one sigmoid output, as scikit-learn) or "softmax"
        (two softmax outputs, as the post) for two classes

    Attributes
    ----------
    classes_, coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_,
    best_validation_score_, n_iter_, t_, n_layers_, n_outputs_, out_activation_,
    n_features_in_ : as in ``MLPClassifier``
    validation_loss_curve_ : list of float, the validation loss per epoch (early stopping)
    net_ : the trained ``glassnet.Sequential``; history_ : the last ``History``

    Notes
    -----
    The post's network is ``NetClassifier(hidden_layer_sizes=(3,), activation="tanh",
    solver="sgd", alpha=0.01, batch_size=None, learning_rate_init=0.01 * n_samples,
    momentum=0, max_iter=20000, tol=0, n_iter_no_change=20000, shuffle=False,
    binary_output="softmax", init="scaled_normal", random_state=0)``: scikit-learn's mean
    loss with ``alpha / n_samples`` is the post's summed loss divided by ``n_samples``.
    """

    _classifier = True

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
        class_weight=None,
        binary_output="logistic",
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dropout=dropout,
            init=init,
            callbacks=callbacks,
        )
        self.class_weight = class_weight
        self.binary_output = binary_output

    def _encode_targets(self, y, first, classes):
        if type_of_target(y) in ("multilabel-indicator", "multiclass-multioutput"):
            raise ValueError(
                "NetClassifier supports one label per sample (binary or "
                "multiclass), not multilabel or multi-output targets"
            )
        check_classification_targets(y)
        if first:
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
            else:
                self.classes_ = np.unique(y)
            if self.binary_output not in ("logistic", "softmax"):
                raise ValueError(
                    f"binary_output must be 'logistic' or 'softmax', got {self.binary_output!r}"
                )
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on the first call to "
                f"partial_fit ({self.classes_!r})"
            )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(f"y holds labels not in classes_ {self.classes_!r}: {unseen[:5]!r}")
        if len(self.classes_) < 2 and first:
            raise ValueError(
                f"NetClassifier needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}"
            )
        return np.searchsorted(self.classes_, y).astype(np.intp)

    def _class_weights(self, codes, sample_weight):
        cw = self.class_weight
        if cw is None:
            return sample_weight
        from sklearn.utils.class_weight import compute_class_weight

        if cw == "balanced":
            present = np.unique(codes)
            weights = np.zeros(len(self.classes_))
            weights[present] = compute_class_weight("balanced", classes=present, y=codes)
        elif isinstance(cw, dict):
            unknown = [k for k in cw if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight names classes not in the data: {unknown!r}")
            weights = np.array([float(cw.get(c, 1.0)) for c in self.classes_])
        else:
            raise ValueError(f"class_weight must be a dict, 'balanced' or None, got {cw!r}")
        w = weights[codes]
        return w if sample_weight is None else w * sample_weight

    def _n_outputs(self, codes):
        k = len(self.classes_)
        self.n_outputs_ = 1 if k == 2 and self.binary_output == "logistic" else k
        self.out_activation_ = "logistic" if self.n_outputs_ == 1 else "softmax"
        return self.n_outputs_

    def _loss(self, n_out):
        return BinaryCrossEntropy() if n_out == 1 else SoftmaxCrossEntropy()

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "net_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return self._fit(X, y, sample_weight=sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes), in the order of ``classes_``."""
        out = self._forward(X)
        if out.shape[1] == 1:
            from scipy.special import expit

            p = expit(out[:, 0])
            return np.column_stack([1 - p, p])
        return softmax(out)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels of shape (n_samples,)."""
        out = self._forward(X)
        idx = (out[:, 0] > 0).astype(np.intp) if out.shape[1] == 1 else np.argmax(out, axis=1)
        return self.classes_[idx]


class NetRegressor(RegressorMixin, BaseNet):
    """A multi-layer perceptron regressor on the glassnet engine; a drop-in replacement
    for ``sklearn.neural_network.MLPRegressor`` (squared error, identity output).

    Parameters and attributes are those of ``NetClassifier`` without ``class_weight``
    and ``binary_output``, plus ``loss`` ("squared_error", the only one supported).
    """

    def __init__(
        self,
        loss="squared_error",
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
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dropout=dropout,
            init=init,
            callbacks=callbacks,
        )
        self.loss = loss

    def _encode_targets(self, y, first, classes):
        if self.loss != "squared_error":
            raise ValueError(
                f"loss={self.loss!r} is not supported; NetRegressor fits 'squared_error'"
            )
        self._y_1d = y.ndim == 1
        return y.astype(np.float64 if y.dtype != np.float32 else np.float32, copy=False)

    def _class_weights(self, y, sample_weight):
        return sample_weight

    def _n_outputs(self, y):
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.out_activation_ = "identity"
        return self.n_outputs_

    def _loss(self, n_out):
        return MeanSquaredError(average_outputs=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predictions of shape (n_samples,) or (n_samples, n_outputs)."""
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 and self._y_1d else out
