"""A right answer to `glassnet learn`'s three_classes exercise: the post's code has
nothing that assumes two classes."""

import numpy as np
from backward import backward  # noqa: F401  (the same function answers for three classes)
from forward import forward


def predict(model, X):
    return np.argmax(forward(model, X), axis=1)
