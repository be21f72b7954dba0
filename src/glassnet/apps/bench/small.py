"""W1 (the post's training run) and W2 (the whole tutorial's training).

W1: moons(200), the 2-3-2 tanh net, 20,000 full-batch SGD steps (lr 0.01 on the summed
loss, L2 0.01), float64: glassnet's ``fit``, the post's code (``glassnet.tutorial``),
scikit-learn's ``MLPClassifier`` and PyTorch.

W2: logistic regression, the 3-unit net with its printed losses and the sweep of seven
hidden sizes, as ``glassnet tutorial`` trains them (joblib over the sweep) against the
post's code run in sequence.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

import glassnet as gn
from glassnet.apps.tutorial_cmd import logistic_regression, sweep, train_networks
from glassnet.data import datasets
from glassnet.losses import one_hot

from . import machine, post
from .core import NotAvailable, System
from .machine import cores

__all__ = ["W1Config", "W2Config", "w1_systems", "w2_systems", "moons_data", "engine_loop"]

LR = 0.01  # the post's epsilon
L2 = 0.01  # the post's reg_lambda


@dataclass
class W1Config:
    steps: int = 20000
    n_samples: int = 200


@dataclass
class W2Config:
    passes: int = 20000
    sizes: tuple = post.HIDDEN_SIZES
    n_jobs: int = 2


def moons_data(n_samples=200):
    return datasets.moons(n_samples)


def _net_model(net) -> dict:
    """A glassnet 2-h-2 net as the post's model dict."""
    p = net.params
    return {"W1": p["0.W"], "b1": p["0.b"][None, :], "W2": p["2.W"], "b2": p["2.b"][None, :]}


def _describe_model(X, y):
    def describe(model):
        return {
            "loss": float(post.calculate_loss(model, X, y, L2)),
            "accuracy": float(np.mean(post.predict(model, X) == y)),
        }

    return describe


# ---------------------------------------------------------------- W1 systems
def w1_glassnet(data, cfg: W1Config):
    X, y = data
    net = gn.mlp([2, 3, 2], "tanh", seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    gn.fit(net, loss, X, y, optimizer=gn.SGD(lr=LR), epochs=cfg.steps, l2=L2)
    return _net_model(net)


def w1_engine_loop(data, cfg: W1Config):
    """W1 with ``engine_loop`` in place of ``fit``: the same steps and parameters, without
    ``fit``'s work around them, so the table shows what that work costs."""
    X, y = data
    return _net_model(engine_loop(X, y, 3, cfg.steps))


def w1_post(data, cfg: W1Config):
    X, y = data
    return post.build_model(X, y, 3, num_passes=cfg.steps)


def sklearn_full_batch(n_samples: int, steps: int, hidden=(3,)):
    """An ``MLPClassifier`` that takes ``steps`` plain full-batch gradient steps.

    scikit-learn's gradient is ``(sum-gradient + alpha W) / n``, so ``lr = 0.01 * n`` and
    ``alpha = 0.01`` take the post's step; ``tol=0`` and a huge ``n_iter_no_change`` keep it
    from stopping early.
    """
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="tanh",
        solver="sgd",
        batch_size=n_samples,
        learning_rate="constant",
        learning_rate_init=LR * n_samples,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=L2,
        max_iter=steps,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=False,
        early_stopping=False,
        random_state=0,
    )


def w1_sklearn(data, cfg: W1Config):
    from sklearn.exceptions import ConvergenceWarning

    X, y = data
    clf = sklearn_full_batch(len(X), cfg.steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


def _describe_sklearn(X, y):
    def describe(clf):
        return {
            "loss": float(clf.loss_),
            "accuracy": float(np.mean(clf.predict(X) == y)),
            "steps": int(clf.n_iter_),
        }

    return describe


def _post_init(hidden):
    rs = np.random.RandomState(0)
    W1 = rs.randn(2, hidden) / np.sqrt(2)
    W2 = rs.randn(hidden, 2) / np.sqrt(hidden)
    return W1, W2


def w1_torch(data, cfg: W1Config):
    torch = machine.torch_or_none()
    if torch is None:
        raise NotAvailable("torch not installed")
    X, y = data
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(np.int64))
    l1 = torch.nn.Linear(2, 3, dtype=torch.float64)
    l2 = torch.nn.Linear(3, 2, dtype=torch.float64)
    W1, W2 = _post_init(3)
    with torch.no_grad():  # the post's initial weights, so the runs can be compared
        l1.weight.copy_(torch.from_numpy(W1.T))
        l2.weight.copy_(torch.from_numpy(W2.T))
        l1.bias.zero_()
        l2.bias.zero_()
    model = torch.nn.Sequential(l1, torch.nn.Tanh(), l2)
    opt = torch.optim.SGD(
        [
            {"params": [l1.weight, l2.weight], "weight_decay": L2},
            {"params": [l1.bias, l2.bias], "weight_decay": 0.0},
        ],
        lr=LR,
    )
    crit = torch.nn.CrossEntropyLoss(reduction="sum")
    for _ in range(cfg.steps):
        opt.zero_grad()
        loss = crit(model(Xt), yt)
        loss.backward()
        opt.step()
    return {
        "W1": l1.weight.detach().numpy().T,
        "b1": l1.bias.detach().numpy()[None, :],
        "W2": l2.weight.detach().numpy().T,
        "b2": l2.bias.detach().numpy()[None, :],
    }


def w1_systems(data) -> list[System]:
    X, y = data
    describe = _describe_model(X, y)
    torch_missing = None if machine.torch_or_none() is not None else "torch not installed"
    return [
        System("glassnet fit", w1_glassnet, reference=True, describe=describe),
        System(
            "glassnet engine, bare loop",
            w1_engine_loop,
            note="fit's steps alone: no history, accuracy or checks",
            describe=describe,
        ),
        System("post's code", w1_post, target=0.8, describe=describe),
        System(
            "scikit-learn MLPClassifier",
            w1_sklearn,
            target=0.6,
            note="sgd, batch 200, no momentum; 2-3-1 logistic output, Glorot init",
            describe=_describe_sklearn(X, y),
        ),
        System(
            "PyTorch",
            w1_torch,
            note=f"float64, {cores()} threads, weight decay on W only",
            describe=describe,
            unavailable=torch_missing,
        ),
    ]


# ---------------------------------------------------------------- W2 systems
def w2_glassnet(data, cfg: W2Config):
    """What ``glassnet tutorial --n-jobs N`` trains, without the figures."""
    X, y = data
    logistic_regression(X, y)
    by_size, _, _ = train_networks(X, y, sizes=cfg.sizes, epochs=cfg.passes, n_jobs=cfg.n_jobs)
    return _net_model(by_size[3])


def w2_glassnet_serial(data, cfg: W2Config):
    return w2_glassnet(data, W2Config(cfg.passes, cfg.sizes, n_jobs=1))


def engine_loop(X, y, hidden: int, passes: int):
    """The post's network trained by the engine alone: ``fit``'s step (forward, loss,
    backward, L2, SGD) with nothing around it, so no history, no accuracy, no divergence
    watch and no callbacks. The same arithmetic as ``fit``, so the same parameters."""
    net = gn.mlp([2, hidden, 2], "tanh", seed=0)
    loss, optimizer = gn.SoftmaxCrossEntropy(reduction="sum"), gn.SGD(lr=LR)
    Y = one_hot(y, 2)
    for _ in range(passes):
        loss.forward(net.forward(X, training=True), Y)
        net.backward(loss.backward())
        net.add_penalty_grad(L2)
        optimizer.step(net.theta, net.grad)
    return net


def w2_engine_loop(data, cfg: W2Config):
    """W2 with ``engine_loop`` in place of ``fit``, scheduled as the tutorial's sweep: what
    ``fit``'s bookkeeping costs, and how fast this machine lets the engine go with the
    post's NumPy operations."""
    X, y = data
    logistic_regression(X, y)
    nets = sweep(engine_loop, X, y, cfg.sizes, cfg.passes, cfg.n_jobs)
    return _net_model(nets[3])


def w2_post(data, cfg: W2Config):
    X, y = data
    _, model3, _ = post.tutorial_sequence(X, y, num_passes=cfg.passes, sizes=cfg.sizes)
    return model3


def w2_systems(data, cfg: W2Config) -> list[System]:
    X, y = data
    describe = _describe_model(X, y)
    n_train = 1 + len(cfg.sizes)
    return [
        System(
            f"glassnet tutorial (joblib n_jobs={cfg.n_jobs})",
            w2_glassnet,
            reference=True,
            note=f"sweep in {cfg.n_jobs} processes; size 3 trained once",
            describe=describe,
        ),
        System(
            "glassnet tutorial (n_jobs=1)",
            w2_glassnet_serial,
            note="one process",
            describe=describe,
        ),
        System(
            f"glassnet engine, bare loop (n_jobs={cfg.n_jobs})",
            w2_engine_loop,
            note="fit's steps alone: no history, accuracy or checks",
            describe=describe,
        ),
        System(
            "post's code in sequence",
            w2_post,
            target=0.35,
            note=f"LogisticRegressionCV + {n_train} build_model runs",
            describe=describe,
        ),
    ]
