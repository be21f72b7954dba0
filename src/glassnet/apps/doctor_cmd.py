"""``glassnet doctor``: ``gn.diagnose`` from the command line, with ``train``'s options.

The network, loss, optimizer and data are built as ``glassnet train`` builds them
(``--data``, ``--hidden``, ``--activation``, ``--optimizer``, ``--lr``, ``--l2``,
``--batch-size``, ``--seed``, ...); nothing is trained beyond the doctor's short probe
runs and nothing is saved. ``--probe-epochs`` sets the length of the probe run. The
exit status is 0 when no check found a problem, 1 when one did.
"""

from __future__ import annotations

import numpy as np

from ._common import COUNT

__all__ = ["DOCTOR_OPTIONS", "add_doctor_arguments", "build_setup", "run_doctor"]

DOCTOR_OPTIONS = [
    (
        "--probe-epochs",
        dict(
            type=COUNT,
            default=30,
            metavar="N",
            help="epochs of the doctor's probe run (default 30)",
        ),
    ),
]


def add_doctor_arguments(p) -> None:
    """``train``'s arguments (the ones that define the set-up) and ``--probe-epochs``."""
    from ._common import add_options
    from .train_cmd import add_train_arguments

    add_train_arguments(p)
    add_options(p, DOCTOR_OPTIONS)
    p.set_defaults(func=run_doctor)


def build_setup(args):
    """``(net, loss, optimizer, X, y)`` as ``glassnet train`` would build them: the same
    checks of the target, and the data standardised as ``--standardize`` says (by default
    a CSV file, not a built-in data set)."""
    from ..losses import MeanSquaredError, SoftmaxCrossEntropy
    from ..network import mlp
    from ..optim import get_optimizer
    from ._common import standardizes
    from .train_cmd import check_target, load_data

    X, y, classes, _, target = load_data(args)
    regression = classes is None
    if not regression:
        check_target(y, classes, target, args.data)
    if standardizes(args):
        from ..transforms import Standardize

        X = Standardize.from_data(X)(X)  # glassnet train's scaling, applied beforehand here
    acts = [a.strip() for a in args.activation.split(",")]
    n_out = (1 if y.ndim == 1 else y.shape[1]) if regression else max(len(classes), 2)
    sizes = [X.shape[1], *(args.hidden or [3]), n_out]
    net = mlp(
        sizes,
        activation=acts[0] if len(acts) == 1 else acts,
        dropout=args.dropout,
        seed=args.seed,
    )
    loss = (MeanSquaredError if regression else SoftmaxCrossEntropy)(reduction=args.reduction)
    kwargs = {} if args.optimizer.lower() == "lbfgs" else {"lr": args.lr}
    if args.momentum:
        kwargs["momentum"] = args.momentum
    return net, loss, get_optimizer(args.optimizer, **kwargs), X, np.asarray(y)


def run_doctor(args) -> int:
    """Print the doctor's findings, worst first; 1 when there is a problem, else 0."""
    from ..train.doctor import diagnose

    net, loss, optimizer, X, y = build_setup(args)
    print(f"examining {net.n_params}-parameter network on {args.data}: {X.shape[0]} rows")
    found = diagnose(
        net,
        loss,
        X,
        y,
        optimizer=optimizer,
        l2=args.l2,
        batch_size=args.batch_size,
        epochs=args.probe_epochs,
        seed=args.seed,
    )
    print(found)
    return 1 if found.problems else 0
