"""The run behind ``glassnet train``: build the network from the options, train it,
report, and write the model, the animation and the figure.

Imported only when ``glassnet train`` runs (NumPy, the engine and ``fit`` are not needed
for ``glassnet --help``).
"""

from __future__ import annotations

import sys

import numpy as np

from ..losses import MeanSquaredError, SoftmaxCrossEntropy
from ..modelfile import save
from ..network import mlp
from ..optim import LBFGS, get_optimizer
from ..train.callbacks import Callback, EarlyStopping, History
from ..train.fit import evaluate, fit
from ..train.reporting import describe_loss, loss_rows
from ..transforms import Standardize
from ._common import UsageError, standardizes

__all__ = ["Run", "plot_training"]


class Report(Callback):
    """One line every tenth of the run: epoch, loss (its scale named), accuracy (or R²),
    validation loss. The numbers are the epoch's running averages over its batches, with
    dropout on and the L2 penalty in the loss (the final line is a clean evaluation)."""

    def __init__(self, epochs: int, metric: str, bar: bool, rows: int | None, val_rows=None):
        self.epochs, self.metric, self.bar, self.rows = epochs, metric, bar, rows
        self.val_rows = val_rows
        self.every = max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs):
        if epoch % self.every and epoch != self.epochs - 1:
            return
        line = (
            f"epoch {epoch + 1:>{len(str(self.epochs))}}/{self.epochs}  loss "
            f"{describe_loss(logs['loss'], self.rows)}  {self.metric} {logs[self.metric]:.4f}"
        )
        if "val_loss" in logs:
            val = describe_loss(logs["val_loss"], self.val_rows)
            line += f"  val_loss {val}, no penalty"
        self.say(line)

    def say(self, line: str) -> None:
        if self.bar:
            from tqdm.auto import tqdm

            tqdm.write(line, file=sys.stderr)
        else:
            print(line, flush=True)


class DataOf(Callback):
    """Keeps the run's training data (``fit_state.data``): its rows and validation pair."""

    def on_train_begin(self, logs=None):
        self.data = self.fit_state.data


class Run:
    """One ``glassnet train`` run: the options, the data, and what is built from them.

    ``X`` stays in the data's own units: with ``--standardize`` the network owns the
    scaling (``Standardize``, ``z0 = (x - mean) / scale``, from the data) and applies it
    in ``forward``, so the saved model and its checkpoints predict from raw features. The
    class names are the network's ``classes_``.

    Under ``mpiexec`` (``comm``), every process has read all ``n_rows`` rows; the scaling
    is theirs, and each process keeps its shard (``X``, ``y``: contiguous rows in rank
    order) and trains on it. Rank 0 keeps all the rows only for ``--plot``, and alone
    prints and writes."""

    def __init__(self, args, X, y, classes, feature_names, target_name, comm=None):
        self.args, self.X, self.y, self.classes = args, X, y, classes
        self.feature_names, self.target_name = feature_names, target_name
        self.regression = classes is None
        self.metric = "r2" if self.regression else "accuracy"
        # the CSV reader has refused columns whose mean or spread overflows
        self.input_transform = Standardize.from_data(X) if standardizes(args) else None
        self.hidden = args.hidden or [3]
        self.comm, self.n_rows, self.all_rows = comm, len(X), (X, y)
        self.rank0 = comm is None or comm.Get_rank() == 0
        if comm is not None:  # MPI: this process's rows (a copy: all the rows may go)
            from ..train.distributed import shard

            self.X, self.y = shard(X, comm).copy(), shard(y, comm).copy()
            self.all_rows = (X, y) if self.rank0 and args.plot else None

    def build(self, ckpt, schedule) -> None:
        """The network, loss, optimizer and callbacks the options describe."""
        a = self.args
        acts = [s.strip() for s in a.activation.split(",")]
        y = self.y
        n_out = (1 if y.ndim == 1 else y.shape[1]) if self.regression else max(len(self.classes), 2)
        self.sizes = [self.X.shape[1], *self.hidden, n_out]
        activation = acts[0] if len(acts) == 1 else acts
        self.net = mlp(self.sizes, activation=activation, dropout=a.dropout, seed=a.seed)
        self.net.input_transform = self.input_transform
        self.net.classes_ = self.classes
        kind = MeanSquaredError if self.regression else SoftmaxCrossEntropy
        self.loss = kind(reduction=a.reduction)
        lbfgs = a.optimizer.lower() == "lbfgs"
        opt_kwargs = {} if lbfgs else {"lr": a.lr}
        if a.momentum:
            if a.optimizer.lower() != "sgd":
                raise UsageError(f"--momentum applies to --optimizer sgd, not {a.optimizer}")
            opt_kwargs["momentum"] = a.momentum
        self.optimizer = get_optimizer(a.optimizer, **opt_kwargs)
        if isinstance(self.optimizer, LBFGS) and a.batch_size:
            raise UsageError("--optimizer lbfgs trains on the full batch; drop --batch-size")
        if isinstance(self.optimizer, LBFGS) and a.checkpoint:
            raise UsageError("--optimizer lbfgs cannot be checkpointed; drop --checkpoint")
        if isinstance(self.optimizer, LBFGS) and (schedule is not None or a.clip_norm):
            what = "--schedule" if schedule is not None else "--clip-norm"
            raise UsageError(f"--optimizer lbfgs chooses its own steps; drop {what}")
        self.schedule = schedule
        self.done = ckpt is not None and ckpt.next_epoch >= a.epochs
        self._callbacks()

    def _callbacks(self) -> None:
        a = self.args
        if self.comm is not None and (a.animate or a.monitor):
            what = "--animate" if a.animate else "--monitor"
            raise UsageError(f"{what} records one process's view: it does not run under mpiexec")
        self.data_of = DataOf()
        self.callbacks, self.recorder = [self.data_of], None
        self.val_fraction = a.validation_fraction
        if a.early_stopping:
            self.val_fraction = self.val_fraction or 0.1
            self.callbacks.append(EarlyStopping(patience=a.early_stopping))
        self.bar = (not a.quiet) and sys.stderr.isatty() and a.epochs >= 100
        n_val = int(np.ceil(self.val_fraction * self.n_rows)) if self.val_fraction else 0
        summed = a.reduction == "sum"
        self.rows = self.n_rows - n_val if summed else None  # what fit's loss sums over
        if not a.quiet and self.rank0:
            report = Report(a.epochs, self.metric, self.bar, self.rows, n_val if summed else None)
            self.callbacks.append(report)
        self.monitor = None
        if a.monitor:
            from ..train.monitor import Monitor

            self.monitor = Monitor(every=a.monitor_every or max(1, a.epochs // 50))
            self.callbacks.append(self.monitor)
        if a.animate:
            from ..viz.animation import check_animation_path, make_recorder

            check_animation_path(a.animate, self.X)
            every = a.animate_every or max(1, a.epochs // 100)
            self.recorder = make_recorder(self.X, every, a.epochs)
            self.callbacks.append(self.recorder)

    def announce(self, ckpt) -> None:
        """The "training ..." header (none with --quiet, except the epoch a resume starts at)."""
        a = self.args
        if not self.rank0:
            return
        start = "" if ckpt is None else f", resuming at epoch {ckpt.next_epoch + 1}"
        if self.done:
            start = f", already trained for {ckpt.next_epoch} epoch(s) of {a.epochs}"
        if a.quiet:
            if start:
                print(start[2:], flush=True)
            return
        what = "regression" if self.regression else f"{len(self.classes)} classes"
        print(
            f"training {self.net.n_params}-parameter network {self.sizes} ({a.activation}) on "
            f"{a.data}: {self.n_rows} rows, {what}{start}{processes(self.comm)}",
            flush=True,
        )
        dropout = ", dropout on" if a.dropout else ""
        print(
            f"(each epoch line: running averages over the epoch's batches{dropout}, loss = "
            f"data loss + L2 penalty; the final line: a clean evaluation after training)",
            flush=True,
        )

    def model_metadata(self) -> dict:
        """What ``glassnet predict`` reads besides the network (whose input scaling and
        class names travel in the network itself)."""
        return {
            "task": "regression" if self.regression else "classification",
            "feature_names": self.feature_names,
            "target": self.target_name,
            "data": self.args.data,
        }

    def fit(self, ckpt, stored_args: dict) -> History:
        """Train (or, for a checkpoint that already reached --epochs, take its network);
        checkpoints store ``stored_args`` and the model's metadata."""
        if self.done:
            self.net = ckpt.build_network()
            return _history_of(ckpt)
        a = self.args
        return fit(
            self.net,
            self.loss,
            self.X,
            self.y,
            optimizer=self.optimizer,
            epochs=a.epochs,
            batch_size=a.batch_size,
            seed=a.seed,
            l2=a.l2,
            schedule=self.schedule,
            validation_fraction=self.val_fraction,
            callbacks=self.callbacks,
            verbose=int(self.bar),
            checkpoint=a.checkpoint,
            checkpoint_every=a.checkpoint_every,
            resume_from=ckpt,
            checkpoint_metadata={"cli_args": stored_args, "model": self.model_metadata()},
            comm=self.comm,
        )

    def report(self, hist) -> None:
        """The final line: a clean evaluation (no dropout) of the training rows, and of the
        held-out rows when there are some, at the weights the run ends with."""
        data = getattr(self.data_of, "data", None)
        X, y = (data.X, data.y) if data is not None else (self.X, self.y)
        final = self.evaluate(X, y, self.args.l2)
        rows = loss_rows(self.loss, data.n if data is not None else self.n_rows)
        early = ""
        if hist.stopped_epoch is not None and hist.best_epoch is not None:
            early = (
                f" (stopped early at epoch {hist.stopped_epoch + 1}, "
                f"best epoch {hist.best_epoch + 1})"
            )
        what = "R²" if self.regression else "accuracy"
        line = (
            f"final loss {describe_loss(final['loss'], rows)}; training {what} "
            f"{final[self.metric]:.4f}"
        )
        if data is not None and data.validation is not None:
            val = self.evaluate(*data.validation)
            n_val = len(data.validation[0])
            n_val = n_val if self.comm is None else self.comm.allreduce(n_val)
            line += f"; validation {what} {val[self.metric]:.4f} ({n_val} rows)"
        if self.rank0:
            print(f"{line}{early}")

    def evaluate(self, X, y, l2=0.0) -> dict:
        """``gn.evaluate`` of the network on ``(X, y)`` (under MPI: on every process's
        rows, each passing its own)."""
        if self.comm is None:
            return evaluate(self.net, self.loss, X, y, l2)
        from ..train.distributed import evaluate_shards

        return evaluate_shards(self.net, self.loss, X, y, self.comm, l2)

    def write(self, hist) -> None:
        """The model (--save), the animation (--animate) and the figure (--plot); under
        MPI, by rank 0."""
        a = self.args
        if not self.rank0:
            return
        if a.save:
            self.net.metadata = self.model_metadata()
            save(self.net, a.save)
            if hist.interrupted:
                sig = "Ctrl-C" if hist.interrupted_by == "SIGINT" else hist.interrupted_by
                print(
                    f"glassnet train: interrupted by {sig}; the model after the last complete "
                    f"step ({len(hist)} full epoch(s)) was saved to {a.save}",
                    file=sys.stderr,
                    flush=True,
                )
            print(f"model saved to {a.save}", flush=True)
        if self.recorder is not None and self.recorder.frames:
            from ..viz.animation import write_animation

            n_classes = max(len(self.classes or []), 2)
            n = write_animation(self.recorder, self.X, self.y, a.animate, n_classes=n_classes)
            print(f"animation written to {a.animate} ({n} frames)")
        if self.monitor is not None and self.monitor.epochs:
            from ..viz.monitor import plot_monitor

            fig = plot_monitor(self.monitor, title=f"{a.data}: {self.sizes} {a.activation}")
            fig.savefig(a.monitor, dpi=90)
            import matplotlib.pyplot as plt

            plt.close(fig)
            print(f"monitor dashboard written to {a.monitor}")
            print(self.monitor.summary())
        if a.plot:
            title = f"{a.data}: hidden {self.hidden}, {a.activation}"
            rows = None
            if a.reduction == "sum":
                n_val = self.n_rows - self.rows
                rows = (self.rows, n_val)
            X, y = self.all_rows
            plot_training(
                a.plot, self.net, X, y, hist, self.regression, title,
                rows=rows, feature_names=self.feature_names, class_names=self.classes,
            )  # fmt: skip
            print(f"figure written to {a.plot}")


def processes(comm) -> str:
    """ ", on N processes (MPI)" under mpiexec, else nothing."""
    return "" if comm is None else f", on {comm.Get_size()} processes (MPI)"


def _history_of(ckpt) -> History:
    hist = History()
    stored = ckpt.history
    hist.epoch = [int(e) for e in stored.pop("epoch", [])]
    hist.history = {k: list(v) for k, v in stored.items()}
    hist.stopped_epoch = ckpt.meta["history"].get("__stopped_epoch__")
    hist.best_epoch = ckpt.meta["history"].get("__best_epoch__")
    return hist


def plot_training(
    path, net, X, y, hist, regression, title, *, rows=None, feature_names=None,
    class_names=None,
):  # fmt: skip
    """The figure of ``--plot``: the decision boundary (2-D classification) or the fitted
    curve (1-D regression), beside the loss curves. ``X`` is in the data's own units (the
    network applies its own input scaling), and so are the axes; they and the legend use
    ``feature_names`` and ``class_names`` (the CSV's columns and labels, ``class_names[k]``
    for code k).

    ``rows`` is ``(n_train, n_val)`` for a summed loss (None for a mean): the curves are
    then divided by their rows, so that training and validation compare like with like;
    both are the data loss, without the L2 penalty."""
    import matplotlib.pyplot as plt

    from ..viz.plotting import plot_decision_boundary

    two_d = X.shape[1] == 2 and not regression
    one_d = X.shape[1] == 1 and regression
    panels = 2 if (two_d or one_d) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 5), squeeze=False)
    if two_d:
        codes = None if class_names is None else np.arange(len(class_names))
        plot_decision_boundary(
            net, X, y, ax=axes[0, 0], title=title, classes=codes,
            feature_names=feature_names, class_names=class_names,
        )  # fmt: skip
    elif one_d:
        x_name = feature_names[0] if feature_names else "x"
        _plot_curve(axes[0, 0], net, X, y, title, x_name)
    _plot_losses(axes[0, -1], hist, rows)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_curve(ax, net, X, y, title, x_name) -> None:
    order = np.argsort(X[:, 0])
    x = X[order, 0]
    ax.scatter(x, np.ravel(y)[order], s=8, alpha=0.5, label="data")
    ax.plot(x, net.forward(X[order])[:, 0], "k", label="network")
    ax.set(xlabel=x_name, ylabel="y", title=title)
    ax.legend(loc="best", fontsize="small", framealpha=0.7)


def _plot_losses(ax, hist, rows) -> None:
    n_train, n_val = rows or (1, 1)
    per = " per row" if rows else ""
    train = np.asarray(hist["data_loss"] if "data_loss" in hist else hist["loss"]) / n_train
    ax.plot(train, label=f"training data loss{per}")
    if "val_loss" in hist:
        ax.plot(np.asarray(hist["val_loss"]) / max(n_val, 1), label=f"validation data loss{per}")
    ax.set(
        yscale="log",
        xlabel="epoch",
        ylabel=f"data loss{per} (without the L2 penalty)",
        title="loss per epoch (running average over the batches)",
    )
    ax.legend(loc="upper right", fontsize="small", framealpha=0.7)
