"""``glassnet train``: its options (one table) and the run, step by step:
check the outputs, load the data, build the network, train, report, write."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from .._checks import StrOptions
from ._common import (
    COUNT,
    DROPOUT,
    NONNEG,
    NONNEG_INT,
    POSITIVE,
    UsageError,
    add_options,
    check_distinct_files,
    check_figure_file,
    check_output_file,
    fit_option,
    is_csv,
    named_data,
    option_name,
)

__all__ = [
    "TRAIN_OPTIONS",
    "add_train_arguments",
    "check_target",
    "load_data",
    "parse_schedule",
    "run_train",
]

TRAIN_OPTIONS = [
    (
        "--data",
        dict(
            default="moons",
            metavar="NAME|FILE.csv",
            help="moons, circles, blobs, spirals, xor, sine (regression), iris, or a CSV file",
        ),
    ),
    (
        "--target",
        dict(
            metavar="COLUMN",
            help="CSV target column, by name or index (default: the last); a built-in "
            "data set's target is fixed",
        ),
    ),
    ("--n-samples", dict(type=COUNT, metavar="N", help="rows to generate for a named data set")),
    ("--noise", dict(type=NONNEG, help="noise of a generated data set")),
    (
        "--hidden",
        dict(
            type=COUNT,
            action="append",
            metavar="N",
            help="hidden-layer width; repeat for more layers (default: one layer of 3)",
        ),
    ),
    (
        "--activation",
        dict(
            default="tanh",
            help="tanh, sigmoid, relu, leaky_relu, elu, softplus or identity; or one per "
            "layer, comma-separated",
        ),
    ),
    ("--optimizer", dict(default="sgd", help="sgd, adam, rmsprop, adagrad or lbfgs (default sgd)")),
    ("--momentum", dict(type=DROPOUT, default=0.0, help="momentum for sgd (default 0)")),
    ("--lr", dict(type=POSITIVE, default=0.01, help="learning rate (default 0.01)")),
    (
        "--schedule",
        dict(
            metavar="NAME[:k=v,...]",
            help="constant, step, exponential, inverse_time, cosine or plateau, with optional "
            "arguments, e.g. inverse_time:decay=0.001 or cosine:warmup=100",
        ),
    ),
    fit_option("epochs", default=20000),
    fit_option("batch_size", metavar="N"),
    fit_option("l2", default=0.01),
    fit_option("clip_norm", metavar="C"),
    ("--dropout", dict(type=DROPOUT, default=0.0, help="dropout after each hidden layer")),
    (
        "--reduction",
        dict(
            type=StrOptions({"sum", "mean"}),
            default="sum",
            help="sum the loss over examples (the post) or average it",
        ),
    ),
    fit_option("validation_fraction", metavar="F"),
    (
        "--early-stopping",
        dict(
            type=COUNT,
            metavar="PATIENCE",
            help="stop after PATIENCE epochs without a better validation loss (holds out 10%% "
            "unless --validation-fraction says otherwise) and keep the best weights",
        ),
    ),
    (
        "--standardize",
        dict(
            action=argparse.BooleanOptionalAction,
            default=None,
            help="scale each feature to zero mean and unit variance (default: on for CSV "
            "files, off for the built-in data sets); the scaling is saved with the model",
        ),
    ),
    ("--seed", dict(type=NONNEG_INT, default=0, help="random seed (default 0)")),
    ("--plot", dict(metavar="FILE.png", help="write the decision boundary and loss curves")),
    (
        "--monitor",
        dict(
            metavar="FILE.png",
            help="record per-layer statistics while training (gn.Monitor), write their "
            "dashboard to FILE.png and print their summary",
        ),
    ),
    (
        "--monitor-every",
        dict(
            type=COUNT,
            metavar="N",
            help="record the monitor every N epochs (default: epochs // 50, at least 1)",
        ),
    ),
    (
        "--animate",
        dict(
            metavar="FILE.gif",
            help="write an animation of the decision boundary as it forms (.gif, or .mp4 "
            "with ffmpeg)",
        ),
    ),
    (
        "--animate-every",
        dict(
            type=COUNT,
            metavar="K",
            help="one animation frame every K epochs (default: epochs / 100)",
        ),
    ),
    (
        "--save",
        dict(
            metavar="FILE.npz",
            help="save the trained network (loadable with gn.load); also when Ctrl-C or "
            "SIGTERM stops training, with the weights after the last complete step",
        ),
    ),
    (
        "--checkpoint",
        dict(
            metavar="FILE.npz",
            help="write a checkpoint (network, optimizer, schedule, random state, history "
            "and these arguments) every --checkpoint-every epochs and when interrupted",
        ),
    ),
    fit_option("checkpoint_every", default=100, metavar="K"),
    (
        "--resume",
        dict(
            metavar="FILE.npz",
            help="continue the run checkpointed in FILE with its stored arguments (--epochs, "
            "--save, --plot, --quiet, --checkpoint and --checkpoint-every may change); it "
            "ends as the uninterrupted run would have. A run that already reached its "
            "epochs is only saved (--save) and plotted (--plot)",
        ),
    ),
    ("--quiet", dict(action="store_true", help="print only the final result")),
]

# the options whose values are files written by the run, checked before any work
OUTPUT_FILES = ("save", "plot", "animate", "checkpoint", "monitor")


def add_train_arguments(p) -> None:
    add_options(p, TRAIN_OPTIONS)
    p.set_defaults(func=run_train)


def load_data(args):
    """``(X, y, classes, feature names, target name)`` from ``--data``; ``classes`` is
    None for regression targets. ``--target`` names a column of a CSV file only."""
    from ..data.csvfile import load_csv

    name = args.data
    if is_csv(name):
        data = load_csv(name, target=-1 if args.target is None else args.target)
        return data.X, data.y, data.classes, data.feature_names, data.target_name
    if args.target is not None:
        raise UsageError(
            f"--target {args.target} applies to a CSV file; the target of the built-in data "
            f"set {name} is fixed"
        )
    X, y = named_data(name, args.n_samples, args.noise)
    features = [f"x{j + 1}" for j in range(X.shape[1])]
    if y.dtype.kind == "f":
        return X, y, None, features, "y"
    return X, y, [str(c) for c in range(int(y.max()) + 1)], features, "label"


def check_target(y, classes, target: str, data: str) -> None:
    """Refuse, before training, a classification target of one class only, or with
    (nearly) a class per row (``check_classes``)."""
    import numpy as np

    if len(np.unique(y)) < 2:
        raise UsageError(
            f"the target {target!r} of {data} holds one class only ({classes[int(y[0])]!r}); "
            f"a classifier needs at least 2"
        )
    check_classes(len(classes), len(y), target)


def check_classes(n_classes: int, n_rows: int, target: str) -> None:
    """Refuse, before anything is allocated, a target that has (nearly) a class per row:
    an id column or a measurement, not labels (it would cost rows x classes numbers)."""
    from .._validation import check_memory

    if n_classes > 2 and 2 * n_classes > n_rows:
        raise UsageError(
            f"{n_classes:,} classes for {n_rows:,} rows: is --target the right column? "
            f"(the target {target!r} has fewer than 2 rows per class; a classifier needs "
            f"several)"
        )
    need = 3 * 8 * n_rows * n_classes  # scores, probabilities and one-hot targets, float64
    check_memory(
        need,
        f"{n_classes:,} classes for {n_rows:,} rows would need {need / 2**30:,.1f} GiB for "
        f"the outputs alone",
        "; is --target the right column?",
        error=UsageError,
    )


def parse_schedule(text: str, lr: float, epochs: int):
    """``"cosine:warmup=100"`` -> ``CosineWarmup(lr, total=epochs, warmup=100)``."""
    import difflib
    import inspect

    from ..schedules import SCHEDULES, CosineWarmup

    name, _, rest = text.partition(":")
    cls = SCHEDULES.get(name, argname="--schedule")
    keys = [k for k in inspect.signature(cls).parameters if k != "lr"]
    kwargs = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = (s.strip() for s in item.partition("="))
        if not eq:
            raise UsageError(f"--schedule argument {item!r} is not of the form key=value")
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"--schedule {name}: unknown argument {key!r}; its arguments are "
                f"{', '.join(keys)}{hint}"
            )
        kwargs[key] = _number_or_text(value)
    if cls is CosineWarmup:
        kwargs.setdefault("total", epochs)
    try:
        return cls(lr, **kwargs)
    except (TypeError, ValueError) as exc:  # ParamError: "warmup must be an integer >= 0"
        raise UsageError(f"--schedule {text}: {exc}") from None


def _number_or_text(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


_CHANGEABLE = (
    "epochs",
    "save",
    "plot",
    "quiet",
    "checkpoint",
    "checkpoint_every",
    "monitor",
    "monitor_every",
)
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
            f"continue it with gn.resume in Python"
        )
    if stored.get("target") == "-1":  # --target's default before it became None
        stored = {**stored, "target": None}
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    defaults = vars(parser.parse_args([]))
    for key, value in stored.items():
        if key not in defaults:
            continue
        _check_stored(key, value, defaults[key], args.resume)
        mine = getattr(args, key, defaults[key])
        given = mine != defaults[key]
        if key in _CHANGEABLE:
            if not given:
                setattr(args, key, value)
            continue
        if given and mine != value:
            free = ", ".join(option_name(k) for k in _CHANGEABLE)
            raise UsageError(
                f"{option_name(key)} {mine} differs from the checkpointed run's {value}; "
                f"--resume continues that run (only {free} may change)"
            )
        setattr(args, key, value)
    if args.checkpoint is None:
        args.checkpoint = args.resume
    return ckpt


def _check_stored(key: str, value, default, path) -> None:
    """A stored argument is of its option's kind: a string where the option takes text,
    True/False for a flag, None only where that is the default (an edited or damaged
    checkpoint may hold anything; numbers are checked with the run's own checks)."""
    spec = next(spec for flag, spec in TRAIN_OPTIONS if flag[2:].replace("-", "_") == key)
    if value is None:
        ok, kind = default is None, "a value"
    elif spec.get("action") in ("store_true", argparse.BooleanOptionalAction):
        ok, kind = isinstance(value, bool), "true or false"
    elif "type" not in spec:
        ok, kind = isinstance(value, str), "text"
    else:
        return
    if not ok:
        raise UsageError(
            f"--resume {path}: the checkpoint's {option_name(key)} is {value!r:.60}, not "
            f"{kind} (an edited or damaged checkpoint)"
        )


def check_outputs(args) -> None:
    """Every file the run will write can be written, and destroys neither an input nor
    another output: checked before any work."""
    outputs = []
    for key in OUTPUT_FILES:
        path = getattr(args, key, None)
        if path is not None:  # an empty name is refused, not taken as none
            check_output_file(path, option_name(key))
            outputs.append((option_name(key), path))
    inputs = [("--data", args.data if is_csv(args.data) else None), ("--resume", args.resume)]
    # a resumed run goes on writing the checkpoint it continues
    check_distinct_files(inputs, outputs, allowed=[("--resume", "--checkpoint")])
    if args.animate and Path(args.animate).suffix.lower() not in (".gif", ".mp4"):
        raise UsageError(f"--animate {args.animate}: the file name must end in .gif or .mp4")
    for key in ("plot", "monitor"):  # figures: a format matplotlib writes
        path = getattr(args, key, None)
        if path:
            check_figure_file(path, option_name(key))


def mpi_world():
    """``MPI.COMM_WORLD`` when ``mpiexec`` started this process among two or more (its
    environment says so: MPICH's ``PMI_SIZE``, Open MPI's ``OMPI_COMM_WORLD_SIZE``),
    else None. Data-parallel training needs mpi4py: ``pip install "glassnet[mpi]"``."""
    import os

    size = next((os.environ[v] for v in MPI_SIZE_VARIABLES if v in os.environ), "1")
    if not size.isdigit() or int(size) < 2:
        return None
    try:
        from mpi4py import MPI
    except ImportError:
        raise UsageError(
            f"started by mpiexec as one of {size} processes, but mpi4py is not installed: pip "
            f'install "glassnet[mpi]" (or run one process)'
        ) from None
    return MPI.COMM_WORLD


MPI_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def run_train(args) -> int:
    """``glassnet train``: check, load, build, train, report, write."""
    from ..train.distributed import agreement
    from ._train_run import Run

    comm = mpi_world()
    if comm is not None and comm.Get_rank() != 0:  # rank 0 speaks for all (same warnings)
        warnings.simplefilter("ignore")
    with agreement(comm):  # under mpiexec: an error on one process stops every one
        ckpt = apply_resume(args) if args.resume else None
        check_outputs(args)
        X, y, classes, feature_names, target = load_data(args)
        if classes is not None:
            check_target(y, classes, target, args.data)
        run = Run(args, X, y, classes, feature_names, target, comm)
        del X, y  # under mpiexec, each process keeps its shard of the rows
        schedule = parse_schedule(args.schedule, args.lr, args.epochs) if args.schedule else None
        run.build(ckpt, schedule)
    run.announce(ckpt)
    hist = run.fit(ckpt, _stored_args(args))
    run.report(hist)
    run.write(hist)
    if hist.interrupted:
        return 143 if hist.interrupted_by == "SIGTERM" else 130
    return 0
