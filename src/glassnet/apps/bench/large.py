"""W3: one epoch of minibatch SGD on 60,000 x 784 float32 inputs, 784-256-10 ReLU.

glassnet's ``fit`` against its own matrix products alone, a hand-written NumPy loop,
scikit-learn's ``MLPClassifier`` and PyTorch (shuffled batches, and batches in order for
glassnet and PyTorch); the achieved GFLOP/s against the float32 matrix-multiply peak measured in
the same run; and the peak memory that glassnet's ``fit`` adds (see ``memory``).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import machine
from .core import Check, NotAvailable, System, time_ratio, time_systems
from .machine import cores, gemm_gflops
from .memory import rss_increase, tracemalloc_increase
from .w3 import W3Config, fit_one_epoch, floor_epoch, make_data, w3_net

__all__ = ["W3Config", "make_data", "epoch_flops", "w3_systems", "run_w3"]


def epoch_flops(cfg: W3Config) -> float:
    """Matrix-multiply FLOPs (2 m n k each) of one epoch.

    Per example: forward ``x W1`` and ``a1 W2``; backward ``dW2 = a1^T delta3``,
    ``delta2 = delta3 W2^T`` and ``dW1 = x^T delta2`` (no gradient for the input).
    """
    per = 2 * (2 * cfg.d * cfg.h + 3 * cfg.h * cfg.k)
    return float(per) * cfg.n


# ---------------------------------------------------------------- systems
def w3_glassnet(data, cfg: W3Config, shuffle: bool = True):
    X, y = data
    net = w3_net(cfg)
    fit_one_epoch(net, X, y, cfg, shuffle)
    return net.theta.dtype


def w3_glassnet_in_order(data, cfg: W3Config):
    return w3_glassnet(data, cfg, shuffle=False)


def w3_floor(data, cfg: W3Config):
    X, y = data
    net = w3_net(cfg)
    floor_epoch(net, X, y, cfg)
    return net.theta.dtype


def w3_products(data, cfg: W3Config):
    """The epoch's matrix products alone: the five products of each batch (the shapes
    ``epoch_flops`` counts), batch after batch over the epoch's rows in order, into kept
    arrays; what any loop of this network must spend at least."""
    X, _ = data
    d, h, k, bs = cfg.d, cfg.h, cfg.k, cfg.batch_size
    rng = np.random.default_rng(0)
    W1, W2 = rng.random((d, h), dtype=np.float32), rng.random((h, k), dtype=np.float32)
    a1, delta3 = np.empty((bs, h), np.float32), rng.random((bs, k), dtype=np.float32)
    z2, delta2 = np.empty((bs, k), np.float32), np.empty((bs, h), np.float32)
    dW1, dW2 = np.empty((d, h), np.float32), np.empty((h, k), np.float32)
    for start in range(0, X.shape[0], bs):
        x = X[start : start + bs]  # a view
        m = len(x)
        np.matmul(x, W1, out=a1[:m])  # x W1
        np.matmul(a1[:m], W2, out=z2[:m])  # a1 W2
        np.matmul(a1[:m].T, delta3[:m], out=dW2)  # a1^T delta3
        np.matmul(delta3[:m], W2.T, out=delta2[:m])  # delta3 W2^T
        np.matmul(x.T, delta2[:m], out=dW1)  # x^T delta2
    return W1.dtype


def w3_numpy(data, cfg: W3Config):
    """A hand-written epoch: what one would write in plain NumPy, float32 throughout."""
    X, y = data
    n, d = X.shape
    h, k, bs = cfg.h, cfg.k, cfg.batch_size
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((d, h), dtype=np.float32) * np.float32(np.sqrt(2.0 / d))
    b1 = np.zeros(h, dtype=np.float32)
    W2 = rng.standard_normal((h, k), dtype=np.float32) * np.float32(np.sqrt(2.0 / h))
    b2 = np.zeros(k, dtype=np.float32)
    lr = np.float32(cfg.lr)
    order = rng.permutation(n)
    for start in range(0, n, bs):
        idx = order[start : start + bs]
        m = idx.size
        xb = X[idx]  # (m, d)
        yb = y[idx]
        a1 = xb @ W1  # z1, (m, h)
        a1 += b1
        np.maximum(a1, 0, out=a1)  # a1 = relu(z1)
        z2 = a1 @ W2  # (m, k)
        z2 += b2
        z2 -= z2.max(axis=1, keepdims=True)
        p = np.exp(z2, out=z2)
        p /= p.sum(axis=1, keepdims=True)  # yhat
        p[np.arange(m), yb] -= 1  # delta3 = yhat - y
        p /= np.float32(m)  # mean over the batch
        dW2 = a1.T @ p
        db2 = p.sum(axis=0)
        delta2 = p @ W2.T  # (m, h)
        delta2 *= a1 > 0
        dW1 = xb.T @ delta2
        db1 = delta2.sum(axis=0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return W1.dtype


def w3_sklearn(data, cfg: W3Config):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = data
    clf = MLPClassifier(
        hidden_layer_sizes=(cfg.h,),
        activation="relu",
        solver="sgd",
        batch_size=cfg.batch_size,
        learning_rate="constant",
        learning_rate_init=cfg.lr,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        max_iter=1,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf.coefs_[0].dtype


def w3_torch(data, cfg: W3Config, shuffle: bool = True):
    torch = machine.torch_or_none()
    if torch is None:
        raise NotAvailable("torch not installed")
    X, y = data
    Xt = torch.from_numpy(X)  # shares memory, float32
    yt = torch.from_numpy(y.astype(np.int64, copy=False))
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(cfg.d, cfg.h), torch.nn.ReLU(), torch.nn.Linear(cfg.h, cfg.k)
    )
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    crit = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(Xt.shape[0], generator=gen)
    for start in range(0, Xt.shape[0], cfg.batch_size):
        if shuffle:
            idx = perm[start : start + cfg.batch_size]
            xb, yb = Xt.index_select(0, idx), yt.index_select(0, idx)
        else:  # views, as glassnet's batches in order
            xb, yb = Xt[start : start + cfg.batch_size], yt[start : start + cfg.batch_size]
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
    return model[0].weight.dtype


def w3_torch_in_order(data, cfg: W3Config):
    return w3_torch(data, cfg, shuffle=False)


def _dtype_note(dt) -> dict:
    return {"dtype": str(dt).replace("torch.", "")}


IN_ORDER = "glassnet fit, batches in order"
FLOOR = "NumPy floor (preallocated, in place)"
PRODUCTS = "matrix products alone"


def w3_systems() -> list[System]:
    """The systems of W3 and the issue's targets: the shuffled epoch within 1.4x of its
    matrix products alone and 0.6x of PyTorch's, the epoch in order 0.8x of PyTorch's."""
    torch_missing = None if machine.torch_or_none() is not None else "torch not installed"
    return [
        System("glassnet fit", w3_glassnet, reference=True, describe=_dtype_note),
        System(IN_ORDER, w3_glassnet_in_order, note="slices of X", describe=_dtype_note),
        System(
            PRODUCTS,
            w3_products,
            target=1.4,
            note="the 5 products of every batch, nothing else",
            describe=_dtype_note,
        ),
        System(
            FLOOR,
            w3_floor,
            note="the same epoch, nothing around the arithmetic: bench.w3.floor_epoch",
            describe=_dtype_note,
        ),
        System(
            "NumPy loop (hand-written)", w3_numpy, note="fancy-index batches", describe=_dtype_note
        ),
        System(
            "scikit-learn MLPClassifier",
            w3_sklearn,
            note="sgd, no momentum, alpha 0",
            describe=_dtype_note,
        ),
        System(
            "PyTorch",
            w3_torch,
            target=0.6,
            note=f"{cores()} threads, index_select batches",
            describe=_dtype_note,
            unavailable=torch_missing,
        ),
        System(
            "PyTorch, batches in order",
            w3_torch_in_order,
            target=0.8,
            versus=IN_ORDER,
            note=f"{cores()} threads, slices",
            describe=_dtype_note,
            unavailable=torch_missing,
        ),
    ]


# ---------------------------------------------------------------- the workload
PEAK_CALLS = 3


def _peak_system(n: int) -> System:
    """``PEAK_CALLS`` products of two n x n float32 matrices, as a system to time."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n), dtype=np.float32)
    B = rng.random((n, n), dtype=np.float32)
    C = np.empty((n, n), dtype=np.float32)

    def gemm(_data, _cfg):
        for _ in range(PEAK_CALLS):
            np.matmul(A, B, out=C)

    return System("float32 GEMM peak", gemm)


def run_w3(cfg: W3Config, warm_cfg: W3Config, repeat: int, log=None):
    """Time W3, measure the GEMM peak and glassnet's memory; returns ``(rows, checks, peak)``."""
    data = make_data(cfg)
    warm = (make_data(warm_cfg), warm_cfg)
    # the peak is timed in the same rounds as the systems, so that both see the same machine
    rows = time_systems(
        "W3", w3_systems() + [_peak_system(cfg.peak_n)], data, cfg, repeat, warm=warm, log=log
    )
    peak_row = rows.pop()
    peak = gemm_gflops(cfg.peak_n, cfg.peak_n, cfg.peak_n, repeat=max(3, repeat))
    if peak_row.best:
        peak = max(peak, PEAK_CALLS * 2.0 * cfg.peak_n**3 / peak_row.best / 1e9)
    checks = _speed_checks(rows, cfg, peak, repeat)
    checks.append(_tracemalloc_check(*data, cfg))
    del data
    if cfg.rss:
        checks.append(_rss_check(cfg))
    return rows, checks, peak


def _speed_checks(rows, cfg: W3Config, peak: float, repeat: int) -> list[Check]:
    """GFLOP/s of every system, and glassnet's share of the GEMM peak."""
    bs, d, h = cfg.batch_size, cfg.d, cfg.h
    fwd = gemm_gflops(bs, d, h, repeat=max(3, repeat))
    dw = gemm_gflops(d, bs, h, repeat=max(3, repeat), trans_a=True)
    flops = epoch_flops(cfg)
    for r in rows:
        if r.best:
            r.info["GFLOP/s"] = round(flops / r.best / 1e9, 1)
            r.info["% of peak"] = round(100 * flops / r.best / 1e9 / peak, 1)
    ref = next(r for r in rows if r.reference)
    shapes = (
        f"peak = best {cfg.peak_n}^3 float32 matmul, timed between the systems; "
        f"batch shapes: x W1 {fwd:.0f}, "
        f"x^T delta2 {dw:.0f} GFLOP/s; {flops / 1e9:.2f} GFLOP per epoch"
    )
    name = "glassnet GFLOP/s, % of GEMM peak"
    if ref.best:
        share = 100 * flops / ref.best / 1e9 / peak
        share_check = Check("W3", name, share, "%", ">= 45%", share >= 45, shapes)
    else:
        share_check = Check("W3", name, None, "%", ">= 45%", None)
    peak_check = Check("W3", "float32 GEMM peak", peak, "GFLOP/s", "", None, shapes)
    return [share_check, peak_check, _floor_check(rows)]


def _floor_check(rows) -> Check:
    """How far above its matrix products NumPy's leanest loop of the epoch runs: the
    least that ``fit``'s ratio to the products can be on this machine."""
    value = time_ratio(rows, FLOOR, PRODUCTS)
    detail = "gathering the shuffled rows and updating every parameter, at the least"
    return Check("W3", "NumPy floor over matrix products alone", value, "x", "", None, detail)


def _tracemalloc_check(X, y, cfg: W3Config) -> Check:
    size = X.nbytes
    try:
        inc = tracemalloc_increase(X, y, cfg)
    except Exception as exc:
        return Check("W3", "fit's added peak (tracemalloc)", None, "", "<= 10%", None, str(exc))
    pct = 100 * inc / size
    return Check(
        "W3",
        "fit's added peak, NumPy allocations (tracemalloc)",
        pct,
        "% of X",
        "<= 10%",
        pct <= 10,
        f"{inc / 2**20:.1f} MiB over X of {size / 2**20:.1f} MiB",
    )


def _rss_check(cfg: W3Config) -> Check:
    res = rss_increase(cfg)
    if "error" in res:
        return Check("W3", "fit's added peak RSS", None, "", "<= 10%", None, res["error"])
    pct = 100 * res["increase"] / res["data_bytes"]
    return Check(
        "W3",
        "fit's added peak RSS (fresh process)",
        pct,
        "% of X",
        "<= 10%",
        pct <= 10,
        f"{res['increase'] / 2**20:.1f} MiB, {res['method']}",
    )
