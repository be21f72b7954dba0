"""How much memory glassnet's ``fit`` adds on top of the data (W3's memory target).

Two measurements, because each sees something the other cannot:

* ``tracemalloc_increase``: NumPy reports every array buffer it allocates to
  ``tracemalloc``, so the traced peak during ``fit`` minus what was traced before it is
  exactly the largest amount of array memory that ``fit`` held at once (a copy of ``X``,
  a boolean mask of ``X``'s size, per-step buffers), byte for byte and independent of the
  allocator. It does not see memory that BLAS allocates for itself.
* ``rss_increase``: in a fresh interpreter, make the data, warm BLAS up on the batch's
  matrix shapes (its buffers are allocated once per process, not by ``fit``), reset the
  kernel's resident-set high-water mark (``/proc/self/clear_refs``), run ``fit`` and read
  ``VmHWM``. This is the process's peak memory as the OS sees it, BLAS included, but it
  also depends on when the C allocator returns pages.

Run as ``python -m glassnet.apps.bench.memory N D H K BATCH`` it prints the RSS measurement as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np

from .w3 import W3Config, fit_one_epoch, make_data, w3_net

__all__ = ["tracemalloc_increase", "rss_increase"]


def tracemalloc_increase(X, y, cfg) -> int:
    """Peak bytes of NumPy allocations held during one W3 ``fit``, over those held before."""
    net = w3_net(cfg)
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fit_one_epoch(net, X, y, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if started:
            tracemalloc.stop()
    return peak - base


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _child(n, d, h, k, batch_size) -> dict:
    cfg = W3Config(n=n, d=d, h=h, k=k, batch_size=batch_size)
    X, y = make_data(cfg)
    net = w3_net(cfg)
    # BLAS allocates its work buffers and threads once per process: do that first
    a = np.ones((batch_size, d), np.float32)
    g = np.ones((batch_size, h), np.float32)
    for _ in range(3):
        a @ net.params["0.W"]
        a.T @ g
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        method = "VmHWM after resetting it (clear_refs)"
        base = _status_kib("VmRSS")
    except OSError:
        import resource

        method = "ru_maxrss before/after (no clear_refs)"
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fit_one_epoch(net, X, y, cfg)
    if method.startswith("VmHWM"):
        peak = _status_kib("VmHWM")
    else:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"increase": (peak - base) * 1024, "data_bytes": int(X.nbytes), "method": method}


def rss_increase(cfg, timeout: float = 600) -> dict:
    """Run ``_child`` in a fresh interpreter; returns its dict, or ``{"error": ...}``."""
    cmd = [sys.executable, "-m", "glassnet.apps.bench.memory"]
    cmd += [str(v) for v in (cfg.n, cfg.d, cfg.h, cfg.k, cfg.batch_size)]
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"child failed: {tail}"}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"unreadable child output {out.stdout[-200:]!r}"}


if __name__ == "__main__":
    print(json.dumps(_child(*(int(a) for a in sys.argv[1:6]))))
