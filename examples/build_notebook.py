"""Write examples/tutorial.ipynb from the cells below, executed, with its outputs.

Run ``python examples/build_notebook.py`` after editing the cells: it builds the
notebook, executes it (a few minutes) and writes it with its outputs, so that the
figures show on a code host and in the documentation site. ``--no-execute`` writes it
without outputs. The tests check that the stored cells are these, and that a fresh
execution prints the same numbers as the stored outputs (tests/test_notebook.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

CELLS = [
    (
        "md",
        """# The post, step by step, with glassnet

This notebook walks through "Implementing a Neural Network from Scratch in Python" with
glassnet: the moons data, logistic regression, the 3-unit network and its printed losses,
the sweep of hidden-layer sizes, and then the post's exercises and its readers' requests.
Every number the post prints is reproduced by the engine below.""",
    ),
    (
        "code",
        """import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegressionCV

import glassnet as gn
from glassnet import tutorial
from glassnet.apps import exercises
from glassnet.apps.sweep import run_sweep
from glassnet.apps.tutorial_cmd import HIDDEN_SIZES
from glassnet.viz import plotting""",
    ),
    (
        "md",
        """## The data
200 points of scikit-learn's `make_moons` with noise 0.20, drawn after `np.random.seed(0)`,
exactly as in the post. Two classes that no straight line separates.""",
    ),
    (
        "code",
        """X, y = tutorial.moons(0)
print(X.shape, y.shape, np.bincount(y))
plotting.plot_data(X, y, title="make_moons(200, noise=0.20)")
plt.show()""",
    ),
    (
        "md",
        """## Logistic regression
The post's baseline is scikit-learn's `LogisticRegressionCV` (logistic regression with
the regularisation strength chosen by cross-validation). A linear classifier draws the
best straight line it can, and misses the moon shapes.""",
    ),
    (
        "code",
        """with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # scikit-learn's notes on future defaults
    clf = LogisticRegressionCV().fit(X, y)
print(f"logistic regression: training accuracy {clf.score(X, y):.3f}")
plotting.plot_decision_boundary(clf, X, y, title=f"Logistic regression ({clf.score(X, y):.3f})")
plt.show()""",
    ),
    (
        "md",
        """## The post's network
2 inputs, 3 tanh hidden units, 2 softmax outputs: `gn.mlp([2, 3, 2])`. The post trains it by
full-batch gradient descent (`batch_size=None`, the default) with a step of 0.01
(`gn.SGD(lr=0.01)`) on the cross-entropy *summed* over the 200 examples
(`reduction="sum"`) plus `0.01/2 * (|W1|^2 + |W2|^2)` (`l2=0.01`), for 20,000 passes.

Every 1,000 passes the post prints its loss divided by the number of examples; the
callback below does the same with `gn.evaluate`. The printed losses are the post's:
0.432387 after the first pass, 0.068947 after 1,000; from about 1,500 passes on the loss
alternates between two values, because the step is too large to settle (`fit` would say
so with an `OscillationWarning`, silenced here).""",
    ),
    (
        "code",
        """net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
loss = gn.SoftmaxCrossEntropy(reduction="sum")


def print_post_loss(epoch, logs):
    if epoch % 1000 == 0:
        value = gn.evaluate(net, loss, X, y, l2=0.01)["loss"] / len(X)
        print("Loss after iteration %i: %f" % (epoch, value))


with warnings.catch_warnings():
    warnings.simplefilter("ignore", gn.OscillationWarning)  # the two-value cycle, see above
    history = gn.fit(
        net,
        loss,
        X,
        y,
        optimizer=gn.SGD(lr=0.01),
        epochs=20000,
        batch_size=None,
        l2=0.01,
        callbacks=[gn.LambdaCallback(on_epoch_end=print_post_loss)],
        verbose=0,
    )
final = gn.evaluate(net, loss, X, y, l2=0.01)
print(f"training accuracy {final['accuracy']:.3f}")""",
    ),
    (
        "md",
        """The prints at 0 and 1,000 passes are the post's, on every machine. From 2,000 on,
the digits depend on your CPU's floating-point path: NumPy picks SIMD kernels for `tanh`
and `exp` by the CPU and OpenBLAS a matrix-product kernel, each rounding the last bit its
own way, and the post's large step amplifies that bit. From 3,000 on, every machine
measured so far prints one of two sequences, one ending on 0.070758, the other on
0.071316: the two values of the cycle. The README's section "The same numbers on every
machine" shows the measurements.""",
    ),
    (
        "md",
        """`history` holds one entry per pass: the summed loss (data loss plus the L2 penalty)
and the training accuracy measured during that pass. Almost everything happens in the first few
hundred passes, so the pass axis is logarithmic; the accuracy gets its own panel.""",
    ),
    (
        "code",
        """passes = np.arange(1, len(history["loss"]) + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
ax_loss.loglog(passes, history["loss"], label="loss (data + L2)")
ax_loss.loglog(passes, history["data_loss"], ls="--", label="data loss")
ax_loss.set(xlabel="pass over the data", ylabel=f"loss (sum over {len(X)} rows)", title="loss")
ax_loss.legend()
ax_acc.semilogx(passes, history["accuracy"], color="tab:green")
ax_acc.set(xlabel="pass over the data", ylabel="training accuracy", title="accuracy")
fig.tight_layout()
plt.show()""",
    ),
    (
        "code",
        """plotting.plot_decision_boundary(net, X, y, title="Hidden layer size 3")
plt.show()""",
    ),
    ("md", """What the network learned, unit by unit, and its weights:"""),
    (
        "code",
        """plotting.plot_neurons(net, X)
plotting.plot_network(net)
plt.show()""",
    ),
    (
        "md",
        """## Varying the hidden-layer size
The post's sweep over hidden sizes 1, 2, 3, 4, 5, 20 and 50, each trained as above, with
a held-out test set this time (the post suggests one): 30% of the points are kept out of
training. Small networks capture the trend, large ones start to fit the noise. Where a
2-unit network settles depends on the CPU's floating-point path (its scores are marked
`~`; on the machines measured, its training accuracy ranged from 0.757 to 0.986).""",
    ),
    (
        "code",
        """with warnings.catch_warnings():
    warnings.simplefilter("ignore", gn.OscillationWarning)
    results = run_sweep("hidden", list(HIDDEN_SIZES), X, y, n_jobs=2)
for r in results:
    mark = "~" if r["value"] == 2 else ""  # ~: depends on the floating-point path
    train, test = r["train_accuracy"], r["test_accuracy"]
    print(f"hidden {r['value']:>2}: train {mark}{train:.3f}  test {mark}{test:.3f}")
plotting.plot_sweep(results, X, y)
plt.show()""",
    ),
    (
        "md",
        """## The exercises
1. minibatch gradient descent, 2. an annealed learning rate, 3. other activations,
4. three classes, 5. a second hidden layer; and the readers' requests: gradient checking,
regression, dropout, Iris, one-hot labels. Each is a function in
`glassnet.apps.exercises` (read its source for the training calls); `glassnet exercises`
runs the same ones from the command line. A number marked `~` depends on the CPU's
floating-point path: your machine may print other last digits.""",
    ),
    (
        "code",
        """for name, run in exercises.EXERCISES.items():
    ex = run()
    print(f"{name:>15}: {ex.summary}")
    plt.show()""",
    ),
    (
        "md",
        """## The same network as a scikit-learn estimator
`NetClassifier` takes `MLPClassifier`'s parameters, and the post's setup is reachable
through them: two softmax outputs (`binary_output="softmax"`), the post's initialisation
(`init="scaled_normal"`), full batch (`batch_size=None`), no momentum, no early stop.

Why `learning_rate_init=0.01 * len(X)`: scikit-learn minimises the *mean* loss over the
batch, so its gradient is the post's summed gradient divided by the number of examples
n. The same step `0.01 * summed gradient` therefore needs a learning rate of
`0.01 * n` on the averaged gradient (here 0.01 * 200 = 2.0). The penalty matches without
a change: scikit-learn adds `alpha / (2 n) * |W|^2` to the mean loss, which is the post's
`0.01 / 2 * |W|^2` divided by n, so `alpha=0.01` is the post's `reg_lambda`.

The cell compares the estimator with `gn.fit` after 1,000 passes: the two make the same
updates, so they reach the same weights up to rounding. (After about 1,500 passes both
sit on the two-value cycle described above, and which of its two phases a run ends on
depends on that rounding; so the comparison stops before.)""",
    ),
    (
        "code",
        """from sklearn.exceptions import ConvergenceWarning

post = gn.NetClassifier(
    hidden_layer_sizes=(3,),
    activation="tanh",
    solver="sgd",
    alpha=0.01,
    batch_size=None,
    learning_rate_init=0.01 * len(X),
    momentum=0,
    max_iter=1000,
    tol=0,
    n_iter_no_change=1000,
    shuffle=False,
    binary_output="softmax",
    init="scaled_normal",
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: we asked for it
    post.fit(X, y)
print(f"estimator: training accuracy {post.score(X, y):.3f}")

net_1000 = gn.mlp([2, 3, 2], activation="tanh", seed=0)
gn.fit(net_1000, loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=1000, l2=0.01, verbose=0)
weights = (net_1000.params["0.W"], net_1000.params["2.W"])
diff = max(np.abs(a - b).max() for a, b in zip(post.coefs_, weights))
print("same weights as gn.fit after 1000 passes (to 1e-9):", diff < 1e-9)""",
    ),
]


def build() -> nbformat.NotebookNode:
    """The notebook's cells, without outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 1200) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel (working folder ``cwd``); returns ``nb`` with outputs."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    # keep the stored file stable from run to run: no timings or kernel versions
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main(argv=None) -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true", help="write it without outputs")
    args = parser.parse_args(argv)
    path = Path(__file__).with_name("tutorial.ipynb")
    nb = build()
    if not args.no_execute:
        with tempfile.TemporaryDirectory() as tmp:
            nb = execute(nb, Path(tmp))
    nbformat.write(nb, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
