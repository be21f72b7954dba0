"""A right answer to `glassnet learn`'s two_hidden_layers exercise."""

import numpy as np


def _forward(model, X):
    a1 = np.tanh(X.dot(model["W1"]) + model["b1"])
    a2 = np.tanh(a1.dot(model["W2"]) + model["b2"])
    z3 = a2.dot(model["W3"]) + model["b3"]
    exp_scores = np.exp(z3)
    return a1, a2, exp_scores / np.sum(exp_scores, axis=1, keepdims=True)


def forward(model, X):
    return _forward(model, X)[2]


def backward(model, X, y, reg_lambda):
    a1, a2, probs = _forward(model, X)
    delta4 = probs
    delta4[range(len(X)), y] -= 1
    dW3 = a2.T.dot(delta4) + reg_lambda * model["W3"]
    db3 = np.sum(delta4, axis=0)
    delta3 = delta4.dot(model["W3"].T) * (1 - a2**2)
    dW2 = a1.T.dot(delta3) + reg_lambda * model["W2"]
    db2 = np.sum(delta3, axis=0)
    delta2 = delta3.dot(model["W2"].T) * (1 - a1**2)
    dW1 = X.T.dot(delta2) + reg_lambda * model["W1"]
    db1 = np.sum(delta2, axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}
