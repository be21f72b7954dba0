"""Reading a labelled data set from a CSV file, with errors that point at the line and column."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
from pathlib import Path

import numpy as np

__all__ = ["load_csv", "CSVData"]


class CSVData:
    """What ``load_csv`` read.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,): integer codes when ``classes`` is set, else floats
    feature_names : list of str
    target_name : str
    classes : list of str or None, the label text of each code (categorical targets)
    """

    def __init__(self, X, y, feature_names, target_name, classes):
        self.X, self.y = X, y
        self.feature_names, self.target_name, self.classes = feature_names, target_name, classes

    def __iter__(self):  # X, y = load_csv(...)
        return iter((self.X, self.y))


def _float(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v


_INTEGER = re.compile(r"[+-]?\d+")


def _number(text: str) -> int | float | None:
    """A label's number, exactly: a whole number written without a point is a Python
    ``int`` (``9223372036854775809`` stays itself, where a float would make it
    ``2**63``); one beyond float64's range is ``inf``, refused as not finite (the float
    of ``2**1024 - 1`` would raise ``OverflowError``); else as ``_float``."""
    text = text.strip()
    if _INTEGER.fullmatch(text) and len(text) < 400:  # longer ones overflow a float
        v = int(text)
        try:
            float(v)  # what the target's floats, its mean and spread need
        except OverflowError:
            return math.inf
        return v
    return _float(text)


def load_csv(path, target=-1, header: bool | None = None, categorical: bool | None = None):
    """Read a CSV file of numeric features and one target column.

    Parameters
    ----------
    path : str or Path
    target : int or str
        The target column: an index (negative counts from the end) or a header name.
    header : bool or None
        None detects a header: a first row with a non-numeric field among otherwise
        numeric data, or a row of numbers that counts three or more columns (``1,2,3``:
        a warning says so). A first row read as data whose class is on no other row (in
        a file of 2 rows or more per class) is warned of.
    categorical : bool or None
        Treat the target as class labels (mapped to codes 0..k-1 in sorted order).
        None: categorical when any target is non-numeric or all are whole numbers.
        Whole-number labels keep their exact values (``2**63 + 1`` is not ``2**63``).

    Raises
    ------
    ValueError
        For a missing file, an empty file, two columns of the same name, a ragged row, a
        missing, non-numeric or non-finite value: the message names the line and column.
    """
    path = Path(path)
    rows = _read_rows(path)
    names, body = _split_header(path, rows, header)
    guessed = header is None and names is None  # no header found: the first row is data
    if not body:
        raise ValueError(f"{path}: no data rows after the header")
    width = len(names) if names else len(body[0][1])
    _check_ragged(path, body, width)
    if names is None:
        names = [f"x{j}" for j in range(width)]
    if width < 2:
        raise ValueError(f"{path}: need at least one feature column and a target column")
    t = _target_column(path, target, names)
    feat_cols = [j for j in range(width) if j != t]
    X = _parse_numbers(path, body, feat_cols, names)
    _check_scale(path, body, X, feat_cols, names)
    y, classes = _parse_target(path, body, t, names, categorical)
    lone = classes is not None and np.sum(y == y[0]) == 1 and len(y) >= 2 * len(classes)
    if guessed and lone:  # a class of one row, among classes of several: a header?
        warnings.warn(
            f"{path}: line {body[0][0]} ({','.join(body[0][1])}) is read as data, but its "
            f"class {classes[y[0]]!r} is on no other line; if it is a header, give the "
            f"columns names that are not numbers",
            stacklevel=2,
        )
    return CSVData(X, y, [names[j] for j in feat_cols], names[t], classes)


def _split_header(path, rows, header):
    """``(names, body)``: the header's column names (None without a header) and the rows
    below it. ``header=None`` detects a header: a first row with a non-numeric field above
    a row with more numbers (or a lone row of text), or a first row that numbers the
    columns (``1,2,3`` or ``0,1,2``), which is said in a warning. Two columns of the same
    name are refused (a lookup by name would find the first twice)."""
    first = rows[0][1]
    if header is None:
        if len(rows) == 1:
            header = all(_float(c) is None for c in first)
        else:
            n_numbers = [sum(_float(c) is not None for c in r) for r in (first, rows[1][1])]
            header = any(_float(c) is None for c in first) and n_numbers[1] > n_numbers[0]
            if not header and len(rows) > 2 and _numbers_the_columns(first):
                header = True
                warnings.warn(
                    f"{path}: line {rows[0][0]} ({','.join(first)}) numbers the columns: it "
                    f"is read as their names, not as data",
                    stacklevel=3,
                )
    if not header:
        return None, rows
    names = [c.strip() for c in first]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        where = "; ".join(
            f"{n!r} names columns {', '.join(str(j + 1) for j, m in enumerate(names) if m == n)}"
            for n in twice
        )
        raise ValueError(
            f"{path}, line {rows[0][0]}: the header names two columns alike ({where}); "
            f"give each column its own name"
        )
    return names, rows[1:]


def _numbers_the_columns(fields) -> bool:
    """``1,2,3`` or ``0,1,2``: integers counting three or more columns from 0 or 1."""
    fields = [f.strip() for f in fields]
    if len(fields) < 3 or not all(_INTEGER.fullmatch(f) and len(f) < 10 for f in fields):
        return False
    values = [int(f) for f in fields]
    return values[0] in (0, 1) and values == list(range(values[0], values[0] + len(values)))


def _target_column(path, target, names) -> int:
    """The index of the target column: a header name, or an index (negative from the end)."""
    width = len(names)
    if isinstance(target, str) and not target.lstrip("-").isdigit():
        if target not in names:
            raise ValueError(
                f"target={target!r} is not a column of {path}; columns: {', '.join(names)}"
            )
        return names.index(target)
    t = int(target)
    if not -width <= t < width:
        raise ValueError(f"target={target!r} is out of range for {path}, which has {width} columns")
    return t % width


def _parse_target(path, body, t, names, categorical):
    """``(y, classes)``: class codes and their labels, or floats and None."""
    raw = [r[t].strip() for _, r in body]
    for (line, _), text in zip(body, raw):
        if text == "":
            raise ValueError(
                f"{path}, line {line}, column {t + 1} ({names[t]}): missing target value"
            )
    values = [_number(s) for s in raw]
    if categorical is None:
        categorical = any(v is None for v in values) or all(_whole(v) for v in values)
    if categorical:
        numeric = all(v is not None for v in values)
        keys = [_label_key(v) for v in values] if numeric else raw
        ordered = sorted(set(keys))
        lookup = {v: i for i, v in enumerate(ordered)}
        y = np.array([lookup[v] for v in keys], dtype=np.intp)
        return y, [_fmt(v) for v in ordered] if numeric else ordered
    for (line, _), text, v in zip(body, raw, values):
        if v is None or not math.isfinite(v):
            raise ValueError(
                f"{path}, line {line}, column {t + 1} ({names[t]}): {_shown(text)} is not a "
                f"finite number"
            )
    y = np.array(values, dtype=np.float64)
    _check_scale(path, body, y[:, None], [t], names)
    return y, None


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV file as ``(line number, fields)``, where the line
    number is the physical line the row starts on (a quoted field may span lines)."""
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist or is not a file")
    text = _decode(path, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for r in reader:
            if any(c.strip() for c in r):
                rows.append((line, r))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValueError(f"{path}, line {line}: not a readable CSV row ({exc})") from None
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    return rows


def _decode(path: Path, raw: bytes) -> str:
    """The file's text (UTF-8, with or without a byte-order mark); an invalid byte is
    reported by its line and column."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ValueError(
            f"{path}, line {line}, column {column}: byte 0x{raw[exc.start]:02x} is not UTF-8 "
            f"text; save the file as UTF-8"
        ) from None


def _check_scale(path, body, X, cols, names) -> None:
    """Refuse columns of finite numbers so large (near 1e308) that their mean or spread
    overflows: standardising them would turn them into NaN or zeros."""
    with np.errstate(over="ignore", invalid="ignore"):
        ok = np.isfinite(X.mean(axis=0)) & np.isfinite(X.std(axis=0))
    if ok.all():
        return
    k = int(np.flatnonzero(~ok)[0])
    i = int(np.abs(X[:, k]).argmax())
    j = cols[k]
    raise ValueError(
        f"{path}, line {body[i][0]}, column {j + 1} ({names[j]}): {body[i][1][j].strip()} is "
        f"too large: the column's mean or spread overflows a float64; rescale the column"
    )


def _parse_numbers(path, body, cols, names) -> np.ndarray:
    """The columns ``cols`` of the rows ``body`` as floats; a missing value or a bad number
    raises ``ValueError`` naming the line and column."""
    X = np.empty((len(body), len(cols)))
    for i, (line, r) in enumerate(body):
        for k, j in enumerate(cols):
            text = r[j].strip()
            v = _float(text) if text else None
            if v is None or not math.isfinite(v):
                what = "missing value" if not text else f"{_shown(text)} is not a finite number"
                raise ValueError(f"{path}, line {line}, column {j + 1} ({names[j]}): {what}")
            X[i, k] = v
    return X


def _shown(text: str) -> str:
    """A field as a message quotes it: whole, or its start and length when long."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"


def _check_ragged(path, body, width) -> None:
    for line, r in body:
        if len(r) != width:
            col = min(len(r), width) + 1
            what = (
                f"the row ends before column {col}" if len(r) < width else f"column {col} is extra"
            )
            raise ValueError(
                f"{path}, line {line}, column {col}: expected {width} fields, found {len(r)} "
                f"({what})"
            )


def _whole(v) -> bool:
    """A whole number (an ``int``, or a finite float without a fraction)."""
    return isinstance(v, int) or (math.isfinite(v) and float(v).is_integer())


def _label_key(v):
    """The class a numeric label stands for: whole numbers as exact ``int`` (``1.0`` and
    ``1`` are one class), others as floats."""
    return int(v) if _whole(v) else v


def _fmt(v) -> str:
    """A numeric class's name: ``"1"`` for 1 and 1.0, ``repr`` of other floats."""
    return str(_label_key(v)) if _whole(v) else repr(v)


def load_features_csv(path, n_features: int, feature_names=None, target=None, require_target=False):
    """Read the feature columns of a CSV file for prediction.

    A header is detected as in ``load_csv``. The features are the columns named in
    ``feature_names``: a header without one of them is an error naming the columns it
    has, unless the names only number the columns (``x1, x2``); without names to go by,
    the features are every column except ``target`` (a name or index, if given and
    present; with ``require_target`` a target that is not a column of the file is an
    error). Returns ``(X, y_text, header)``:
    ``y_text`` holds the target column's labels as training names the classes (numbers
    as ``"1"`` for ``1.0`` when every value is a number, else the text), or None when the
    file has none.
    """
    path = Path(path)
    rows = _read_rows(path)
    names, body = _split_header(path, rows, None)
    if not body:
        raise ValueError(f"{path}: no data rows")
    width = len(names) if names else len(body[0][1])
    _check_ragged(path, body, width)
    t = None
    if target is not None:
        if names and isinstance(target, str) and target in names:
            t = names.index(target)
        elif isinstance(target, int) or (isinstance(target, str) and target.lstrip("-").isdigit()):
            k = int(target)
            t = k % width if width > n_features and -width <= k < width else None
        if t is None and require_target:
            raise ValueError(
                f"--target {target!r} is not a column of {path}: "
                + (f"its columns are {', '.join(names)}" if names else f"it has {width} columns")
            )
    columns = f"; its columns are {', '.join(names)}" if names else ""
    missing = [f for f in feature_names or [] if f not in (names or [])]
    if names and feature_names and missing and not _numbered(feature_names):
        raise ValueError(
            f"{path} has no column {', '.join(map(repr, missing))} of the model's features "
            f"({', '.join(feature_names)}){columns}"
        )
    if names and feature_names and not missing:
        cols = [names.index(f) for f in feature_names]
        if t is None and width > len(cols):
            rest = [j for j in range(width) if j not in cols]
            t = rest[0] if len(rest) == 1 else None
    else:  # no names to go by (none in the file, or x1, x2, ...): the columns in order
        cols = [j for j in range(width) if j != t]
    if len(cols) != n_features:
        raise ValueError(
            f"{path} has {len(cols)} feature column(s) but the model expects {n_features}"
            + columns
            + ("" if t is not None else "; name the target column with --target")
        )
    X = _parse_numbers(path, body, cols, names or [f"x{j}" for j in range(width)])
    y_text = None if t is None else _target_text([r[t].strip() for _, r in body])
    return X, y_text, (names or [f"x{j}" for j in range(width)])


def _numbered(names) -> bool:
    """Names that only number the columns (``x0, x1`` of a file without a header, ``x1,
    x2`` of a built-in data set): a file's columns then stand for them in order."""
    return all(re.fullmatch(r"x\d+", str(n)) for n in names)


def _target_text(raw: list[str]) -> list[str]:
    """Target labels named as ``_parse_target`` names the classes it trains on: numbers as
    ``_fmt`` writes them ("1.0" -> "1") when every value is a number, else the text."""
    values = [_number(s) for s in raw]
    if all(v is not None and math.isfinite(v) for v in values):
        return [_fmt(v) for v in values]
    return raw
