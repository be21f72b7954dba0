"""W3's settings, data, glassnet's epoch and NumPy's floor for it, shared by the timing
(``large``, ``w5``) and the memory measurement (``memory``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import glassnet as gn

__all__ = ["W3Config", "make_data", "w3_net", "fit_one_epoch", "floor_epoch"]


@dataclass
class W3Config:
    n: int = 60000
    d: int = 784
    h: int = 256
    k: int = 10
    batch_size: int = 128
    lr: float = 0.01
    peak_n: int = 2048  # square float32 GEMM whose speed is "the peak"
    rss: bool = True  # also measure the RSS high-water in a fresh process


def make_data(cfg: W3Config):
    """Uniform [0, 1) float32 inputs and labels 0..k-1 from seed 0 (no float64 temporary)."""
    rng = np.random.default_rng(0)
    X = rng.random((cfg.n, cfg.d), dtype=np.float32)
    y = rng.integers(0, cfg.k, cfg.n)
    return X, y


def w3_net(cfg: W3Config):
    """The 784-256-10 ReLU network of W3, float32."""
    return gn.mlp([cfg.d, cfg.h, cfg.k], "relu", seed=0, dtype=np.float32)


def fit_one_epoch(net, X, y, cfg: W3Config, shuffle: bool = True) -> None:
    """W3's work for glassnet: one epoch of minibatch SGD, as timed and as measured
    (``shuffle=False``: the batches in order, views of ``X``)."""
    gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.SGD(lr=cfg.lr),
        epochs=1,
        batch_size=cfg.batch_size,
        shuffle=shuffle,
        seed=0,
    )


def floor_epoch(net, X, y, cfg: W3Config, batch_size: int | None = None, reduce=None) -> None:
    """W3's epoch as lean as NumPy allows: the least any NumPy loop spends on it.

    The same shuffled minibatch SGD on ``net``'s packed parameters, with nothing around
    the arithmetic: every array made once before the loop; each batch gathered into a
    kept buffer (``np.take(out=)``); ReLU, softmax and their gradients in place; one
    multiply and one subtract to update all parameters; no checks, no loss value, no
    history. What it spends beyond ``matrix products alone`` is what a NumPy loop
    cannot avoid: gathering the batch's rows from memory and a pass over every parameter
    to update it (besides the small elementwise steps). ``reduce(grad)``, under MPI,
    adds up the processes' gradients as ``fit(comm=)`` does, one all-reduce per batch;
    ``batch_size`` is then the process's share of a batch. (W5 gives every process as
    many rows, and a batch size that the processes divide: the same number of batches
    each, so that their all-reduces pair up.)"""
    (dense1, _relu, dense2) = net.layers
    W1, b1, W2, b2 = dense1.W, dense1.b, dense2.W, dense2.b
    dW1, db1, dW2, db2 = dense1.dW, dense1.db, dense2.dW, dense2.db
    theta, grad = net.theta, net.grad
    bs = batch_size or cfg.batch_size
    shares = cfg.batch_size // bs  # the processes that share each batch
    dt = theta.dtype
    xb, a1 = np.empty((bs, cfg.d), dt), np.empty((bs, cfg.h), dt)
    z2, delta2 = np.empty((bs, cfg.k), dt), np.empty((bs, cfg.h), dt)
    active, step = np.empty((bs, cfg.h), bool), np.empty_like(theta)
    lr, rows = dt.type(cfg.lr), np.arange(bs)
    order = np.random.default_rng(0).permutation(X.shape[0])
    for start in range(0, X.shape[0], bs):
        idx = order[start : start + bs]
        m = idx.size
        x = np.take(X, idx, axis=0, out=xb[:m], mode="clip")  # clip: no bounds-check copy
        a, z, delta, mask = a1[:m], z2[:m], delta2[:m], active[:m]
        np.matmul(x, W1, out=a)
        a += b1
        np.maximum(a, 0, out=a)  # a1 = relu(x W1 + b1)
        np.matmul(a, W2, out=z)
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)  # yhat = softmax(a1 W2 + b2)
        z[rows[:m], y[idx]] -= 1  # delta3 = yhat - y
        z /= dt.type(m * shares)  # the mean over the whole batch
        np.matmul(a.T, z, out=dW2)
        z.sum(axis=0, out=db2)
        np.matmul(z, W2.T, out=delta)
        np.greater(a, 0, out=mask)
        delta *= mask  # delta2 = delta3 W2^T * relu'(z1)
        np.matmul(x.T, delta, out=dW1)
        delta.sum(axis=0, out=db1)
        if reduce is not None:
            reduce(grad)
        np.multiply(grad, lr, out=step)
        theta -= step  # theta -= lr * grad
