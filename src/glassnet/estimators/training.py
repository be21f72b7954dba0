"""scikit-learn's MLP training (``_fit_stochastic``, ``_update_no_improvement_count``,
``_fit_lbfgs``) step for step on the glassnet engine, so that ``NetClassifier`` and
``NetRegressor`` give scikit-learn's model for the same ``random_state`` and the same
calls: the same draws, shuffles and validation split, the same stopping rule, the same
warnings, ``n_iter_`` and ``t_``.

The arithmetic of a step is the engine's (``net.forward``, ``loss.backward``,
``net.backward``, ``optimizer.step``); what lives here is scikit-learn's bookkeeping
around it, and the first layer's product for a sparse ``X``: ``z1 = X @ W1 + b1`` and
``dW1 = X.T @ delta`` are sparse-dense products, so a sparse ``X`` is never densified.
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.optimize import _check_optimize_result

from .._validation import check_some_weight
from .._warn import warn
from ..train.callbacks import History, as_callbacks
from ..train.loop import no_weight, sklearn_shuffle

__all__ = ["forward", "backward", "objective", "fit_stochastic", "fit_lbfgs"]


def forward(net, X, training=False):
    """``net.forward(X)``; for a sparse ``X`` the first layer is ``X @ W + b``."""
    if not sp.issparse(X):
        return net.forward(X, training)
    first = net.layers[0]
    a = np.asarray(X @ first.W) + first.b  # z1 = x W1 + b1, (n, n_hidden)
    for layer in net.layers[1:]:
        a = layer.forward(a, training)
    return a


def backward(net, X, delta):
    """``net.backward(delta)``; for a sparse ``X`` the first layer's gradient is
    ``dW1 = X.T @ delta``, ``db1 = sum_n delta``."""
    if not sp.issparse(X):
        net.backward(delta)
        return
    for layer in reversed(net.layers[1:]):
        delta = layer.backward(delta)
    first = net.layers[0]
    first.dW[...] = X.T @ delta  # (n_in, n_hidden)
    first.db[...] = delta.sum(axis=0)


def objective(est, X, T, w):
    """The batch loss plus ``alpha/2 ||W||^2 / sum(w)`` (scikit-learn's scaling of
    ``alpha``); leaves its gradient in ``est.net_.grad``."""
    net, loss = est.net_, est._loss_fn
    l2 = est.alpha / (X.shape[0] if w is None else float(w.sum()))
    out = forward(net, X, training=True)
    value = loss.forward(out, T, w) + net.penalty(l2)
    backward(net, X, loss.backward())
    net.add_penalty_grad(l2)
    return value


def _split(est, X, Y, w):
    """Hold out ``validation_fraction`` with scikit-learn's call (stratified on the
    binarized targets for one output)."""
    from sklearn.model_selection import train_test_split

    stratify = Y if est._classifier and Y.shape[1] == 1 else None
    arrays = (X, Y) if w is None else (X, Y, w)
    parts = train_test_split(
        *arrays,
        random_state=est._random_state,
        test_size=est.validation_fraction,
        stratify=stratify,
    )
    if parts[1].shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    w_train, w_val = (None, None) if w is None else (parts[4], parts[5])
    if w is not None:
        name = est._weight_name()
        check_some_weight(w_train, name, "training row (after holding out validation_fraction)")
        check_some_weight(w_val, name, "validation row (validation_fraction's share)")
    return parts[0], parts[2], w_train, (parts[1], parts[3], w_val)


def _batch_size(est, n):
    if est.batch_size == "auto":
        return min(200, n)
    if est.batch_size is None:  # glassnet's full batch
        return n
    if est.batch_size > n:
        warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
    return int(np.clip(est.batch_size, 1, n))


def _epoch(est, X, T, w, order, batch):
    """One pass over the rows in ``order``; returns scikit-learn's epoch loss (the batch
    losses weighted by batch length)."""
    net, opt = est.net_, est._optimizer
    total, n = 0.0, X.shape[0]
    for start in range(0, n, batch):
        idx = order[start : start + batch]
        xb, tb, wb = X[idx], T[idx], None if w is None else w[idx]  # copies of the rows
        if no_weight(wb):
            continue  # all weights 0: no data, no step (see no_weight)
        total += objective(est, xb, tb, wb) * idx.size
        opt.step(net.theta, net.grad)
    return total / n


def _validate(est, val, logs):
    """scikit-learn's validation score (NaN when a prediction is), and glassnet's
    validation loss; keeps the best parameters."""
    Xv, Yv, wv = val
    out = forward(est.net_, Xv)
    score = est._score_outputs(out, Yv, wv)
    logs["val_loss"] = est._loss_fn.forward(out, est._loss_targets(Yv), wv)
    logs["val_" + ("accuracy" if est._classifier else "r2")] = score
    est.validation_scores_.append(score)
    est.validation_loss_curve_.append(logs["val_loss"])
    if est.verbose:
        print(f"Validation score: {score:f}")
    if score < est.best_validation_score_ + est.tol:
        est._no_improvement_count += 1
    else:
        est._no_improvement_count = 0
    if score > est.best_validation_score_:
        est.best_validation_score_ = score
        est._best_theta = est.net_.get_flat()


def _no_improvement(est, val, logs):
    """scikit-learn's ``_update_no_improvement_count``."""
    if val is not None:
        return _validate(est, val, logs)
    last = est.loss_curve_[-1]
    est._no_improvement_count = (
        est._no_improvement_count + 1 if last > est.best_loss_ - est.tol else 0
    )
    est.best_loss_ = min(est.best_loss_, last)


def _stop(est, early):
    """scikit-learn's ``trigger_stopping``: True to stop; "adaptive" divides the rate by 5."""
    what = "Validation score" if early else "Training loss"
    msg = (
        f"{what} did not improve more than tol={est.tol:f} for "
        f"{int(est.n_iter_no_change)} consecutive epochs."
    )
    opt = est._optimizer
    adaptive = est.solver == "sgd" and est.learning_rate == "adaptive"
    if adaptive and opt.lr > 1e-6:
        opt.lr /= 5.0
        if est.verbose:
            print(msg + f" Setting learning rate to {opt.lr:f}")
        return False
    if est.verbose:
        print(msg + (" Learning rate too small. Stopping." if adaptive else " Stopping."))
    return True


def _callbacks(est):
    """The user's glassnet callbacks, wired to the network, and the run's History."""
    state = types.SimpleNamespace(optimizer=getattr(est, "_optimizer", None), stop_training=False)
    state.history = History()
    cbs = [state.history, *as_callbacks(est.callbacks)]
    for cb in cbs:
        cb.net, cb.fit_state = est.net_, state
        cb.on_train_begin()
    return cbs, state


def fit_stochastic(est, X, Y, w, incremental):
    """scikit-learn's ``_fit_stochastic``: minibatch epochs up to ``max_iter`` (one for
    ``partial_fit``), stopping after ``n_iter_no_change`` epochs without improvement."""
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = est._make_optimizer()
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    val = None
    if est.early_stopping:
        X, Y, w, val = _split(est, X, Y, w)
    T, n = est._loss_targets(Y), X.shape[0]
    batch, order = _batch_size(est, n), np.arange(n)
    cbs, state = _callbacks(est)
    est.n_iter_ = 0
    try:
        for _ in range(est.max_iter):
            if est.shuffle:
                order = sklearn_shuffle(order, est._random_state)
            logs = {"lr": est._optimizer.lr}
            est.loss_ = logs["loss"] = _epoch(est, X, T, w, order, batch)
            est.n_iter_ += 1
            est.t_ += n
            est.loss_curve_.append(est.loss_)
            if est.verbose:
                print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
            _no_improvement(est, val, logs)
            for cb in cbs:
                cb.on_epoch_end(len(est.loss_curve_) - 1, logs)
            if est.solver == "sgd" and est.learning_rate == "invscaling":
                est._optimizer.lr = est.learning_rate_init / (est.t_ + 1) ** est.power_t
            if est._no_improvement_count > est.n_iter_no_change:
                if _stop(est, val is not None):
                    break
                est._no_improvement_count = 0
            if incremental or state.stop_training:
                break
            if est.n_iter_ == est.max_iter:
                warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warn("Training interrupted by user.")
    _finish(est, cbs, state)


def _finish(est, cbs, state):
    if est.early_stopping:
        # restore the best parameters; like scikit-learn, the "best" then is the live
        # parameters until a later epoch improves on the best score
        if est._best_theta is not None:
            est.net_.set_flat(est._best_theta)
        est._best_theta = None
    est.history_ = state.history
    for cb in cbs:
        cb.on_train_end(state.history.last())


def fit_lbfgs(est, X, Y, w):
    """scikit-learn's ``_fit_lbfgs``: SciPy's L-BFGS-B on the packed parameters (glassnet's
    ``theta`` is scikit-learn's packing: all weights, then all biases)."""
    net, T = est.net_, est._loss_targets(Y)
    cbs, state = _callbacks(est)

    def fun(theta):
        net.theta[...] = theta
        value = objective(est, X, T, w)
        return value, net.grad.astype(np.float64)

    def callback(intermediate_result):
        logs = {"loss": float(intermediate_result.fun)}
        for cb in cbs:
            cb.on_epoch_end(len(state.history), logs)
        if state.stop_training:
            raise StopIteration

    res = scipy.optimize.minimize(
        fun,
        net.theta.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=callback if est.callbacks else None,
        options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
    )
    with warnings.catch_warnings(record=True) as caught:  # its stacklevel names this line:
        warnings.simplefilter("always")  # said again, at the user's
        est.n_iter_ = _check_optimize_result("lbfgs", res, est.max_iter)
    for w in caught:
        warn(str(w.message), w.category)
    est.loss_ = res.fun
    net.theta[...] = res.x
    est.history_ = state.history
    for cb in cbs:
        cb.on_train_end(state.history.last())
