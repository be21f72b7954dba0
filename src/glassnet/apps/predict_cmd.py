"""``glassnet predict``: apply a saved model to the rows of a CSV file."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np

from ._common import UsageError, check_distinct_files, check_output_file

__all__ = ["add_predict_arguments", "run_predict"]


def add_predict_arguments(p) -> None:
    p.add_argument(
        "--model",
        required=True,
        metavar="FILE",
        help="a model file from gn.save or glassnet train --save",
    )
    p.add_argument("--data", required=True, metavar="FILE.csv", help="rows to predict")
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="the CSV's target column, if it has one (it is left out of the "
        "features and used to report accuracy)",
    )
    p.add_argument(
        "--out", metavar="FILE.csv", help="write the predictions here (default: print them)"
    )
    p.set_defaults(func=run_predict)


def _describe(model):
    """(n_features, predict_proba or None, predict, class names or None, feature names).

    A network predicts through its own doors (``forward``, ``predict_proba``,
    ``predict_classes``), which apply its input scaling, and names its classes by its
    ``classes_``: the answers are those of Python on the same file."""
    from ..estimators.net import NetClassifier, NetRegressor
    from ..network import Sequential

    if isinstance(model, (NetClassifier, NetRegressor)):
        names = list(getattr(model, "feature_names_in_", []))  # an array: no `or`
        classes = [str(c) for c in model.classes_] if isinstance(model, NetClassifier) else None
        proba = model.predict_proba if classes is not None else None
        return model.n_features_in_, proba, model.predict, classes, names
    if isinstance(model, Sequential):
        meta = model.metadata or {}
        names = meta.get("feature_names") or []
        if meta.get("task") == "regression":

            def predict(X):
                out = model.forward(X)
                return out[:, 0] if out.shape[1] == 1 else out

            return model.n_inputs, None, predict, None, names
        if model.classes_ is None:  # the classes are the outputs' indices
            classes = [str(c) for c in range(max(model.n_outputs, 2))]
        else:
            classes = [str(c) for c in model.classes_]

        def predict(X):
            return np.asarray(classes)[model.predict_classes(X)]

        return model.n_inputs, model.predict_proba, predict, classes, names
    raise UsageError(f"the model file holds a {type(model).__name__}, which cannot predict")


def load_model(path):
    """The model in ``path``; a checkpoint of ``glassnet train`` gives its network."""
    from ..modelfile import load
    from ..train.checkpoint import Checkpoint

    model = load(path)
    if not isinstance(model, Checkpoint):
        return model
    meta = model.metadata.get("model")
    if not isinstance(meta, dict):
        raise UsageError(
            f"--model {path} is a training checkpoint without the model's description; "
            f"turn it into a model with: glassnet train --resume {path} --save model.npz"
        )
    net = model.build_network()
    net.metadata = meta
    return net


def run_predict(args) -> int:
    from ..data.csvfile import load_features_csv

    if args.out is not None:  # an empty name is refused, not taken as none
        check_output_file(args.out, "--out")
    inputs = [("--model", args.model), ("--data", args.data)]
    check_distinct_files(inputs, [("--out", args.out)])
    model = load_model(args.model)
    n_features, proba, predict, classes, names = _describe(model)
    target = args.target
    if target is None and isinstance(getattr(model, "metadata", None), dict):
        target = model.metadata.get("target")
    X, y_text, header = load_features_csv(
        args.data, n_features, names, target, require_target=args.target is not None
    )
    pred = predict(X)
    _write_predictions(args.out, pred, classes, proba(X) if proba is not None else None)
    what = f"{len(X)} predictions"
    if y_text is not None and classes is not None:
        acc = float(np.mean(np.asarray([str(p) for p in pred]) == np.asarray(y_text)))
        what += f"; accuracy against the file's target column: {acc:.4f}"
    elif y_text is not None:
        what += _r2_against(pred, y_text)
    print(what + (f", written to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def _r2_against(pred, y_text) -> str:
    """``"; R² against the file's target column: 0.9936"`` for a regression model:
    R² = 1 - sum (y - yhat)^2 / sum (y - mean y)^2 over every output."""
    try:
        y = np.asarray(y_text, dtype=float).reshape(np.shape(pred))
    except ValueError:
        return "; the file's target column is not numeric: no R²"
    pred = np.asarray(pred, dtype=float)
    ss_tot = float(np.sum((y - y.mean(axis=0)) ** 2))
    if not ss_tot > 0:
        return "; the file's target column is constant: no R²"
    r2 = 1.0 - float(np.sum((y - pred) ** 2)) / ss_tot
    return f"; R² against the file's target column: {r2:.4f}"


def _write_predictions(out, pred, classes, P) -> None:
    """A CSV with a ``prediction`` column and, for classifiers, ``p_<class>`` columns;
    to ``out`` (atomically: an interrupted write leaves the previous file or none), or to
    the standard output."""
    from .._atomic import atomic_write

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["prediction"] + ([f"p_{c}" for c in classes] if P is not None else []))
    for i in range(len(pred)):
        row = [pred[i] if np.ndim(pred) == 1 else " ".join(map(str, pred[i]))]
        if P is not None:
            row += [f"{v:.6f}" for v in P[i]]
        w.writerow(row)
    if out is None:
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
    else:
        atomic_write(Path(out), lambda fh: fh.write(buf.getvalue().encode("utf-8")))
