"""The post's three-layer network, written out function by function.

This module is the reference that the general engine is held to. It follows the
post's code step by step (same operations, same order, same random draws), but
takes the data as arguments instead of reading module-level globals:

* ``moons(seed)`` draws the post's data set;
* ``calculate_loss(model, X, y, reg_lambda)`` evaluates the post's objective;
* ``predict(model, x)`` returns the class with the highest probability;
* ``build_model(X, y, nn_hdim, ...)`` trains with batch gradient descent.

The math, in the post's names, for ``N`` examples::

    z1 = X W1 + b1          a1 = tanh(z1)
    z2 = a1 W2 + b2         yhat = softmax(z2)
    L  = 1/N * [ -sum_n log yhat[n, y_n] + reg_lambda/2 * (|W1|^2 + |W2|^2) ]

    delta3 = yhat - onehot(y)
    dW2 = a1^T delta3 + reg_lambda W2      db2 = sum_n delta3
    delta2 = delta3 W2^T * (1 - a1^2)
    dW1 = X^T delta2 + reg_lambda W1       db1 = sum_n delta2
    theta <- theta - epsilon * d theta

The gradient is that of the *summed* loss (no 1/N), so with ``epsilon = 0.01``
and 200 points the step is large: for a hidden layer of 3 units the loss stops
decreasing after about 1,500 passes and alternates between two values
(about 0.070758 and 0.071316) for the rest of the run. Which of the two a print
every 1,000 passes shows depends on the parity of the period it landed in, and so
on rounding; the two values themselves are stable.
"""

from __future__ import annotations

import numpy as np

__all__ = ["moons", "calculate_loss", "predict", "build_model", "init_model"]

NN_INPUT_DIM = 2
NN_OUTPUT_DIM = 2


def moons(seed: int = 0, n_samples: int = 200, noise: float = 0.20):
    """Draw the post's data set.

    Equivalent to ``np.random.seed(seed); sklearn.datasets.make_moons(n_samples, noise=noise)``,
    without touching NumPy's global random state.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), integer labels 0 and 1
    """
    import sklearn.datasets  # here, not at the top: `import glassnet` stays light

    return sklearn.datasets.make_moons(
        n_samples, noise=noise, random_state=np.random.RandomState(seed)
    )


def _forward(model, x):
    """Forward pass: returns (a1, probs) for inputs ``x`` of shape (n, 2)."""
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    z1 = x.dot(W1) + b1  # (n, h)
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2  # (n, 2)
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return a1, probs


def calculate_loss(model: dict, X: np.ndarray, y: np.ndarray, reg_lambda: float = 0.01) -> float:
    """The post's objective: mean cross-entropy plus ``reg_lambda/2 * |W|^2 / N``.

    Parameters
    ----------
    model : dict with "W1" (2, h), "b1" (1, h), "W2" (h, 2), "b2" (1, 2)
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), integer labels
    reg_lambda : float, the L2 strength
    """
    num_examples = len(X)
    _, probs = _forward(model, X)
    correct_logprobs = -np.log(probs[range(num_examples), y])
    data_loss = np.sum(correct_logprobs)
    W1, W2 = model["W1"], model["W2"]
    data_loss += reg_lambda / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return 1.0 / num_examples * data_loss


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    """Class with the highest softmax probability for each row of ``x`` (n, 2)."""
    _, probs = _forward(model, x)
    return np.argmax(probs, axis=1)


def init_model(nn_hdim: int, seed: int = 0) -> dict:
    """The post's initialisation: ``randn / sqrt(fan_in)`` from seed 0, zero biases."""
    rng = np.random.RandomState(seed)
    W1 = rng.randn(NN_INPUT_DIM, nn_hdim) / np.sqrt(NN_INPUT_DIM)
    b1 = np.zeros((1, nn_hdim))
    W2 = rng.randn(nn_hdim, NN_OUTPUT_DIM) / np.sqrt(nn_hdim)
    b2 = np.zeros((1, NN_OUTPUT_DIM))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def build_model(
    X: np.ndarray,
    y: np.ndarray,
    nn_hdim: int,
    num_passes: int = 20000,
    epsilon: float = 0.01,
    reg_lambda: float = 0.01,
    print_loss: bool = False,
) -> dict:
    """Train the post's network by batch gradient descent and return its model dict.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), integer labels 0 and 1
    nn_hdim : int, units in the hidden layer
    num_passes : int, full-batch gradient steps
    epsilon : float, the learning rate
    reg_lambda : float, the L2 strength
    print_loss : bool, print the objective every 1,000 passes (after that pass's update)
    """
    num_examples = len(X)
    model = init_model(nn_hdim)
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    rows = range(num_examples)
    for i in range(num_passes):
        # forward
        z1 = X.dot(W1) + b1  # (n, h)
        a1 = np.tanh(z1)
        z2 = a1.dot(W2) + b2  # (n, 2)
        exp_scores = np.exp(z2)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        # backward: delta3 = yhat - y
        delta3 = probs
        delta3[rows, y] -= 1
        dW2 = (a1.T).dot(delta3)
        db2 = np.sum(delta3, axis=0, keepdims=True)
        delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
        dW1 = np.dot(X.T, delta2)
        db1 = np.sum(delta2, axis=0)
        # L2 on the weights only
        dW2 += reg_lambda * W2
        dW1 += reg_lambda * W1
        # gradient step, in place
        W1 += -epsilon * dW1
        b1 += -epsilon * db1
        W2 += -epsilon * dW2
        b2 += -epsilon * db2
        if print_loss and i % 1000 == 0:
            print("Loss after iteration %i: %f" % (i, calculate_loss(model, X, y, reg_lambda)))
    return model
