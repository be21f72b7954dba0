"""scikit-learn's MLP training (``_fit_stochastic``, ``_update_no_improvement_count``,
``_fit_lbfgs``) on glassnet's one training loop (``glassnet.train.loop``), so that
``NetClassifier`` and ``NetRegressor`` give scikit-learn's model for the same
``random_state`` and the same calls: the same draws, shuffles and validation split, the
same stopping rule, the same warnings, ``n_iter_`` and ``t_``.

The steps are the loop's ``step``; scikit-learn's way of counting is the loop's
``SKLEARN`` rules (it reshuffles a single batch too; its epoch loss is the batch
losses times their rows over all rows; ``alpha`` is divided by each batch's size), and
its stopping rule is the run's end-of-epoch callback, ``SklearnEpochEnd``. A sparse
``X`` goes through the network as it is: the first ``Dense`` layer's products
``z1 = X @ W1 + b1`` and ``dW1 = X.T @ delta`` are sparse-dense, ``X`` is never densified.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.optimize import _check_optimize_result

from .._validation import check_some_weight
from .._warn import warn
from ..optim import LBFGS
from ..train.callbacks import (
    History,
    as_callbacks,
    end_training,
    epoch_begin,
    letting_go_on_error,
    start_training,
)
from ..train.inputs import TrainData
from ..train.lbfgs import train_lbfgs
from ..train.loop import SKLEARN, Objective, TrainingRun
from ..train.options import FitOptions

__all__ = ["fit_stochastic", "fit_lbfgs", "SklearnEpochEnd"]


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


def _validate(est, val, logs):
    """scikit-learn's validation score (NaN when a prediction is), and glassnet's
    validation loss; keeps the best parameters."""
    Xv, Yv, wv = val
    out = est.net_.forward(Xv)
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


class SklearnEpochEnd:
    """The end of an epoch of scikit-learn's ``_fit_stochastic``, as the run's
    ``on_epoch_end``: its counters, the stopping rule's count (on the training loss or
    the validation score), the user's callbacks, the learning rate of "invscaling" and
    "adaptive", and the stop."""

    def __init__(self, est, run, val, tasks=None):
        self.est, self.run, self.val = est, run, val
        self.callbacks = _start_callbacks(est, run, tasks)

    def __call__(self, epoch: int, logs: dict) -> None:
        est = self.est
        est.loss_ = logs["loss"]
        est.n_iter_ += 1
        est.t_ += self.run.data.n
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        _no_improvement(est, self.val, logs)
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            est._optimizer.lr = est.learning_rate_init / (est.t_ + 1) ** est.power_t
        if est._no_improvement_count > est.n_iter_no_change:
            if _stop(est, self.val is not None):
                self.run.stop_training = True
            else:
                est._no_improvement_count = 0


def fit_stochastic(est, X, Y, w, incremental, tasks=None):
    """scikit-learn's ``_fit_stochastic``: minibatch epochs up to ``max_iter`` (one for
    ``partial_fit``), stopping after ``n_iter_no_change`` epochs without improvement;
    ``tasks`` (``FitTasks`` or None) runs scikit-learn's callbacks."""
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = est._make_optimizer()
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    val = None
    if est.early_stopping:
        X, Y, w, val = _split(est, X, Y, w)
    data = TrainData(X, est._loss_targets(Y), w, classification=False)
    opts = FitOptions(
        optimizer=est._optimizer,
        batch_size=_batch_size(est, data.n),
        shuffle=est.shuffle,
        seed=est._random_state,
    )
    objective = Objective(est.net_, est._loss_fn, l2=est.alpha, l2_per_example=True)
    run = TrainingRun(objective, data, opts, History(), None, None, rules=SKLEARN)
    run.on_epoch_end = end = SklearnEpochEnd(est, run, val, tasks)
    est.n_iter_ = 0
    first = len(est.loss_curve_)  # the epochs of earlier calls count on
    with letting_go_on_error(end.callbacks):  # (Ctrl-C ends the fit as scikit-learn's does)
        try:
            run.train(first, first + (1 if incremental else est.max_iter))
        except KeyboardInterrupt:
            warn("Training interrupted by user.")
        else:
            if not incremental and not run.stop_training and est.n_iter_ == est.max_iter:
                warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    if est.early_stopping:
        # restore the best parameters; like scikit-learn, the "best" then is the live
        # parameters until a later epoch improves on the best score
        if est._best_theta is not None:
            est.net_.set_flat(est._best_theta)
        est._best_theta = None
    _finish(est, end.callbacks, run.history)


def _start_callbacks(est, run, tasks) -> list:
    """The run's History, the user's glassnet callbacks and scikit-learn's epoch tasks
    (``tasks``, if any), wired to the network and run."""
    callbacks = [run.history, *as_callbacks(est.callbacks)]
    if tasks is not None:
        callbacks += tasks.per_epoch()
    start_training(callbacks, est.net_, run)
    run.on_epoch_begin = epoch_begin(callbacks)
    return callbacks


def _finish(est, callbacks, history) -> None:
    est.history_ = history
    end_training(callbacks, history.last())


SCIPY_FTOL = 2.2204460492503131e-09  # L-BFGS-B's default ftol, which scikit-learn keeps


def fit_lbfgs(est, X, Y, w, tasks=None):
    """scikit-learn's ``_fit_lbfgs``: SciPy's L-BFGS-B on the packed parameters (glassnet's
    ``theta`` is scikit-learn's packing: all weights, then all biases), through
    ``glassnet.train.lbfgs`` with scikit-learn's settings."""
    data = TrainData(X, est._loss_targets(Y), w, classification=False)
    lbfgs = LBFGS(max_fun=est.max_fun, gtol=est.tol, ftol=SCIPY_FTOL)
    opts = FitOptions(optimizer=lbfgs, shuffle=False)
    objective = Objective(est.net_, est._loss_fn, l2=est.alpha, l2_per_example=True)
    run = TrainingRun(objective, data, opts, History(), None, None, rules=SKLEARN)
    run.lr = float("nan")
    callbacks = _start_callbacks(est, run, tasks)

    def epoch_end(epoch, logs):
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)

    run.on_epoch_end = epoch_end
    with letting_go_on_error(callbacks):
        res = train_lbfgs(run, 0, est.max_iter)
    with warnings.catch_warnings(record=True) as caught:  # its stacklevel names this line:
        warnings.simplefilter("always")  # said again, at the user's
        est.n_iter_ = _check_optimize_result("lbfgs", res, est.max_iter)
    for warning in caught:
        warn(str(warning.message), warning.category)
    est.loss_ = res.fun
    _finish(est, callbacks, run.history)
