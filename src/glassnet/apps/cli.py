"""The ``glassnet`` command line: ``glassnet tutorial``, ``train``, ``exercises``, ``learn``,
``explain``, ...

Errors a user can cause (bad arguments, bad data, an output that cannot be written) are
printed as one line without a traceback, with exit status 2; a training run that
diverges exits with status 1; Ctrl-C exits with status 130 without a traceback.

The commands and their options are tables (``COMMANDS``, ``TUTORIAL_OPTIONS``, ...); the
shared machinery is in ``_common``. Modules that need NumPy, matplotlib or the training
code are imported inside the command that uses them, so that ``glassnet --help`` and
the argument errors come back without loading them.
"""

from __future__ import annotations

import sys
import warnings

from .._checks import ParamError
from ._common import (
    COUNT,
    FRACTION,
    NONNEG,
    NONNEG_INT,
    POSITIVE,
    OnelineParser,
    UsageError,
    add_options,
    as_usage_error,
    check_input_dir,
    check_output_dir,
    fit_option,
    n_jobs,
)

__all__ = ["main", "build_parser", "UsageError", "COMMANDS"]

TUTORIAL_OUT = "glassnet-out"
EXERCISES_OUT = "glassnet-out/exercises"
SWEEP_OUT = "glassnet-out/sweep"

TUTORIAL_OPTIONS = [
    (
        "--out",
        dict(
            default=TUTORIAL_OUT,
            metavar="DIR",
            help="folder for the figures (default: ./glassnet-out)",
        ),
    ),
    (
        "--n-jobs",
        dict(
            type=n_jobs,
            default=-1,
            metavar="N",
            help="train the networks in N processes (default -1: one per core)",
        ),
    ),
]

EXERCISES_OPTIONS = [
    (
        "names",
        dict(
            nargs="*",
            metavar="NAME",
            help="exercises to run (default: all but mnist, which needs the MNIST files)",
        ),
    ),
    (
        "--out",
        dict(
            default=EXERCISES_OUT,
            metavar="DIR",
            help="folder for the figures (default: ./glassnet-out/exercises)",
        ),
    ),
    ("--only", dict(metavar="NAMES", help="comma-separated exercise names")),
    (
        "--data-dir",
        dict(
            metavar="DIR",
            help="the folder holding the MNIST files for `mnist` (default: downloaded once "
            "into $GLASSNET_DATA/mnist or ~/.cache/glassnet/mnist)",
        ),
    ),
]

EXPLAIN_OPTIONS = [
    (
        "--rows",
        dict(
            type=COUNT,
            default=5,
            metavar="N",
            help="show the first N rows of each array with a row per point (default 5)",
        ),
    ),
    (
        "--epoch",
        dict(
            type=NONNEG_INT,
            default=0,
            metavar="K",
            help="explain the step after K epochs of the post's training (default 0: "
            "the network as initialised)",
        ),
    ),
]

SWEEP_OPTIONS = [
    ("--param", dict(required=True, help="hidden, lr, l2, activation or depth")),
    ("--values", dict(required=True, help="comma-separated values, e.g. 1,2,3,4,5,20,50")),
    ("--data", dict(default="moons", help="a built-in 2-D data set (default moons)")),
    ("--n-samples", dict(type=COUNT, default=None, metavar="N")),
    ("--noise", dict(type=NONNEG, default=None)),
    ("--hidden", dict(type=COUNT, default=3, help="hidden width (default 3)")),
    ("--depth", dict(type=COUNT, default=1, help="hidden layers (default 1)")),
    ("--activation", dict(default="tanh")),
    ("--lr", dict(type=POSITIVE, default=0.01)),
    fit_option("l2", default=0.01),
    fit_option("epochs", default=20000),
    ("--test-fraction", dict(type=FRACTION, default=0.3)),
    ("--seed", dict(type=NONNEG_INT, default=0)),
    ("--n-jobs", dict(type=n_jobs, default=1, help="parallel runs (-1: all cores)")),
    (
        "--scheduler",
        dict(
            metavar="ADDRESS",
            help="run on a dask.distributed cluster, e.g. tcp://127.0.0.1:8786 (through "
            "joblib's dask backend)",
        ),
    ),
    (
        "--out",
        dict(
            default=SWEEP_OUT,
            metavar="DIR",
            help="folder for sweep.png and sweep.csv (default ./glassnet-out/sweep)",
        ),
    ),
]


def _tutorial_options(p):
    add_options(p, TUTORIAL_OPTIONS)


def _exercises_options(p):
    add_options(p, EXERCISES_OPTIONS)


def _explain_options(p):
    add_options(p, EXPLAIN_OPTIONS)


def _sweep_options(p):
    add_options(p, SWEEP_OPTIONS)


def _train_options(p):
    from .train_cmd import add_train_arguments

    add_train_arguments(p)


def _predict_options(p):
    from .predict_cmd import add_predict_arguments

    add_predict_arguments(p)


def _export_options(p):
    from .export_cmd import add_export_arguments

    add_export_arguments(p)


def _doctor_options(p):
    from .doctor_cmd import add_doctor_arguments

    add_doctor_arguments(p)


def _learn_options(p):
    from .learn_cmd import add_learn_arguments

    add_learn_arguments(p)


def _bench_options(p):
    from . import bench

    bench.add_arguments(p)
    p.set_defaults(func=bench.run)


def _playground_options(p):
    from . import playground

    playground.add_arguments(p)
    p.set_defaults(func=playground.run)


def _cmd_tutorial(args) -> int:
    out = check_output_dir(args.out, "--out", default=TUTORIAL_OUT)
    from . import tutorial_cmd

    tutorial_cmd.run(out, n_jobs=args.n_jobs)
    return 0


def _cmd_exercises(args) -> int:
    out = check_output_dir(args.out, "--out", default=EXERCISES_OUT)
    if args.data_dir is not None:
        check_input_dir(args.data_dir, "--data-dir")
    from .exercises import EXERCISES, OPTIONAL, run_all

    valid = ", ".join([*EXERCISES, *OPTIONAL])
    names = list(args.names) or None
    if args.only is not None:
        names = (names or []) + [n.strip() for n in args.only.split(",") if n.strip()]
        if not names:
            raise UsageError(f"--only names no exercise; valid names: {valid}")
    unknown = [n for n in names or () if n not in EXERCISES and n not in OPTIONAL]
    if unknown:
        raise UsageError(f"unknown exercise(s) {', '.join(unknown)}; valid names: {valid}")
    run_all(out, names, options={"mnist": {"path": args.data_dir}})
    return 0


def _cmd_explain(args) -> int:
    from .explain_cmd import run

    run(args.rows, args.epoch)
    return 0


def _cmd_sweep(args) -> int:
    check_output_dir(args.out, "--out", default=SWEEP_OUT)
    from .sweep import run_sweep_command

    return run_sweep_command(args)


# name, help, description, the function that adds its options, what runs it
COMMANDS = [
    (
        "tutorial",
        "run the post end to end and write its figures",
        "Reproduce the post with the glassnet engine: the moons, logistic regression, the "
        "3-unit network with its printed losses, and the sweep of hidden-layer sizes; the "
        "figures are written as PNG files.",
        _tutorial_options,
        _cmd_tutorial,
    ),
    (
        "train",
        "train a network on a data set",
        "Train a network and report its training accuracy (R² for regression). The "
        "defaults are the post's setup: one hidden layer of 3 tanh units, summed loss, "
        "full-batch SGD with lr 0.01, l2 0.01, 20000 epochs.",
        _train_options,
        None,
    ),
    (
        "doctor",
        "check a training set-up before training it (gn.diagnose)",
        "Run the training doctor on the network, data and optimizer that `glassnet train` "
        "would use with the same options: feature scales, the loss at initialisation "
        "against log(C), the gradient check, dead and saturated units, gradient flow, a "
        "short probe run (update/weight ratios, whether it learns), and whether the network "
        "can overfit 20 rows. Exit status 1 when a problem is found.",
        _doctor_options,
        None,
    ),
    (
        "exercises",
        "run the post's exercises, the readers' requests and the classic experiments",
        "Run each exercise (minibatches, annealing, activations, three classes, four "
        "layers, gradient check, regression, dropout, Iris, one-hot labels) and the "
        "classic experiments (weight initialisation, vanishing gradients, optimizers, "
        "overfitting, hyperparameter search); print a one-line result and write a "
        "figure for each. Here glassnet does the exercises for you; to write them "
        "yourself and have them graded, see `glassnet learn`. `glassnet exercises mnist` "
        "trains the fully connected networks of LeCun et al. 1998 on MNIST and prints "
        "their published test errors beside glassnet's (not in the default run: it needs "
        "the MNIST files, downloaded once or given with --data-dir).",
        _exercises_options,
        _cmd_exercises,
    ),
    (
        "explain",
        "one step of the post with its numbers (gn.explain)",
        "Run one forward and backward pass of the post's 2-3-2 tanh network on its 200 "
        "moons (summed loss, l2 0.01) and print every array of it by the post's name, "
        "z1, a1, z2, probs, loss, delta3, dW2, db2, delta2, dW1, db1: its formula, its "
        "shape, its first rows and the line of glassnet that computed it.",
        _explain_options,
        _cmd_explain,
    ),
    (
        "learn",
        "write the post's network and exercises yourself, graded against glassnet",
        "Graded exercises: `glassnet learn list` names them (the post's forward pass, "
        "loss and back-propagation, activations, minibatches, annealing, three classes, "
        "two hidden layers), `glassnet learn start DIR` writes a file per exercise for "
        "you to fill in, and `glassnet learn check DIR [EXERCISE]` compares your "
        "functions with glassnet on random cases, with a hint at the first wrong "
        "quantity. Here you write the exercises; `glassnet exercises` runs them for you.",
        _learn_options,
        None,
    ),
    (
        "sweep",
        "vary one setting over a list of values and compare the runs",
        "Train one network per value of a setting (hidden, lr, l2, activation or depth) on "
        "a data set, in parallel, and write a grid of decision boundaries (PNG) and a CSV "
        "with training and held-out test accuracy per run. The other settings are the "
        "post's unless given.",
        _sweep_options,
        _cmd_sweep,
    ),
    (
        "predict",
        "predict the rows of a CSV file with a saved model",
        "Load a model file (glassnet train --save, or gn.save of a network or estimator) "
        "and write a prediction, with class probabilities, for each row.",
        _predict_options,
        None,
    ),
    (
        "export",
        "write a saved model as an ONNX file (needs the 'onnx' extra)",
        "Load a model file (glassnet train --save, or gn.save of a network or estimator) "
        "and write it as an ONNX graph (gn.to_onnx) that onnxruntime and other runtimes "
        "run: the input scaling the model carries, its layers (no dropout; BatchNorm "
        "folded), and its labels and class probabilities (or its outputs, for "
        "regression).",
        _export_options,
        None,
    ),
    (
        "bench",
        "time glassnet against the post's code, scikit-learn and PyTorch",
        "Run the benchmark suite: every system on the same work, several repetitions each, "
        "and a table of times and ratios to glassnet (needs the 'bench' extra for PyTorch).",
        _bench_options,
        None,
    ),
    (
        "playground",
        "train networks live in your browser",
        "Start the glassnet playground: a local web page where the engine trains live on "
        "the data and network you choose (needs the 'playground' extra).",
        _playground_options,
        None,
    ),
]


def build_parser() -> OnelineParser:
    from .. import __version__

    parser = OnelineParser(
        prog="glassnet",
        description="Neural networks from scratch on NumPy, every step of the math in view.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_, description, add, func in COMMANDS:
        p = sub.add_parser(name, help=help_, description=description)
        add(p)
        if func is not None:
            p.set_defaults(func=func)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"glassnet: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None) -> int:
    """Run one command; returns the exit status (2 for a usage error, 130 for Ctrl-C)."""
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C while importing or starting: no traceback
        print(file=sys.stderr)
        return 130


def _run(args) -> int:
    import matplotlib

    from ..train.diagnostics import DivergenceError

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            try:
                return int(args.func(args) or 0)
            except ParamError as exc:  # the library's words, with the option's name
                raise as_usage_error(exc) from None
        except (UsageError, ValueError, TypeError) as exc:  # ModelFileError is a ValueError
            print(f"glassnet {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except DivergenceError as exc:
            print(f"glassnet {args.command}: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # the output went to a pager or `head` that closed early
            sys.stderr.close()
            return 0
        except (OSError, MemoryError) as exc:  # a folder that cannot be written, a full disk,
            what = f"not enough memory ({exc})" if isinstance(exc, MemoryError) else exc
            print(f"glassnet {args.command}: error: {what}", file=sys.stderr)  # a huge request
            return 1


if __name__ == "__main__":
    sys.exit(main())
