"""A right answer to `glassnet learn`'s backward exercise: the post's back-propagation.

tests/test_learn.py makes each usual mistake by changing one line of this file."""

import numpy as np


def backward(model, X, y, reg_lambda):
    num_examples = len(X)
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    z1 = X.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    delta3 = probs
    delta3[range(num_examples), y] -= 1
    dW2 = (a1.T).dot(delta3)
    db2 = np.sum(delta3, axis=0, keepdims=True)
    delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
    dW1 = np.dot(X.T, delta2)
    db1 = np.sum(delta2, axis=0)
    dW2 += reg_lambda * W2
    dW1 += reg_lambda * W1
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
