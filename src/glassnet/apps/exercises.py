"""The post's five exercises and its readers' requests, each a runnable function.

Every exercise returns an ``Exercise`` with a one-line ``summary``, the numbers behind
it (``results``) and a matplotlib figure; ``glassnet exercises`` runs them all and
writes the figures. The post's exercises: minibatch gradient descent, an annealed
learning rate, other activations, three classes, four layers. The readers asked for:
gradient checking, regression, dropout, Iris, one-hot labels.

Here glassnet does the exercises for you. To write them yourself and have your code
graded against glassnet, see ``glassnet learn`` (``glassnet.learn``): the same post
exercises (``minibatch``, ``annealing``, ``three_classes``; ``four_layers`` there is
``two_hidden_layers``) and the network's own forward, loss and back-propagation.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..data import datasets
from ..gradcheck import RIGHT, check_gradients
from ..losses import MeanSquaredError, SoftmaxCrossEntropy
from ..network import mlp
from ..optim import SGD, Adam
from ..schedules import InverseTime
from ..train.diagnostics import OscillationWarning
from ..train.fit import fit
from ..viz.plotting import plot_decision_boundary
from . import classics, mnist_exercise
from ._exercise import Exercise
from ._fp_path import varies

__all__ = [
    "Exercise",
    "EXERCISES",
    "OPTIONAL",
    "POST_AND_READERS",
    "markdown_table",
    "run_all",
]

POST = {"lr": 0.01, "l2": 0.01}  # the post's step size and L2 strength


def _acc(net, X, y) -> float:
    return float(np.mean(net.predict_classes(X) == y))


def _first(values, threshold):
    hit = np.flatnonzero(np.asarray(values) >= threshold)
    return int(hit[0]) + 1 if hit.size else None


def _fig(ncols=1, width=6.0):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 5), squeeze=False)
    return fig, list(axes[0])


def _boundary(ax, net, X, y, title):

    plot_decision_boundary(net, X, y, ax=ax, title=title)


def _score_panel(ax, net, X, y, Xt, yt, label) -> dict:
    """Training and test accuracy of ``net``, and its boundary titled with both."""
    score = {"train": _acc(net, X, y), "test": _acc(net, Xt, yt)}
    _boundary(ax, net, X, y, f"{label}: train {score['train']:.3f}, test {score['test']:.3f}")
    return score


def _scores_line(res: dict, varying: tuple = ()) -> str:
    """``"label: train 0.975, test 0.959; ..."``; the scores named in ``varying`` marked."""

    def show(v, part):
        return varies(v[part], ".3f") if part in varying else format(v[part], ".3f")

    return "; ".join(
        f"{k}: train {show(v, 'train')}, test {show(v, 'test')}" for k, v in res.items()
    )


def minibatch(target: float = 0.97) -> Exercise:
    """Exercise 1: minibatch gradient descent against the post's full batch."""
    X, y = datasets.moons()
    loss = SoftmaxCrossEntropy(reduction="sum")
    full = fit(
        mlp([2, 3, 2], seed=0),
        loss,
        X,
        y,
        optimizer=SGD(lr=POST["lr"]),
        epochs=400,
        l2=POST["l2"],
        verbose=0,
    )
    mini = fit(
        mlp([2, 3, 2], seed=0),
        loss,
        X,
        y,
        optimizer=SGD(lr=0.05),
        epochs=400,
        batch_size=20,
        l2=POST["l2"],
        seed=0,
        verbose=0,
    )
    n_full, n_mini = _first(full["accuracy"], target), _first(mini["accuracy"], target)
    fig, (ax,) = _fig()
    ax.plot(np.arange(1, 401), full["accuracy"], label="full batch (lr 0.01)")
    ax.plot(np.arange(1, 401), mini["accuracy"], label="minibatches of 20 (lr 0.05)")
    ax.axhline(target, color="k", lw=0.8, ls="--", label=f"accuracy {target}")
    ax.set(
        xscale="log",
        xlabel="passes over the data",
        ylabel="training accuracy",
        title="Exercise 1: minibatch gradient descent",
    )
    ax.legend()
    return Exercise(
        "minibatch",
        f"minibatches of 20 reach training accuracy {target} after "
        f"{n_mini} passes over the data, the post's full batch after {n_full}",
        {"passes_minibatch": n_mini, "passes_full_batch": n_full},
        fig,
    )


def annealing(epochs: int = 20000) -> Exercise:
    """Exercise 2: an annealed learning rate ``0.01 / (1 + 0.001 t)`` against the constant one."""
    X, y = datasets.moons()
    loss = SoftmaxCrossEntropy(reduction="sum")
    runs = {}
    for label, sched in (("constant", None), ("annealed", InverseTime(POST["lr"], decay=1e-3))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OscillationWarning)
            h = fit(
                mlp([2, 3, 2], seed=0),
                loss,
                X,
                y,
                optimizer=SGD(lr=POST["lr"]),
                epochs=epochs,
                l2=POST["l2"],
                schedule=sched,
                verbose=0,
            )
        cycled = any(issubclass(w.category, OscillationWarning) for w in caught)
        runs[label] = (np.asarray(h["loss"]) / len(X), cycled)
    fig, (ax,) = _fig()
    for label, (curve, _) in runs.items():
        ax.plot(np.arange(1, epochs + 1), curve, label=label, lw=0.8)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="epoch",
        ylabel="loss (post's scale)",
        title="Exercise 2: annealing the learning rate",
    )
    ax.legend()
    c, a = runs["constant"][0], runs["annealed"][0]
    res = {
        "final_constant": float(min(c[-2:])),
        "final_annealed": float(a[-1]),
        "constant_cycles": runs["constant"][1],
        "annealed_cycles": runs["annealed"][1],
    }
    return Exercise(
        "annealing",
        f"annealed: final loss {res['final_annealed']:.6f}, settled; "
        f"constant rate: stuck on a two-value cycle at {res['final_constant']:.6f}",
        res,
        fig,
    )


def activations(names=("tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus")) -> Exercise:
    """Exercise 3: other activations in the post's network (hidden size 3, its settings)."""
    X, y = datasets.moons()
    loss = SoftmaxCrossEntropy(reduction="sum")
    fig, axes = _fig(len(names), width=4.0)
    res = {}
    for ax, name in zip(axes, names):
        net = mlp([2, 3, 2], activation=name, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OscillationWarning)  # tanh cycles, as in the post
            fit(
                net, loss, X, y, optimizer=SGD(lr=POST["lr"]), epochs=5000, l2=POST["l2"], verbose=0
            )
        res[name] = _acc(net, X, y)
        _boundary(ax, net, X, y, f"{name}: accuracy {res[name]:.3f}")
    fig.suptitle("Exercise 3: activations")
    return Exercise(
        "activations",
        "training accuracy: " + ", ".join(f"{k} {v:.3f}" for k, v in res.items()),
        res,
        fig,
    )


def three_classes() -> Exercise:
    """Exercise 4: three classes, on a 3-arm spiral."""
    X, y = datasets.spirals(300, n_classes=3, noise=0.2, seed=0)
    net = mlp([2, 32, 32, 3], activation="tanh", seed=0)
    fit(net, SoftmaxCrossEntropy(), X, y, optimizer=Adam(lr=0.01), epochs=1500, l2=1e-4, verbose=0)
    acc = _acc(net, X, y)
    fig, (ax,) = _fig()
    _boundary(ax, net, X, y, f"Exercise 4: three classes (accuracy {acc:.3f})")
    return Exercise(
        "three_classes", f"3-class spiral: training accuracy {acc:.3f}", {"accuracy": acc}, fig
    )


def four_layers() -> Exercise:
    """Exercise 5: four layers (two hidden layers) against the post's three on the moons."""
    X, y = datasets.moons()
    Xt, yt = datasets.moons(1000, seed=1)
    loss = SoftmaxCrossEntropy(reduction="sum")
    fig, axes = _fig(2)
    res = {}
    for ax, sizes in zip(axes, ([2, 3, 2], [2, 5, 5, 2])):
        net = mlp(sizes, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OscillationWarning)  # the 3-layer net cycles
            fit(
                net, loss, X, y, optimizer=SGD(lr=POST["lr"]), epochs=5000, l2=POST["l2"], verbose=0
            )
        res[f"{len(sizes)} layers"] = _score_panel(ax, net, X, y, Xt, yt, str(sizes))
    fig.suptitle("Exercise 5: a second hidden layer")
    return Exercise("four_layers", _scores_line(res, varying=("train", "test")), res, fig)


def gradient_check() -> Exercise:
    """Readers' request: gradient checking of the post's network (and a deeper one)."""
    X, y = datasets.moons(40, seed=2)
    res = {}
    for sizes in ([2, 3, 2], [2, 6, 5, 2]):
        net = mlp(sizes, seed=0)
        res[str(sizes)] = check_gradients(
            net, SoftmaxCrossEntropy(reduction="sum"), X, y, l2=POST["l2"]
        )
    worst = max(max(e.values()) for e in res.values())
    fig, (ax,) = _fig(width=7)
    labels = [f"{k} {p}" for k, e in res.items() for p in e]
    values = [v for e in res.values() for v in e.values()]
    ax.barh(labels, values, label="relative error")
    ax.axvline(RIGHT, color="r", ls="--", label=f"{RIGHT:g}: right below")
    ax.set(
        xscale="log",
        xlabel="relative error |analytic - numeric| / (|a| + |n|)",
        title="Gradient check against central differences",
    )
    ax.legend()
    return Exercise(
        "gradient_check",
        "largest relative error between back-propagation and central differences: "
        + varies(worst, ".2e"),
        {"max_error": worst, "errors": res},
        fig,
    )


def regression() -> Exercise:
    """Readers' request: regression with the squared loss, on a noisy sine."""
    from sklearn.metrics import r2_score

    X, y = datasets.sine(400, noise=0.05, seed=0)
    Xt, yt = datasets.sine(200, noise=0.05, seed=1)
    net = mlp([1, 32, 32, 1], activation="tanh", seed=0)
    fit(net, MeanSquaredError(), X, y, optimizer=Adam(lr=0.01), epochs=1500, verbose=0)
    r2 = float(r2_score(yt, net.forward(Xt)[:, 0]))
    fig, (ax,) = _fig()
    grid = np.linspace(-3.2, 3.2, 300)[:, None]
    ax.scatter(X[:, 0], y, s=8, alpha=0.5, label="training points")
    ax.scatter(Xt[:, 0], yt, s=8, alpha=0.5, label="held-out points")
    ax.plot(grid[:, 0], net.forward(grid)[:, 0], "k", label="network")
    ax.set(xlabel="x", ylabel="y", title=f"Regression with squared loss (held-out R² {r2:.4f})")
    ax.legend()
    return Exercise(
        "regression",
        f"noisy sine, 1-32-32-1 tanh, squared loss: held-out R² {varies(r2, '.4f')}",
        {"r2": r2},
        fig,
    )


def dropout(p: float = 0.3) -> Exercise:
    """Readers' request: dropout on a wide network that otherwise overfits noisy moons."""
    X, y = datasets.moons(100, noise=0.35, seed=5)
    Xt, yt = datasets.moons(2000, noise=0.35, seed=6)
    fig, axes = _fig(2)
    res = {}
    for ax, rate in zip(axes, (0.0, p)):
        net = mlp([2, 64, 64, 2], activation="relu", init="he_normal", dropout=rate, seed=0)
        fit(
            net, SoftmaxCrossEntropy(), X, y, optimizer=Adam(lr=0.01), epochs=800, seed=0, verbose=0
        )
        key = f"dropout {rate}"
        res[key] = _score_panel(ax, net, X, y, Xt, yt, key)
    fig.suptitle("Dropout on a 2-64-64-2 ReLU network, 100 noisy points")
    return Exercise("dropout", _scores_line(res), res, fig)


def iris() -> Exercise:
    """Readers' request: Iris (4 features, 3 classes) with two hidden layers."""
    from sklearn.model_selection import train_test_split

    X, y = datasets.iris()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    net = mlp([4, 8, 8, 3], activation="tanh", seed=0)
    hist = fit(
        net,
        SoftmaxCrossEntropy(reduction="sum"),
        Xtr,
        ytr,
        optimizer=SGD(lr=0.01),
        epochs=3000,
        l2=0.01,
        validation_data=(Xte, yte),
        verbose=0,
    )
    res = {"train": _acc(net, Xtr, ytr), "test": _acc(net, Xte, yte)}
    fig, (ax,) = _fig()
    ax.plot(hist["accuracy"], label="training accuracy")
    ax.plot(hist["val_accuracy"], label="test accuracy")
    ax.set(xscale="log", xlabel="epoch", ylabel="accuracy", title="Iris, 4-8-8-3 tanh")
    ax.legend()
    return Exercise(
        "iris",
        f"Iris: training accuracy {res['train']:.3f}, test accuracy {res['test']:.3f}",
        res,
        fig,
    )


def one_hot() -> Exercise:
    """Readers' request: one-hot labels give exactly what integer labels give."""
    X, y = datasets.moons()
    loss = SoftmaxCrossEntropy(reduction="sum")
    nets = []
    for labels in (y, np.eye(2)[y]):
        net = mlp([2, 3, 2], seed=0)
        fit(
            net,
            loss,
            X,
            labels,
            optimizer=SGD(lr=POST["lr"]),
            epochs=1000,
            l2=POST["l2"],
            verbose=0,
        )
        nets.append(net)
    diff = float(np.abs(nets[0].theta - nets[1].theta).max())
    fig, axes = _fig(2)
    _boundary(axes[0], nets[0], X, y, "integer labels")
    _boundary(axes[1], nets[1], X, y, "one-hot labels")
    fig.suptitle(f"One-hot labels: largest parameter difference {diff:.1e}")
    return Exercise(
        "one_hot",
        f"one-hot and integer labels: largest parameter difference after 1000 passes {diff:.1e}",
        {"max_difference": diff},
        fig,
    )


EXERCISES = {
    f.__name__: f
    for f in (
        minibatch,
        annealing,
        activations,
        three_classes,
        four_layers,
        gradient_check,
        regression,
        dropout,
        iris,
        one_hot,
        classics.weight_init,
        classics.vanishing_gradients,
        classics.optimizers,
        classics.overfitting,
        classics.hyperparameter_search,
    )
}


# the post's five exercises and the readers' five requests (the classics follow them)
POST_AND_READERS = tuple(list(EXERCISES)[:10])

# run only when named (``glassnet exercises mnist``): they need files that may be missing
OPTIONAL = {"mnist": mnist_exercise.mnist}


def markdown_table(done) -> str:
    """The Markdown table ``| exercise | result |`` of finished exercises, one row each.

    The README's table is this function's output for ``POST_AND_READERS``
    (``python -m glassnet.apps.exercises`` prints it; tests/test_readme_numbers.py checks it).
    """
    rows = ["| exercise | result |", "| --- | --- |"]
    rows += [f"| `{ex.name}` | {ex.summary} |" for ex in done]
    return "\n".join(rows)


def run_all(out, names=None, say=None, options=None) -> list[Exercise]:
    """Run the exercises (those of the default run, or ``names``), write ``NN_name.png``
    files into ``out``; ``options[name]`` holds keyword arguments for exercise ``name``."""
    import matplotlib.pyplot as plt  # only when figures are drawn: it picks a backend

    say = print if say is None else say
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(EXERCISES) if names is None else list(names)
    done = []
    for i, name in enumerate(names, 1):
        ex = {**EXERCISES, **OPTIONAL}[name](**(options or {}).get(name, {}))
        path = out / f"{i:02d}_{name}.png"
        ex.figure.tight_layout()
        ex.figure.savefig(path, dpi=90)
        plt.close(ex.figure)
        say(f"{name:>15}: {ex.summary}  [{path.name}]")
        if ex.table:
            say(ex.table)
        done.append(ex)
    say(f"Figures written to {out.resolve()}")
    return done


if __name__ == "__main__":  # python -m glassnet.apps.exercises: the README's table
    import matplotlib

    matplotlib.use("Agg")
    print(markdown_table([EXERCISES[name]() for name in POST_AND_READERS]))
