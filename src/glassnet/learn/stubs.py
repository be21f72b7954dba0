"""The exercise files that ``glassnet learn start DIR`` writes, and ``start`` itself.

Each file holds the functions the learner writes: the signature, a docstring saying
what to compute with its shapes, and a body that raises ``NotImplementedError``; never
the solution. ``start`` never overwrites a file that exists: the learner's work stays.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .._atomic import atomic_write

__all__ = ["STUBS", "start", "signatures", "stub_text"]

_HEAD = '''"""Exercise `{name}` of glassnet learn: {summary}.

Write the function(s) below, then check them against glassnet:

    glassnet learn check {folder} {name}

(or, from Python, gn.learn.check("{name}", ...)). `glassnet exercises` runs the post's
exercises for you; here you write them yourself.
"""

import numpy as np
'''

_MODEL = """model : dict
        The post's parameters: "W1" of shape (n_features, n_hidden), "b1" of shape
        (1, n_hidden), "W2" of shape (n_hidden, n_classes), "b2" of shape (1, n_classes)."""

_DATA = """X : ndarray of shape (n_examples, n_features)
    y : ndarray of shape (n_examples,), integer labels 0 .. n_classes - 1
    reg_lambda : float, the strength of the L2 penalty"""

_OWN_BACKWARD = """You may use your own backward: `from backward import backward` reads backward.py
    from this folder."""

# the docstring's middle for the post's (model, X, y, reg_lambda)
_ARGS = f"""Parameters
    ----------
    {_MODEL}
    {_DATA}

    Returns
    -------"""

STUBS = {
    "forward": f'''

def forward(model, X):
    """The post's forward pass: the probability of each class for each row of X.

    Parameters
    ----------
    {_MODEL}
    X : ndarray of shape (n_examples, n_features)

    Returns
    -------
    probs : ndarray of shape (n_examples, n_classes)
        z1 = X W1 + b1, a1 = tanh(z1), z2 = a1 W2 + b2, and probs the softmax of each
        row of z2: every entry in [0, 1], every row summing to 1.
    """
    raise NotImplementedError("write forward")
''',
    "loss": f'''

def calculate_loss(model, X, y, reg_lambda):
    """The post's loss of the model on (X, y), as its calculate_loss computes it.

    {_ARGS}
    loss : float
        The cross-entropy summed over the rows (-log of each row's probability at its
        true class), plus reg_lambda / 2 times the sum of the squares of the entries of
        W1 and W2, the whole divided by the number of rows.
    """
    raise NotImplementedError("write calculate_loss")
''',
    "backward": f'''

def backward(model, X, y, reg_lambda):
    """The post's back-propagation: the gradients of its loss, one step's worth.

    {_ARGS}
    grads : dict
        "dW1" of W1's shape, "db1" of shape (n_hidden,) or (1, n_hidden), "dW2" of
        W2's shape, "db2" of shape (n_classes,) or (1, n_classes): the post's gradients,
        from delta3 = probs - y (y one-hot) back through tanh, summed over the rows (not
        divided by their number), with the penalty's reg_lambda * W added to dW1 and dW2
        (the biases are not penalised).
    """
    raise NotImplementedError("write backward")
''',
    "activation": '''

def relu(z):
    """max(z, 0), entry by entry; z is an ndarray of any shape, the result has its shape."""
    raise NotImplementedError("write relu")


def relu_grad(z):
    """The derivative of relu with respect to z, entry by entry: 1 where z > 0, 0 where
    z < 0 (z is never exactly 0 in the checks). Same shape as z."""
    raise NotImplementedError("write relu_grad")


def sigmoid(z):
    """1 / (1 + exp(-z)), entry by entry. Same shape as z."""
    raise NotImplementedError("write sigmoid")


def sigmoid_grad(z):
    """The derivative of sigmoid with respect to z (its input, not its output), entry by
    entry. Same shape as z."""
    raise NotImplementedError("write sigmoid_grad")
''',
    "minibatch": f'''

def minibatch_epoch(model, X, y, epsilon, reg_lambda, batch_size, rng):
    """One pass over the data by minibatch gradient descent; returns the model after it.

    Shuffle once, at the start, with order = rng.permutation(len(X)). Then take the rows
    of that order batch_size at a time (the last batch may be shorter) and, for each
    batch, take one step of the post's gradient descent on that batch alone: the post's
    gradients of the batch (summed over its rows, plus reg_lambda * W for the weights),
    and every parameter moved by -epsilon times its gradient.

    Parameters
    ----------
    {_MODEL}
    X : ndarray of shape (n_examples, n_features)
    y : ndarray of shape (n_examples,), integer labels
    epsilon : float, the learning rate
    reg_lambda : float, the strength of the L2 penalty
    batch_size : int
    rng : numpy.random.Generator, to draw the order from (glassnet draws the same)

    Returns
    -------
    model : dict, the same keys and shapes, after the pass

    {_OWN_BACKWARD}
    """
    raise NotImplementedError("write minibatch_epoch")
''',
    "annealing": f'''

def learning_rate(epsilon0, decay, t):
    """The annealed learning rate of pass t (t = 0, 1, 2, ...): epsilon0 / (1 + decay t).

    Returns a float.
    """
    raise NotImplementedError("write learning_rate")


def train_annealed(model, X, y, epsilon0, decay, reg_lambda, num_passes):
    """num_passes passes of the post's batch gradient descent (the whole data each pass),
    pass t stepping with learning_rate(epsilon0, decay, t); returns the model after them.

    Parameters
    ----------
    {_MODEL}
    X : ndarray of shape (n_examples, n_features)
    y : ndarray of shape (n_examples,), integer labels
    epsilon0, decay : floats, the annealing schedule's
    reg_lambda : float, the strength of the L2 penalty
    num_passes : int

    Returns
    -------
    model : dict, the same keys and shapes, after the passes

    {_OWN_BACKWARD}
    """
    raise NotImplementedError("write train_annealed")
''',
    "three_classes": '''

def predict(model, X):
    """The class of each row of X for the post's network with three outputs.

    model is the post's dict, with W2 of shape (n_hidden, 3) and b2 of shape (1, 3);
    X has shape (n_examples, n_features). Returns an integer ndarray of shape
    (n_examples,): each row's most probable class, 0, 1 or 2.
    """
    raise NotImplementedError("write predict")


def backward(model, X, y, reg_lambda):
    """The post's back-propagation for three classes (y holds labels 0, 1 and 2).

    The same gradients as the backward exercise ("dW1", "db1", "dW2", "db2": summed
    over the rows, reg_lambda * W added to the weights), with n_classes = 3: dW2 has
    shape (n_hidden, 3), db2 shape (3,) or (1, 3). Nothing may assume two classes.
    """
    raise NotImplementedError("write backward")
''',
    "two_hidden_layers": '''

def forward(model, X):
    """The forward pass of a network with two hidden tanh layers.

    model holds "W1" (n_features, n_hidden1), "b1" (1, n_hidden1), "W2" (n_hidden1,
    n_hidden2), "b2" (1, n_hidden2), "W3" (n_hidden2, n_classes), "b3" (1, n_classes).
    z1 = X W1 + b1, a1 = tanh(z1), z2 = a1 W2 + b2, a2 = tanh(z2), z3 = a2 W3 + b3.
    Returns probs, of shape (n_examples, n_classes): the softmax of each row of z3.
    """
    raise NotImplementedError("write forward")


def backward(model, X, y, reg_lambda):
    """Back-propagation through both hidden layers: the gradients of the post's loss.

    Returns a dict with "dW1", "db1", "dW2", "db2", "dW3", "db3", each of its parameter's
    shape (a bias gradient may also be of shape (k,)): summed over the rows, from
    delta4 = probs - y (y one-hot) back through both tanh layers, with reg_lambda * W
    added to every weight's gradient (the biases are not penalised).
    """
    raise NotImplementedError("write backward")
''',
}


def signatures(name: str) -> list[str]:
    """How glassnet calls the exercise's functions: ``["backward(model, X, y, reg_lambda)"]``."""
    tree = ast.parse(STUBS[name])
    return [
        f"{f.name}({', '.join(a.arg for a in f.args.args)})"
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
    ]


def stub_text(name: str, folder) -> str:
    """The file that ``start`` writes for the exercise ``name``."""
    from .exercises import EXERCISES

    head = _HEAD.format(name=name, summary=EXERCISES[name].summary, folder=folder)
    return head + STUBS[name]


def start(folder, names=None) -> dict:
    """Write one exercise file per exercise into ``folder`` (made if need be).

    A file that exists is never overwritten: it is the learner's work. Returns
    ``{name: (path, written)}``, ``written`` False for a file that was kept.
    """
    from .exercises import EXERCISES, get_exercise

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    done = {}
    for name in names or list(EXERCISES):
        get_exercise(name)
        path = folder / f"{name}.py"
        text = stub_text(name, folder).encode("utf-8")
        try:
            atomic_write(path, lambda fh, text=text: fh.write(text), replace=False)
            done[name] = (path, True)
        except FileExistsError:
            done[name] = (path, False)
    return done
