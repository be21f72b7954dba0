"""The random cases an exercise is checked on, drawn from one seed.

Every case is small and non-square on purpose: a missing transpose then shows as a
shape error instead of passing by chance. The biases are not zero (a bias left out
shows), every class occurs in ``y``, and the core exercises end with the post's own
case: its 200 moons, its initial weights, ``reg_lambda = 0.01``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .. import tutorial

__all__ = ["Case", "network_case", "post_case", "activation_case", "training_case"]


@dataclass
class Case:
    """One case: a description for the report, and the inputs by name."""

    text: str
    inputs: dict = field(default_factory=dict)

    def __getitem__(self, name):
        """A fresh copy of an input: a learner who changes it in place changes no other call."""
        return copy.deepcopy(self.inputs[name])


def random_model(rng: np.random.Generator, sizes) -> dict:
    """A post-style model for layer widths ``sizes``: ``randn / sqrt(fan_in)`` weights, as
    the post starts, and biases drawn too, so that a missing bias shows."""
    model = {}
    for j, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
        model[f"W{j}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        model[f"b{j}"] = 0.5 * rng.standard_normal((1, n_out))
    return model


def _layers_text(sizes) -> str:
    hidden = " and ".join(str(s) for s in sizes[1:-1])
    units = "units" if len(sizes) == 3 else "units each"
    layers = "a hidden layer" if len(sizes) == 3 else f"{len(sizes) - 2} hidden layers"
    return f"{layers} of {hidden} {units}, {sizes[-1]} classes"


def network_case(rng: np.random.Generator, n: int, sizes, reg_lambda: float) -> Case:
    """``n`` random rows through a random network of widths ``sizes``."""
    X = 1.5 * rng.standard_normal((n, sizes[0]))
    y = rng.permutation(np.arange(n) % sizes[-1])  # every class occurs
    return Case(
        f"{n} random rows, {_layers_text(sizes)}, reg_lambda {reg_lambda:g}",
        {"model": random_model(rng, sizes), "X": X, "y": y, "reg_lambda": reg_lambda},
    )


def post_case() -> Case:
    """The post's own case: its 200 moons, its initial weights (hidden layer of 3)."""
    X, y = tutorial.moons(0)
    return Case(
        "the post's 200 moons and initial weights, a hidden layer of 3 units, reg_lambda 0.01",
        {"model": tutorial.init_model(3), "X": X, "y": y, "reg_lambda": 0.01},
    )


def activation_case(rng: np.random.Generator, shape) -> Case:
    """An array ``z`` of the given shape, entries of both signs up to about +-6."""
    z = 3 * rng.standard_normal(shape)
    return Case(f"z of shape {tuple(shape)}", {"z": z})


def training_case(rng, n: int, batch_size, epsilon=0.01, reg_lambda=0.01, post=False) -> Case:
    """``n`` of the post's moons (drawn with a case seed), a model (the post's initial one
    for ``post``), the post's step and penalty, and a seed for the shuffling."""
    seed = int(rng.integers(2**31))
    X, y = tutorial.moons(seed % 1000, n_samples=n)
    model = tutorial.init_model(3) if post else random_model(rng, (2, 3, 2))
    parts = [f"{n} moons", "the post's initial weights" if post else "random weights"]
    if batch_size is not None:
        parts.append(f"batches of {batch_size}")
    return Case(
        ", ".join(parts) + f", epsilon {epsilon:g}, reg_lambda {reg_lambda:g}",
        {
            "model": model,
            "X": X,
            "y": y,
            "epsilon": epsilon,
            "reg_lambda": reg_lambda,
            "batch_size": batch_size,
            "seed": seed,
        },
    )
