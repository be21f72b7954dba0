"""W5: W3's epoch data-parallel, on 2 processes of one BLAS thread each (MPI).

One minibatch SGD epoch of W3 (60,000 x 784 float32, 784-256-10 ReLU, batches of 128,
shuffled), timed three ways, each in fresh processes that read the data from a file:

* ``fit(..., comm=MPI.COMM_WORLD)`` under ``mpiexec -n 2``, one BLAS thread per process,
  each process reading only its shard of the rows;
* one process with one BLAS thread (the issue's target: 2 processes at least 1.7x as
  fast), and one process with two BLAS threads (the same two cores used by threads);
* NumPy's floor for the epoch (``w3.floor_epoch``) the same ways: on 2 processes with one
  all-reduce of the gradient per batch, on 2 processes without it (each process its half
  of every batch, nothing exchanged: what no data-parallel run can beat), and on one
  process. Their speed-ups bound what ``fit``'s can be on this machine.

Each process times ``repeat`` epochs (a fresh network each, after one untimed warm-up
on the first rows); a data-parallel epoch takes as long as its slowest process. The
systems run one after another, not interleaved. Memory: the peak resident memory each
process adds over an interpreter with NumPy, BLAS and MPI loaded (its data included:
the kernel's high-water mark, reset after the warm-up); each of the 2 processes should
add about half of what the one process adds (at most 60%).

Run as ``python -m glassnet.apps.bench.w5 DIR KIND N D H K BATCH REPEAT`` (under ``mpiexec``
or not; KIND ``fit``, ``floor`` or ``floor-alone``) it is one such process, printing its
measurements (rank 0: everyone's) as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import Check, Row, compare, time_ratio
from .memory import _status_kib
from .w3 import W3Config, floor_epoch, make_data, w3_net

__all__ = ["W5Config", "run_w5"]

MPI_ROW = "glassnet fit, 2 processes x 1 thread (MPI)"
ONE_THREAD = "glassnet fit, 1 process x 1 thread"
TWO_THREADS = "glassnet fit, 1 process x 2 threads"
FLOOR_MPI = "NumPy floor, 2 processes x 1 thread (MPI)"
FLOOR_ALONE = "NumPy floor, 2 processes x 1 thread, no all-reduce"
FLOOR_ONE = "NumPy floor, 1 process x 1 thread"
SPEEDUP_TARGET = 1.7  # the issue's: 2 processes of 1 thread over 1 process of 1 thread
MEMORY_TARGET = 60  # % of one process's added memory that each of 2 may add: half + 10


@dataclass
class W5Config(W3Config):
    processes: int = 2


def _mpiexec() -> str | None:
    """The ``mpiexec`` beside this Python (the ``mpich`` wheel's), else on PATH."""
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _unavailable() -> str | None:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return 'mpi4py not installed (pip install "glassnet[mpi]")'
    return None if _mpiexec() else "mpiexec not found"


# ---------------------------------------------------------------- one process
def _read_rows(folder: Path, start: int, stop: int, cfg: W3Config):
    """Rows ``start:stop`` of the data files, read straight into new arrays (no mapping
    of the whole file: the process holds only its rows)."""
    d = cfg.d
    X = np.fromfile(folder / "X.f32", np.float32, (stop - start) * d, offset=start * d * 4)
    y = np.fromfile(folder / "y.i64", np.int64, stop - start, offset=start * 8)
    return X.reshape(stop - start, d), y


def _epoch(kind: str, net, X, y, cfg: W3Config, comm) -> None:
    """One epoch of ``kind``: ``fit``, or NumPy's floor with (``floor``) or without
    (``floor-alone``) the all-reduce, each process taking its share of every batch."""
    if kind != "fit":
        size = 1 if comm is None else comm.Get_size()
        add_up = None if kind == "floor-alone" or comm is None else _all_reduce(comm)
        floor_epoch(net, X, y, cfg, batch_size=cfg.batch_size // size, reduce=add_up)
        return
    import glassnet as gn

    gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(lr=cfg.lr), epochs=1,
        batch_size=cfg.batch_size, seed=0, verbose=0, comm=comm,
    )  # fmt: skip


def _all_reduce(comm):
    """``fit(comm=)``'s exchange: the packed gradient summed over the processes, in place."""
    from mpi4py import MPI

    def add_up(grad):
        comm.Allreduce(MPI.IN_PLACE, grad, op=MPI.SUM)

    return add_up


def _child(folder: str, kind: str, n, d, h, k, batch_size, repeat) -> dict | None:
    """One process of a system: warm up, read its rows, time ``repeat`` epochs."""
    from ...train.distributed import shard_range
    from ..train_cmd import mpi_world

    comm = mpi_world()
    cfg = W3Config(n=n, d=d, h=h, k=k, batch_size=batch_size)
    start, stop = shard_range(n, comm) if comm is not None else (0, n)
    warm = W3Config(n=512, d=d, h=h, k=k, batch_size=batch_size)
    Xw, yw = _read_rows(Path(folder), *(shard_range(512, comm) if comm else (0, 512)), warm)
    _epoch(kind, w3_net(warm), Xw, yw, warm, comm)  # imports, BLAS buffers, MPI's first calls
    del Xw, yw
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the high-water mark from here on
        base = _status_kib("VmRSS")
    except OSError:  # not Linux: no memory figure
        base = None
    X, y = _read_rows(Path(folder), start, stop, cfg)
    times = []
    for _ in range(repeat):
        net = w3_net(cfg)
        if comm is not None:
            comm.Barrier()
        t0 = time.perf_counter()
        _epoch(kind, net, X, y, cfg, comm)
        dt = time.perf_counter() - t0
        times.append(dt if comm is None else comm.allreduce(dt, op=_max()))
    added = None if base is None else _status_kib("VmHWM") - base
    mine = {"added_kib": added, "shard_bytes": int(X.nbytes + y.nbytes)}
    everyone = [mine] if comm is None else comm.gather(mine, root=0)
    if comm is not None and comm.Get_rank() != 0:
        return None
    return {"times": times, "processes": everyone}


def _max():
    from mpi4py import MPI

    return MPI.MAX


# ---------------------------------------------------------------- the workload
def _run_system(folder: Path, cfg: W5Config, repeat: int, kind: str, processes: int, threads: int):
    """Start one system's processes; returns the child's JSON (or raises)."""
    cmd = [sys.executable, "-m", "glassnet.apps.bench.w5", str(folder), kind]
    cmd += [str(v) for v in (cfg.n, cfg.d, cfg.h, cfg.k, cfg.batch_size, repeat)]
    if processes > 1:
        cmd = [_mpiexec(), "-n", str(processes), *cmd]
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{tail} (exit status {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_w5(cfg: W5Config, warm_cfg: W5Config, repeat: int, log=None):
    """Time W5's three systems and measure the processes' memory; returns
    ``(rows, checks)``. (``warm_cfg`` is unused: each process warms itself up.)"""
    systems = [
        (MPI_ROW, "fit", cfg.processes, 1),
        (ONE_THREAD, "fit", 1, 1),
        (TWO_THREADS, "fit", 1, 2),
        (FLOOR_MPI, "floor", cfg.processes, 1),
        (FLOOR_ALONE, "floor-alone", cfg.processes, 1),
        (FLOOR_ONE, "floor", 1, 1),
    ]
    rows = [Row("W5", name, reference=name == MPI_ROW) for name, *_ in systems]
    missing = _unavailable()
    results = {}
    with tempfile.TemporaryDirectory(prefix="glassnet-w5-") as tmp:
        X, y = make_data(cfg)
        X.tofile(Path(tmp) / "X.f32")
        y.astype(np.int64).tofile(Path(tmp) / "y.i64")
        del X, y
        for (name, kind, processes, threads), row in zip(systems, rows):
            row.note = f"{processes} process(es) x {threads} BLAS thread(s)"
            if missing and processes > 1:
                row.status, row.error = "not available", missing
                continue
            try:
                results[name] = _run_system(Path(tmp), cfg, repeat, kind, processes, threads)
                row.times = results[name]["times"]
            except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
                row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:200]
                if log is not None:
                    log(f"  W5 {name} failed: {exc}")
            if log is not None and row.times:
                log(f"  W5 {name}: " + ", ".join(f"{t:.3f}" for t in row.times) + " s")
    compare(rows)
    return rows, _checks(rows, results)


def _checks(rows, results) -> list[Check]:
    checks = []
    for other, target in ((ONE_THREAD, SPEEDUP_TARGET), (TWO_THREADS, None)):
        value = time_ratio(rows, other, MPI_ROW)
        checks.append(
            Check(
                "W5",
                f"speed-up of 2 processes over {other.split(', ')[1]}",
                value,
                "x",
                f">= {target}x" if target else "",
                None if value is None or target is None else value >= target,
                "best epoch times",
            )
        )
    for alone, how in ((FLOOR_MPI, "with the all-reduce"), (FLOOR_ALONE, "no all-reduce")):
        value = time_ratio(rows, FLOOR_ONE, alone)
        name = f"NumPy floor's speed-up, 2 processes over 1 ({how})"
        detail = "bounds fit's: the same epoch with nothing around the arithmetic"
        checks.append(Check("W5", name, value, "x", "", None, detail))
    checks.append(_memory_check(results))
    return checks


def _memory_check(results) -> Check:
    """The peak memory each of the 2 processes adds (its shard, its share of the run) as
    a share of what the one process adds (all the rows): about half, by the issue."""
    name = "peak memory a process adds, % of one process's"
    procs = results.get(MPI_ROW, {}).get("processes")
    one = results.get(ONE_THREAD, {}).get("processes")
    measured = procs and one and all(p["added_kib"] for p in procs + one)
    if not measured:
        return Check("W5", name, None, "", f"<= {MEMORY_TARGET}%", None, "not measured")
    detail = "; ".join(
        f"rank {i}: {p['added_kib'] / 1024:.0f} MiB for a shard of {p['shard_bytes'] / 2**20:.0f}"
        f" MiB" for i, p in enumerate(procs)
    )  # fmt: skip
    detail += (
        f"; 1 process: {one[0]['added_kib'] / 1024:.0f} MiB for all "
        f"{one[0]['shard_bytes'] / 2**20:.0f} MiB (peak RSS over the interpreter's)"
    )
    worst = 100 * max(p["added_kib"] for p in procs) / one[0]["added_kib"]
    return Check("W5", name, worst, "%", f"<= {MEMORY_TARGET}%", worst <= MEMORY_TARGET, detail)


if __name__ == "__main__":
    result = _child(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:9]))
    if result is not None:
        print(json.dumps(result))
