"""Checks of user data shared by ``fit``, the estimators and the command line.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
bad value) with a message that names the argument and what is wrong with it.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy

__all__ = [
    "check_X",
    "check_targets",
    "check_finite",
    "check_memory",
    "check_param_memory",
    "issparse",
    "physical_memory",
    "prepare_data",
]


def issparse(X) -> bool:
    """Whether ``X`` is a SciPy sparse matrix or array. SciPy's sparse module is not
    imported for it: while it is not loaded, nothing is sparse."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(X)


def physical_memory() -> int | None:
    """This machine's memory in bytes, or None where the system does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(need: int, what: str, advice: str = "", memory=None, error=ValueError) -> None:
    """Refuse, before anything is allocated, work that needs ``need`` bytes, more than
    ``memory`` (default: the machine's physical memory, 1 TiB where unknown): raises
    ``error`` with ``what`` (which says what needs how much), then ``advice``."""
    if memory is None:
        memory = physical_memory() or 2**40
    if need > memory:
        raise error(f"{what}, more than this machine's {memory / 2**30:,.1f} GiB of memory{advice}")


def check_param_memory(n_params: int, dtype, memory: int | None = None) -> None:
    """Refuse a network whose parameters and gradients (two vectors of ``n_params``
    numbers of ``dtype``) would not fit in memory."""
    need = 2 * n_params * np.dtype(dtype).itemsize
    check_memory(
        need,
        f"the network would have {n_params:,} parameters, {need / 2**30:,.1f} GiB for its "
        f"parameters and gradients ({np.dtype(dtype).name}) before any optimizer state",
        "; use smaller hidden sizes",
        memory,
    )


def check_finite(arr: np.ndarray, name: str = "X") -> None:
    """Raise ``ValueError`` naming the first NaN or inf of ``arr``, and how many there are."""
    # a sum is NaN/inf when any entry is (or when it overflows): one pass and no
    # temporary the size of arr; only then look for the culprit entry by entry. Summed
    # down the rows (axis 0), which adds whole rows at a time, twice as fast on a large
    # row-major X as the pairwise sum of every entry
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is looked into below
        sums = np.sum(arr, axis=0) if arr.ndim else arr
    if not np.isfinite(sums).all() and not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        idx = np.argwhere(bad)[0]
        where = ", ".join(str(int(i)) for i in idx)
        kind = "NaN" if np.isnan(arr[tuple(idx)]) else "inf"
        raise ValueError(
            f"{name} must be finite; it has {int(bad.sum())} non-finite value(s), the first "
            f"({kind}) at [{where}]"
        )


def check_some_weight(w: np.ndarray, name: str = "sample_weight", rows: str = "row") -> None:
    """Refuse weights (>= 0) that are 0 for every row: nothing would be learned, and
    every weighted mean of the rows would be 0/0."""
    if not np.any(w):
        raise ValueError(
            f"{name} is 0 for every {rows}: nothing would be learned; give some rows a weight > 0"
        )


def check_X(X, name: str = "X", dtype=None, n_features: int | None = None) -> np.ndarray:
    """``X`` as a finite 2-D float array of shape (n_samples, n_features).

    ``dtype`` None keeps float32 and float64 as they are and turns anything else into
    float64; otherwise the result has that dtype.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D array of numbers, got a string {X!r:.60}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as a 2-D array of numbers: {exc}") from exc
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must hold numbers, got an array of dtype {arr.dtype} ({exc})"
            ) from exc
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = " (use X.reshape(-1, 1) for a single feature)" if arr.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got {arr.ndim}-D "
            f"with shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no rows (shape {arr.shape}); at least 1 sample is needed")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has no columns (shape {arr.shape}); at least 1 feature is needed")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    arr = np.asarray(arr, dtype=dtype)
    check_finite(arr, name)
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features per row but the network expects {n_features}"
        )
    return arr


def check_targets(
    y, n_samples: int, n_outputs: int, classification: bool, name: str = "y", dtype=np.float64
) -> np.ndarray:
    """Targets checked against the data length and the network's output width.

    For classification: integer labels of shape (n,) in ``[0, n_outputs)``, or one-hot
    rows of shape (n, n_outputs). For regression: floats of shape (n,) when there is
    one output, or (n, n_outputs).
    """
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string {y!r:.60}")
    arr = np.asarray(y)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(
            f"{name} must hold numbers, got dtype {arr.dtype} (estimators accept string "
            f"labels; for fit, map them to 0..k-1 first)"
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got {arr.ndim}-D with shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_samples} rows, "
            f"{name} has {arr.shape[0]}"
        )
    if arr.dtype.kind == "f":
        check_finite(arr, name)
    if not classification:
        if arr.ndim == 1 and n_outputs != 1:
            raise ValueError(
                f"{name} has shape {arr.shape} but the network has {n_outputs} outputs; "
                f"pass {name} of shape ({n_samples}, {n_outputs})"
            )
        if arr.ndim == 2 and arr.shape[1] != n_outputs:
            raise ValueError(
                f"{name} has {arr.shape[1]} columns but the network has {n_outputs} outputs"
            )
        return np.asarray(arr, dtype=dtype)
    return _check_labels(arr, n_outputs, name, dtype)


def _check_labels(arr: np.ndarray, n_outputs: int, name: str, dtype) -> np.ndarray:
    """Class targets: one-hot rows of shape (n, n_outputs), or whole-number labels."""
    if arr.ndim == 2:
        if arr.shape[1] != n_outputs:
            raise ValueError(
                f"one-hot {name} has {arr.shape[1]} columns but the network has {n_outputs} outputs"
            )
        ok = ((arr == 0) | (arr == 1)).all() and (arr.sum(axis=1) == 1).all()
        if not ok:
            bad = int(np.flatnonzero(~(((arr == 0) | (arr == 1)).all(1) & (arr.sum(1) == 1)))[0])
            raise ValueError(
                f"{name} is 2-D, so each row must be one-hot (a single 1, zeros elsewhere); "
                f"row {bad} is {arr[bad].tolist()}"
            )
        return np.asarray(arr, dtype=dtype)
    if arr.dtype.kind == "f":
        if not (arr == np.round(arr)).all():
            bad = float(arr[arr != np.round(arr)][0])
            raise ValueError(
                f"{name} holds class labels, which must be whole numbers 0..{n_outputs - 1}; "
                f"got {bad!r}"
            )
    labels = arr.astype(np.intp)
    lo, hi = int(labels.min()), int(labels.max())
    n_classes = max(n_outputs, 2)  # one output: a binary logit, labels 0 and 1
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{name} has label {bad} but the network has {n_outputs} outputs, so labels "
            f"must lie in 0..{n_classes - 1}"
        )
    return labels


def prepare_data(net, loss, X, y, name_X="X", name_y="y", convert_net=True):
    """Check ``X`` and ``y`` against the network and loss; returns arrays in the net's dtype.

    Float32 data makes a float64 network float32 (float32 end to end, no upcast) unless
    ``convert_net`` is False; any other data is cast to the network's dtype.
    """
    X = check_X(X, name=name_X, n_features=net.n_inputs)
    if convert_net and X.dtype == np.float32 and net.dtype == np.float64:
        net.astype(np.float32)
    X = np.asarray(X, dtype=net.dtype)
    classification = loss.classification
    if isinstance(loss, SoftmaxCrossEntropy) and net.n_outputs < 2:
        raise ValueError(
            "SoftmaxCrossEntropy needs a network with at least 2 outputs, this one has 1; "
            "use BinaryCrossEntropy for a single logit"
        )
    if isinstance(loss, BinaryCrossEntropy) and net.n_outputs != 1:
        raise ValueError(
            f"BinaryCrossEntropy needs a network with 1 output (one logit), this one has "
            f"{net.n_outputs}; use SoftmaxCrossEntropy for {net.n_outputs} class outputs"
        )
    y = check_targets(y, X.shape[0], net.n_outputs, classification, name=name_y, dtype=net.dtype)
    return X, y
