"""What the benchmark ran on, and the float32 matrix-multiply peak of this machine."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["machine_info", "cores", "gemm_gflops", "torch_or_none", "BLAS_ENV"]

BLAS_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def cores() -> int:
    """CPU cores this process may run on (its affinity), else ``os.cpu_count()``."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def torch_or_none():
    """``torch`` with its intra-op threads set to this process's cores, or None if absent."""
    try:
        import torch
    except ImportError:
        return None
    n = cores()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return torch


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    flags = ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "cpu family", "model", "stepping") and key not in fields:
            fields[key] = value.strip()
        elif key == "flags" and not flags:
            have = set(value.split())
            flags = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in have)
    ident = ", ".join(
        f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields
    )
    extra = "; ".join(x for x in (ident, flags) if x)
    model = fields.get("model name", platform.processor() or platform.machine())
    return f"{model} ({extra})" if extra else model


def _mem_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def _git(*args: str) -> subprocess.CompletedProcess:
    """``git args...`` run in the folder of this file, its output as text."""
    here = Path(__file__).resolve().parent
    return subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, timeout=5)


def _git_commit() -> str:
    try:
        out = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    return out.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    libs = []
    for d in threadpool_info():
        name = d.get("internal_api", "?")
        parts = [f"{name} {d.get('version') or ''}".strip()]
        if d.get("architecture"):
            parts.append(f"kernel {d['architecture']}")
        parts.append(f"{d.get('num_threads')} threads")
        if d.get("threading_layer"):
            parts.append(d["threading_layer"])
        libs.append(f"{d.get('user_api', '?')}: " + ", ".join(parts) + f" [{d.get('prefix')}]")
    return "; ".join(libs) if libs else "none found"


def machine_info() -> dict:
    """CPU, cores, memory, versions, BLAS (through threadpoolctl) and the BLAS environment."""
    import glassnet

    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": f"{cores()} usable (os.cpu_count() = {os.cpu_count()})",
        "memory": _mem_total(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "glassnet": f"{glassnet.__version__}, commit {_git_commit()}",
        "numpy": np.__version__,
    }
    try:
        import sklearn

        info["scikit-learn"] = sklearn.__version__
    except ImportError:
        info["scikit-learn"] = "not installed"
    torch = torch_or_none()
    if torch is None:
        info["torch"] = "not installed (pip install -e '.[bench]')"
    else:
        mkl, dnn = torch.backends.mkl.is_available(), torch.backends.mkldnn.is_available()
        info["torch"] = (
            f"{torch.__version__}, {torch.get_num_threads()} intra-op threads, "
            f"mkl {mkl}, mkldnn {dnn}"
        )
    info["BLAS (threadpoolctl)"] = _blas()
    env = {k: os.environ[k] for k in BLAS_ENV if k in os.environ}
    info["BLAS environment"] = ", ".join(f"{k}={v}" for k, v in env.items()) or "none set"
    return info


def gemm_gflops(m: int, k: int, n: int, repeat: int = 5, dtype=np.float32, trans_a=False) -> float:
    """Best GFLOP/s of ``A @ B`` with ``A`` (m, k) and ``B`` (k, n) (``2 m k n`` FLOPs).

    With ``trans_a`` the product is ``A.T @ B`` with ``A`` stored (k, m), as in ``X^T delta``.
    """
    rng = np.random.default_rng(0)
    A = rng.random((k, m) if trans_a else (m, k), dtype=np.float32).astype(dtype, copy=False)
    B = rng.random((k, n), dtype=np.float32).astype(dtype, copy=False)
    A_ = A.T if trans_a else A
    C = np.empty((m, n), dtype=dtype)
    np.matmul(A_, B, out=C)  # warm up: BLAS threads and buffers
    # enough calls per timing to last about 20 ms
    t0 = time.perf_counter()
    np.matmul(A_, B, out=C)
    once = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.02 / once))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            np.matmul(A_, B, out=C)
        best = min(best, (time.perf_counter() - t0) / inner)
    return 2.0 * m * k * n / best / 1e9
