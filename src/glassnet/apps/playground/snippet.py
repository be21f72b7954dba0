"""The Python snippet: source that rebuilds a page's data, features, network and optimizer
and retrains its run with ``gn.fit``, epoch by epoch with the page's seeds and rates, then
saves the model the page would download.

``build`` makes the network, loss and optimizer of a config for the page's session; the
snippet spells out the same calls, so the two cannot drift apart unnoticed (the tests run
the snippet and compare its parameters with the page's).
"""

from __future__ import annotations

from ...losses import MeanSquaredError, SoftmaxCrossEntropy
from ...network import mlp
from ...optim import SGD, Adam, RMSProp
from ...transforms import Chain, Features, fold_output_scaling
from .config import DATASETS, IMAGES, SCHEDULE_ARGS, data_call

__all__ = ["build", "page_model", "snippet", "optimizer_call", "OPTIMIZER_CLASSES"]

# each page name's optimizer: its class and its settings besides lr; ``build`` calls it
# and the snippet writes the same call (``optimizer_call``)
OPTIMIZER_CLASSES = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "adam": (Adam, {}),
    "rmsprop": (RMSProp, {}),
}


def optimizer_call(config: dict) -> str:
    """The snippet's line for the optimizer of ``config``: ``gn.SGD(lr=0.1, momentum=0.9)``."""
    cls, settings = OPTIMIZER_CLASSES[config["optimizer"]]
    args = "".join(f", {k}={v!r}" for k, v in settings.items())
    return f"gn.{cls.__name__}(lr={config['lr']!r}{args})"


def plain_features(config: dict) -> bool:
    """The network takes the points as they are: no feature transform."""
    return config["dataset"] in IMAGES or config["features"] == ["x1", "x2"]


def build(config: dict, n_inputs: int, n_outputs: int):
    """``(net, loss, optimizer)`` of ``config`` for data of ``n_inputs`` columns: the
    features (an input transform of the network), then the hidden layers, and
    ``n_outputs`` outputs (the classes, or 1 for regression)."""
    features = None if plain_features(config) else Features(config["features"])
    width = n_inputs if features is None else features.n_out
    net = mlp(
        [width, *config["layers"], n_outputs],
        activation=config["activations"],
        dropout=config["dropout"],
        seed=config["seed"],
    )
    net.input_transform = features
    regression = config["problem"] == "regression"
    loss = MeanSquaredError() if regression else SoftmaxCrossEntropy()
    cls, settings = OPTIMIZER_CLASSES[config["optimizer"]]
    return net, loss, cls(lr=config["lr"], **settings)


def page_model(config: dict, net, scaling, target, classes):
    """The network the page downloads, as the snippet's last lines make it: a copy
    whose input transform takes raw points (``scaling``, then the features), whose
    regression output is in the targets' units (``target`` folded into its last
    layer) and which names an uploaded CSV's ``classes``."""
    model = fold_output_scaling(net, target) if target is not None else net.copy()
    features = net.input_transform
    model.input_transform = scaling if features is None else Chain([scaling, features])
    model.classes_ = classes
    model.metadata["playground"] = dict(config)  # every control of the page, for a look back
    model.metadata["task"] = config["problem"]  # as glassnet train notes it (ONNX reads it)
    return model


_SNIPPET = '''"""Rebuild and retrain the glassnet playground run: {title}."""
import numpy as np

import glassnet as gn
{data_import}from glassnet.schedules import get_schedule
{notes}
EPOCHS = {epochs}
SEED = {seed}

# the page's data: {data_comment}
{data_lines}
scaling = gn.Standardize.from_data(X)  # each column: (x - mean) / scale, zero mean, unit spread
X = scaling(X)
{target_lines}order = np.random.RandomState({data_seed}).permutation(len(X))
train, test = order[:{n_train}], order[{n_train}:]
X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]

net = gn.mlp({sizes}, activation={acts}, dropout={dropout}, seed=SEED)
{features_line}loss = {loss}
optimizer = {optimizer}
schedule = get_schedule({schedule!r}, lr={lr!r}{schedule_args})

for epoch in range(EPOCHS):
    optimizer.lr = schedule(epoch)
    history = gn.fit(
        net, loss, X_train, y_train, optimizer=optimizer, epochs=1, batch_size={batch_size},
        seed=SEED + epoch, l2={l2!r}, l1={l1!r}, validation_data=(X_test, y_test),
    )
{plateau}
test_loss = loss.forward(net.forward(X_test), y_test)
print(f"test loss after {{EPOCHS}} epochs: {{test_loss:.4f}}")
# the model file is the page's download: the network with the input scaling{model_note},
# so that gn.load("playground_model.npz") takes raw points{predicts}
{model_lines}gn.save(model, "playground_model.npz")
'''


def _data_lines(config: dict, filename) -> tuple[str, str, str]:
    """``(import, comment, lines)`` that load the page's data into ``X, y``."""
    if config["dataset"] == "csv":
        name = filename or "data.csv"
        categorical = config["problem"] == "classification"
        what = "the label" if categorical else "the target"
        lines = f"data = load_csv({name!r}, categorical={categorical})\nX, y = data.X, data.y"
        return (
            "from glassnet.data.csvfile import load_csv\n",
            f"the CSV you uploaded (two feature columns, then {what})",
            lines,
        )
    fname, kw = data_call(config)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    noise = "" if config["dataset"] in IMAGES else f", noise {config['noise']}%"
    return (
        "from glassnet.data import datasets\n",
        f"{DATASETS[config['dataset']]}{noise}",
        f"X, y = datasets.{fname}({args})",
    )


def _model_lines(config: dict) -> tuple[str, str, str]:
    """``(note, predicts, lines)``: how the snippet turns ``net`` into the saved model."""
    regression = config["problem"] == "regression"
    lines = (
        "model = gn.fold_output_scaling(net, target)\n" if regression else "model = net.copy()\n"
    )
    if plain_features(config):
        lines += "model.input_transform = scaling\n"
        note = ""
    else:
        lines += "model.input_transform = gn.Chain([scaling, net.input_transform])\n"
        note = " and the features"
    if regression:
        note += ", the target's scaling folded into its last layer"
        predicts = " and model.forward(points) gives raw targets"
    else:
        predicts = " and model.predict_classes(points) their classes"
    if config["dataset"] == "csv" and not regression:
        note += " and the class labels"
        lines += "model.classes_ = data.classes\n"
    lines += f"model.metadata['playground'] = {dict(config)!r}  # the page's settings\n"
    lines += f"model.metadata['task'] = {config['problem']!r}\n"
    return note, predicts, lines


def _notes(edits: int, steps: tuple[int, int] | None) -> str:
    """Comment lines for what the page did that the snippet does not repeat."""
    lines = []
    if edits:
        lines.append(
            f"# The page's weights were edited by hand ({edits} edit(s)): this snippet retrains "
            "the run without the edits,\n# so from the first edit on its numbers differ from "
            "the page's."
        )
    if steps is not None:
        taken, epoch = steps
        lines.append(
            f"# The page is {taken} single step(s) into epoch {epoch + 1}; this snippet stops at "
            f"the end of epoch {epoch}."
        )
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def snippet(
    config: dict,
    epochs: int,
    n_rows: int,
    n_inputs: int,
    n_outputs: int,
    filename=None,
    edits: int = 0,
    steps: tuple[int, int] | None = None,
) -> str:
    """Python source that rebuilds the data, network and optimizer of ``config`` and
    trains ``epochs`` epochs exactly as the page does (the same seeds, shuffles and
    learning rates), then saves the model. ``edits`` (weights edited by hand) and
    ``steps`` (single steps into an epoch: ``(taken, epoch)``) are said in comments."""
    data_import, data_comment, data_lines = _data_lines(config, filename)
    model_note, predicts, model_lines = _model_lines(config)
    regression = config["problem"] == "regression"
    n_train = min(n_rows - 1, max(1, round(n_rows * config["train_share"] / 100)))
    sargs = "".join(f", {k}={v!r}" for k, v in SCHEDULE_ARGS[config["schedule"]].items())
    plateau = (
        '    schedule.update(history["val_loss"][-1])\n' if config["schedule"] == "plateau" else ""
    )
    layers = config["layers"]
    width = None if plain_features(config) else len(config["features"])
    return _SNIPPET.format(
        title=(
            f"{DATASETS[config['dataset']]}, {len(layers)} hidden layer(s) {layers}, "
            f"{config['optimizer']}, {epochs} epochs"
        ),
        data_import=data_import,
        notes=_notes(edits, steps),
        epochs=epochs,
        seed=config["seed"],
        data_comment=data_comment,
        data_lines=data_lines,
        target_lines=(
            "y = y.reshape(-1, 1)  # the target, standardised as the points are\n"
            "target = gn.Standardize.from_data(y)\ny = target(y)\n"
            if regression
            else ""
        ),
        data_seed=config["data_seed"],
        n_train=n_train,
        sizes=[width or n_inputs, *layers, n_outputs],
        acts=config["activations"],
        dropout=config["dropout"],
        features_line=(
            f"net.input_transform = gn.Features({config['features']!r})  # computed from x1, x2\n"
            if width
            else ""
        ),
        loss="gn.MeanSquaredError()" if regression else "gn.SoftmaxCrossEntropy()",
        optimizer=optimizer_call(config),
        schedule=config["schedule"],
        lr=config["lr"],
        schedule_args=sargs,
        batch_size=config["batch_size"] or None,
        l2=config["l2"],
        l1=config["l1"],
        plateau=plateau,
        model_note=model_note,
        predicts=predicts,
        model_lines=model_lines,
    )
