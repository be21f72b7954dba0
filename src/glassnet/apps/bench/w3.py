"""W3's settings, data and glassnet's epoch, shared by the timing (``large``) and the
memory measurement (``memory``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import glassnet as gn

__all__ = ["W3Config", "make_data", "w3_net", "fit_one_epoch"]


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
