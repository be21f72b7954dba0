"""The ``glassnet`` command line: ``glassnet tutorial``, ``glassnet train``, ...

Errors a user can cause (bad arguments, bad data) are printed as one line without a
traceback, and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """An error in what the user asked for; printed without a traceback."""


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return v


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks from scratch on NumPy, every step of the math in view.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "tutorial",
        help="run the post end to end and write its figures",
        description="Reproduce the post with the glassnet engine: the moons, "
        "logistic regression, the 3-unit network with its printed losses, and "
        "the sweep of hidden-layer sizes; figures are written as PNG files.",
    )
    p.add_argument(
        "--out",
        default="glassnet-out",
        metavar="DIR",
        help="folder for the figures (default: ./glassnet-out)",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        metavar="N",
        help="train the sweep's networks in N processes (-1: all cores)",
    )
    p.set_defaults(func=_cmd_tutorial)

    p = sub.add_parser(
        "train",
        help="train a network on a data set",
        description="Train a network and report its training accuracy. The "
        "defaults are the post's setup: one hidden layer of 3 tanh units, summed "
        "loss, full-batch SGD with lr 0.01, l2 0.01, 20000 epochs.",
    )
    p.add_argument(
        "--data",
        default="moons",
        metavar="NAME|FILE.csv",
        help="moons, circles, blobs, spirals, xor, iris, or a CSV file",
    )
    p.add_argument(
        "--target",
        default="-1",
        metavar="COLUMN",
        help="CSV target column, by name or index (default: the last)",
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        default=None,
        metavar="N",
        help="rows to generate for a named data set",
    )
    p.add_argument(
        "--noise", type=_nonneg_float, default=None, help="noise of a generated data set"
    )
    p.add_argument(
        "--hidden",
        type=_positive_int,
        action="append",
        metavar="N",
        help="hidden-layer width; repeat for more layers (default: one layer of 3)",
    )
    p.add_argument(
        "--activation",
        default="tanh",
        help="tanh, sigmoid, relu, leaky_relu, elu, softplus or identity",
    )
    p.add_argument("--lr", type=_positive_float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--epochs", type=_positive_int, default=20000, help="passes over the data")
    p.add_argument("--l2", type=_nonneg_float, default=0.01, help="L2 strength (default 0.01)")
    p.add_argument(
        "--reduction",
        choices=["sum", "mean"],
        default="sum",
        help="sum the loss over examples (the post) or average it",
    )
    p.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    p.add_argument("--plot", metavar="FILE.png", help="write the decision boundary and loss curve")
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.set_defaults(func=_cmd_train)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, TypeError) as exc:
        print(f"glassnet {args.command}: error: {exc}", file=sys.stderr)
        return 2


# --------------------------------------------------------------------- tutorial
def _cmd_tutorial(args) -> int:
    from . import tutorial_run

    tutorial_run.run(Path(args.out), n_jobs=args.n_jobs)
    return 0


# --------------------------------------------------------------------- train
def load_data(args):
    """``(X, y, classes)`` from ``--data``: a named data set or a CSV file."""
    from . import datasets
    from .csvdata import load_csv

    name = args.data
    if name.lower().endswith(".csv") or Path(name).is_file():
        data = load_csv(name, target=args.target)
        if data.classes is None:
            raise UsageError(
                f"the target column {data.target_name!r} of {name} holds non-integer numbers; "
                f"glassnet train classifies, so it needs class labels"
            )
        return data.X, data.y, data.classes
    kwargs = {}
    if args.n_samples is not None:
        kwargs["n_samples"] = args.n_samples
    if args.noise is not None:
        kwargs["noise"] = args.noise
    if name.lower() == "iris" and kwargs:
        raise UsageError("--n-samples and --noise do not apply to iris")
    X, y = datasets.load(name, **kwargs)
    return X, y, [str(c) for c in range(int(y.max()) + 1)]


def _cmd_train(args) -> int:
    import numpy as np

    from .losses import SoftmaxCrossEntropy
    from .network import mlp
    from .optim import SGD
    from .training import Callback, fit

    X, y, classes = load_data(args)
    hidden = args.hidden or [3]
    k = len(classes)
    net = mlp([X.shape[1], *hidden, max(k, 2)], activation=args.activation, seed=args.seed)
    loss = SoftmaxCrossEntropy(reduction=args.reduction)
    every = max(1, args.epochs // 10)
    verbose = (not args.quiet) and sys.stderr.isatty() and args.epochs >= 1000

    class Report(Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch % every == 0 or epoch == args.epochs - 1:
                line = (
                    f"epoch {epoch + 1:>{len(str(args.epochs))}}/{args.epochs}  "
                    f"loss {logs['loss']:.6f}  accuracy {logs['accuracy']:.4f}"
                )
                if verbose:
                    from tqdm.auto import tqdm

                    tqdm.write(line)
                else:
                    print(line, flush=True)

    print(
        f"training {net.n_params}-parameter network {[X.shape[1], *hidden, max(k, 2)]} "
        f"({args.activation}) on {args.data}: {X.shape[0]} rows, {k} classes"
    )
    hist = fit(
        net,
        loss,
        X,
        y,
        optimizer=SGD(lr=args.lr),
        epochs=args.epochs,
        l2=args.l2,
        callbacks=[] if args.quiet else [Report()],
        verbose=int(verbose),
    )
    acc = float(np.mean(net.predict_classes(X) == y))
    print(f"final loss {hist['loss'][-1]:.6f}; training accuracy {acc:.4f}")
    if args.plot:
        _plot_train(
            args.plot, net, X, y, hist, title=f"{args.data}: hidden {hidden}, {args.activation}"
        )
        print(f"figure written to {args.plot}")
    return 0


def _plot_train(path, net, X, y, hist, title):
    import matplotlib.pyplot as plt

    from .plotting import plot_decision_boundary

    two_d = X.shape[1] == 2
    fig, axes = plt.subplots(1, 2 if two_d else 1, figsize=(12 if two_d else 6, 5), squeeze=False)
    if two_d:
        plot_decision_boundary(net, X, y, ax=axes[0, 0], title=title)
    ax = axes[0, -1]
    ax.plot(hist["loss"], label="loss (data + L2)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("training loss")
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
