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
