"""``glassnet train``: its arguments and what it does with them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .cli import (
    UsageError,
    dropout_rate,
    fraction,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
)

__all__ = ["add_train_arguments", "load_data", "parse_schedule"]


def add_train_arguments(p) -> None:
    a = p.add_argument
    a(
        "--data",
        default="moons",
        metavar="NAME|FILE.csv",
        help="moons, circles, blobs, spirals, xor, sine (regression), iris, or a CSV file",
    )
    a(
        "--target",
        default="-1",
        metavar="COLUMN",
        help="CSV target column, by name or index (default: the last)",
    )
    a("--n-samples", type=positive_int, metavar="N", help="rows to generate for a named data set")
    a("--noise", type=nonneg_float, help="noise of a generated data set")
    a(
        "--hidden",
        type=positive_int,
        action="append",
        metavar="N",
        help="hidden-layer width; repeat for more layers (default: one layer of 3)",
    )
    a(
        "--activation",
        default="tanh",
        help="tanh, sigmoid, relu, leaky_relu, elu, softplus or identity; or one per layer, "
        "comma-separated",
    )
    a("--optimizer", default="sgd", help="sgd, adam, rmsprop or lbfgs (default sgd)")
    a("--momentum", type=nonneg_float, default=0.0, help="momentum for sgd (default 0)")
    a("--lr", type=positive_float, default=0.01, help="learning rate (default 0.01)")
    a(
        "--schedule",
        metavar="NAME[:k=v,...]",
        help="constant, step, exponential, inverse_time, cosine or plateau, with optional "
        "arguments, e.g. inverse_time:decay=0.001 or cosine:warmup=100",
    )
    a("--epochs", type=positive_int, default=20000, help="passes over the data (default 20000)")
    a("--batch-size", type=positive_int, metavar="N", help="minibatch size (default: full batch)")
    a("--l2", type=nonneg_float, default=0.01, help="L2 strength (default 0.01)")
    a("--clip-norm", type=positive_float, metavar="C", help="clip the gradient's norm to C")
    a("--dropout", type=dropout_rate, default=0.0, help="dropout after each hidden layer")
    a(
        "--reduction",
        choices=["sum", "mean"],
        default="sum",
        help="sum the loss over examples (the post) or average it",
    )
    a("--validation-fraction", type=fraction, metavar="F", help="hold out this share of the data")
    a(
        "--early-stopping",
        type=positive_int,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better validation loss (holds out 10%% "
        "unless --validation-fraction says otherwise) and keep the best weights",
    )
    a(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="scale each feature to zero mean and unit variance (default: on for CSV files, off "
        "for the built-in data sets); the scaling is saved with the model",
    )
    a("--seed", type=nonneg_int, default=0, help="random seed (default 0)")
    a("--plot", metavar="FILE.png", help="write the decision boundary and loss curves")
    a(
        "--animate",
        metavar="FILE.gif",
        help="write an animation of the decision boundary as it forms (.gif, or .mp4 with ffmpeg)",
    )
    a(
        "--animate-every",
        type=positive_int,
        default=None,
        metavar="K",
        help="one animation frame every K epochs (default: epochs / 100)",
    )
    a(
        "--save",
        metavar="FILE.npz",
        help="save the trained network (loadable with gn.load); also when Ctrl-C or SIGTERM "
        "stops training, with the weights after the last complete step",
    )
    a(
        "--checkpoint",
        metavar="FILE.npz",
        help="write a checkpoint (network, optimizer, schedule, random state, history and "
        "these arguments) every --checkpoint-every epochs and when interrupted",
    )
    a(
        "--checkpoint-every",
        type=positive_int,
        default=100,
        metavar="K",
        help="epochs between checkpoints (default 100)",
    )
    a(
        "--resume",
        metavar="FILE.npz",
        help="continue the run checkpointed in FILE with its stored arguments (--epochs, "
        "--save, --plot, --quiet, --checkpoint and --checkpoint-every may change); it ends "
        "as the uninterrupted run would have",
    )
    a("--quiet", action="store_true", help="print only the final result")
    p.set_defaults(func=run_train)


def load_data(args):
    """``(X, y, classes, feature names, target name)`` from ``--data``; ``classes`` is
    None for regression targets."""
    from ..data import datasets
    from ..data.csvfile import load_csv

    name = args.data
    if name.lower().endswith(".csv") or Path(name).is_file():
        data = load_csv(name, target=args.target)
        return data.X, data.y, data.classes, data.feature_names, data.target_name
    kwargs = {}
    if args.n_samples is not None:
        kwargs["n_samples"] = args.n_samples
    if args.noise is not None:
        kwargs["noise"] = args.noise
    if name.lower() == "iris" and kwargs:
        raise UsageError("--n-samples and --noise do not apply to iris")
    X, y = datasets.load(name, **kwargs)
    features = [f"x{j + 1}" for j in range(X.shape[1])]
    if y.dtype.kind == "f":
        return X, y, None, features, "y"
    return X, y, [str(c) for c in range(int(y.max()) + 1)], features, "label"


def parse_schedule(text: str, lr: float, epochs: int):
    """``"cosine:warmup=100"`` -> ``CosineWarmup(lr, total=epochs, warmup=100)``."""
    from ..schedules import SCHEDULES, CosineWarmup, get_schedule

    name, _, rest = text.partition(":")
    kwargs = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"--schedule argument {item!r} is not of the form key=value")
        try:
            kwargs[key.strip()] = (
                int(value) if value.strip().lstrip("-").isdigit() else float(value)
            )
        except ValueError:
            kwargs[key.strip()] = value.strip()
    if SCHEDULES.get(name, argname="--schedule") is CosineWarmup:
        kwargs.setdefault("total", epochs)
    try:
        return get_schedule(name, lr=lr, **kwargs)
    except TypeError as exc:
        raise UsageError(f"--schedule {text!r}: {exc}") from None


_CHANGEABLE = ("epochs", "save", "plot", "quiet", "checkpoint", "checkpoint_every")
_NOT_STORED = ("func", "resume", "command")


def _stored_args(args) -> dict:
    return {k: v for k, v in vars(args).items() if k not in _NOT_STORED}


def apply_resume(args):
    """Load ``--resume``'s checkpoint and take the run's arguments from it; returns it.

    An argument given on this command line that differs from the stored one is an
    error, except the few that may change (``_CHANGEABLE``).
    """
    from ..train.checkpoint import load_checkpoint

    ckpt = load_checkpoint(args.resume)
    stored = ckpt.metadata.get("cli_args")
    if not isinstance(stored, dict):
        raise UsageError(
            f"--resume {args.resume}: the checkpoint was not written by glassnet train; "
            f"continue it with glassnet.train.checkpoint.resume in Python"
        )
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    defaults = vars(parser.parse_args([]))
    for key, value in stored.items():
        if key not in defaults:
            continue
        mine = getattr(args, key, defaults[key])
        given = mine != defaults[key]
        if key in _CHANGEABLE:
            if not given:
                setattr(args, key, value)
            continue
        if given and mine != value:
            flag = "--" + key.replace("_", "-")
            free = ", ".join("--" + k.replace("_", "-") for k in _CHANGEABLE)
            raise UsageError(
                f"{flag} {mine} differs from the checkpointed run's {value}; --resume "
                f"continues that run (only {free} may change)"
            )
        setattr(args, key, value)
    if args.checkpoint is None:
        args.checkpoint = args.resume
    return ckpt


def run_train(args) -> int:
    from ..losses import MeanSquaredError, SoftmaxCrossEntropy
    from ..modelfile import save
    from ..network import mlp
    from ..optim import LBFGS, get_optimizer
    from ..train.callbacks import Callback, EarlyStopping
    from ..train.fit import evaluate, fit

    ckpt = apply_resume(args) if getattr(args, "resume", None) else None
    X, y, classes, feature_names, target_name = load_data(args)
    regression = classes is None
    if not regression and len(np.unique(y)) < 2:
        raise UsageError(
            f"the target {target_name!r} of {args.data} holds one class only "
            f"({classes[int(y[0])]!r}); a classifier needs at least 2"
        )
    standardize = args.standardize
    if standardize is None:
        standardize = args.data.lower().endswith(".csv") or Path(args.data).is_file()
    x_mean = x_scale = None
    if standardize:
        x_mean = X.mean(axis=0)
        x_scale = X.std(axis=0)
        x_scale[x_scale == 0] = 1.0
        X = (X - x_mean) / x_scale
    hidden = args.hidden or [3]
    acts = [a.strip() for a in args.activation.split(",")]
    activation = acts[0] if len(acts) == 1 else acts
    n_out = (1 if y.ndim == 1 else y.shape[1]) if regression else max(len(classes), 2)
    sizes = [X.shape[1], *hidden, n_out]
    net = mlp(sizes, activation=activation, dropout=args.dropout, seed=args.seed)
    loss = (MeanSquaredError if regression else SoftmaxCrossEntropy)(reduction=args.reduction)
    opt_kwargs = {} if args.optimizer.lower() == "lbfgs" else {"lr": args.lr}
    if args.momentum:
        opt_kwargs["momentum"] = args.momentum
    optimizer = get_optimizer(args.optimizer, **opt_kwargs)
    schedule = parse_schedule(args.schedule, args.lr, args.epochs) if args.schedule else None
    callbacks = []
    val_fraction = args.validation_fraction
    if args.early_stopping:
        val_fraction = val_fraction or 0.1
        callbacks.append(EarlyStopping(patience=args.early_stopping))
    every = max(1, args.epochs // 10)
    bar = (not args.quiet) and sys.stderr.isatty() and args.epochs >= 100
    metric = "r2" if regression else "accuracy"

    class Report(Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch % every == 0 or epoch == args.epochs - 1:
                line = (
                    f"epoch {epoch + 1:>{len(str(args.epochs))}}/{args.epochs}  loss "
                    f"{logs['loss']:.6f}  {metric} {logs[metric]:.4f}"
                )
                if "val_loss" in logs:
                    line += f"  val_loss {logs['val_loss']:.6f}"
                if bar:
                    from tqdm.auto import tqdm

                    tqdm.write(line, file=sys.stderr)
                else:
                    print(line, flush=True)

    if not args.quiet:
        callbacks.append(Report())
    what = "regression" if regression else f"{len(classes)} classes"
    if isinstance(optimizer, LBFGS) and args.batch_size:
        raise UsageError("--optimizer lbfgs trains on the full batch; drop --batch-size")
    if isinstance(optimizer, LBFGS) and args.checkpoint:
        raise UsageError("--optimizer lbfgs cannot be checkpointed; drop --checkpoint")
    start = "" if ckpt is None else f", resuming at epoch {ckpt.next_epoch + 1}"
    print(
        f"training {net.n_params}-parameter network {sizes} ({args.activation}) on "
        f"{args.data}: {X.shape[0]} rows, {what}{start}",
        flush=True,
    )
    recorder = None
    if args.animate:
        from ..viz.animation import check_animation_path, make_recorder

        check_animation_path(args.animate, X)
        recorder = make_recorder(X, args.animate_every or max(1, args.epochs // 100), args.epochs)
        callbacks.append(recorder)
    hist = fit(
        net,
        loss,
        X,
        y,
        optimizer=optimizer,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        l2=args.l2,
        schedule=schedule,
        validation_fraction=val_fraction,
        callbacks=callbacks,
        verbose=int(bar),
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume_from=ckpt,
        checkpoint_metadata={"cli_args": _stored_args(args)},
    )
    final = evaluate(net, loss, X, y, args.l2)
    print(
        f"final loss {final['loss']:.6f}; training {'R²' if regression else 'accuracy'} "
        f"{final[metric]:.4f}"
        + (
            f" (stopped early at epoch {hist.stopped_epoch + 1}, best epoch {hist.best_epoch + 1})"
            if hist.stopped_epoch is not None and hist.best_epoch is not None
            else ""
        )
    )
    if args.save:
        net.metadata = {
            "task": "regression" if regression else "classification",
            "classes": classes,
            "feature_names": feature_names,
            "target": target_name,
            "data": args.data,
            "x_mean": None if x_mean is None else x_mean.tolist(),
            "x_scale": None if x_scale is None else x_scale.tolist(),
        }
        save(net, args.save)
        if hist.interrupted:
            sig = "Ctrl-C" if hist.interrupted_by == "SIGINT" else hist.interrupted_by
            print(
                f"glassnet train: interrupted by {sig}; the model after the last complete step "
                f"({len(hist)} full epoch(s)) was saved to {args.save}",
                file=sys.stderr,
                flush=True,
            )
        print(f"model saved to {args.save}", flush=True)
    if recorder is not None and recorder.frames:
        from ..viz.animation import write_animation

        n = write_animation(recorder, X, y, args.animate, n_classes=max(len(classes or []), 2))
        print(f"animation written to {args.animate} ({n} frames)")
    if args.plot:
        plot_training(
            args.plot,
            net,
            X,
            y,
            hist,
            regression,
            title=f"{args.data}: hidden {hidden}, {args.activation}",
        )
        print(f"figure written to {args.plot}")
    if hist.interrupted:
        return 143 if hist.interrupted_by == "SIGTERM" else 130
    return 0


def plot_training(path, net, X, y, hist, regression, title):
    import matplotlib.pyplot as plt

    from ..viz.plotting import plot_decision_boundary

    two_d = X.shape[1] == 2 and not regression
    one_d = X.shape[1] == 1 and regression
    panels = 2 if (two_d or one_d) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 5), squeeze=False)
    if two_d:
        plot_decision_boundary(net, X, y, ax=axes[0, 0], title=title)
    elif one_d:
        ax = axes[0, 0]
        order = np.argsort(X[:, 0])
        ax.scatter(X[:, 0], y, s=8, alpha=0.5, label="data")
        ax.plot(X[order, 0], net.forward(X[order])[:, 0], "k", label="network")
        ax.set(xlabel="x", ylabel="y", title=title)
        ax.legend()
    ax = axes[0, -1]
    ax.plot(hist["loss"], label="training loss (data + L2)")
    if "val_loss" in hist:
        ax.plot(hist["val_loss"], label="validation loss")
    ax.set(yscale="log", xlabel="epoch", ylabel="loss", title="loss per epoch")
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
