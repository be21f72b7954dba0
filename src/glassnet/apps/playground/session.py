"""One tab's training session: its data, network, optimizer and history.

``Session`` is plain synchronous code guarded by a lock, so that the server can run
``train`` in a worker thread while another thread asks for a ``frame`` or a model file.
Every epoch is one ``glassnet.fit(..., epochs=1)`` call with the shuffling seed
``seed + epoch`` and the rate ``schedule(epoch)``: the run does not depend on how the
server slices it into chunks, and the snippet of ``config.snippet`` repeats it exactly.
"""

from __future__ import annotations

import base64
import copy
import os
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

import numpy as np

from ... import modelfile as gn_io
from ...data.csvfile import load_csv
from ...layers import Dense
from ...losses import SoftmaxCrossEntropy
from ...network import mlp
from ...optim import SGD, Adam, RMSProp
from ...schedules import get_schedule
from ...train.diagnostics import DivergenceError
from ...train.fit import fit
from ...train.monitor import SATURATION, Monitor, layer_activations
from .config import (
    DEFAULTS,
    LIMITS,
    SCHEDULE_ARGS,
    ConfigError,
    make_data,
    merge_config,
    snippet,
)

__all__ = ["Session", "parse_csv", "file_label", "Diverged"]

MONITOR_EVERY = 5  # record the per-layer monitor every this many epochs (and at epoch 0)
MONITOR_ROWS = 256  # rows of the training data the activations are measured on
MAX_NAME_BYTES = 255  # a file name's limit on common file systems


class Diverged(FloatingPointError):
    """A step or play chunk whose loss became NaN or inf; the last good network is kept."""


HEAT_RES = 64  # cells per side of the decision-boundary heatmap


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _f4(a: np.ndarray) -> np.ndarray:
    """``a`` as little-endian float32 for the page, huge values clipped to float32's range."""
    big = np.finfo(np.float32).max
    return np.clip(a, -big, big).astype("<f4")


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


def parse_csv(data: bytes, name: str = "upload.csv"):
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
            parsed = load_csv(path, categorical=True)
        except ValueError as exc:
            raise ConfigError(str(exc).replace(str(path), label)) from None
    X, y = parsed.X, parsed.y
    if X.shape[1] != 2:
        raise ConfigError(f"the CSV needs 2 feature columns and a label, got {X.shape[1]} features")
    if len(X) > LIMITS["rows"]:
        raise ConfigError(f"the CSV has {len(X)} rows; the limit is {LIMITS['rows']}")
    if len(X) < 4:
        raise ConfigError(f"the CSV has {len(X)} rows; at least 4 are needed")
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
        X, y, train, test, self.scaling = make_data(self.config, self.csv)
        self.X, self.y = X, y
        self.X_train, self.y_train = X[train], y[train]
        self.X_test, self.y_test = X[test], y[test]
        self.is_train = np.zeros(len(X), dtype=bool)
        self.is_train[train] = True
        self.n_classes = max(2, int(y.max()) + 1)
        r = max(1.0, 1.1 * float(np.abs(X).max()))
        self.domain = [-r, r, -r, r]
        g = np.linspace(-r, r, HEAT_RES)
        xx, yy = np.meshgrid(g, -g)  # row 0 at the top of the picture
        self.grid = np.c_[xx.ravel(), yy.ravel()]
        self.data_version = getattr(self, "data_version", 0) + 1
        self.reset()

    def reset(self) -> None:
        """A fresh network and optimizer from the config's seed; epoch 0, empty history."""
        with self.lock:
            c = self.config
            self.net = mlp(
                [2, *c["layers"], self.n_classes],
                activation=c["activations"],
                dropout=c["dropout"],
                seed=c["seed"],
            )
            self.loss = SoftmaxCrossEntropy()
            lr = c["lr"]
            self.optimizer = {
                "sgd": lambda: SGD(lr=lr),
                "momentum": lambda: SGD(lr=lr, momentum=0.9),
                "adam": lambda: Adam(lr=lr),
                "rmsprop": lambda: RMSProp(lr=lr),
            }[c["optimizer"]]()
            self.schedule = get_schedule(c["schedule"], lr=lr, **SCHEDULE_ARGS[c["schedule"]])
            self.epoch = 0
            self.history: dict[str, list[float]] = {
                "loss": [],
                "val_loss": [],
                "accuracy": [],
                "val_accuracy": [],
            }
            self.run_version = getattr(self, "run_version", 0) + 1
            self.monitor = None  # the last monitor record, as the frame sends it
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
        X, y, classes = parse_csv(data, name)
        with self.lock:
            self.csv, self.csv_classes, self.csv_name = (X, y), classes, file_label(name)
            self.config["dataset"] = "csv"
            self._rebuild_data()
        return {"rows": int(len(X)), "classes": classes, "name": self.csv_name}

    # ------------------------------------------------------------------ training
    def _evaluate(self) -> None:
        net, loss = self.net, self.loss
        out = net.forward(self.X_train)
        self.train_loss = float(loss.forward(out, self.y_train))
        self.train_acc = float(np.mean(out.argmax(axis=1) == self.y_train))
        out = net.forward(self.X_test)
        self.test_loss = float(loss.forward(out, self.y_test))
        self.test_acc = float(np.mean(out.argmax(axis=1) == self.y_test))

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
        """One epoch: ``fit(..., epochs=1)`` with this epoch's seed and rate, then stats."""
        c, e = self.config, self.epoch
        good_theta, good_optimizer = self.net.theta.copy(), copy.deepcopy(self.optimizer)
        self.optimizer.lr = self.schedule(e)
        mon = Monitor(every=1, sample_size=MONITOR_ROWS, seed=c["seed"])
        mon = mon if e % MONITOR_EVERY == 0 else None
        try:
            with np.errstate(all="ignore"):  # a diverging epoch overflows: caught below
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
                    callbacks=[mon] if mon is not None else None,
                )
                self._evaluate()
            finite = np.isfinite(self.net.theta).all() and np.isfinite(self.train_loss)
        except DivergenceError:
            finite = False
        if not finite:
            self.net.theta[...] = good_theta
            self.optimizer = good_optimizer
            self._evaluate()
            raise Diverged(
                f"training diverged in epoch {e + 1} (the loss became NaN or inf): lower the "
                f"learning rate (now {c['lr']:g}); the network is kept as it was after "
                f"epoch {e}"
            )
        self.epoch += 1
        if mon is not None and mon.epochs:
            self.monitor = self._monitor_message(mon)
        if c["schedule"] == "plateau":
            self.schedule.update(self.test_loss)
        h = self.history
        h["loss"].append(self.train_loss)
        h["val_loss"].append(self.test_loss)
        h["accuracy"].append(self.train_acc)
        h["val_accuracy"].append(self.test_acc)

    def _monitor_message(self, mon: Monitor) -> dict:
        """The monitor's last record for the page: per layer (the Dense layers, first to
        last) the gradient and weight norms, the update/weight ratio, the activations'
        mean and spread, the saturated and dead shares (None where they do not apply:
        JSON has no NaN), and per hidden layer the indices of dead units (ReLU: zero on
        every sampled row) and of saturated units (tanh/sigmoid: derivative below
        ``SATURATION`` on more than half of the rows)."""
        stats = mon.stats
        msg = {"epoch": self.epoch, "layers": list(mon.layers)}
        for key, values in stats.items():
            msg[key] = [None if not np.isfinite(v) else float(v) for v in values[-1]]
        ratios = [v for v in msg["update_ratio"] if v is not None]
        msg["update_ratio_median"] = float(np.median(ratios)) if ratios else None
        dead, saturated = [], []
        for a, layer in layer_activations(self.net, mon.sample)[:-1]:  # hidden layers only
            name = type(layer).__name__
            if name == "ReLU":
                dead.append(np.flatnonzero(~(a > 0).any(axis=0)).tolist())
            else:
                dead.append([])
            slope = 1 - a * a if name == "Tanh" else a * (1 - a) if name == "Sigmoid" else None
            if slope is None:
                saturated.append([])
            else:
                saturated.append(np.flatnonzero((slope < SATURATION).mean(axis=0) > 0.5).tolist())
        msg["dead_units"], msg["saturated_units"] = dead, saturated
        return msg

    # ------------------------------------------------------------------ views
    def data_message(self) -> dict:
        """The points (rounded), their labels and split, and the plot's domain."""
        with self.lock:
            return {
                "type": "data",
                "version": self.data_version,
                "X": np.round(self.X, 4).tolist(),
                "y": self.y.tolist(),
                "train": self.is_train.astype(int).tolist(),
                "domain": self.domain,
                "n_classes": self.n_classes,
                "classes": self.csv_classes if self.config["dataset"] == "csv" else None,
            }

    def _hidden_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        outs, layers = [], self.net.layers
        for i, layer in enumerate(layers):
            X = layer.forward(X, False)
            if i > 0 and isinstance(layers[i - 1], Dense) and i < len(layers) - 1:
                outs.append(X)  # the activation after a hidden Dense layer
        return outs

    def frame(self, since: int = 0) -> dict:
        """Everything the views draw: stats, the history from epoch ``since``, the
        heatmap, a thumbnail per hidden neuron and the weights (arrays base64)."""
        with self.lock:
            net = self.net
            p = net.predict_proba(self.grid)  # softmax, or [1 - p, p] for one output
            cls = p.argmax(axis=1)
            conf = p[np.arange(len(p)), cls]
            heat = np.empty(2 * len(p), dtype=np.uint8)
            heat[0::2] = cls
            heat[1::2] = np.round(conf * 255)
            n_hidden = sum(self.config["layers"])
            t = 20 if n_hidden <= 64 else 14 if n_hidden <= 160 else 10
            g = np.linspace(self.domain[0], self.domain[1], t)
            xx, yy = np.meshgrid(g, -g)
            thumbs = []
            for a in self._hidden_outputs(np.c_[xx.ravel(), yy.ravel()]):
                scale = np.maximum(np.abs(a).max(axis=0), 1e-12)
                thumbs.append(np.round((a / scale).T * 127.5 + 127.5).astype(np.uint8))
            dense = [lay for lay in net.layers if isinstance(lay, Dense)]
            since = max(0, min(since, self.epoch))
            return {
                "type": "frame",
                "run": self.run_version,
                "epoch": self.epoch,
                "train_loss": self.train_loss,
                "test_loss": self.test_loss,
                "train_acc": self.train_acc,
                "test_acc": self.test_acc,
                "lr": float(self.optimizer.lr),
                "history": {"start": since, **{k: v[since:] for k, v in self.history.items()}},
                "heat": {"res": HEAT_RES, "data": _b64(heat)},
                "thumbs": {"res": t, "data": _b64(np.concatenate(thumbs)) if thumbs else ""},
                "sizes": [2, *self.config["layers"], self.n_classes],
                "weights": [_b64(_f4(lay.W)) for lay in dense],
                "biases": [_b64(_f4(lay.b)) for lay in dense],
                "monitor": self.monitor,
            }

    def model_bytes(self) -> bytes:
        """The network as the bytes of a ``gn.load``-able ``.npz`` file. The page trains
        on standardised points; the file's network owns that scaling (and, for a CSV, the
        class labels), so it predicts from raw points as the page does from scaled ones."""
        with self.lock:
            net = self.net.copy()
            net.input_transform = self.scaling
            net.classes_ = self.csv_classes if self.config["dataset"] == "csv" else None
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
            return snippet(
                self.config, self.epoch, len(self.X), self.n_classes, filename=self.csv_name
            )
