"""Issue 23, section 4 (and its CSV items of sections 5 and 6): a CSV file is read as
written or refused with a line that names the file, the line and the column; never
misread silently."""

import re
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data.csvfile import load_csv

ROWS = np.random.RandomState(0).randn(40, 3)  # 40 rows; the label is x0 > 0, easy to learn


def _write(path, header, labels=None, cols=3):
    """``header`` above the 40 rows of ``ROWS[:, :cols]``, with ``labels[int(x0 > 0)]``."""
    labels = labels or ["0", "1"]
    lines = [header] if header is not None else []
    lines += [",".join(f"{v:.6f}" for v in r[:cols]) + f",{labels[int(r[0] > 0)]}" for r in ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def _train(csv, *extra, epochs="300"):
    return main(["train", "--data", str(csv), "--epochs", epochs, "--quiet", *extra])


# ------------------------------------------------------------------ duplicate names
@pytest.mark.parametrize(
    "header, where",
    [("a,a,c,label", "'a' names columns 1, 2"), ("a,b,label,label", "'label' names columns 3, 4")],
)
def test_two_columns_of_one_name_are_refused(header, where, tmp_path, capsys):
    """predict looked the feature 'a' up by name and fed the first 'a' twice (accuracy
    0.933 -> 0.35); a duplicated target name picked one of the two silently."""
    csv = _write(tmp_path / "d.csv", header, cols=3 if header.count(",") == 3 else 2)
    message = (
        f"{csv}, line 1: the header names two columns alike ({where}); give each column its "
        "own name"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        load_csv(csv, target="label")
    assert _train(csv, "--target", "label") == 2
    assert capsys.readouterr().err == f"glassnet train: error: {message}\n"
    model = gn.save(gn.mlp([3, 3, 2], seed=0), tmp_path / "m.npz")
    assert main(["predict", "--model", str(model), "--data", str(csv)]) == 2
    assert capsys.readouterr().err == f"glassnet predict: error: {message}\n"


# ------------------------------------------------------------------ headers of numbers
def test_a_header_that_numbers_the_columns_is_not_a_row(tmp_path, capsys):
    """A header `1,2,3` above 40 rows was read as a 41st row, of a third class '3'."""
    csv = _write(tmp_path / "d.csv", "1,2,3", cols=2)
    assert _train(csv, epochs="5") == 0
    out, err = capsys.readouterr()
    assert "sum over 40 rows" in out  # the final line counts the rows trained on
    assert err == (
        f"glassnet: warning: {csv}: line 1 (1,2,3) numbers the columns: it is read as their "
        "names, not as data\n"
    )
    with pytest.warns(UserWarning, match="numbers the columns"):
        data = load_csv(csv)
    assert data.classes == ["0", "1"] and data.feature_names == ["1", "2"] and len(data.y) == 40


def test_a_first_row_of_a_class_of_its_own_is_said_to_be_read_as_data(tmp_path):
    csv = _write(tmp_path / "d.csv", "5,7,9", cols=2)
    with pytest.warns(UserWarning, match=r"line 1 \(5,7,9\) is read as data, but its class '9'"):
        data = load_csv(csv)
    assert len(data.y) == 41 and data.classes == ["0", "1", "9"]  # read as written
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when the header is said
        assert len(load_csv(csv, header=True).y) == 40


# ------------------------------------------------------------------ labels and numbers
def test_integer_labels_beyond_2_63_keep_their_values(tmp_path, capsys):
    """As floats, 2**63 and 2**63 + 1 were one class: 'holds one class only'."""
    labels = [str(2**63), str(2**63 + 1)]
    csv = _write(tmp_path / "d.csv", "a,b,c,label", labels)
    data = load_csv(csv)
    assert data.classes == labels
    np.testing.assert_array_equal(data.y, (ROWS[:, 0] > 0).astype(int))
    model = tmp_path / "m.npz"
    assert _train(csv, "--save", str(model)) == 0
    assert gn.load(model).classes_.tolist() == labels
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--data", str(csv)]) == 0
    err = capsys.readouterr().err
    acc = float(re.search(r"accuracy against the file's target column: ([\d.]+)", err).group(1))
    assert acc >= 0.9  # the file's labels compared with the classes' exact names


@pytest.mark.parametrize("column", ["a", "label"])
@pytest.mark.parametrize("big", [10**400, 2**1024 - 1], ids=["10**400", "2**1024-1"])
def test_integers_beyond_a_float_are_one_line_naming_line_and_column(column, big, tmp_path, capsys):
    csv = _write(tmp_path / "d.csv", "a,b,c,label")
    lines = csv.read_text().splitlines()
    fields = lines[4].split(",")
    fields[0 if column == "a" else 3] = str(big)
    lines[4] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    assert _train(csv, epochs="5") == 2
    err = capsys.readouterr().err
    number = str(big)
    where = "column 1 (a)" if column == "a" else "column 4 (label)"
    assert err == (
        f"glassnet train: error: {csv}, line 5, {where}: {number[:20]!r}... ({len(number)} "
        "characters) is not a finite number\n"
    )


# ------------------------------------------------------------------ --target, doctor
@pytest.mark.parametrize("command", ["train", "doctor"])
def test_target_with_a_built_in_data_set_is_refused(command, capsys):
    """`--data moons --target 1` trained on the moons as if --target were not there."""
    assert main([command, "--data", "moons", "--target", "1", "--epochs", "5"]) == 2
    assert capsys.readouterr().err == (
        f"glassnet {command}: error: --target 1 applies to a CSV file; the target of the "
        "built-in data set moons is fixed\n"
    )


def test_doctor_standardises_a_csv_as_train_does(tmp_path, monkeypatch, capsys):
    """--standardize's help says 'default: on for CSV files'; the doctor saw raw scales."""
    import glassnet.train.doctor as doctor

    seen = {}

    def record(net, loss, X, y, **kwargs):
        seen["X"] = X
        return _NoFindings()

    monkeypatch.setattr(doctor, "diagnose", record)
    csv = tmp_path / "d.csv"
    lines = ["a,b,label"] + [f"{1000 * a + 5000:.3f},{b:.6f},{int(a > 0)}" for a, b, _ in ROWS]
    csv.write_text("\n".join(lines) + "\n")
    main(["doctor", "--data", str(csv)])
    np.testing.assert_allclose(seen["X"].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(seen["X"].std(axis=0), 1)
    main(["doctor", "--data", str(csv), "--no-standardize"])
    assert seen["X"][:, 0].mean() > 4000  # the raw scale, when asked for


class _NoFindings:
    problems = ()

    def __str__(self):
        return "no findings"


def test_doctor_reports_a_target_of_one_class(tmp_path, capsys):
    csv = _write(tmp_path / "d.csv", "a,b,c,label", ["x", "x"])
    assert main(["doctor", "--data", str(csv)]) == 2
    out, err = capsys.readouterr()
    assert err == (
        f"glassnet doctor: error: the target 'label' of {csv} holds one class only ('x'); a "
        "classifier needs at least 2\n"
    )
    assert out == ""


def test_resuming_a_checkpoint_that_stored_the_old_target_default(tmp_path, capsys):
    """Checkpoints of built-in data sets stored --target's old default, '-1'."""
    ck = tmp_path / "ck.npz"
    assert main(["train", "--epochs", "4", "--checkpoint", str(ck), "--quiet"]) == 0
    old = gn.load(ck)
    assert old.metadata["cli_args"]["target"] is None
    old.metadata["cli_args"]["target"] = "-1"
    gn.save(old, ck)
    assert main(["train", "--resume", str(ck), "--epochs", "6", "--quiet"]) == 0
    assert gn.load(ck).next_epoch == 6


# ------------------------------------------------------------------ predict's columns
def test_predict_names_the_missing_feature_and_the_columns_present(tmp_path, capsys):
    """A file whose header lacked the model's column 'c' was read by position: its 'x'
    was fed as 'c' without a word."""
    csv, model = _write(tmp_path / "d.csv", "a,b,c,label"), tmp_path / "m.npz"
    assert _train(csv, "--save", str(model), epochs="5") == 0
    other = _write(tmp_path / "o.csv", "a,b,x,label")
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--data", str(other)]) == 2
    assert capsys.readouterr().err == (
        f"glassnet predict: error: {other} has no column 'c' of the model's features (a, b, "
        "c); its columns are a, b, x, label\n"
    )


def test_predict_with_an_estimator_fitted_on_a_dataframe(tmp_path, capsys):
    """feature_names_in_ is an array: `names or []` raised 'The truth value of an array
    ... is ambiguous'."""
    pd = pytest.importorskip("pandas")
    csv = _write(tmp_path / "d.csv", "a,b,c,label")
    df = pd.read_csv(csv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 300 iterations: no matter
        clf = gn.NetClassifier(hidden_layer_sizes=(5,), max_iter=300, random_state=0)
        clf.fit(df[["a", "b", "c"]], df["label"])
    model = gn.save(clf, tmp_path / "est.npz")
    out = tmp_path / "p.csv"
    argv = ["predict", "--model", str(model), "--data", str(csv), "--out", str(out)]
    assert main(argv) == 0
    predicted = [int(line.split(",")[0]) for line in out.read_text().splitlines()[1:]]
    assert predicted == clf.predict(df[["a", "b", "c"]]).tolist()


# ------------------------------------------------------------------ --plot's names
def test_plot_names_the_axes_and_classes_as_the_csv_does(tmp_path, monkeypatch, capsys):
    """The figure said x_1, x_2, 'class 0', 'class 1' and P(class 1) for columns 'a', 'b'
    and labels 'no', 'yes'."""
    csv = _write(tmp_path / "d.csv", "a,b,label", ["no", "yes"], cols=2)
    seen = []
    original = Figure.savefig

    def recording(fig, *args, **kwargs):
        ax = fig.axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        bars = [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]
        seen.append((ax.get_xlabel(), ax.get_ylabel(), legend, bars))
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    assert _train(csv, "--plot", str(tmp_path / "p.png"), epochs="20") == 0
    xlabel, ylabel, legend, bars = seen[0]
    # the network owns its scaling, so the plane is drawn in the CSV's own units
    assert (xlabel, ylabel) == ("a", "b")
    assert legend[:2] == ["class no", "class yes"] and bars == ["P(class yes)"]
