"""scikit-learn's callback API (``sklearn.callback``, scikit-learn 1.9+) on NetClassifier
and NetRegressor: ``set_callbacks`` as on scikit-learn's own estimators, one task per
epoch or L-BFGS iteration, run by glassnet's callback list next to ``callbacks=``; the
estimators keep working without it (older scikit-learn)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet.data import datasets

try:
    from sklearn.callback import ProgressBar, ScoringMonitor
except ImportError:  # scikit-learn < 1.9
    ProgressBar = ScoringMonitor = None

ROOT = Path(__file__).resolve().parents[1]
needs_api = pytest.mark.skipif(ScoringMonitor is None, reason="scikit-learn < 1.9")
MAX_ITER = 4  # epochs (iterations) per fit: few, so that refitting for each one is cheap

# (estimator class, solver, scoring): both estimators, the stochastic solvers and L-BFGS
CASES = [
    (gn.NetClassifier, "adam", "accuracy"),
    (gn.NetClassifier, "sgd", "neg_log_loss"),
    (gn.NetClassifier, "lbfgs", "accuracy"),
    (gn.NetRegressor, "adam", "r2"),
    (gn.NetRegressor, "lbfgs", "r2"),
]


@pytest.fixture(scope="module")
def data():
    return {
        gn.NetClassifier: datasets.moons(100, noise=0.2, seed=0),
        gn.NetRegressor: datasets.sine(100),
    }


def _net(cls, solver="adam", max_iter=MAX_ITER, **kwargs):
    return cls(hidden_layer_sizes=(5,), solver=solver, max_iter=max_iter, random_state=0, **kwargs)


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is short on purpose
        return est.fit(X, y, **kwargs)


class Recorder:
    """A scikit-learn callback (the ``FitCallback`` protocol) that records its hooks."""

    def __init__(self, stop_at=None):
        self.record, self.stop_at = [], stop_at

    def setup(self, estimator, context):
        self.record.append(("setup", context, None))

    def teardown(self, estimator, context):
        self.record.append(("teardown", context, None))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.record.append(("begin", context, fitted_estimator))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.record.append(("end", context, fitted_estimator))
        return context.parent is not None and context.task_id == self.stop_at

    def hooks(self, name, task_name=None):
        return [
            (ctx, est)
            for hook, ctx, est in self.record
            if hook == name and task_name in (None, ctx.task_name)
        ]


# ------------------------------------------------------------------ ScoringMonitor
@needs_api
@pytest.mark.parametrize("cls, solver, scoring", CASES)
def test_scoring_monitor_logs_one_score_per_epoch(data, cls, solver, scoring):
    # epoch i's score is that of the same estimator fitted for i + 1 epochs (iterations):
    # the monitor scores the network as it is at the end of each epoch
    X, y = data[cls]
    monitor = ScoringMonitor(scoring=scoring)
    est = _fit(_net(cls, solver).set_callbacks(monitor), X, y)
    rows = monitor.get_logs().data
    name = "lbfgs-iter" if solver == "lbfgs" else "epoch"
    epochs = [row for row in rows if row["task_name"] == name]
    assert len(epochs) == est.n_iter_ == MAX_ITER
    assert [row["task_id_path"] for row in epochs] == [(0, i) for i in range(MAX_ITER)]
    assert [row["task_name"] for row in rows if row not in epochs] == ["fit"]
    scorer = check_scoring(est, scoring)
    for i, row in enumerate(epochs):
        assert row[scoring] == scorer(_fit(_net(cls, solver, max_iter=i + 1), X, y), X, y)
    assert rows[0][scoring] == epochs[-1][scoring] == scorer(est, X, y)  # the fit's own score


@needs_api
def test_each_partial_fit_is_a_run_of_one_epoch(data):
    X, y = data[gn.NetClassifier]
    monitor = ScoringMonitor(scoring="accuracy")
    clf = _net(gn.NetClassifier).set_callbacks(monitor)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    runs = monitor.get_logs(select="all")
    assert [[row["task_name"] for row in run.data] for run in runs] == [["fit", "epoch"]] * 2
    assert runs[1].data[1]["accuracy"] == clf.score(X, y)


# ------------------------------------------------------------------ the tasks' hooks
@needs_api
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_hooks_pair_up_one_task_per_epoch(data, solver):
    # setup and teardown once; each epoch's task begins with the network before the
    # epoch and ends with it after: the end of epoch i is the begin of epoch i + 1
    X, y = data[gn.NetClassifier]
    rec = Recorder()
    clf = _fit(_net(gn.NetClassifier, solver).set_callbacks(rec), X, y)
    assert [len(rec.hooks(h)) for h in ("setup", "teardown")] == [1, 1]
    begins, ends = rec.hooks("begin"), rec.hooks("end")
    assert len(begins) == len(ends) == 1 + clf.n_iter_  # the fit, then one per epoch
    assert [ctx.task_name for ctx, _ in begins[:2]] == ["fit", ends[0][0].task_name]
    for (_, before), (_, after) in zip(begins[2:], ends[:-2]):  # epochs 1.. and 0..
        assert np.array_equal(before.net_.theta, after.net_.theta)
        assert before.net_ is not after.net_ is not clf.net_  # copies, not the live network
    assert np.array_equal(ends[-2][1].net_.theta, clf.net_.theta)  # the last epoch's end
    assert ends[-1][0].task_name == "fit" and ends[-1][1].net_ is clf.net_


@needs_api
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_returning_true_stops_training(data, solver):
    X, y = data[gn.NetClassifier]
    clf = _fit(_net(gn.NetClassifier, solver, max_iter=50).set_callbacks(Recorder(stop_at=2)), X, y)
    assert clf.n_iter_ == 3 and len(clf.history_) == 3


@needs_api
def test_an_epoch_cut_short_ends_empty(data):
    # a KeyboardInterrupt inside epoch 1 (from a glassnet callback, which runs before the
    # scikit-learn tasks): that epoch's task began; it ends with nothing to score
    X, y = data[gn.NetClassifier]

    def interrupt(epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    rec, monitor = Recorder(), ScoringMonitor(scoring="accuracy")
    clf = _net(gn.NetClassifier, callbacks=[interrupt]).set_callbacks(rec, monitor)
    with pytest.warns(UserWarning, match="interrupted by user"):
        clf.fit(X, y)
    begins, ends = rec.hooks("begin", "epoch"), rec.hooks("end", "epoch")
    assert len(begins) == len(ends) == 2
    assert ends[0][1] is not None and ends[1][1] is None
    assert [row["task_name"] for row in monitor.get_logs().data] == ["fit", "epoch"]


@needs_api
def test_set_callbacks_refuses_what_is_not_a_callback():
    with pytest.raises(TypeError, match="callbacks must be instances following"):
        gn.NetClassifier().set_callbacks(gn.EarlyStopping())  # a glassnet callback: callbacks=


# ------------------------------------------------------------------ one mechanism
@needs_api
@pytest.mark.parametrize("cls, solver, scoring", CASES)
def test_the_model_is_the_same_with_and_without_callbacks(data, cls, solver, scoring):
    X, y = data[cls]
    plain = _fit(_net(cls, solver), X, y)
    watched = _net(cls, solver).set_callbacks(ScoringMonitor(scoring=scoring), Recorder())
    _fit(watched, X, y)
    assert np.array_equal(plain.net_.theta, watched.net_.theta)
    assert plain.n_iter_ == watched.n_iter_ and plain.loss_ == watched.loss_


@needs_api
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_glassnet_callbacks_and_set_callbacks_run_together(data, solver):
    # both see the same epochs, in the run's one callback list: glassnet's first
    X, y = data[gn.NetClassifier]
    order = []

    class Seen(gn.Callback):
        def on_epoch_begin(self, epoch):
            order.append(("begin", epoch))

        def on_epoch_end(self, epoch, logs):
            order.append(("end", epoch))

    class Tasks(Recorder):
        def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
            order.append(("task begin", context.task_id))

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            order.append(("task end", context.task_id))

    clf = _net(gn.NetClassifier, solver, callbacks=[Seen()]).set_callbacks(Tasks())
    _fit(clf, X, y)
    epochs = [
        [("begin", i), ("task begin", i), ("end", i), ("task end", i)] for i in range(MAX_ITER)
    ]
    assert order == [("task begin", 0), *sum(epochs, []), ("task end", 0)]
    assert len(clf.history_) == clf.n_iter_ == MAX_ITER


@pytest.mark.parametrize("optimizer", [gn.SGD(lr=0.1), gn.LBFGS()])
def test_fit_calls_on_epoch_begin_before_every_epoch(optimizer):
    # the hook that opens scikit-learn's tasks is glassnet's: gn.fit calls it too
    X, y = datasets.moons(100, noise=0.2, seed=0)
    events = []

    class Seen(gn.Callback):
        def on_epoch_begin(self, epoch):
            events.append(("begin", epoch, self.net.theta.copy()))

        def on_epoch_end(self, epoch, logs):
            events.append(("end", epoch, self.net.theta.copy()))

    net = gn.mlp([2, 5, 2], seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=optimizer, epochs=3, callbacks=[Seen()])
    assert [e[:2] for e in events] == [(k, i) for i in range(3) for k in ("begin", "end")]
    for (_, _, after), (_, _, before) in zip(events[1::2], events[2::2]):
        assert np.array_equal(after, before)  # nothing moves the weights between epochs


# ------------------------------------------------------------------ ProgressBar
@needs_api
def test_progress_bar_shows_the_fit(data, capsys):
    pytest.importorskip("rich")  # ProgressBar's display (the test extra installs it)
    X, y = data[gn.NetRegressor]
    _fit(_net(gn.NetRegressor).set_callbacks(ProgressBar()), X, y)
    out = capsys.readouterr().out
    assert "NetRegressor - fit" in out and "100%" in out


# ------------------------------------------------------------------ meta-estimators
def _fit_rows(monitor):
    """The monitor's most recent run: its name, and each fit's task path with the
    number of epochs scored under it."""
    log = monitor.get_logs()
    fits = {row["task_id_path"]: 0 for row in log.data if row["task_name"] == "fit"}
    for row in log.data:
        if row["parent_task_id_path"] in fits:
            fits[row["parent_task_id_path"]] += 1
    return log.estimator_name, fits


@needs_api
def test_the_estimators_monitor_records_inside_a_pipeline(data):
    X, y = data[gn.NetClassifier]
    monitor = ScoringMonitor(scoring="accuracy")
    pipe = make_pipeline(StandardScaler(), _net(gn.NetClassifier).set_callbacks(monitor))
    _fit(pipe, X, y)
    # the Pipeline's task 0 (the scaler), then its final estimator, task 1
    assert _fit_rows(monitor) == ("Pipeline", {(0, 1): MAX_ITER})


@needs_api
@pytest.mark.parametrize("backend", [None, "threading"])
def test_the_estimators_monitor_records_inside_a_grid_search(data, backend):
    # as LogisticRegression's: one fit per candidate and split, and the refit, each at
    # the task of GridSearchCV's that LogisticRegression's fit takes
    X, y = data[gn.NetClassifier]
    fits = {}
    for est, grid in [(_net(gn.NetClassifier), "alpha"), (LogisticRegression(max_iter=3), "C")]:
        monitor = ScoringMonitor(scoring="accuracy")
        search = GridSearchCV(
            clone(est).set_callbacks(monitor), {grid: [1e-2, 1.0]}, cv=2, n_jobs=backend and 2
        )
        with contextlib.ExitStack() as stack:
            if backend:
                from joblib import parallel_backend

                stack.enter_context(parallel_backend(backend))
            _fit(search, X, y)
        fits[grid] = _fit_rows(monitor)
    name, ours = fits["alpha"]
    assert name == fits["C"][0] == "GridSearchCV"
    assert list(ours) == list(fits["C"][1]) and len(ours) == 2 * 2 + 1
    assert set(ours.values()) == {MAX_ITER}


# ------------------------------------------------------------------ older scikit-learn
NO_API = """
import sys, warnings
import numpy as np
# scikit-learn's own modules that need sklearn.callback are loaded; then it is gone, as
# in scikit-learn < 1.9, for glassnet's import
import sklearn.model_selection, sklearn.pipeline, sklearn.preprocessing
sys.modules["sklearn.callback"] = None
import glassnet as gn
from glassnet.estimators import sklearn_callbacks
from glassnet.data import datasets
assert sklearn_callbacks.CallbackSupportMixin is None
warnings.simplefilter("ignore")
X, y = datasets.moons(100, noise=0.2, seed=0)
thetas, epochs = {}, []
for solver in ("adam", "lbfgs"):
    clf = gn.NetClassifier(hidden_layer_sizes=(5,), solver=solver, max_iter=4, random_state=0,
                           callbacks=[lambda epoch, logs: epochs.append(epoch)])
    assert not hasattr(clf, "set_callbacks")
    thetas[solver] = clf.fit(X, y).net_.theta
np.savez(sys.argv[1], epochs=epochs, **thetas)
"""


def test_without_sklearn_callback_the_estimators_work_as_before(data, tmp_path):
    out = tmp_path / "thetas.npz"
    proc = subprocess.run(
        [sys.executable, "-c", NO_API, str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    got = np.load(out)
    assert list(got["epochs"]) == [0, 1, 2, 3] * 2  # glassnet's callbacks= still run
    X, y = data[gn.NetClassifier]
    for solver in ("adam", "lbfgs"):  # the model of today's estimators
        assert np.array_equal(got[solver], _fit(_net(gn.NetClassifier, solver), X, y).net_.theta)


# ------------------------------------------------------------------ the README's example
@needs_api
def test_the_readme_example_runs():
    pytest.importorskip("rich")
    text = (ROOT / "README.md").read_text()
    section = text.split("### scikit-learn's callbacks", 1)[1].split("\n#", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scope: dict = {}
        exec(compile(code, "README.md", "exec"), scope)
    rows = scope["monitor"].get_logs().data
    assert sum(row["task_name"] == "epoch" for row in rows) == scope["clf"].n_iter_
    assert "NetClassifier - fit" in shown.getvalue()


def _epoch_begins(epoch):  # a callback that pickles (a module's function)
    pass


@pytest.mark.parametrize("callbacks", ["scikit-learn's", "glassnet's"])
def test_a_fitted_estimator_pickles_without_its_training_run(callbacks):
    """A fit with set_callbacks(ScoringMonitor()) (or a glassnet callback with
    on_epoch_begin) left its run in ``history_.fit_state``: pickling failed ("Can't
    pickle local object 'epoch_begin.<locals>.begin'"), and without callbacks the pickle
    held the training data (twice X's size). The run is let go at the end of training."""
    import pickle

    if callbacks == "scikit-learn's" and ScoringMonitor is None:
        pytest.skip("scikit-learn < 1.9")
    rng = np.random.RandomState(0)
    X, y = rng.randn(2000, 50), rng.randint(0, 2, 2000)  # 800 kB of X
    clf = gn.NetClassifier(hidden_layer_sizes=(8,), max_iter=MAX_ITER, random_state=0)
    if callbacks == "scikit-learn's":
        clf.set_callbacks(ScoringMonitor(scoring="accuracy"))
    else:
        clf.set_params(callbacks=[gn.LambdaCallback(on_epoch_begin=_epoch_begins)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.history_.fit_state is None
    blob = pickle.dumps(clf)
    assert len(blob) < X.nbytes / 10  # the network and its history, not the data
    np.testing.assert_array_equal(pickle.loads(blob).predict(X), clf.predict(X))


@needs_api
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_progress_bar_goes_on_the_outermost_estimator(data, capsys):
    """As docs/guide/estimators.md says: on the pipeline it shows the fit; on the
    estimator inside, scikit-learn refuses it (for its own estimators too)."""
    X, y = data[gn.NetClassifier]
    make_pipeline(StandardScaler(), _net(gn.NetClassifier)).set_callbacks(ProgressBar()).fit(X, y)
    inner = make_pipeline(StandardScaler(), _net(gn.NetClassifier).set_callbacks(ProgressBar()))
    with pytest.raises(TypeError, match="can't have auto-propagated callbacks"):
        inner.fit(X, y)
    logistic = make_pipeline(StandardScaler(), LogisticRegression().set_callbacks(ProgressBar()))
    with pytest.raises(TypeError, match="can't have auto-propagated callbacks"):
        logistic.fit(X, y)
