"""The blog post's code, written into the benchmark so that the comparison stands alone.

This is the post's NumPy as the post wrote it (``build_model``, ``calculate_loss``,
and the tutorial's sequence of trainings), with its module-level globals (``X``,
``y``, ``num_examples``, ``epsilon``, ``reg_lambda``) turned into arguments and
``np.random.seed(0)`` into an equal ``RandomState(0)`` so that the global random state
is left alone. It is deliberately not shared with ``glassnet.tutorial``: if that module
is ever changed, the benchmark still measures the post.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["build_model", "calculate_loss", "predict", "tutorial_sequence", "HIDDEN_SIZES"]

nn_input_dim = 2  # input layer dimensionality
nn_output_dim = 2  # output layer dimensionality
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)  # the post's hidden_layer_dimensions


def calculate_loss(model, X, y, reg_lambda=0.01):
    """The post's ``calculate_loss``: (summed cross-entropy + reg_lambda/2 |W|^2) / N."""
    num_examples = len(X)
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    # Forward propagation to calculate our predictions
    z1 = X.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    # Calculating the loss
    correct_logprobs = -np.log(probs[range(num_examples), y])
    data_loss = np.sum(correct_logprobs)
    # Add regulatization term to loss (optional)
    data_loss += reg_lambda / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return 1.0 / num_examples * data_loss


def predict(model, x):
    """The post's ``predict``: the class of highest probability."""
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    z1 = x.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return np.argmax(probs, axis=1)


def build_model(
    X, y, nn_hdim, num_passes=20000, print_loss=False, epsilon=0.01, reg_lambda=0.01, say=print
):
    """The post's ``build_model``: full-batch gradient descent on the 2-h-2 tanh net."""
    num_examples = len(X)
    # Initialize the parameters to random values. We need to learn these.
    rs = np.random.RandomState(0)  # the post: np.random.seed(0); np.random.randn(...)
    W1 = rs.randn(nn_input_dim, nn_hdim) / np.sqrt(nn_input_dim)
    b1 = np.zeros((1, nn_hdim))
    W2 = rs.randn(nn_hdim, nn_output_dim) / np.sqrt(nn_hdim)
    b2 = np.zeros((1, nn_output_dim))

    # This is what we return at the end
    model = {}

    # Gradient descent. For each batch...
    for i in range(0, num_passes):
        # Forward propagation
        z1 = X.dot(W1) + b1
        a1 = np.tanh(z1)
        z2 = a1.dot(W2) + b2
        exp_scores = np.exp(z2)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)

        # Backpropagation
        delta3 = probs
        delta3[range(num_examples), y] -= 1
        dW2 = (a1.T).dot(delta3)
        db2 = np.sum(delta3, axis=0, keepdims=True)
        delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
        dW1 = np.dot(X.T, delta2)
        db1 = np.sum(delta2, axis=0)

        # Add regularization terms (b1 and b2 don't have regularization terms)
        dW2 += reg_lambda * W2
        dW1 += reg_lambda * W1

        # Gradient descent parameter update
        W1 += -epsilon * dW1
        b1 += -epsilon * db1
        W2 += -epsilon * dW2
        b2 += -epsilon * db2

        # Assign new parameters to the model
        model = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

        # Optionally print the loss.
        # This is expensive because it uses the whole dataset, so we don't want to do it too often.
        if print_loss and i % 1000 == 0:
            say("Loss after iteration %i: %f" % (i, calculate_loss(model, X, y, reg_lambda)))

    return model


def _quiet(_line):
    pass


def tutorial_sequence(X, y, num_passes=20000, sizes=HIDDEN_SIZES):
    """Every training of the post, in the post's order, without the plots.

    Logistic regression (``LogisticRegressionCV``), the 3-unit network with its loss
    printed every 1,000 passes, then one network per hidden size of the sweep.
    Returns ``(clf, model3, models)``.
    """
    from sklearn.linear_model import LogisticRegressionCV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        clf = LogisticRegressionCV()
        clf.fit(X, y)
    model3 = build_model(X, y, 3, num_passes=num_passes, print_loss=True, say=_quiet)
    models = {h: build_model(X, y, h, num_passes=num_passes) for h in sizes}
    return clf, model3, models
