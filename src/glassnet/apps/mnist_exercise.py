"""The fully connected rows of LeCun et al. 1998 on MNIST, trained again with glassnet.

Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to
document recognition", Proceedings of the IEEE 86(11), 1998, compares classifiers on
MNIST's 10,000 test images. Its fully connected networks, trained without distorted
copies of the images, reach these test errors: 784-300-10 4.7 %, 784-1000-10 4.5 % and
784-300-100-10 3.05 %. ``mnist`` trains the same shapes with glassnet (ReLU units, Adam,
minibatches of 128, float32, seed 0, a few passes over the 60,000 training images) and
prints a table of the published errors beside ours. ``glassnet exercises mnist`` runs it;
it is not in the default run, since it needs the MNIST files (downloaded once, see
``glassnet.data.mnist``).
"""

from __future__ import annotations

import time

import numpy as np

from ..data.mnist import load_mnist
from ..losses import SoftmaxCrossEntropy
from ..network import mlp
from ..optim import Adam
from ..train.fit import fit
from ._exercise import Exercise

__all__ = ["mnist", "PUBLISHED", "EPOCHS", "markdown_table"]

# the paper's fully connected networks without distortions: layer sizes, test error in %
PUBLISHED = {
    "784-300-10": 4.7,
    "784-1000-10": 4.5,
    "784-300-100-10": 3.05,
}
EPOCHS = 3  # passes over the training set for each network
BATCH_SIZE = 128
LR = 1e-3  # Adam's step size
SEED = 0

COLUMNS = ("network", "LeCun et al. 1998", "glassnet", "epochs", "time")


def error_rate(net, X, y) -> float:
    """The share of ``X``'s images whose predicted class is not ``y``, in percent."""
    return float(np.mean(net.predict_classes(X) != y)) * 100


def mnist(path=None, epochs: int = EPOCHS, progress: bool | None = None) -> Exercise:
    """Train the three fully connected networks of LeCun et al. 1998 on MNIST.

    Parameters
    ----------
    path : str or Path or None, a folder holding the MNIST files (see
        ``gn.datasets.load_mnist``); None: the cache, downloading them once
    epochs : int, passes over the training images for each network
    progress : bool or None, show a progress bar on standard error (None: on a terminal)

    Returns
    -------
    Exercise
        ``results[name]`` holds ``published`` and ``ours`` (test errors in %),
        ``curve`` (the test error after each epoch) and ``seconds`` (training, with the
        test error after each epoch); ``table`` is the Markdown table of the three rows.
    """
    from tqdm.auto import tqdm

    data = load_mnist("mnist", path=path)
    results = {}
    hidden = None if progress is None else not progress  # tqdm: None = on a terminal only
    with tqdm(total=len(PUBLISHED) * epochs, unit="epoch", disable=hidden) as bar:
        for name, published in PUBLISHED.items():
            bar.set_description(name)
            curve, seconds = _train(name, data, epochs, bar)
            results[name] = {"published": published, "ours": curve[-1], "curve": curve}
            results[name]["seconds"] = seconds
    worse = [name for name, r in results.items() if r["ours"] > r["published"]]
    summary = (
        "test errors at or below LeCun et al. 1998's for all three fully connected networks"
        if not worse
        else f"test errors above LeCun et al. 1998's for {', '.join(worse)}"
    )
    return Exercise("mnist", summary, results, _figure(results), markdown_table(results, epochs))


def _train(name: str, data, epochs: int, bar) -> tuple[list, float]:
    """Train the network ``name`` ("784-300-10"); its test error after each epoch, in
    percent, and the seconds it took."""
    (X, y), (X_test, y_test) = data
    net = mlp([int(n) for n in name.split("-")], activation="relu", seed=SEED, dtype=np.float32)
    curve = []

    def after_epoch(epoch, logs):
        curve.append(error_rate(net, X_test, y_test))
        bar.set_postfix_str(f"test error {curve[-1]:.2f}%")
        bar.update()

    start = time.perf_counter()
    fit(
        net,
        SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=Adam(lr=LR),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=SEED,
        verbose=0,
        callbacks=[after_epoch],
    )
    return curve, time.perf_counter() - start


def markdown_table(results: dict, epochs: int) -> str:
    """``| network | LeCun et al. 1998 | glassnet | epochs | time |``, one row a network,
    the errors in percent of the test images."""
    rows = ["| " + " | ".join(COLUMNS) + " |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        cells = (name, f"{r['published']:.2f} %", f"{r['ours']:.2f} %", str(epochs))
        rows.append("| " + " | ".join(cells) + f" | {r['seconds']:.0f} s |")
    return "\n".join(rows)


def _figure(results: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for i, (name, r) in enumerate(results.items()):
        color = f"C{i}"
        epochs = np.arange(1, len(r["curve"]) + 1)
        ax.plot(epochs, r["curve"], "o-", color=color, label=f"{name} (glassnet)")
        ax.axhline(r["published"], color=color, ls="--", lw=0.8, label=f"{name} (1998)")
    ax.set(
        xlabel="passes over the training images",
        ylabel="test error (%)",
        title="MNIST: LeCun et al. 1998 (dashed) and glassnet",
        ylim=(0, None),
        xticks=np.arange(1, len(r["curve"]) + 1),
    )
    ax.legend(fontsize=8)
    return fig
