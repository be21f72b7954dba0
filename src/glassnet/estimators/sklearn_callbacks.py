"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn 1.9+) run by glassnet's own.

``NetClassifier`` and ``NetRegressor`` take ``set_callbacks(ScoringMonitor(...),
ProgressBar())`` as scikit-learn's estimators do (``CallbackSupportMixin``). A call to
``fit`` (or ``partial_fit``) is scikit-learn's task "fit"; each epoch, or each L-BFGS
iteration, is one subtask of it ("epoch" or "lbfgs-iter"). The subtasks are opened and
closed by ``FitTasks``, a glassnet ``Callback`` that sits in the run's callback list after
the ``callbacks=`` ones: its ``on_epoch_begin`` and ``on_epoch_end`` call scikit-learn's
``on_fit_task_begin`` and ``on_fit_task_end``. Both kinds of callback are so run by the one
training loop through one dispatch. A scikit-learn callback whose ``on_fit_task_end``
returns True ends training after that epoch, as ``fit_state.stop_training = True`` does.

Every hook is given the data ``fit`` was given (``X``, the labels or targets ``y``, and
``sample_weight`` as metadata) and, if it asks for one, a ``fitted_estimator``: a copy of
the estimator holding a copy of the network as it is at that moment (made only for the
callbacks that ask). The fitted model is the same with and without callbacks.

Without ``sklearn.callback`` (scikit-learn before 1.9) the estimators have no
``set_callbacks``, as scikit-learn's own estimators then have none, and train as before.
"""

from __future__ import annotations

import functools

from ..train.callbacks import Callback

__all__ = ["CallbackSupport", "FitTasks", "fit_tasks", "with_callbacks"]

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = None

if CallbackSupportMixin is not None:
    CallbackSupport = CallbackSupportMixin
else:

    class CallbackSupport:
        """scikit-learn < 1.9 has no callback API: no ``set_callbacks``."""


def with_callbacks(fit):
    """``fit`` followed by the callbacks' ``teardown``, also when it raises: scikit-learn's
    ``with_callbacks``, through the context manager that its own ``_fit_context`` uses,
    so that the wrapper is glassnet's frame and a warning still names the user's line.
    Before scikit-learn 1.9, ``fit`` itself."""
    if CallbackSupportMixin is None:
        return fit
    try:
        from sklearn.callback._callback_support import callback_management_context
    except ImportError:  # moved in a later scikit-learn: its public decorator
        from sklearn.callback import with_callbacks as public

        return public(fit)

    @functools.wraps(fit)
    def fit_then_teardown(est, *args, **kwargs):
        with callback_management_context(est):
            return fit(est, *args, **kwargs)

    return fit_then_teardown


def fit_tasks(est, X, Y, sample_weight, incremental: bool) -> FitTasks | None:
    """Open the task of this call to ``fit`` (or ``partial_fit``): None before
    scikit-learn 1.9. ``Y`` is the targets as ``_fit`` holds them (binarized labels)."""
    if not hasattr(est, "_init_callback_context"):
        return None
    return FitTasks(est, X, Y, sample_weight, 1 if incremental else est.max_iter)


class FitTasks(Callback):
    """scikit-learn's task tree of one call to ``fit``: the root task, opened here and
    closed by ``close``, and one subtask per epoch (or L-BFGS iteration), opened by
    ``on_epoch_begin`` and closed by ``on_epoch_end``.

    Parameters
    ----------
    est : NetClassifier or NetRegressor
    X : ndarray or sparse matrix of shape (n_samples, n_features), as ``fit`` checked it
    Y : ndarray of shape (n_samples, n_columns), the targets as ``_fit`` holds them
    sample_weight : ndarray of shape (n_samples,) or None, the caller's
    n_tasks : int, the most epochs (iterations) this call can run
    """

    def __init__(self, est, X, Y, sample_weight, n_tasks: int):
        self.est, self.X, self.Y, self._y = est, X, Y, None
        self.metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self.name = "lbfgs-iter" if est.solver == "lbfgs" else "epoch"
        self.task = None  # the epoch's task, between its begin and its end
        self.root = est._init_callback_context(max_subtasks=n_tasks)
        self.root.call_on_fit_task_begin(estimator=est, **self.data())

    def data(self) -> dict:
        return {"X": self.X, "y": self.targets, "metadata": self.metadata}

    def targets(self):
        """``y`` as the caller gave it (labels, or the targets), made on a hook's first
        request (the callback context calls it)."""
        if self._y is None:
            y = self.est._original_targets(self.Y)
            self._y = y[:, 0] if not self.est._classifier and y.shape[1] == 1 else y
        return self._y

    def snapshot(self) -> dict:
        """What ``fitted_estimator`` needs: the network as it is now (a copy)."""
        return {"net_": self.est.net_.copy()}

    def per_epoch(self) -> list:
        """``[self]`` for the run's callback list when the estimator has scikit-learn
        callbacks (its own, or a meta-estimator's); without them nobody sees the epochs'
        tasks and they are not made."""
        return [self] if getattr(self.est, "_skl_callbacks", None) else []

    def on_epoch_begin(self, epoch):
        self.task = self.root.subcontext(task_name=self.name)
        self.task.call_on_fit_task_begin(
            estimator=self.est, **self.data(), reconstruction_attributes=self.snapshot
        )

    def on_epoch_end(self, epoch, logs):
        task, self.task = self.task, None
        stop = task.call_on_fit_task_end(
            estimator=self.est, **self.data(), reconstruction_attributes=self.snapshot
        )
        if stop:
            self.fit_state.stop_training = True

    def on_train_end(self, logs):
        if self.task is not None:  # begun, never finished (interrupted; L-BFGS gave up)
            self.task.call_on_fit_task_end(estimator=self.est)  # an empty end, as sklearn's
            self.task = None

    def close(self) -> None:
        """End the root task, with the fitted estimator."""
        self.root.call_on_fit_task_end(
            estimator=self.est, **self.data(), reconstruction_attributes={}
        )
