"""The ``glassnet`` command line: ``glassnet tutorial``, ``train``, ``exercises``, ...

Errors a user can cause (bad arguments, bad data) are printed as one line without a
traceback, with exit status 2; a training run that diverges exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

__all__ = ["main", "build_parser", "UsageError"]


class UsageError(Exception):
    """An error in what the user asked for; printed without a traceback."""


def _number(kind, rule, test):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            what = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {what}") from None
        if not test(v):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
        return v

    return parse


positive_float = _number(float, "a finite number > 0", lambda v: 0 < v < float("inf"))
nonneg_float = _number(float, "a finite number >= 0", lambda v: 0 <= v < float("inf"))
fraction = _number(float, "a number between 0 and 1", lambda v: 0 < v < 1)
dropout_rate = _number(float, "a number in [0, 1)", lambda v: 0 <= v < 1)
positive_int = _number(int, "a positive whole number", lambda v: v >= 1)
nonneg_int = _number(int, "a whole number >= 0", lambda v: v >= 0)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from .train_cmd import add_train_arguments

    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Neural networks from scratch on NumPy, every step of the math in view.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "tutorial",
        help="run the post end to end and write its figures",
        description="Reproduce the post with the glassnet engine: the moons, logistic "
        "regression, the 3-unit network with its printed losses, and the sweep of "
        "hidden-layer sizes; the figures are written as PNG files.",
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
        default=-1,
        metavar="N",
        help="train the networks in N processes (default -1: one per core)",
    )
    p.set_defaults(func=_cmd_tutorial)

    p = sub.add_parser(
        "train",
        help="train a network on a data set",
        description="Train a network and report its training accuracy (R² for regression). "
        "The defaults are the post's setup: one hidden layer of 3 tanh units, summed loss, "
        "full-batch SGD with lr 0.01, l2 0.01, 20000 epochs.",
    )
    add_train_arguments(p)

    p = sub.add_parser(
        "exercises",
        help="run the post's exercises and the readers' requests",
        description="Run each exercise (minibatches, annealing, activations, three classes, "
        "four layers, gradient check, regression, dropout, Iris, one-hot labels); print a "
        "one-line result and write a figure for each.",
    )
    p.add_argument(
        "--out",
        default="glassnet-out/exercises",
        metavar="DIR",
        help="folder for the figures (default: ./glassnet-out/exercises)",
    )
    p.add_argument("--only", metavar="NAMES", help="comma-separated exercise names")
    p.set_defaults(func=_cmd_exercises)

    p = sub.add_parser(
        "sweep",
        help="vary one setting over a list of values and compare the runs",
        description="Train one network per value of a setting (hidden, lr, l2, activation or "
        "depth) on a data set, in parallel, and write a grid of decision boundaries (PNG) and "
        "a CSV with training and held-out test accuracy per run. The other settings are the "
        "post's unless given.",
    )
    p.add_argument("--param", required=True, help="hidden, lr, l2, activation or depth")
    p.add_argument("--values", required=True, help="comma-separated values, e.g. 1,2,3,4,5,20,50")
    p.add_argument("--data", default="moons", help="a built-in 2-D data set (default moons)")
    p.add_argument("--n-samples", type=positive_int, default=None, metavar="N")
    p.add_argument("--noise", type=nonneg_float, default=None)
    p.add_argument("--hidden", type=positive_int, default=3, help="hidden width (default 3)")
    p.add_argument("--depth", type=positive_int, default=1, help="hidden layers (default 1)")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--lr", type=positive_float, default=0.01)
    p.add_argument("--l2", type=nonneg_float, default=0.01)
    p.add_argument("--epochs", type=positive_int, default=20000)
    p.add_argument("--test-fraction", type=fraction, default=0.3)
    p.add_argument("--seed", type=nonneg_int, default=0)
    p.add_argument("--n-jobs", type=int, default=1, help="parallel runs (-1: all cores)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a dask.distributed cluster, e.g. tcp://127.0.0.1:8786 (through joblib's "
        "dask backend)",
    )
    p.add_argument(
        "--out",
        default="glassnet-out/sweep",
        metavar="DIR",
        help="folder for sweep.png and sweep.csv (default ./glassnet-out/sweep)",
    )
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser(
        "predict",
        help="predict the rows of a CSV file with a saved model",
        description="Load a model file (glassnet train --save, or gn.save of a network or "
        "estimator) and write a prediction, with class probabilities, for each row.",
    )
    from .predict_cmd import add_predict_arguments

    add_predict_arguments(p)

    from . import bench

    p = sub.add_parser(
        "bench",
        help="time glassnet against the post's code, scikit-learn and PyTorch",
        description="Run the benchmark suite: every system on the same work, several "
        "repetitions each, and a table of times and ratios to glassnet (needs the 'bench' "
        "extra for PyTorch).",
    )
    bench.add_arguments(p)
    p.set_defaults(func=bench.run)

    from . import playground

    p = sub.add_parser(
        "playground",
        help="train networks live in your browser",
        description="Start the glassnet playground: a local web page where the engine trains "
        "live on the data and network you choose (needs the 'playground' extra).",
    )
    playground.add_arguments(p)
    p.set_defaults(func=playground.run)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"glassnet: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import matplotlib

    from ..train.diagnostics import DivergenceError

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except (UsageError, ValueError, TypeError) as exc:
            print(f"glassnet {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except DivergenceError as exc:
            print(f"glassnet {args.command}: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # the output went to a pager or `head` that closed early
            sys.stderr.close()
            return 0


def _cmd_tutorial(args) -> int:
    from . import tutorial_cmd as tutorial_run

    tutorial_run.run(Path(args.out), n_jobs=args.n_jobs)
    return 0


def _cmd_sweep(args) -> int:
    import matplotlib.pyplot as plt

    from ..data import datasets
    from ..viz.plotting import plot_sweep
    from .sweep import parse_values, run_sweep, write_csv

    values = parse_values(args.param, args.values)
    kwargs = {k: v for k, v in (("n_samples", args.n_samples), ("noise", args.noise)) if v}
    X, y = datasets.load(args.data, **kwargs)
    if y.dtype.kind == "f":
        raise UsageError(f"--data {args.data} is a regression set; a sweep compares classifiers")
    base = {
        "hidden": args.hidden,
        "depth": args.depth,
        "activation": args.activation,
        "lr": args.lr,
        "l2": args.l2,
        "epochs": args.epochs,
        "seed": args.seed,
    }
    print(
        f"sweeping {args.param} over {values} on {args.data} ({len(X)} rows, {args.n_jobs} job(s))"
    )
    run = dict(base=base, test_fraction=args.test_fraction, n_jobs=args.n_jobs, seed=args.seed)
    if args.scheduler:
        results = _sweep_on_dask(args, values, X, y, run)
    else:
        results = run_sweep(args.param, values, X, y, **run)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(results, out / "sweep.csv")
    print(f"{args.param:>12} | train acc | test acc | final loss | seconds")
    for r in results:
        print(
            f"{r['value']!s:>12} | {r['train_accuracy']:9.3f} | {r['test_accuracy']:8.3f} | "
            f"{r['final_loss']:10.6f} | {r['seconds']:7.2f}"
        )
    if X.shape[1] == 2:
        ax = plot_sweep(results, X, y)
        fig = ax.ravel()[0].figure
        fig.suptitle(f"{args.data}: sweep of {args.param}")
        fig.tight_layout()
        fig.savefig(out / "sweep.png", dpi=80)
        plt.close(fig)
        print(f"Figures and results written to {out.resolve()}: sweep.png, sweep.csv")
    else:
        print(f"Results written to {(out / 'sweep.csv').resolve()} (no grid: data is not 2-D)")
    return 0


def _sweep_on_dask(args, values, X, y, run):
    from .sweep import run_sweep

    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError(
            "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
        ) from None
    try:
        client = Client(args.scheduler, timeout=10)
    except OSError as exc:
        raise UsageError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
    with client:
        workers = len(client.scheduler_info().get("workers", {}))
        print(f"running on the dask cluster at {args.scheduler} ({workers} workers)")
        return run_sweep(args.param, values, X, y, backend="dask", **{**run, "n_jobs": -1})


def _cmd_exercises(args) -> int:
    from .exercises import EXERCISES, run_all

    names = None
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in EXERCISES]
        if unknown:
            raise UsageError(
                f"--only names unknown exercise(s) {', '.join(unknown)}; "
                f"valid names: {', '.join(EXERCISES)}"
            )
    run_all(args.out, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
