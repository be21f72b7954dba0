"""Sweeps: train the same setup for each value of one setting, in parallel (joblib),
and collect training and held-out accuracy per run.

The settings a sweep can vary: ``hidden`` (the width of every hidden layer), ``lr``,
``l2``, ``activation`` and ``depth`` (the number of hidden layers). The other settings
come from ``base`` and default to the post's (one hidden layer of 3 tanh units, summed
loss, full-batch SGD with lr 0.01, l2 0.01).
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "run_sweep",
    "run_sweep_command",
    "SWEEPABLE",
    "parse_values",
    "write_csv",
    "CSV_COLUMNS",
]

SWEEPABLE = {"hidden": int, "lr": float, "l2": float, "activation": str, "depth": int}
BASE = {
    "hidden": 3,
    "depth": 1,
    "activation": "tanh",
    "lr": 0.01,
    "l2": 0.01,
    "epochs": 20000,
    "reduction": "sum",
    "batch_size": None,
    "optimizer": "sgd",
    "seed": 0,
}
CSV_COLUMNS = [
    "param",
    "value",
    "hidden",
    "depth",
    "activation",
    "lr",
    "l2",
    "epochs",
    "train_accuracy",
    "test_accuracy",
    "final_loss",
    "seconds",
]


def parse_values(param: str, text: str) -> list:
    """``"1,2,3"`` -> ``[1, 2, 3]`` converted for ``param``, with errors that name it."""
    if param not in SWEEPABLE:
        from ..registry import Registry

        reg = Registry("sweep setting")
        for name in SWEEPABLE:
            reg.register(name, object)
        reg.get(param, argname="--param")
    kind = SWEEPABLE[param]
    values = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            v = kind(item)
        except ValueError:
            raise ValueError(f"--values: {item!r} is not a valid {param} value") from None
        if kind is not str and not v > 0:
            raise ValueError(f"--values: {param} values must be > 0, got {item!r}")
        values.append(v)
    if not values:
        raise ValueError("--values needs at least one value, e.g. --values 1,2,3")
    return values


def _train_one(param, value, base, Xtr, ytr, Xte, yte, n_classes):
    from ..losses import SoftmaxCrossEntropy
    from ..network import mlp
    from ..optim import get_optimizer
    from ..train.fit import evaluate, fit

    cfg = dict(base)
    cfg[param] = value
    start = time.perf_counter()
    net = mlp(
        [Xtr.shape[1]] + [cfg["hidden"]] * cfg["depth"] + [max(n_classes, 2)],
        activation=cfg["activation"],
        seed=cfg["seed"],
    )
    loss = SoftmaxCrossEntropy(reduction=cfg["reduction"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cycles and the like are the point of a sweep
        fit(
            net,
            loss,
            Xtr,
            ytr,
            optimizer=get_optimizer(cfg["optimizer"], lr=cfg["lr"]),
            epochs=cfg["epochs"],
            batch_size=cfg["batch_size"],
            l2=cfg["l2"],
            seed=cfg["seed"],
            verbose=0,
        )
    train = evaluate(net, loss, Xtr, ytr, cfg["l2"])
    test = evaluate(net, loss, Xte, yte)
    net.clear_cache()
    return {
        "param": param,
        "value": value,
        "hidden": cfg["hidden"],
        "depth": cfg["depth"],
        "activation": cfg["activation"],
        "lr": cfg["lr"],
        "l2": cfg["l2"],
        "epochs": cfg["epochs"],
        "train_accuracy": train["accuracy"],
        "test_accuracy": test["accuracy"],
        "final_loss": train["loss"] / len(Xtr),
        "seconds": time.perf_counter() - start,
        "model": net,
        "pid": os.getpid(),
    }


def run_sweep(
    param: str,
    values,
    X,
    y,
    base: dict | None = None,
    test_fraction: float = 0.3,
    n_jobs: int = 1,
    seed: int = 0,
    backend: str | None = None,
) -> list[dict]:
    """Train one network per value of ``param``; returns one dict per run (in order).

    Each run trains on the same ``1 - test_fraction`` of ``(X, y)`` (a stratified split
    drawn from ``seed``) and is scored on the rest. Runs go through
    ``joblib.Parallel(n_jobs, backend)``: ``n_jobs=-1`` uses every core, and
    ``backend="dask"`` sends them to the dask cluster of the active ``dask.distributed``
    client.

    Returns
    -------
    list of dict with the keys of ``CSV_COLUMNS``, ``model`` (the trained network) and
    ``pid`` (the process that trained it)
    """
    from joblib import Parallel, delayed, parallel_backend

    if param not in SWEEPABLE:
        parse_values(param, "1")  # raises the error listing the valid settings
    unknown = set(base or {}) - set(BASE)
    if unknown:
        raise ValueError(f"base has unknown settings {sorted(unknown)}; known: {sorted(BASE)}")
    cfg = {**BASE, **(base or {})}
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    Xtr, Xte, ytr, yte = split_data(X, y, test_fraction, seed)
    n_classes = int(y.max()) + 1
    jobs = (delayed(_train_one)(param, v, cfg, Xtr, ytr, Xte, yte, n_classes) for v in values)
    if backend is None:  # no more processes than runs: each would start Python for nothing
        return list(Parallel(n_jobs=min(n_jobs, len(values)) if n_jobs > 0 else n_jobs)(jobs))
    with parallel_backend(backend, n_jobs=n_jobs):
        return list(Parallel()(jobs))


def split_data(X, y, test_fraction: float, seed: int):
    """The sweep's training and test rows, ``(X_train, X_test, y_train, y_test)``
    (stratified, seeded: the figure draws the same split the runs were trained on)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)


def write_csv(results, path) -> None:
    """One row per run with the columns of ``CSV_COLUMNS``."""
    import csv

    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in results:
            w.writerow([f"{r[c]:.6g}" if isinstance(r[c], float) else r[c] for c in CSV_COLUMNS])


# ------------------------------------------------------------------ glassnet sweep
def run_sweep_command(args) -> int:
    """``glassnet sweep``: load the data, run the sweep, print the table, write the files."""
    from ._common import UsageError, named_data

    values = parse_values(args.param, args.values)
    X, y = named_data(args.data, args.n_samples, args.noise)
    if y.dtype.kind == "f":
        raise UsageError(f"--data {args.data} is a regression set; a sweep compares classifiers")
    base = {k: getattr(args, k) for k in ("hidden", "depth", "activation", "lr", "l2", "epochs")}
    base["seed"] = args.seed
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
        Xtr, Xte, ytr, yte = split_data(X, y, args.test_fraction, args.seed)
        title = f"{args.data}: sweep of {args.param}"
        _write_grid(results, Xtr, ytr, out / "sweep.png", title, test=(Xte, yte))
        print(f"Figures and results written to {out.resolve()}: sweep.png, sweep.csv")
    else:
        print(f"Results written to {(out / 'sweep.csv').resolve()} (no grid: data is not 2-D)")
    return 0


def _write_grid(results, X, y, path, title, test=None) -> None:
    import matplotlib.pyplot as plt

    from ..viz.plotting import plot_sweep

    ax = plot_sweep(results, X, y, test=test)
    fig = ax.ravel()[0].figure
    fig.suptitle(title, fontsize="x-large")
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # the overall title above the first row
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _sweep_on_dask(args, values, X, y, run):
    from ._common import UsageError

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
