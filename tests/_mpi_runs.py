"""The data-parallel runs of tests/test_mpi.py, as a script for ``mpiexec``.

``mpiexec -n 2 python tests/_mpi_runs.py OUT.json CHECKPOINT.npz`` trains every scenario
of ``SCENARIOS`` on the processes, each on its shard of the rows (``shard``), and rank 0
writes, per scenario, the final parameters, the history and whether every process ended
with the same parameters (bit for bit) to ``OUT.json``. The test runs the same scenarios
in one process on all the rows (``run``) and compares.
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np

import glassnet as gn

POST_STEPS = 300  # the check: 300 full-batch steps of the post's set-up


def _data(kind: str):
    """``moons``: the post's 200 points (make_moons, noise 0.2, seed 0); ``regression``:
    203 rows of a smooth function of 3 inputs (203: shards of 102 and 101 rows)."""
    if kind == "moons":
        return gn.datasets.moons()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(203, 3))
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=203)


def _scenario(name: str):
    """``(net, loss, X, y, fit keywords)`` of scenario ``name``, freshly built."""
    moons = _data("moons")
    if name == "post":  # the post: 2-3-2 tanh, summed loss, SGD lr 0.01, l2 0.01, full batch
        net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
        kw = dict(optimizer=gn.SGD(lr=0.01), epochs=POST_STEPS, l2=0.01)
        return net, gn.SoftmaxCrossEntropy(reduction="sum"), *moons, kw
    net = gn.mlp([2, 8, 2], activation="tanh", seed=0)
    loss = gn.SoftmaxCrossEntropy()
    if name == "minibatch":  # shuffled batches of 16: the order drawn from the seed
        kw = dict(optimizer=gn.SGD(lr=0.1, momentum=0.9), epochs=20, batch_size=16, seed=3)
    elif name == "adam":
        kw = dict(optimizer=gn.Adam(lr=0.01), epochs=20, batch_size=24, seed=4, l2=0.01)
    elif name == "in_order":  # batches of 50 in order: each lies on one process only
        kw = dict(optimizer=gn.SGD(lr=0.2), epochs=20, batch_size=50, shuffle=False)
    elif name == "validation_data":  # each process passes its shard of the validation rows
        kw = dict(optimizer=gn.Adam(lr=0.02), epochs=20, batch_size=40, seed=1)
        kw["validation_data"] = gn.datasets.moons(n_samples=61, seed=1)
    elif name == "lbfgs":
        kw = dict(optimizer=gn.LBFGS(), epochs=30, l2=0.01)
    elif name == "early_stopping":  # the split, the validation loss and the stop: global
        kw = dict(
            optimizer=gn.Adam(lr=0.05), epochs=400, seed=0, validation_fraction=0.25,
            callbacks=[gn.EarlyStopping(patience=10)],
        )  # fmt: skip
    elif name == "regression":  # mean squared error, weights, R^2 and val_r2
        X, y = _data("regression")
        w = np.linspace(0.5, 1.5, len(X))
        kw = dict(
            optimizer=gn.Adam(lr=0.02), epochs=15, batch_size=32, seed=5,
            validation_fraction=0.2, sample_weight=w,
        )  # fmt: skip
        return gn.mlp([3, 6, 1], activation="relu", seed=0), gn.MeanSquaredError(), X, y, kw
    return net, loss, *moons, kw


SCENARIOS = (
    "post", "minibatch", "in_order", "adam", "lbfgs", "early_stopping", "validation_data",
    "regression", "resume",
)  # fmt: skip


def run(name: str, comm=None, checkpoint=None):
    """Train scenario ``name`` (on this process's shard with ``comm``); returns
    ``(net, history)``. ``resume``: the ``adam`` scenario with validation, stopped after
    10 epochs (a checkpoint every 4) and resumed from the file up to 25."""
    from glassnet.train.distributed import shard

    net, loss, X, y, kw = _scenario("adam" if name == "resume" else name)
    if comm is not None:
        X, y = shard(X, comm), shard(y, comm)
        if "sample_weight" in kw:
            kw["sample_weight"] = shard(kw["sample_weight"], comm)
        if "validation_data" in kw:
            kw["validation_data"] = tuple(shard(a, comm) for a in kw["validation_data"])
    if name != "resume":
        return net, gn.fit(net, loss, X, y, verbose=0, comm=comm, **kw)
    kw.update(epochs=25, validation_fraction=0.2)
    if checkpoint is None:  # the uninterrupted run
        return net, gn.fit(net, loss, X, y, verbose=0, comm=comm, **kw)
    kw.update(epochs=10, checkpoint=checkpoint, checkpoint_every=4)
    gn.fit(net, loss, X, y, verbose=0, comm=comm, **kw)
    return gn.resume(checkpoint, X, y, epochs=25, comm=comm, verbose=0)


def helpers(comm=None) -> dict:
    """``standardize`` and ``evaluate_shards`` on the regression rows (the scaling, and the
    logs of a fresh network); with ``comm=None`` the one-process numbers they stand for."""
    from glassnet.train.distributed import evaluate_shards, shard, standardize

    X, y = _data("regression")
    net, loss = gn.mlp([3, 6, 1], activation="relu", seed=0), gn.MeanSquaredError()
    if comm is None:
        scaling, logs = gn.Standardize.from_data(X), gn.evaluate(net, loss, X, y, l2=0.1)
    else:
        X, y = shard(X, comm), shard(y, comm)
        scaling, logs = standardize(X, comm), evaluate_shards(net, loss, X, y, comm, l2=0.1)
    return {"mean": scaling.mean.tolist(), "scale": scaling.scale.tolist(), "logs": logs}


def refused(comm) -> dict:
    """``type: message`` of what ``fit`` raises for a ``comm`` that is not a communicator,
    a network with dropout, and a ``RandomState`` seed."""
    X, y = gn.datasets.moons()
    cases = {
        "not a communicator": (gn.mlp([2, 3, 2], seed=0), dict(comm="world")),
        "dropout": (gn.mlp([2, 3, 2], dropout=0.5, seed=0), dict(comm=comm)),
        "RandomState": (gn.mlp([2, 3, 2], seed=0), dict(comm=comm, seed=np.random.RandomState(0))),
    }
    said = {}
    for name, (net, kw) in cases.items():
        try:
            gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=1, verbose=0, **kw)
            said[name] = "nothing raised"
        except (TypeError, ValueError) as exc:
            said[name] = f"{type(exc).__name__}: {exc}"
    return said


def main(out: str, checkpoint: str) -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    results = {}
    for name in SCENARIOS:
        net, hist = run(name, comm, checkpoint if name == "resume" else None)
        digests = comm.allgather(hashlib.sha256(net.theta.tobytes()).hexdigest())
        results[name] = {
            "theta": net.theta.tolist(),
            "history": {k: list(map(float, v)) for k, v in hist.items()},
            "best_epoch": hist.best_epoch,
            "same_on_every_process": len(set(digests)) == 1,
        }
    results["helpers"] = helpers(comm)
    results["refused"] = refused(comm)
    if comm.rank == 0:
        with open(out, "w") as fh:
            json.dump(results, fh)


if __name__ == "__main__":
    main(*sys.argv[1:3])
