"""Data sets: shapes, classes, reproducibility, CSV reading with located errors."""

import numpy as np
import pytest

from glassnet.data import datasets
from glassnet.data.csvfile import load_csv


@pytest.mark.parametrize(
    "name, n_classes",
    [("moons", 2), ("circles", 2), ("blobs", 3), ("spirals", 3), ("xor", 2), ("iris", 3)],
)
def test_generators(name, n_classes):
    X, y = datasets.load(name)
    assert X.ndim == 2 and X.shape[0] == y.shape[0]
    assert sorted(np.unique(y)) == list(range(n_classes))
    X2, y2 = datasets.load(name)
    np.testing.assert_array_equal(X, X2)  # reproducible


def test_spirals_balanced_and_xor_labels():
    X, y = datasets.spirals(301, n_classes=3)
    assert np.bincount(y).tolist() == [101, 100, 100]
    X, y = datasets.xor(100, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="did you mean 'spirals'"):
        datasets.load("spiral s")


def test_csv_with_header_and_string_labels(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n")
    data = load_csv(p, target="label")
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6]])
    assert data.y.tolist() == [0, 1, 0] and data.classes == ["cat", "dog"]
    assert data.feature_names == ["a", "b"]


def test_csv_without_header_target_by_index(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("0,1.5,2\n1,2.5,3\n")
    X, y = load_csv(p, target=0)
    np.testing.assert_array_equal(X, [[1.5, 2], [2.5, 3]])
    assert y.tolist() == [0, 1]


@pytest.mark.parametrize(
    "text, match",
    [
        ("a,b,c\n1,2,0\n3,,1\n", r"line 3, column 2 \(b\): missing value"),
        ("a,b,c\n1,2,0\n3,x4,1\n", r"line 3, column 2 \(b\): 'x4' is not a finite number"),
        ("a,b,c\n1,2,0\n3,4\n", r"line 3, column 3: expected 3 fields, found 2"),
        ("", "empty"),
    ],
)
def test_csv_errors_name_line_and_column(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_csv(p)


def test_csv_missing_file_and_column(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_csv(tmp_path / "nope.csv")
    p = tmp_path / "d.csv"
    p.write_text("a,b\n1,0\n")
    with pytest.raises(ValueError, match="target='y' is not a column"):
        load_csv(p, target="y")


def test_csv_line_numbers_count_physical_lines_after_a_multiline_field(tmp_path):
    p = tmp_path / "quoted.csv"
    # the header's quoted name spans lines 1-3; the bad value is on physical line 5
    p.write_text('a,"b\nsecond\nthird",label\n1,2,0\n3,x,1\n')
    with pytest.raises(ValueError, match=r"line 5, column 2 \(b\nsecond\nthird\): 'x' is not"):
        load_csv(p)


def test_csv_invalid_utf8_is_reported_by_line_and_column(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("a,b,label\n1,2,0\n3,4,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ValueError) as exc:
        load_csv(p)
    msg = str(exc.value)
    assert "line 3, column 8: byte 0xe9 is not UTF-8 text" in msg and "position" not in msg


def test_csv_of_huge_finite_values_names_line_and_column(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text("a,b,label\n1,1e308,0\n2,1.5e308,1\n3,1e308,0\n")
    # the values are finite, but their mean overflows: standardising would give NaN
    with pytest.raises(ValueError, match=r"line 3, column 2 \(b\): 1.5e308 is too large"):
        load_csv(p)
    p.write_text("a,y\n1,1e200\n2,-1e200\n3,0.5\n")  # a regression target whose spread overflows
    with pytest.raises(ValueError, match=r"line 2, column 2 \(y\): 1e200 is too large"):
        load_csv(p)
