"""The usual mistakes of the exercises, each as the wrong value it gives and its hint.

Each function returns the ``Mistake``s of one quantity on one case, computed from the
engine's numbers for that case (``glassnet.learn.reference.Trace``): what a learner's
value is compared with when it differs from glassnet's. A hint names the mistake in
words and in the post's notation; it never shows code.
"""

from __future__ import annotations

import numpy as np

from ..activations import Identity, ReLU, Sigmoid
from ..losses import log_softmax, softmax
from .compare import Mistake
from .reference import Trace, post_model, post_network

__all__ = [
    "forward_mistakes",
    "loss_mistakes",
    "gradient_mistakes",
    "activation_mistakes",
    "general_hint",
]

NO_ONE_HOT = (
    "a forgotten - 1 at the true class: delta{top} is yhat - y with y one-hot, that is "
    "the probabilities with 1 taken off each row's entry at its true class."
)
SIGN = "the opposite sign: delta{top} is yhat - y (predicted minus true), not y - yhat."
MEAN = (
    "your {q} is divided by the number of rows: the post's gradients are those of the "
    "summed loss, added up over the rows with no 1/N."
)


def general_hint(q: str, top: int) -> str:
    """The hint for a wrong ``q`` that none of the usual mistakes explains."""
    if q == "probs":
        return f"probs is softmax(z{top}), the softmax of each row of the last layer's scores."
    if q == "loss":
        return (
            "the post's loss is the summed -log of each row's probability at its true "
            "class, plus reg_lambda/2 times the sum of the squared weights, all divided by "
            "the number of rows."
        )
    j = int(q[2:])
    if q.startswith("dW"):
        return (
            f"dW{j} is the input of layer {j}, transposed, times delta{j + 1}, plus "
            f"reg_lambda W{j}: go through the post's formula for delta{j + 1} step by step."
        )
    return f"db{j} is delta{j + 1} summed over the rows (biases are not regularised)."


def forward_mistakes(tr: Trace) -> list[Mistake]:
    """Wrong ``probs``: no softmax, exp not normalised, softmax over the wrong axis, a
    bias or the hidden activation left out."""
    top = len(tr.net.layers) // 2 + 1
    z = tr.outputs[-1]
    found = [
        Mistake(z, f"you returned the scores z{top}: the softmax that makes them "
                   "probabilities is missing."),
        Mistake(np.exp(z), "exp of the scores, not divided by each row's sum: rows of "
                           "probabilities sum to 1."),
        Mistake(softmax(z.T).T, "the softmax is normalised over the wrong axis: each row "
                                "(one example's classes) must sum to 1, not each column."),
    ]  # fmt: skip
    model = post_model(tr.net)
    for j in range(1, top + 1):
        net = post_network(model)
        net.params[f"{2 * j - 2}.b"][...] = 0
        found.append(Mistake(softmax(net.forward(tr.X)), f"b{j} is not added to z{j}."))
    linear = post_network(model, activation=Identity)
    found.append(Mistake(softmax(linear.forward(tr.X)), "the hidden layer's tanh is missing."))
    return found


def loss_mistakes(tr: Trace) -> list[Mistake]:
    """Wrong loss values: not divided by n, divided twice, the penalty missing, doubled,
    not divided, the sign, every class's log-probability summed."""
    n, data, pen = len(tr.X), tr.data_loss, tr.penalty
    all_classes = -float(log_softmax(tr.outputs[-1]).sum())
    return [
        Mistake((data + pen) / n**2, "your loss is divided by the number of rows twice."),
        Mistake(data + pen, "your loss is not divided by the number of rows: the post's "
                            "loss is the sum divided by N."),
        Mistake(data / n, "the regularisation term is missing: the post adds reg_lambda/2 "
                          "times the sum of the squared weights (W1 and W2) before dividing."),
        Mistake((data + 2 * pen) / n, "the regularisation term is doubled: it is reg_lambda/2 "
                                      "times the sum of squared weights, not reg_lambda times."),
        Mistake(data / n + pen, "the regularisation term is not divided by the number of "
                                "rows: the post divides the whole sum by N."),
        Mistake(data / n + pen / 2 / n, "the regularisation term is halved: reg_lambda/2 "
                                        "times the squared weights, once."),
        Mistake(-tr.loss, "your loss has the wrong sign: it is minus the log-probabilities."),
        Mistake((all_classes + pen) / n, "you summed -log of every class's probability: only "
                                         "each row's true class counts."),
    ]  # fmt: skip


def gradient_mistakes(tr: Trace, q: str, no_one_hot: Trace | None = None) -> list[Mistake]:
    """Wrong values of the gradient ``q`` (``"dW1"``, ``"db2"``, ...)."""
    kind, j = q[:2], int(q[2:])
    top = len(tr.net.layers) // 2 + 1
    i = tr.dense(j)
    W, b = tr.net.params[f"{i}.W"], tr.net.params[f"{i}.b"]
    reg, n = tr.reg_lambda, len(tr.X)
    data, d = tr.data_grads[q], tr.deltas[i]  # the data term and this layer's delta
    found = []
    if no_one_hot is not None:
        found.append(Mistake(no_one_hot.grads[q], NO_ONE_HOT.format(top=top + 1)))
    if kind == "dW":
        found += _weight_mistakes(q, W, data, reg, n)
    else:
        found += [
            Mistake(d, f"your {q} has one row per example: a bias gradient is delta{j + 1} "
                       "summed over the rows (the examples)."),
            Mistake(d.sum(axis=1), f"your {q} is summed over the wrong axis: over the rows "
                                   "(the examples), one entry per unit."),
            Mistake(data + reg * b, f"{q} has a regularisation term: the post penalises the "
                                    "weights only, not the biases."),
            Mistake(data / n, MEAN.format(q=q)),
        ]  # fmt: skip
    found.append(Mistake(-data + (reg * W if kind == "dW" else 0), SIGN.format(top=top + 1)))
    if j < top:
        found += _derivative_mistakes(tr, q, j)
    return found


def _weight_mistakes(q, W, data, reg, n) -> list[Mistake]:
    w = q[1:]
    return [
        Mistake(data, f"{q} lacks the regularisation term: the penalty reg_lambda/2 |{w}|^2 "
                      f"adds reg_lambda {w} to {q}."),
        Mistake(data + 2 * reg * W, f"the regularisation term is in {q} twice: add "
                                    f"reg_lambda {w} once."),
        Mistake(data + reg * W / 2, f"the regularisation term is halved: the derivative of "
                                    f"reg_lambda/2 |{w}|^2 is reg_lambda {w} (the 2 of the "
                                    "square cancels the 1/2)."),
        Mistake(data + reg * W / n, f"the regularisation term is divided by the number of "
                                    f"rows: in the gradient of the summed loss it is "
                                    f"reg_lambda {w}."),
        Mistake(data / n + reg * W, MEAN.format(q=q)),
        Mistake((data + reg * W) / n, MEAN.format(q=q)),
    ]  # fmt: skip


def _derivative_mistakes(tr: Trace, q: str, j: int) -> list[Mistake]:
    """``q`` of a layer under a tanh: with its derivative left out or taken at z."""
    i = tr.dense(j)
    x, g = tr.inputs[i], tr.deltas[i + 1]  # the layer's input; dL/da at its tanh's output
    z, a = tr.inputs[i + 1], tr.outputs[i + 1]  # the tanh's input z and output a = tanh(z)
    W = tr.net.params[f"{i}.W"]
    reg = tr.reg_lambda
    d = j + 1  # the post's delta2 is the delta of layer 1's z

    def grad(delta):  # this layer's gradient q from the delta at its z
        return x.T @ delta + reg * W if q.startswith("dW") else delta.sum(axis=0)

    return [
        Mistake(grad(g), f"a missing activation derivative: delta{d} is the delta from the "
                         f"layer above times the slope of tanh at z{j}, 1 - a{j}^2, entry "
                         "by entry."),
        Mistake(grad(g * (1 - z**2)), f"the slope of tanh is taken from z{j} (1 - z{j}^2): "
                                      f"it is 1 - a{j}^2, with a{j} = tanh(z{j}) the layer's "
                                      "output."),
        Mistake(grad(g * (1 - np.tanh(a) ** 2)), f"tanh is applied twice in the slope: a{j} is "
                                                 f"already tanh(z{j}), so the slope is "
                                                 f"1 - a{j}^2."),
    ]  # fmt: skip


def activation_mistakes(name: str, z: np.ndarray) -> list[Mistake]:
    """Wrong values of ``relu``, ``relu_grad``, ``sigmoid`` or ``sigmoid_grad`` at ``z``."""
    s = Sigmoid().forward(z)
    relu = ReLU().forward(z)
    table = {
        "relu": [
            Mistake(z, "relu(z) is z where z > 0 and 0 elsewhere: yours returns z unchanged."),
            Mistake(np.minimum(z, 0), "relu keeps the positive entries, not the negative ones."),
            Mistake(np.abs(z), "relu sets the negative entries to 0; it does not flip them."),
        ],
        "relu_grad": [
            Mistake(relu, "you returned relu(z), the values: the derivative is the slope, "
                          "1 where z > 0 and 0 elsewhere."),
            Mistake(np.ones_like(z), "the slope of relu is 0 where z < 0, not 1 everywhere."),
            Mistake((z < 0) * 1.0, "the slope is 1 on the wrong side: where z > 0."),
        ],
        "sigmoid": [
            Mistake(1 / (1 + np.exp(z)), "the sign of the exponent: sigmoid(z) = "
                                         "1 / (1 + e^(-z))."),
            Mistake(np.tanh(z), "that is tanh(z), not the sigmoid."),
            Mistake(np.exp(-z) / (1 + np.exp(-z)), "that is 1 - sigmoid(z): sigmoid(z) = "
                                                   "1 / (1 + e^(-z))."),
        ],
        "sigmoid_grad": [
            Mistake(s, "you returned sigmoid(z) itself: its slope is s (1 - s), with "
                       "s = sigmoid(z)."),
            Mistake(z * (1 - z), "s (1 - s) is applied to z: s is sigmoid(z), not z."),
            Mistake(1 - s**2, "1 - s^2 is tanh's slope (from its output); the sigmoid's is "
                              "s (1 - s)."),
            Mistake(s * (1 + s), "the sigmoid's slope is s (1 - s), with a minus."),
        ],
    }  # fmt: skip
    return table[name]
