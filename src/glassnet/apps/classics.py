"""The classic experiments of the deep-learning courses, each one call with a figure.

Weight initialisation and the activation histograms per layer; vanishing gradients in a
deep sigmoid network; the optimizers' paths on a 2-D function and their loss curves on
the moons; overfitting and its cures; a random hyperparameter search. Each function
returns an ``Exercise`` (``glassnet.apps.exercises``) with a one-line summary, the
numbers behind it and a matplotlib figure, and takes a few seconds.
"""

from __future__ import annotations

import numpy as np

from ..data import datasets
from ..losses import SoftmaxCrossEntropy
from ..network import mlp
from ..optim import SGD, Adagrad, Adam, RMSProp
from ..train.callbacks import EarlyStopping
from ..train.fit import fit
from ..train.monitor import layer_activations
from ._exercise import Exercise

__all__ = [
    "weight_init",
    "vanishing_gradients",
    "optimizers",
    "overfitting",
    "hyperparameter_search",
]


def _subplots(nrows, ncols, width=3.2, height=2.6):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    return fig, axes


def _normal(std):
    def init(rng, n_in, n_out):
        return rng.standard_normal((n_in, n_out)) * std

    init.__name__ = f"std_{std}"
    return init


INITS = {
    "std 1": _normal(1.0),
    "std 0.01": _normal(0.01),
    "Glorot": "glorot_normal",
    "He": "he_normal",
}


def weight_init(n_layers: int = 5, width: int = 100, n: int = 1000) -> Exercise:
    """Activation histograms per layer of a deep net for four initialisations, tanh and ReLU.

    With std 1 tanh units saturate at +-1; with std 0.01 the activations shrink towards 0
    layer after layer; Glorot keeps tanh's spread and He keeps ReLU's.
    """
    X = np.random.default_rng(0).standard_normal((n, width))
    acts = ("tanh", "relu")
    fig, axes = _subplots(len(INITS), len(acts), width=4.2, height=3.0)
    res = {}
    for r, (label, init) in enumerate(INITS.items()):
        for c, act in enumerate(acts):
            net = mlp([width] * (n_layers + 1) + [2], activation=act, init=init, seed=0)
            layers = layer_activations(net, X)[:-1]
            ax = axes[r][c]
            for k, (a, _) in enumerate(layers):
                lo, hi = (-1, 1) if act == "tanh" else (0, max(float(a.max()), 1e-3))
                counts, edges = np.histogram(a, bins=30, range=(lo, hi))
                ax.stairs(counts / a.size, edges, label=f"layer {k + 1}")
            res[f"{act}, {label}"] = float(layers[-1][0].std())
            ax.set_title(
                f"{act}, {label}: std at layer {n_layers} {res[f'{act}, {label}']:.2g}", fontsize=8
            )
    axes[0][0].legend(fontsize=6)
    fig.suptitle(f"Activations of {n_layers} hidden layers of {width} units, {n} random inputs")
    line = ", ".join(f"{k} {v:.2g}" for k, v in res.items())
    return Exercise("weight_init", f"std of layer-{n_layers} activations: {line}", res, fig)


def _grad_norms(net, X, y) -> np.ndarray:
    loss = SoftmaxCrossEntropy()
    loss.forward(net.forward(X, training=True), y)
    net.backward(loss.backward())
    names = sorted((n for n in net.slices if n.endswith(".W")), key=lambda s: int(s.split(".")[0]))
    return np.array([np.linalg.norm(net.grads[n]) for n in names])


def vanishing_gradients(depth: int = 10, width: int = 32) -> Exercise:
    """Gradient norm per layer of a ``depth``-layer sigmoid net, against ReLU with He
    initialisation and sigmoid with BatchNorm, at initialisation on the moons."""
    X, y = datasets.moons(300, noise=0.2, seed=0)
    sizes = [2] + [width] * (depth - 1) + [2]
    nets = {
        "sigmoid": mlp(sizes, activation="sigmoid", init="glorot_normal", seed=0),
        "ReLU + He": mlp(sizes, activation="relu", init="he_normal", seed=0),
        "sigmoid + BatchNorm": mlp(
            sizes, activation="sigmoid", init="glorot_normal", batch_norm=True, seed=0
        ),
    }
    fig, axes = _subplots(1, 1, width=7, height=4.5)
    ax = axes[0][0]
    res = {}
    for label, net in nets.items():
        norms = _grad_norms(net, X, y)
        ax.semilogy(np.arange(1, depth + 1), norms, marker="o", label=label)
        res[label] = float(norms[0] / norms[-1])
    ax.set(xlabel="layer (1 = first)", ylabel="gradient norm ||dW||")
    ax.set_title(f"Gradients at initialisation, {depth} layers of {width} units, moons")
    ax.legend()
    line = ", ".join(f"{k} {v:.2g}" for k, v in res.items())
    return Exercise("vanishing_gradients", f"first/last layer gradient norm: {line}", res, fig)


OPTIMIZERS = {
    "SGD": lambda: SGD(lr=0.95),
    "momentum": lambda: SGD(lr=0.1, momentum=0.9),
    "Nesterov": lambda: SGD(lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda: Adagrad(lr=1.5),
    "RMSProp": lambda: RMSProp(lr=0.1, rho=0.99),
    "Adam": lambda: Adam(lr=0.3),
}


def _bowl(p):
    """``f(x, y) = x^2 / 20 + y^2`` and its gradient: steep in y, flat in x."""
    return p[0] ** 2 / 20 + p[1] ** 2, np.array([p[0] / 10, 2 * p[1]])


def optimizers(steps: int = 30, epochs: int = 150) -> Exercise:
    """Paths of six optimizers on ``x^2/20 + y^2`` from (-7, 2), and their loss curves
    training a 2-16-2 tanh net on the moons."""
    fig, axes = _subplots(1, 2, width=6, height=4.8)
    ax, ax2 = axes[0]
    g = np.meshgrid(np.linspace(-10, 10, 101), np.linspace(-5, 5, 101))
    ax.contour(g[0], g[1], g[0] ** 2 / 20 + g[1] ** 2, levels=15, colors="lightgray")
    X, y = datasets.moons(300, noise=0.2, seed=0)
    res = {}
    for name, make in OPTIMIZERS.items():
        opt, p = make(), np.array([-7.0, 2.0])
        path = [p.copy()]
        for _ in range(steps):
            opt.step(p, _bowl(p)[1])
            path.append(p.copy())
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], marker=".", label=name)
        net = mlp([2, 16, 2], activation="tanh", seed=0)
        lr = {"SGD": 0.5, "Adagrad": 0.1, "RMSProp": 0.01, "Adam": 0.01}.get(name, 0.05)
        opt = make()
        opt.lr = lr
        hist = fit(net, SoftmaxCrossEntropy(), X, y, optimizer=opt, epochs=epochs, verbose=0)
        ax2.plot(hist["loss"], label=name)
        res[name] = {"f_end": float(_bowl(p)[0]), "moons_loss": float(hist["loss"][-1])}
    ax.set(xlim=(-10, 10), ylim=(-5, 5), title=f"{steps} steps on x²/20 + y² from (-7, 2)")
    ax.legend(fontsize=8)
    ax2.set(yscale="log", xlabel="epoch", ylabel="training loss", title="2-16-2 tanh on the moons")
    ax2.legend(fontsize=8)
    line = ", ".join(f"{k} {v['f_end']:.2g}/{v['moons_loss']:.3f}" for k, v in res.items())
    return Exercise(
        "optimizers", f"f after {steps} steps / moons loss after {epochs} epochs: {line}", res, fig
    )


def overfitting(epochs: int = 400) -> Exercise:
    """A 2-64-64-2 ReLU net on 40 noisy moons, plain and with dropout, L2, L1 and early
    stopping: training against test accuracy."""
    X, y = datasets.moons(40, noise=0.3, seed=3)
    Xv, yv = datasets.moons(200, noise=0.3, seed=4)
    Xt, yt = datasets.moons(2000, noise=0.3, seed=5)
    cures = {
        "none": ({}, {}),
        "dropout 0.3": ({"dropout": 0.3}, {}),
        "L2 0.01": ({}, {"l2": 0.01}),
        "L1 0.003": ({}, {"l1": 0.003}),
        "early stopping": (
            {},
            {"validation_data": (Xv, yv), "callbacks": [EarlyStopping(patience=20)]},
        ),
    }
    res = {}
    for name, (net_kw, fit_kw) in cures.items():
        net = mlp([2, 64, 64, 2], activation="relu", init="he_normal", seed=0, **net_kw)
        fit(
            net,
            SoftmaxCrossEntropy(),
            X,
            y,
            optimizer=Adam(lr=0.01),
            epochs=epochs,
            verbose=0,
            seed=0,
            **fit_kw,
        )
        train = float(np.mean(net.predict_classes(X) == y))
        test = float(np.mean(net.predict_classes(Xt) == yt))
        res[name] = {"train": train, "test": test}
    fig, axes = _subplots(1, 1, width=8, height=4.5)
    ax = axes[0][0]
    pos = np.arange(len(res))
    ax.bar(pos - 0.2, [r["train"] for r in res.values()], 0.4, label="training (40 rows)")
    ax.bar(pos + 0.2, [r["test"] for r in res.values()], 0.4, label="test (2000 rows)")
    ax.set(xticks=pos, xticklabels=list(res), ylim=(0.5, 1.02), ylabel="accuracy")
    ax.set_title("Overfitting and its cures: 2-64-64-2 ReLU on 40 noisy moons")
    ax.legend()
    line = ", ".join(f"{k} {v['train']:.2f}/{v['test']:.2f}" for k, v in res.items())
    return Exercise("overfitting", f"train/test accuracy: {line}", res, fig)


def hyperparameter_search(trials: int = 30, epochs: int = 100, seed: int = 0) -> Exercise:
    """A random search over the learning rate and L2 (both log-uniform) for a 2-16-2 tanh
    net on the moons, scored on held-out rows; a scatter plot coloured by accuracy."""
    X, y = datasets.moons(300, noise=0.25, seed=0)
    Xv, yv = datasets.moons(300, noise=0.25, seed=1)
    rng = np.random.default_rng(seed)
    lrs = 10 ** rng.uniform(-3, 0.5, trials)
    l2s = 10 ** rng.uniform(-5, -0.5, trials)
    scores = np.empty(trials)
    for i, (lr, l2) in enumerate(zip(lrs, l2s)):
        net = mlp([2, 16, 2], activation="tanh", seed=0)
        fit(
            net,
            SoftmaxCrossEntropy(),
            X,
            y,
            optimizer=SGD(lr=float(lr)),
            epochs=epochs,
            l2=float(l2),
            verbose=0,
        )
        scores[i] = np.mean(net.predict_classes(Xv) == yv)
    best = int(np.argmax(scores))
    fig, axes = _subplots(1, 1, width=6.5, height=5)
    ax = axes[0][0]
    dots = ax.scatter(lrs, l2s, c=scores, cmap="viridis", s=60, edgecolors="k")
    ax.scatter(lrs[best], l2s[best], marker="*", s=300, c="red", label="best")
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="L2")
    ax.set_title(f"Random search, {trials} trials: held-out accuracy")
    ax.figure.colorbar(dots, ax=ax, label="held-out accuracy")
    ax.legend()
    res = {"lr": lrs.tolist(), "l2": l2s.tolist(), "accuracy": scores.tolist(), "best": best}
    summary = (
        f"best of {trials} trials: lr {lrs[best]:.3g}, L2 {l2s[best]:.3g}, held-out accuracy "
        f"{scores[best]:.3f} (worst {scores.min():.3f})"
    )
    return Exercise("hyperparameter_search", summary, res, fig)
