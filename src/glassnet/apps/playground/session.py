"""One tab's training session: its data, network, optimizer and history.

``Session`` is plain synchronous code guarded by a lock, so that the server can run
``train`` in a worker thread while another thread asks for a ``frame`` or a model file.
Every epoch is one ``glassnet.fit(..., epochs=1)`` call with the shuffling seed
``seed + epoch`` and the rate ``schedule(epoch)``: the run does not depend on how the
server slices it into chunks, and the snippet of ``config.snippet`` repeats it exactly.
"""

from __future__ import annotations

import copy
import os
import tempfile
import threading
import time
import unicodedata
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from ... import modelfile as gn_io
from ..._checks import Interval
from ...data.csvfile import load_csv
from ...layers import Dense
from ...schedules import get_schedule
from ...train.diagnostics import DivergenceError
from ...train.fit import fit
from ...train.monitor import Monitor
from .config import (
    DEFAULTS,
    LIMITS,
    SCHEDULE_ARGS,
    ConfigError,
    checked,
    make_data,
    merge_config,
)
from .inside import StepCursor, monitor_message, point_numbers, step_numbers
from .snippet import build, page_model, snippet
from .views import HEAT_RES, data_message, frame_message

__all__ = ["Session", "parse_csv", "file_label", "Diverged"]

MONITOR_EVERY = 5  # record the per-layer monitor every this many epochs (and at epoch 0)
MONITOR_ROWS = 256  # rows of the training data the activations are measured on
MAX_NAME_BYTES = 255  # a file name's limit on common file systems


class Diverged(FloatingPointError):
    """A step or play chunk whose loss became NaN or inf; the last good network is kept."""


def file_label(name) -> str:
    """The label of an uploaded file: its base name, checked. It names the data in
    messages and in the snippet and is never used as a path.

    Raises
    ------
    ConfigError
        For a name with control characters (NUL, newline, ...), of over 255 bytes, or that
        is no file name at all (empty, ``.``, ``..``).
    """
    if not isinstance(name, str):
        raise ConfigError(f"the file name must be text, got {type(name).__name__}")
    bad = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs")]
    if bad:
        raise ConfigError(f"the file name holds a control character ({bad[0]!r}): {name!r:.80}")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ConfigError(
            f"the file name is {len(name.encode('utf-8'))} bytes long; "
            f"at most {MAX_NAME_BYTES} are allowed"
        )
    label = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if label in ("", ".", ".."):
        raise ConfigError(f"{name!r} is not a file name")
    return label


def parse_csv(data: bytes, name: str = "upload.csv", regression: bool = False):
    """``(X, y, classes)`` from the bytes of an uploaded CSV: two numeric feature columns
    and a class label column (the last one). ``name`` is only a label (see ``file_label``).

    Raises
    ------
    ConfigError
        When the file is too large, unreadable, has other than 2 features, more than the
        allowed rows or classes, a single class, values too large to standardize, or a
        name that is not a file name.
    """
    label = file_label(name)
    if len(data) > LIMITS["upload_bytes"]:
        raise ConfigError(f"the file is {len(data)} bytes; the limit is {LIMITS['upload_bytes']}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"  # the name is a label, never a path
        path.write_bytes(data)
        try:
            parsed = load_csv(path, categorical=not regression)
        except ValueError as exc:
            raise ConfigError(str(exc).replace(str(path), label)) from None
    X, y = parsed.X, parsed.y
    if X.shape[1] != 2:
        raise ConfigError(f"the CSV needs 2 feature columns and a label, got {X.shape[1]} features")
    if len(X) > LIMITS["rows"]:
        raise ConfigError(f"the CSV has {len(X)} rows; the limit is {LIMITS['rows']}")
    if len(X) < 4:
        raise ConfigError(f"the CSV has {len(X)} rows; at least 4 are needed")
    if regression:  # a numeric target (load_csv checked that it is finite)
        return X, y, None
    k = len(parsed.classes)
    if not 2 <= k <= LIMITS["classes"]:
        raise ConfigError(f"the CSV has {k} classes; 2 to {LIMITS['classes']} are allowed")
    return X, y, list(parsed.classes)


class Session:
    """The state behind one browser tab.

    Parameters
    ----------
    config : dict or None
        A (partial) config; missing fields take ``DEFAULTS``.
    """

    def __init__(self, config: dict | None = None):
        self.lock = threading.RLock()
        self.csv = None  # (X, y) of the uploaded file
        self.csv_name = "data.csv"
        self.csv_classes: list[str] | None = None
        self.config = merge_config(DEFAULTS, config or {})
        self._rebuild_data()

    # ------------------------------------------------------------------ setup
    def _rebuild_data(self) -> None:
        data = make_data(self.config, self.csv)
        X, y, train = data.X, data.y, data.train
        self.scaling, self.target = data.scaling, data.target
        self.X, self.y = X, y
        self.X_train, self.y_train = X[train], y[train]
        self.X_test, self.y_test = X[data.test], y[data.test]
        self.train_index = train  # X_train's rows in X
        self.is_train = np.zeros(len(X), dtype=bool)
        self.is_train[train] = True
        regression = self.config["problem"] == "regression"
        self.n_outputs = 1 if regression else max(2, int(y.max()) + 1)
        r = max(1.0, 1.1 * float(np.abs(X[:, :2]).max()))
        self.domain = [-r, r, -r, r]
        g = np.linspace(-r, r, HEAT_RES)
        xx, yy = np.meshgrid(g, -g)  # row 0 at the top of the picture
        self.grid = np.c_[xx.ravel(), yy.ravel()]
        self.data_version = getattr(self, "data_version", 0) + 1
        self.selected: int | None = None  # the point whose numbers the frames carry
        self.reset()

    def reset(self) -> None:
        """A fresh network and optimizer from the config's seed; epoch 0, empty history."""
        with self.lock:
            c = self.config
            self.net, self.loss, self.optimizer = build(c, self.X.shape[1], self.n_outputs)
            lr = c["lr"]
            self.schedule = get_schedule(c["schedule"], lr=lr, **SCHEDULE_ARGS[c["schedule"]])
            self.epoch = 0
            self.history: dict[str, list] = {
                "loss": [],
                "val_loss": [],
                "accuracy": [],
                "val_accuracy": [],
            }
            self.run_version = getattr(self, "run_version", 0) + 1
            self.monitor = None  # the last monitor record, as the frame sends it
            self.cursor: StepCursor | None = None  # the epoch single steps are taking
            self.last_step: dict | None = None  # the last single step's rows and gradients
            self.edits = 0  # weights and biases edited by hand in this run
            self._evaluate()

    def update(self, patch: dict) -> None:
        """Apply a partial config (checked first; on error nothing changes) and restart."""
        with self.lock:
            new = merge_config(self.config, patch)
            if new["dataset"] == "csv" and self.csv is None:
                raise ConfigError(
                    "no CSV uploaded yet: choose a file with two features and a label"
                )
            old, self.config = self.config, new
            try:
                self._rebuild_data()
            except Exception:
                self.config = old
                self._rebuild_data()
                raise

    def regenerate(self) -> None:
        """New random points: the next data seed."""
        with self.lock:
            self.update({"data_seed": (self.config["data_seed"] + 1) % (2**31 - 1)})

    def set_csv(self, data: bytes, name: str = "upload.csv") -> dict:
        """Use an uploaded CSV as the data set; returns a short description."""
        X, y, classes = parse_csv(data, name, self.config["problem"] == "regression")
        with self.lock:
            self.csv, self.csv_classes, self.csv_name = (X, y), classes, file_label(name)
            self.config["dataset"] = "csv"
            self._rebuild_data()
        return {"rows": int(len(X)), "classes": classes or [], "name": self.csv_name}

    # ------------------------------------------------------------------ training
    def _evaluate(self) -> None:
        """The losses (and, for classification, the accuracies) on both splits."""
        net, loss = self.net, self.loss
        for part, X, y in (
            ("train", self.X_train, self.y_train),
            ("test", self.X_test, self.y_test),
        ):
            out = net.forward(X)
            setattr(self, f"{part}_loss", float(loss.forward(out, y)))
            acc = None if not loss.classification else float(np.mean(out.argmax(axis=1) == y))
            setattr(self, f"{part}_acc", acc)

    def train(self, max_epochs: int = 1, budget: float | None = None, stop=None) -> int:
        """Train up to ``max_epochs`` epochs, or until ``budget`` seconds have passed or
        ``stop()`` is true (both checked between epochs). Returns the epochs trained.

        Raises
        ------
        Diverged
            When an epoch's loss or parameters become NaN or inf; the network and the
            optimizer are then as they were after the last good epoch.
        """
        t0 = time.perf_counter()
        done = 0
        with self.lock:
            while done < max_epochs and self.epoch < LIMITS["epochs"]:
                if stop is not None and stop():
                    break
                self._train_epoch()
                done += 1
                if budget is not None and time.perf_counter() - t0 > budget:
                    break
        return done

    def _train_epoch(self) -> None:
        """One epoch: ``fit(..., epochs=1)`` with this epoch's seed and rate, then stats;
        an epoch that single steps began (``one_step``) is finished batch by batch."""
        c, e = self.config, self.epoch
        mon = Monitor(every=1, sample_size=MONITOR_ROWS, seed=c["seed"])
        mon = mon if e % MONITOR_EVERY == 0 and self.cursor is None else None

        def epoch():
            if self.cursor is not None:
                while not self.cursor.done:
                    self._take_step()
                return
            self.optimizer.lr = self.schedule(e)
            fit(
                self.net,
                self.loss,
                self.X_train,
                self.y_train,
                optimizer=self.optimizer,
                epochs=1,
                batch_size=c["batch_size"] or None,
                seed=c["seed"] + e,
                l2=c["l2"],
                l1=c["l1"],
                callbacks=[mon] if mon is not None else None,
            )

        self._guarded(epoch, f"epoch {e + 1}", f"after epoch {e}")
        self.last_step = None
        self._end_epoch(mon)

    def one_step(self) -> None:
        """One minibatch step: the next batch of the epoch in progress, the one its
        ``fit`` call would take next (``inside.StepCursor``). The step's rows and
        gradient are kept for the page; the epoch ends with its last batch."""
        with self.lock:
            c = self.config
            if self.cursor is None:
                n = len(self.X_train)
                self.cursor = StepCursor(n, c["batch_size"], c["seed"], self.epoch)
            which = f"step {self.cursor.next + 1} of epoch {self.epoch + 1}"
            rows = self._guarded(self._take_step, which, "before this step")
            cursor = self.cursor
            rows = self.train_index[rows]  # the rows of the page's points
            self.last_step = step_numbers(self.net, rows, len(cursor.batches), cursor.next)
            if self.cursor.done:
                self._end_epoch(None)

    def _take_step(self) -> np.ndarray:
        self.optimizer.lr = self.schedule(self.epoch)
        X, y, c = self.X_train, self.y_train, self.config
        opt = self.optimizer
        return self.cursor.take(self.net, self.loss, X, y, l2=c["l2"], l1=c["l1"], optimizer=opt)

    def _guarded(self, work, what: str, kept: str):
        """``work()``, then the stats; when the loss or the parameters become NaN or inf,
        the network, the optimizer and the step cursor go back to where they were and
        ``Diverged`` says so."""
        good = self.net.theta.copy(), copy.deepcopy(self.optimizer), copy.deepcopy(self.cursor)
        try:
            with np.errstate(all="ignore"):  # a diverging step overflows: caught below
                result = work()
                self._evaluate()
            finite = np.isfinite(self.net.theta).all() and np.isfinite(self.train_loss)
        except DivergenceError:
            finite = False
        if not finite:
            self.net.theta[...] = good[0]
            self.optimizer, self.cursor = good[1], good[2]
            self._evaluate()
            raise Diverged(
                f"training diverged in {what} (the loss became NaN or inf): lower the "
                f"learning rate (now {self.config['lr']:g}); the network is kept as it was "
                f"{kept}"
            )
        return result

    def _end_epoch(self, mon: Monitor | None) -> None:
        """The epoch's bookkeeping: its number, the monitor's record, the plateau
        schedule's update and the history."""
        self.epoch += 1
        self.cursor = None
        if mon is not None and mon.epochs:
            self.monitor = monitor_message(self.net, mon, self.epoch)
        if self.config["schedule"] == "plateau":
            self.schedule.update(self.test_loss)
        h = self.history
        h["loss"].append(self.train_loss)
        h["val_loss"].append(self.test_loss)
        h["accuracy"].append(self.train_acc)
        h["val_accuracy"].append(self.test_acc)

    # ------------------------------------------------------------------ views
    def data_message(self) -> dict:
        """The points, their labels and split, and the plot's domain (``views``)."""
        with self.lock:
            return data_message(self)

    def frame(self, since: int = 0) -> dict:
        """Everything the views draw, the history from epoch ``since`` (``views``)."""
        with self.lock:
            return frame_message(self, since)

    def select(self, index) -> None:
        """Select the data point ``index`` (a row of the data, or None for none): the
        frames then carry the network's numbers at that point (``inside.point_numbers``)."""
        if index is not None:
            checked("point", index, _below(len(self.X)))
        with self.lock:
            self.selected = index

    def point(self) -> dict | None:
        """The selected point's numbers (``inside.point_numbers``), or None."""
        i = self.selected
        if i is None:
            return None
        return {"index": i, **point_numbers(self.net, self.loss, self.X[i], self.y[i])}

    def edit(self, layer: int, unit: int, value, source: int | None = None) -> None:
        """Set a weight (from input ``source`` to ``unit`` of Dense layer ``layer``) or,
        without ``source``, the unit's bias, to ``value``: training goes on from there,
        the download holds it, and the snippet says that the run was edited by hand."""
        dense = [lay for lay in self.net.layers if isinstance(lay, Dense)]
        checked("layer", layer, _below(len(dense)))
        target = dense[layer]
        checked("to", unit, _below(target.n_out))
        if source is not None:
            checked("from", source, _below(target.n_in))
        value = checked("value", value, EDIT_RANGE)
        with self.lock:
            if source is None:
                target.b[unit] = value
            else:
                target.W[source, unit] = value
            self.edits += 1
            self._evaluate()

    def model(self):
        """The network the page downloads (``snippet.page_model``)."""
        with self.lock:
            classes = self.csv_classes if self.config["dataset"] == "csv" else None
            return page_model(self.config, self.net, self.scaling, self.target, classes)

    def model_bytes(self) -> bytes:
        """``model()`` as the bytes of a ``gn.load``-able ``.npz`` file."""
        net = self.model()
        fd, tmp = tempfile.mkstemp(suffix=".npz")
        os.close(fd)
        try:
            gn_io.save(net, tmp)
            return Path(tmp).read_bytes()
        finally:
            os.unlink(tmp)

    def snippet(self) -> str:
        """Python source that retrains this run for the current number of epochs."""
        with self.lock:
            steps = None if self.cursor is None else (self.cursor.next, self.epoch)
            return snippet(
                self.config,
                self.epoch,
                len(self.X),
                self.X.shape[1],
                self.n_outputs,
                filename=self.csv_name,
                edits=self.edits,
                steps=steps,
            )


EDIT_RANGE = Interval(Real, -100, 100)  # a weight typed on the page: a finite number


def _below(n: int) -> Interval:
    """An index into ``n`` things: an integer from 0 to ``n - 1``."""
    return Interval(Integral, 0, n - 1)
