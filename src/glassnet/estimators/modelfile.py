"""Model files for the estimators: parameters and fitted attributes as JSON, arrays as
arrays, the network as its packed parameters. Registered with
``glassnet.modelfile.register_kind``."""

from __future__ import annotations

import numbers

import numpy as np

from ..modelfile import ModelFileError, network_from_arrays, register_kind, storable
from .net import NetClassifier, NetRegressor

_SCALARS = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
    "best_validation_score_",
)
_CURVES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
_OUT_ACTIVATIONS = ("softmax", "logistic", "identity", "exp")


def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _check_fitted(fitted: dict) -> None:
    """Each stored fitted attribute is of its kind, so that an edited file is refused on
    loading rather than failing later in ``predict`` or a warm start."""
    for k, v in fitted.items():
        v = _from_json(v)
        if k in ("n_iter_", "t_", "n_layers_", "n_outputs_", "n_features_in_"):
            ok, kind = _is_count(v), "an integer >= 0"
        elif k == "loss_":
            ok, kind = _is_number(v), "a number"
        elif k in ("best_loss_", "best_validation_score_"):
            ok, kind = v is None or _is_number(v), "a number or null"
        elif k == "out_activation_":
            ok, kind = v in _OUT_ACTIVATIONS, f"one of {', '.join(_OUT_ACTIVATIONS)}"
        elif k in _CURVES:
            ok = v is None or (isinstance(v, list) and all(_is_number(x) for x in v))
            kind = "a list of numbers or null"
        else:
            raise ModelFileError(f"unknown fitted attribute {k!r}")
        if not ok:
            raise ModelFileError(f"the fitted attribute {k} must be {kind}, got {v!r:.80}")


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {"__pairs__": [[_jsonable(k), _jsonable(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, numbers.Number, str)):
        if isinstance(value, float) and not np.isfinite(value):
            return {"__float__": repr(value)}
        return value
    return {"__unsaved__": type(value).__name__}


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if "__pairs__" in value:
            return {_from_json(k): _from_json(v) for k, v in value["__pairs__"]}
        if "__float__" in value:
            return float(value["__float__"])
        return None  # a parameter that could not be stored (a callback, a RandomState)
    return value


def _labels_array(values) -> tuple[np.ndarray, str]:
    """``classes_`` as an array a model file holds, and the kind that turns it back:
    ``"plain"``, ``"object-str"``, or a datetime64/timedelta64 dtype (stored as int64)."""
    arr = np.asarray(values)
    if arr.dtype == object:
        if all(isinstance(v, str) for v in arr):
            return arr.astype(str), "object-str"
        raise TypeError("classes_ of mixed Python objects cannot be saved; use strings or numbers")
    if arr.dtype.kind in "mM":  # dates and durations: their int64 counts, exactly
        return arr.view(np.int64), str(arr.dtype)
    if not storable(arr.dtype):
        raise TypeError(
            f"classes_ of dtype {arr.dtype} cannot be saved in a model file; use strings or "
            f"numbers as labels"
        )
    return arr, "plain"


def _labels_from_file(arr: np.ndarray, kind) -> np.ndarray:
    """The inverse of ``_labels_array``."""
    if kind == "object-str":
        return arr.astype(object)
    if kind in (None, "plain"):
        return arr
    try:
        dtype = np.dtype(kind) if isinstance(kind, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "mM" or arr.dtype != np.int64:
        raise ModelFileError(f"unknown kind of classes_ {kind!r:.80} for an array of {arr.dtype}")
    return arr.view(dtype)


def _to_file(est):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est, "net_")
    params = {k: _jsonable(v) for k, v in est.get_params(deep=False).items()}
    # attributes scikit-learn leaves unset (loss_curve_ and the like for L-BFGS) stay unset
    fitted = {k: _jsonable(getattr(est, k)) for k in _SCALARS if hasattr(est, k)}
    arrays = {"theta": est.net_.theta}
    for k in _CURVES:
        v = getattr(est, k, "unset")
        if v != "unset":
            fitted[k] = None if v is None else _jsonable(list(v))
    extra = {}
    if hasattr(est, "classes_"):
        arrays["classes_"], extra["classes_kind"] = _labels_array(est.classes_)
        extra["y_type"] = est._label_binarizer.y_type_
    if hasattr(est, "feature_names_in_"):
        arrays["feature_names_in_"] = np.asarray(est.feature_names_in_, dtype=str)
    return {"params": params, "fitted": fitted, "network": est.net_.get_config(), **extra}, arrays


def _classes_from_file(est, meta, arrays):
    """``classes_`` and the label binarizer that maps outputs to them."""
    from sklearn.preprocessing import LabelBinarizer

    if "classes_" not in arrays:
        raise ModelFileError("classes_ is missing")
    classes = arrays["classes_"]
    if classes.ndim != 1:
        raise ModelFileError("classes_ must be 1-D")
    classes = _labels_from_file(classes, meta.get("classes_kind"))
    y_type = meta.get("y_type", "binary" if len(classes) <= 2 else "multiclass")
    if y_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ModelFileError(f"unknown target type {y_type!r}")
    binary = y_type == "binary" and est.n_outputs_ in (1, 2) and len(classes) <= 2
    if not binary and len(classes) != est.n_outputs_:
        raise ModelFileError(
            f"classes_ has {len(classes)} labels but the network has {est.n_outputs_} outputs"
        )
    multilabel = y_type == "multilabel-indicator"
    est._label_binarizer = LabelBinarizer().fit(
        np.eye(len(classes), dtype=int) if multilabel else classes
    )
    if not multilabel:
        # the stored order, the outputs' order: fitting sorts them again, and labels that
        # do not sort (NaT) could come back in another order
        est._label_binarizer.classes_ = classes
    est.classes_ = classes


def _check_outputs(est) -> None:
    """The output layer (``n_outputs_``, ``out_activation_``) is the one the parameters
    (``binary_output``, ``loss``) and the classes give, as ``fit`` would build it, so
    that ``predict`` and a warm start read the outputs as they were trained."""
    if hasattr(est, "classes_"):
        binary = est._label_binarizer.y_type_ == "binary"
        width = 1 if binary else len(est.classes_)  # the binarized targets' columns
    else:
        width = est.n_outputs_
    try:
        wanted = est._output_layer(np.zeros((0, width)))
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None
    fitted = (est.n_outputs_, est.out_activation_)
    if wanted != fitted:
        raise ModelFileError(
            f"n_outputs_={fitted[0]} and out_activation_={fitted[1]!r} disagree with the "
            f"parameters and classes, which give {wanted[0]} {wanted[1]} output(s)"
        )


def _from_file_for(cls):
    def from_file(meta, arrays):
        if not isinstance(meta.get("params"), dict) or not isinstance(meta.get("fitted"), dict):
            raise ModelFileError("the estimator description lacks 'params' or 'fitted'")
        params = {k: _from_json(v) for k, v in meta["params"].items()}
        unknown = set(params) - set(cls().get_params())
        if unknown:
            raise ModelFileError(f"unknown {cls.__name__} parameters {sorted(unknown)}")
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = cls(**params)
        if "theta" not in arrays:
            raise ModelFileError("the parameter vector 'theta' is missing")
        est.net_ = network_from_arrays(meta.get("network"), arrays["theta"])
        fitted = meta["fitted"]
        _check_fitted(fitted)
        for k in _SCALARS + _CURVES:
            if k in fitted:
                setattr(est, k, _from_json(fitted[k]))
        if est.n_features_in_ != est.net_.n_inputs or est.n_outputs_ != est.net_.n_outputs:
            raise ModelFileError("n_features_in_/n_outputs_ disagree with the network")
        if "feature_names_in_" in arrays:
            est.feature_names_in_ = arrays["feature_names_in_"].astype(object)
        if cls is NetClassifier:
            _classes_from_file(est, meta, arrays)
        _check_outputs(est)
        return est

    return from_file


register_kind("NetClassifier", NetClassifier, _to_file, _from_file_for(NetClassifier))
register_kind("NetRegressor", NetRegressor, _to_file, _from_file_for(NetRegressor))
