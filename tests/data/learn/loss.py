"""A right answer to `glassnet learn`'s loss exercise: the post's calculate_loss, with
the forward pass of this folder's forward.py."""

import numpy as np
from forward import forward


def calculate_loss(model, X, y, reg_lambda):
    num_examples = len(X)
    W1, W2 = model["W1"], model["W2"]
    probs = forward(model, X)
    corect_logprobs = -np.log(probs[range(num_examples), y])
    data_loss = np.sum(corect_logprobs)
    data_loss += reg_lambda / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return 1.0 / num_examples * data_loss
