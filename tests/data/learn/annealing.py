"""A right answer to `glassnet learn`'s annealing exercise."""

from backward import backward


def learning_rate(epsilon0, decay, t):
    return epsilon0 / (1 + decay * t)


def train_annealed(model, X, y, epsilon0, decay, reg_lambda, num_passes):
    for t in range(num_passes):
        epsilon = learning_rate(epsilon0, decay, t)
        grads = backward(model, X, y, reg_lambda)
        for name in ("W1", "b1", "W2", "b2"):
            model[name] += -epsilon * grads["d" + name]
    return model
