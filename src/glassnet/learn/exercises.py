"""The graded exercises: what the learner writes, the cases, and how each is graded.

Each ``Exercise`` names the functions the learner writes (in a file of the exercise's
name), draws its cases from a seed, and grades one case by calling the learner's
functions and comparing each quantity with glassnet's, in the order the math computes
them (``Marks.expect`` raises ``Wrong`` at the first that differs). glassnet's values
come from the engine (``glassnet.learn.reference``); the usual mistakes from
``glassnet.learn.mistakes``.

``glassnet exercises`` runs the post's exercises for you; here you write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..activations import ReLU, Sigmoid
from ..schedules import Constant, Exponential, InverseTime
from . import cases as C
from .compare import Mistake, Wrong, expect
from .mistakes import (
    activation_mistakes,
    forward_mistakes,
    general_hint,
    gradient_mistakes,
    loss_mistakes,
)
from .reference import depth, post_network, trace, train

__all__ = ["Exercise", "EXERCISES", "Marks", "get_exercise"]


class Marks:
    """The quantities found right so far in a case, and ``expect`` recording them."""

    def __init__(self):
        self.right: list[str] = []

    def expect(self, quantity, yours, right, mistakes=(), general="", bias=False) -> None:
        expect(quantity, yours, right, mistakes, general, bias)
        self.right.append(quantity)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its ``name`` (and file), a one-line ``summary``, the ``functions``
    the learner writes, the ``quantities`` compared (in order), ``cases(rng)`` and
    ``grade(learner, case, marks)``."""

    name: str
    summary: str
    functions: tuple
    quantities: tuple
    cases: Callable
    grade: Callable


# ---------------------------------------------------------------- the post's network
def _gradient_names(model: dict) -> list[str]:
    """``dW2, db2, dW1, db1``: the order back-propagation computes them in."""
    return [f"d{p}{j}" for j in range(depth(model), 0, -1) for p in "Wb"]


def _core_cases(rng) -> list:
    return [
        C.network_case(rng, 5, (2, 3, 2), 0.1),
        C.network_case(rng, 8, (2, 3, 2), 0.05),
        C.post_case(),
    ]


def _inputs(case, *names) -> list:
    """The case's inputs (glassnet's own; the learner gets copies: ``case[name]``)."""
    return [case.inputs[name] for name in names]


def _grade_probs(learner, case, marks) -> None:
    model, X, y, reg = _inputs(case, "model", "X", "y", "reg_lambda")
    yours = learner.call("forward", case["model"], case["X"])
    tr = trace(model, X, y, reg)
    top = depth(model)
    marks.expect("probs", yours, tr.probs, lambda: forward_mistakes(tr), general_hint("probs", top))


def _grade_loss(learner, case, marks) -> None:
    model, X, y, reg = _inputs(case, "model", "X", "y", "reg_lambda")
    yours = learner.call("calculate_loss", *(case[k] for k in ("model", "X", "y", "reg_lambda")))
    if np.size(yours) == 1 and np.ndim(yours) > 0:
        yours = np.reshape(yours, ())  # a float in an array: its value counts
    tr = trace(model, X, y, reg)
    marks.expect("loss", yours, tr.loss, lambda: loss_mistakes(tr), general_hint("loss", 2))


def _grade_gradients(learner, case, marks) -> None:
    model, X, y, reg = _inputs(case, "model", "X", "y", "reg_lambda")
    yours = learner.call("backward", *(case[k] for k in ("model", "X", "y", "reg_lambda")))
    tr = trace(model, X, y, reg)
    names = _gradient_names(model)
    if not hasattr(yours, "keys"):
        raise Wrong(
            names[0],
            f"backward returned {type(yours).__name__}, not a dict",
            f"backward returns a dict with the keys {', '.join(sorted(names))}.",
        )
    for q in names:
        if q not in yours:
            raise Wrong(
                q,
                f"backward's dict has no {q!r} (its keys: {', '.join(map(str, yours))})",
                f"backward returns a dict with the keys {', '.join(sorted(names))}.",
            )

        def mistakes(q=q):
            return gradient_mistakes(tr, q, trace(model, X, y, reg, one_hot=False))

        bias = q.startswith("db")
        marks.expect(q, yours[q], tr.grads[q], mistakes, general_hint(q, depth(model)), bias)


def _grade_forward_backward(learner, case, marks) -> None:
    _grade_probs(learner, case, marks)
    _grade_gradients(learner, case, marks)


# ---------------------------------------------------------------- activations
def _activation_cases(rng) -> list:
    return [C.activation_case(rng, shape) for shape in ((7,), (3, 4), (2, 3, 5))]


def _grade_activation(learner, case, marks) -> None:
    (z,) = _inputs(case, "z")
    for name, layer in (("relu", ReLU()), ("sigmoid", Sigmoid())):
        value = layer.forward(z)
        slope = layer.backward(np.ones_like(z))  # da/dz, entry by entry
        for fn, right in ((name, value), (f"{name}_grad", slope)):
            yours = learner.call(fn, case["z"])
            marks.expect(
                f"{fn}(z)",
                yours,
                right,
                lambda fn=fn: activation_mistakes(fn, z),
                f"{fn}(z) is taken entry by entry and has z's shape.",
            )


# ---------------------------------------------------------------- training
def _grade_model(marks, yours, right, mistakes, fn) -> None:
    """A returned model dict against glassnet's, parameter by parameter."""
    if not hasattr(yours, "keys"):
        raise Wrong("W1", f"{fn} returned {type(yours).__name__}, not a dict", "return the model.")
    for key in ("W2", "b2", "W1", "b1"):
        if key not in yours:
            raise Wrong(key, f"{fn}'s model has no {key!r}", "return the whole model dict.")

        def found(key=key):
            return [Mistake(m[key], hint) for m, hint in mistakes()]

        general = f"{key} differs from what glassnet's training gives from the same start."
        marks.expect(key, yours[key], right[key], found, general, bias=key.startswith("b"))


MEAN_BATCH = (
    "each batch's gradient is divided by its size: keep the post's summed gradient (plus "
    "reg_lambda W) for each batch."
)


def _minibatch_cases(rng) -> list:
    return [
        C.training_case(rng, 23, 5),
        C.training_case(rng, 40, 8),
        C.training_case(rng, 200, 20, post=True),
    ]


def _grade_minibatch(learner, case, marks) -> None:
    keys = ("model", "X", "y", "epsilon", "reg_lambda", "batch_size")
    model, X, y, eps, reg, bs = _inputs(case, *keys)
    seed = case["seed"]
    yours = learner.call("minibatch_epoch", *(case[k] for k in keys), np.random.default_rng(seed))
    right = train(model, X, y, eps, reg, epochs=1, batch_size=bs, shuffle=True, seed=seed)

    def mistakes():
        order = np.random.default_rng(seed).permutation(len(X))  # the exercise's order
        whole = len(X) - len(X) % bs
        once = {"model": model, "X": X, "y": y, "epsilon": eps, "reg_lambda": reg}
        return [
            (model, "your function returned the model unchanged: update it, batch by batch."),
            (train(**once, epochs=1, batch_size=bs), "the batches are taken in the rows' "
             "original order: shuffle once with the order that rng.permutation gives."),
            (train(**once, epochs=1), "one step on the whole data: split the shuffled rows "
             "into batches and take one step per batch."),
            *((train(**once, epochs=1, batch_size=bs, shuffle=True, seed=seed,
                     reduction="mean", l2_per_example=per_row), MEAN_BATCH)
              for per_row in (False, True)),
            (train(model, X[order[:whole]], y[order[:whole]], eps, reg, epochs=1,
                   batch_size=bs), "the last, shorter batch is left out: its rows count too."),
            (train(model, X[order[:bs]], y[order[:bs]], eps, reg, epochs=1),
             "only the first batch took a step: loop over all the batches."),
        ]  # fmt: skip

    _grade_model(marks, yours, right, mistakes, "minibatch_epoch")


def _annealing_cases(rng) -> list:
    found = []
    for n, eps, decay, passes in ((23, 0.01, 0.5, 5), (40, 0.02, 0.1, 8), (200, 0.01, 1e-3, 20)):
        case = C.training_case(rng, n, None, epsilon=eps, post=n == 200)
        case.inputs.update(decay=decay, num_passes=passes)
        case.text += f", decay {decay:g}, {passes} passes"
        found.append(case)
    return found


def _grade_annealing(learner, case, marks) -> None:
    model, X, y, eps, reg = _inputs(case, "model", "X", "y", "epsilon", "reg_lambda")
    decay, passes = case["decay"], case["num_passes"]
    schedule = InverseTime(eps, decay=decay)
    for t in (0, 1, passes - 1, 1000):
        marks.expect(
            f"learning_rate(t={t})",
            learner.call("learning_rate", eps, decay, t),
            schedule(t),
            [
                Mistake(Constant(eps)(t), "the rate does not decay: it shrinks as t grows."),
                Mistake(schedule(t + 1), "off by one: the first pass, t = 0, uses epsilon0."),
                Mistake(InverseTime(eps, decay=1.0)(t), "decay is left out of the formula."),
                Mistake(
                    Exponential(eps, gamma=np.exp(-decay))(t),
                    "that is an exponential decay; the exercise's is 1 / (1 + decay t).",
                ),
            ],  # fmt: skip
            "epsilon_t = epsilon0 / (1 + decay t).",
        )
    yours = learner.call(
        "train_annealed", case["model"], case["X"], case["y"], eps, decay, reg, passes
    )
    right = train(model, X, y, eps, reg, epochs=passes, schedule=schedule)

    def mistakes():
        return [
            (model, "your function returned the model unchanged."),
            (train(model, X, y, eps, reg, epochs=passes), "every pass used epsilon0: use "
             "learning_rate(t) at pass t."),
            (train(model, X, y, eps, reg, initial_epoch=1, epochs=passes + 1, schedule=schedule),
             "off by one: pass t (from 0) uses learning_rate(t)."),
        ]  # fmt: skip

    _grade_model(marks, yours, right, mistakes, "train_annealed")


# ---------------------------------------------------------------- three classes
def _three_class_cases(rng) -> list:
    return [
        C.network_case(rng, 6, (2, 4, 3), 0.1),
        C.network_case(rng, 9, (2, 5, 3), 0.05),
        C.network_case(rng, 60, (2, 3, 3), 0.01),
    ]


def _grade_three_classes(learner, case, marks) -> None:
    model, X, y, reg = _inputs(case, "model", "X", "y", "reg_lambda")
    right = post_network(model).predict_classes(X)
    probs = trace(model, X, y, reg).probs
    marks.expect(
        "predict",
        learner.call("predict", case["model"], case["X"]),
        right,
        [
            Mistake(
                probs,
                "you returned the probabilities: predict returns each row's class, "
                "the index of its largest probability.",
            ),
            Mistake(
                probs.argmax(axis=0),
                "the largest entry is taken down the columns: take "
                "it along each row (one class per example).",
            ),
            Mistake(
                (probs[:, 1] > 0.5) * 1,
                "a threshold of 0.5 on one class works for two "
                "classes only: take the most probable class.",
            ),
        ],  # fmt: skip
        "predict gives each row the class of its largest probability.",
    )
    _grade_gradients(learner, case, marks)


def _two_hidden_cases(rng) -> list:
    return [
        C.network_case(rng, 5, (2, 4, 3, 2), 0.1),
        C.network_case(rng, 8, (2, 3, 4, 2), 0.05),
        C.network_case(rng, 50, (2, 5, 3, 2), 0.01),
    ]


EXERCISES = {
    ex.name: ex
    for ex in (
        Exercise("forward", "the post's forward pass: probabilities from W1, b1, W2, b2",
                 ("forward",), ("probs",), _core_cases, _grade_probs),
        Exercise("loss", "the post's calculate_loss: cross-entropy plus L2, over N",
                 ("calculate_loss",), ("loss",), _core_cases, _grade_loss),
        Exercise("backward", "the post's back-propagation: dW1, db1, dW2, db2",
                 ("backward",), ("dW2", "db2", "dW1", "db1"), _core_cases, _grade_gradients),
        Exercise("activation", "relu and sigmoid, and their derivatives with respect to z",
                 ("relu", "relu_grad", "sigmoid", "sigmoid_grad"),
                 ("relu(z)", "relu_grad(z)", "sigmoid(z)", "sigmoid_grad(z)"),
                 _activation_cases, _grade_activation),
        Exercise("minibatch", "one pass of minibatch gradient descent (post exercise 1)",
                 ("minibatch_epoch",), ("W2", "b2", "W1", "b1"), _minibatch_cases,
                 _grade_minibatch),
        Exercise("annealing", "an annealed learning rate (post exercise 2)",
                 ("learning_rate", "train_annealed"),
                 ("learning_rate(t)", "W2", "b2", "W1", "b1"), _annealing_cases,
                 _grade_annealing),
        Exercise("three_classes", "three classes: predict and back-propagation "
                 "(post exercise 4)", ("predict", "backward"),
                 ("predict", "dW2", "db2", "dW1", "db1"), _three_class_cases,
                 _grade_three_classes),
        Exercise("two_hidden_layers", "a second hidden layer: forward and back-propagation "
                 "(post exercise 5)", ("forward", "backward"),
                 ("probs", "dW3", "db3", "dW2", "db2", "dW1", "db1"), _two_hidden_cases,
                 _grade_forward_backward),
    )
}  # fmt: skip


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; a ValueError lists the names otherwise."""
    if not isinstance(name, str) or name not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}; got {name!r}")
    return EXERCISES[name]
