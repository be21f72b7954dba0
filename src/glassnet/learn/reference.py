"""glassnet's own answers to the exercises, computed by the engine.

A learner's code works on the post's model dict ``{"W1", "b1", "W2", "b2", ...}``;
``post_network`` puts those numbers into the engine's network (``Dense(W1, b1)``,
``Tanh``, ``Dense(W2, b2)``, ...), and ``trace`` runs one forward and one backward pass
through it with the post's loss (``SoftmaxCrossEntropy(reduction="sum")``) and penalty
(``l2 = reg_lambda``), keeping what every layer saw: the values the checker compares,
and the intermediate quantities from which the usual mistakes are computed
(``glassnet.learn.mistakes``). Nothing here is a copy of the post's code: the numbers
are the engine's, and the tests hold them to the post's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..activations import Tanh
from ..layers import Dense
from ..losses import SoftmaxCrossEntropy, softmax
from ..network import Sequential
from ..optim import SGD
from ..train.diagnostics import OscillationWarning
from ..train.fit import fit

__all__ = ["post_network", "post_model", "depth", "Trace", "trace", "train"]


def depth(model: dict) -> int:
    """The number of weight layers of a post-style model: 2 for ``W1, W2``."""
    n = 0
    while f"W{n + 1}" in model:
        n += 1
    return n


def post_network(model: dict, activation=Tanh) -> Sequential:
    """The engine's network holding the model's numbers: ``Dense(W1, b1)``, ``Tanh``,
    ``Dense(W2, b2)`` (the ``activation`` between every two ``Dense`` layers)."""
    layers = []
    for j in range(1, depth(model) + 1):
        if layers:
            layers.append(activation())
        layers.append(Dense(*np.shape(model[f"W{j}"])))
    net = Sequential(layers, seed=0)
    for j in range(1, depth(model) + 1):
        net.params[f"{2 * j - 2}.W"][...] = model[f"W{j}"]
        net.params[f"{2 * j - 2}.b"][...] = np.reshape(model[f"b{j}"], -1)
    return net


def post_model(net: Sequential) -> dict:
    """The post's dict of the network's parameters, biases of shape (1, k) as the post
    makes them."""
    model = {}
    for j in range(1, (len(net.layers) + 1) // 2 + 1):
        model[f"W{j}"] = net.params[f"{2 * j - 2}.W"].copy()
        model[f"b{j}"] = net.params[f"{2 * j - 2}.b"].reshape(1, -1).copy()
    return model


@dataclass
class Trace:
    """One forward and backward pass of the engine on a post model.

    Attributes
    ----------
    X, y, reg_lambda : the case
    inputs, outputs : what each layer of ``net`` took and gave in the forward pass
        (layer ``2j - 2`` is ``Dense(Wj, bj)``, the layers between them ``Tanh``)
    deltas : what each layer took in the backward pass (``dL/d`` its output)
    probs : ndarray of shape (n, k), the softmax of the scores
    data_loss, penalty : the summed cross-entropy and ``reg_lambda/2 * sum |W|^2``
    loss : the post's ``calculate_loss``: ``(data_loss + penalty) / n``
    data_grads, grads : ``{"dW1": ..., "db1": ...}`` without and with the penalty's
        ``reg_lambda * W``; biases of shape (k,)
    """

    net: Sequential
    X: np.ndarray
    y: np.ndarray
    reg_lambda: float
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    deltas: list = field(default_factory=list)
    probs: np.ndarray | None = None
    data_loss: float = 0.0
    penalty: float = 0.0
    data_grads: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)

    @property
    def loss(self) -> float:
        return (self.data_loss + self.penalty) / len(self.X)

    def dense(self, j: int) -> int:
        """The layer index of ``Dense(Wj, bj)``."""
        return 2 * j - 2


def trace(model: dict, X, y, reg_lambda: float, one_hot: bool = True) -> Trace:
    """Run the engine forward and backward on ``(X, y)``, keeping every layer's numbers.

    With ``one_hot=False`` the backward pass starts from the probabilities instead of
    ``delta3 = yhat - y`` (the one-hot labels not subtracted: a usual mistake's gradients).
    """
    net = post_network(model)
    tr = Trace(net, X, y, reg_lambda)
    a = X
    for layer in net.layers:
        tr.inputs.append(a)
        a = layer.forward(a, training=True)
        tr.outputs.append(a)
    loss = SoftmaxCrossEntropy(reduction="sum")
    tr.data_loss = loss.forward(a, y)
    tr.penalty = net.penalty(reg_lambda)
    tr.probs = softmax(a)
    delta = loss.backward() if one_hot else tr.probs.copy()  # delta3 = yhat - y
    tr.deltas = [None] * len(net.layers)
    for i in reversed(range(len(net.layers))):  # Sequential.backward, keeping each delta
        tr.deltas[i] = delta
        delta = net.layers[i].backward(delta)
    tr.data_grads = _named(net)
    net.add_penalty_grad(reg_lambda)  # dW += reg_lambda * W
    tr.grads = _named(net)
    return tr


def _named(net: Sequential) -> dict:
    """The network's gradients under the post's names: ``"0.W"`` -> ``"dW1"``."""
    return {
        f"d{key[-1]}{int(key.split('.')[0]) // 2 + 1}": g.copy() for key, g in net.grads.items()
    }


def train(model: dict, X, y, epsilon: float, reg_lambda: float, **fit_args) -> dict:
    """The model after ``fit`` with the post's loss, penalty and SGD step from ``model``;
    ``fit_args`` are ``fit``'s (``epochs``, ``batch_size``, ``shuffle``, ``seed``, ...)."""
    net = post_network(model)
    fit_args = {"shuffle": False, **fit_args}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OscillationWarning)  # a few steps: nothing to learn
        fit(
            net,
            SoftmaxCrossEntropy(reduction=fit_args.pop("reduction", "sum")),
            X,
            y,
            optimizer=SGD(lr=epsilon),
            l2=reg_lambda,
            verbose=0,
            min_classes=0,
            **fit_args,
        )
    return post_model(net)
