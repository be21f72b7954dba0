"""Write examples/tutorial.ipynb from the cells below (outputs stripped).

Run ``python examples/build_notebook.py`` after editing the cells; the test suite
executes the notebook and checks that the file matches this script.
"""

from pathlib import Path

import nbformat

CELLS = [
    (
        "md",
        """# The post, with glassnet

This notebook walks through "Implementing a Neural Network from Scratch in Python" with
glassnet: the moons data, logistic regression, the 3-unit network and its printed losses,
the sweep of hidden-layer sizes, and then the post's exercises and its readers' requests.
Every number the post prints is reproduced by the engine below.""",
    ),
    (
        "code",
        """import warnings

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression

import glassnet as gn
from glassnet import tutorial
from glassnet.apps import exercises
from glassnet.apps.tutorial_cmd import HIDDEN_SIZES, PrintPostLoss, post_network
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
plotting.plot_data(X, y, title="make_moons(200, noise=0.20)")
plt.show()""",
    ),
    (
        "md",
        """## Logistic regression
A linear classifier draws the best straight line it can, and misses the moon shapes.""",
    ),
    (
        "code",
        """clf = LogisticRegression().fit(X, y)
plotting.plot_decision_boundary(clf, X, y, title=f"Logistic regression ({clf.score(X, y):.3f})")
plt.show()""",
    ),
    (
        "md",
        """## The post's network
2 inputs, 3 tanh hidden units, 2 softmax outputs, trained by full-batch gradient descent
with a step of 0.01 on the *summed* cross-entropy plus `0.01/2 * |W|^2`. The printed losses
are the post's: 0.432387 after the first pass, 0.068947 after 1,000, and from about 1,500
passes on the loss alternates between two values (the step is too large to settle).""",
    ),
    (
        "code",
        """printer = PrintPostLoss(X, y, gn.SoftmaxCrossEntropy(reduction="sum"), l2=0.01)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", gn.OscillationWarning)  # the cycle, explained above
    net, history = post_network(X, y, 3, callbacks=[printer])""",
    ),
    (
        "code",
        """fig, axes = plt.subplots(1, 2, figsize=(13, 5))
plotting.plot_decision_boundary(net, X, y, ax=axes[0], title="Hidden layer size 3")
plotting.plot_history(history, ax=axes[1])
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
The post's sweep, with a held-out test set this time (the post suggests one): small
networks capture the trend, large ones start to fit the noise.""",
    ),
    (
        "code",
        """from glassnet.apps.sweep import run_sweep

with warnings.catch_warnings():
    warnings.simplefilter("ignore", gn.OscillationWarning)
    results = run_sweep("hidden", list(HIDDEN_SIZES), X, y, n_jobs=2)
for r in results:
    print(f"hidden {r['value']:>2}: train {r['train_accuracy']:.3f}  test {r['test_accuracy']:.3f}")
plotting.plot_sweep(results, X, y)
plt.show()""",
    ),
    (
        "md",
        """## The exercises
1. minibatch gradient descent, 2. an annealed learning rate, 3. other activations,
4. three classes, 5. a second hidden layer; and the readers' requests: gradient checking,
regression, dropout, Iris, one-hot labels.""",
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
`NetClassifier` takes `MLPClassifier`'s parameters; the post's setup is reachable through
them (two softmax outputs, the post's initialisation, full batch).""",
    ),
    (
        "code",
        """post = gn.NetClassifier(
    hidden_layer_sizes=(3,), activation="tanh", solver="sgd", alpha=0.01, batch_size=None,
    learning_rate_init=0.01 * len(X), momentum=0, max_iter=1000, tol=0, n_iter_no_change=10**6,
    shuffle=False, binary_output="softmax", init="scaled_normal", random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    post.fit(X, y)
print("training accuracy", post.score(X, y))""",
    ),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, text in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    path = Path(__file__).with_name("tutorial.ipynb")
    nbformat.write(build(), path)
    print(f"wrote {path}")
