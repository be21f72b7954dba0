"""Issue 23, section 3: no output of a command destroys an input or another output, however
the paths are spelled, and every output is written atomically with any legal name."""

import csv
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet.apps.cli import main


@pytest.fixture
def data_csv(tmp_path):
    """40 rows of 3 features and a 0/1 label (x0 > 0), with a header."""
    X = np.random.RandomState(0).randn(40, 3)
    path = tmp_path / "d.csv"
    lines = ["a,b,c,label"] + [f"{a:.6f},{b:.6f},{c:.6f},{int(a > 0)}" for a, b, c in X]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def no_training(monkeypatch):
    import glassnet.apps._train_run as train_run

    def never(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(train_run, "fit", never)


def _spell(kind, path):
    """Another name for the file ``path``: ``./`` in front, a symlink, a hard link."""
    if kind == "dot":
        return os.path.join(os.path.dirname(path), ".", os.path.basename(path))
    if kind == "dotdot":
        sub = path.parent / "sub"
        sub.mkdir(exist_ok=True)
        return str(sub / ".." / path.name)
    other = path.parent / f"{kind}-{path.name}"
    (os.symlink if kind == "symlink" else os.link)(path, other)
    return str(other)


@pytest.mark.parametrize("kind", ["dot", "dotdot", "symlink", "hardlink"])
@pytest.mark.parametrize("option", ["--save", "--checkpoint", "--plot", "--monitor"])
def test_train_refuses_an_output_that_is_the_data(
    option, kind, data_csv, no_training, capsys, monkeypatch
):
    """`--save d.csv` replaced the training CSV with a model."""
    monkeypatch.chdir(data_csv.parent)
    before = data_csv.read_bytes()
    if option in ("--plot", "--monitor"):  # figures need a picture's suffix
        data_csv = data_csv.rename(data_csv.with_suffix(".png"))
        before = data_csv.read_bytes()
    out = _spell(kind, data_csv)
    argv = ["train", "--data", str(data_csv), option, out, "--epochs", "5"]
    if option in ("--plot", "--monitor"):
        argv[2] = "d.png"  # read as a CSV file, since it is a file
    assert main(argv) == 2
    stdout, err = capsys.readouterr()
    assert err == (
        f"glassnet train: error: {option} {out} is the same file as --data {argv[2]}; writing "
        f"it would destroy the --data file: give {option} another file name\n"
    )
    assert stdout == "" and data_csv.read_bytes() == before


@pytest.mark.parametrize(
    "first, second, name",
    [
        ("--save", "--checkpoint", "m.npz"),
        ("--plot", "--monitor", "f.png"),
        ("--plot", "--animate", "f.gif"),
        ("--animate", "--monitor", "f.gif"),
    ],
)
def test_train_refuses_two_outputs_in_one_file(
    first, second, name, tmp_path, no_training, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    argv = ["train", first, name, second, f"./{name}", "--epochs", "5"]
    assert main(argv) == 2
    stdout, err = capsys.readouterr()
    assert err == (
        f"glassnet train: error: {second} ./{name} is the same file as {first} {name}; one "
        f"would overwrite the other: give {second} another file name\n"
    )
    assert stdout == "" and not (tmp_path / name).exists()


def test_resume_refuses_to_save_over_its_checkpoint_but_goes_on_writing_it(tmp_path, capsys):
    """The final model would have replaced the checkpoint being resumed; writing the
    resumed checkpoint again as the checkpoint stays allowed (it is the default)."""
    ck = tmp_path / "ck.npz"
    argv = ["train", "--epochs", "4", "--checkpoint", str(ck), "--checkpoint-every", "2"]
    assert main([*argv, "--quiet"]) == 0
    before = ck.read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(ck), "--epochs", "6", "--save", str(ck)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"glassnet train: error: --save {ck} is the same file as --resume {ck}; writing it "
        "would destroy the --resume file: give --save another file name\n"
    )
    assert ck.read_bytes() == before
    model = tmp_path / "m.npz"
    assert main(["train", "--resume", str(ck), "--epochs", "6", "--save", str(model)]) == 0
    assert gn.load(ck).next_epoch == 6 and gn.load(model).n_params == 17


@pytest.fixture
def model_npz(tmp_path, data_csv, capsys):
    path = tmp_path / "m.npz"
    argv = ["train", "--data", str(data_csv), "--epochs", "20", "--quiet", "--save", str(path)]
    assert main(argv) == 0
    capsys.readouterr()
    return path


@pytest.mark.parametrize("victim", ["--model", "--data"])
def test_predict_out_is_neither_the_model_nor_the_data(
    victim, model_npz, data_csv, capsys, monkeypatch
):
    monkeypatch.chdir(data_csv.parent)
    files = {"--model": model_npz, "--data": data_csv}
    before = files[victim].read_bytes()
    out = _spell("symlink", files[victim])
    argv = ["predict", "--model", str(model_npz), "--data", str(data_csv), "--out", out]
    assert main(argv) == 2
    stdout, err = capsys.readouterr()
    assert err == (
        f"glassnet predict: error: --out {out} is the same file as {victim} {files[victim]}; "
        f"writing it would destroy the {victim} file: give --out another file name\n"
    )
    assert stdout == "" and files[victim].read_bytes() == before


def test_predict_out_is_written_atomically(model_npz, data_csv, tmp_path, monkeypatch, capsys):
    """An interruption while the rows are written leaves the previous file whole (it was
    truncated and left with the rows written so far)."""
    out = tmp_path / "p.csv"
    out.write_text("previous predictions\n")
    rows = []

    class Interrupted:
        def __init__(self, fh, **kwargs):
            self.fh = fh

        def writerow(self, row):
            rows.append(row)
            if len(rows) == 10:
                raise KeyboardInterrupt
            self.fh.write(",".join(map(str, row)) + "\n")

    monkeypatch.setattr(csv, "writer", Interrupted)
    argv = ["predict", "--model", str(model_npz), "--data", str(data_csv), "--out", str(out)]
    assert main(argv) == 130  # as Ctrl-C ends a command
    assert out.read_text() == "previous predictions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.npz", "p.csv"]
    monkeypatch.undo()
    assert main(argv) == 0
    assert out.read_text().count("\n") == 41  # the header and a line per row


def test_a_250_byte_file_name_is_written(tmp_path, capsys):
    """The temporary file of an atomic write was named after the target and passed the
    255 bytes a name may have: the save failed after training."""
    name = "é" * 123 + ".npz"  # 123 * 2 + 4 = 250 bytes in UTF-8
    assert len(os.fsencode(name)) == 250
    net = gn.mlp([2, 3, 2], seed=0)
    back = gn.load(gn.save(net, tmp_path / name))
    np.testing.assert_array_equal(back.theta, net.theta)
    path = tmp_path / ("m" * 246 + ".npz")
    assert main(["train", "--epochs", "3", "--quiet", "--save", str(path)]) == 0
    assert gn.load(path).n_params == 17
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, path.name])


def test_a_file_name_too_long_for_its_folder_is_refused_before_training(
    tmp_path, no_training, capsys
):
    path = tmp_path / ("m" * 252 + ".npz")  # 256 bytes: one more than the usual limit
    if os.pathconf(tmp_path, "PC_NAME_MAX") > 255:
        pytest.skip("this file system allows longer names")
    assert main(["train", "--epochs", "3", "--save", str(path)]) == 2
    stdout, err = capsys.readouterr()
    assert err == (
        f"glassnet train: error: --save {path}: the file name is 256 bytes long; its folder "
        "allows 255\n"
    )
    assert stdout == ""


@pytest.mark.parametrize(
    "metadata, match",
    [
        ({"started": np.datetime64("2024-01-01")}, "JSON values only"),
        ({"rows": np.arange(3)}, "JSON values only"),
        ([("a", 1)], "must be a dict or None"),
    ],
)
def test_checkpoint_metadata_that_cannot_be_saved_is_refused_before_the_first_epoch(
    metadata, match, tmp_path
):
    """It was found out at the first checkpoint (epoch 40 here): the epochs before were lost."""
    X, y = np.random.RandomState(0).randn(30, 2), np.arange(30) % 2
    epochs = []
    seen = gn.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append(epoch))
    ck = tmp_path / "ck.npz"
    with pytest.raises(TypeError, match=match):
        gn.fit(
            gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), X, y, epochs=50,
            checkpoint=ck, checkpoint_every=40, checkpoint_metadata=metadata, callbacks=[seen],
        )  # fmt: skip
    assert epochs == [] and not ck.exists()


def _two_class_data():
    return np.random.RandomState(0).randn(30, 2), np.arange(30) % 2


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["2024-01-01", "2024-06-01"], dtype="datetime64[D]"),
        np.array(["NaT", "2024-01-01T00:00:00.000000001"], dtype="datetime64[ns]"),
        np.array([1, 2], dtype="timedelta64[s]"),
    ],
    ids=str,
)
def test_classifier_with_date_labels_round_trips_exactly(labels, tmp_path):
    """gn.save wrote datetime64 classes_, which gn.load then refused: saved, unloadable."""
    X, codes = _two_class_data()
    with pytest.warns(Warning):  # 5 iterations do not converge
        clf = gn.NetClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, labels[codes])
    back = gn.load(gn.save(clf, tmp_path / "c.npz"))
    assert back.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(back.classes_.view(np.int64), clf.classes_.view(np.int64))
    np.testing.assert_array_equal(back.predict(X).view(np.int64), clf.predict(X).view(np.int64))


def test_classes_a_model_file_cannot_hold_are_refused_at_save_time(tmp_path):
    X, y = _two_class_data()
    with pytest.warns(Warning):
        clf = gn.NetClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, y)
    clf.classes_ = np.array([b"a", b"b"])  # bytes: a kind gn.load refuses
    with pytest.raises(TypeError, match=r"classes_ of dtype \|S1 cannot be saved"):
        gn.save(clf, tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("hard_links", [True, False])
def test_an_atomic_write_that_must_not_replace_never_does(tmp_path, monkeypatch, hard_links):
    """``atomic_write(..., replace=False)`` (``glassnet learn start``'s files): a new file
    is written whole; an existing one is left as it is, and no temporary stays behind, with
    hard links or on a file system without them."""
    from pathlib import Path

    from glassnet._atomic import atomic_write

    if not hard_links:

        def no_link(src, dst):
            raise PermissionError("no hard links here")

        monkeypatch.setattr(os, "link", no_link)
    path = Path(tmp_path / "mine.py")
    atomic_write(path, lambda fh: fh.write(b"first\n"), replace=False)
    assert path.read_text() == "first\n"
    with pytest.raises(FileExistsError):
        atomic_write(path, lambda fh: fh.write(b"second\n"), replace=False)
    assert path.read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.py"]
