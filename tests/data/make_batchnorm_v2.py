"""Writes the format-2 BatchNorm fixtures of ``tests/test_buffers.py``.

Run once with glassnet at commit e708406 (format version 2, when BatchNorm's running
statistics were packed inside ``theta``), from the repository's root::

    PYTHONPATH=src python tests/data/make_batchnorm_v2.py

It writes ``batchnorm_v2.npz`` (a trained network), ``batchnorm_v2.ckpt.npz`` (a checkpoint
of Adam stopped by SIGINT after the 3rd minibatch of epoch 2) and
``batchnorm_v2_expect.npz``: the data, the network's running statistics and
probabilities as that glassnet computed them, and the parameters and statistics of the
same run trained to the end without interruption.
"""

import os
import signal
from pathlib import Path

import numpy as np

import glassnet as gn

HERE = Path(__file__).parent
EPOCHS = 4


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)) * [3.0, 0.5] + [1.0, -2.0]
    y = (X[:, 0] > 1).astype(int) + (X[:, 1] > -2).astype(int)  # 3 classes
    return X, y


def net():
    return gn.mlp([2, 5, 4, 3], activation="relu", batch_norm=True, seed=0)


SETTINGS = {"batch_size": 16, "shuffle": True, "seed": 3, "verbose": 0}


class Interrupting(gn.Adam):
    calls = 0

    def step(self, theta, grad):
        super().step(theta, grad)
        Interrupting.calls += 1
        if Interrupting.calls == 4 * 2 + 3:  # 4 batches per epoch: the 3rd of epoch 2
            os.kill(os.getpid(), signal.SIGINT)


def main():
    X, y = data()
    loss = gn.SoftmaxCrossEntropy()
    full = net()
    gn.fit(full, loss, X, y, optimizer=gn.Adam(0.01), epochs=EPOCHS, **SETTINGS)
    gn.save(full, HERE / "batchnorm_v2.npz")
    ck = HERE / "batchnorm_v2.ckpt.npz"
    part = net()
    gn.fit(part, loss, X, y, optimizer=Interrupting(0.01), epochs=EPOCHS, checkpoint=ck, **SETTINGS)
    expect = {"X": X, "y": y, "proba": full.predict_proba(X), "theta": full.theta}
    for i in (1, 4):
        expect[f"{i}.running_mean"] = full.layers[i].running_mean
        expect[f"{i}.running_var"] = full.layers[i].running_var
        expect[f"{i}.gamma"] = full.layers[i].gamma
    np.savez(HERE / "batchnorm_v2_expect.npz", **expect)


if __name__ == "__main__":
    main()
