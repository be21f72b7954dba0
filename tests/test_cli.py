"""End-to-end tests of the command line, run in-process (and once as a real process)."""

import contextlib
import io
import re
import subprocess
import sys

import pytest
from matplotlib.figure import Figure

from glassnet.apps.cli import main

from .conftest import png_is_not_blank
from .test_tutorial import CYCLE, POST_LOSS_0, POST_LOSS_1000


@pytest.fixture(scope="module")
def tutorial_run(tmp_path_factory):
    """Run `glassnet tutorial` once, recording every figure as it is saved."""
    out = tmp_path_factory.mktemp("tutorial")
    seen = []
    original = Figure.savefig

    def recording_savefig(fig, path, *args, **kwargs):
        seen.append(
            (
                str(path),
                [
                    (ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_legend() is not None)
                    for ax in fig.axes
                    if ax.axison
                ],
            )
        )
        return original(fig, path, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", recording_savefig)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            code = main(["tutorial", "--out", str(out)])
    finally:
        mp.undo()
    return code, out, buf.getvalue().splitlines(), seen


def test_tutorial_prints_the_posts_losses(tutorial_run):
    code, _, lines, _ = tutorial_run
    assert code == 0
    assert f"Loss after iteration 0: {POST_LOSS_0}" in lines
    assert f"Loss after iteration 1000: {POST_LOSS_1000}" in lines
    last = [ln for ln in lines if ln.startswith("Loss after iteration 19000:")]
    assert len(last) == 1 and float(last[0].split(": ")[1]) in CYCLE


def test_tutorial_table_of_hidden_sizes(tutorial_run):
    _, _, lines, _ = tutorial_run
    rows = {}
    for ln in lines:
        m = re.fullmatch(r"\s*(\d+) \|\s+([\d.]+) \|\s+([\d.]+)", ln)
        if m:
            rows[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
    assert sorted(rows) == [1, 2, 3, 4, 5, 20, 50]
    assert rows[3][0] == 0.975 and rows[3][1] in CYCLE  # the 3-unit net of the post
    assert rows[1][0] < 0.9 and all(rows[h][0] >= 0.97 for h in (4, 5, 20, 50))
    # fit noticed the two-value cycles and the tutorial explains them once
    assert any(
        ln.startswith("Note: for hidden sizes 1, 3, 4 the loss ended alternating") for ln in lines
    )


def test_tutorial_figures(tutorial_run):
    _, out, lines, seen = tutorial_run
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == [
        "01_moons.png",
        "02_logistic_regression.png",
        "03_hidden_3.png",
        "04_hidden_sizes.png",
    ]
    for path in out.glob("*.png"):
        png_is_not_blank(path)
    for path, axes in seen:
        assert axes, path
        for title, xlabel, ylabel, legend in axes:
            assert title and xlabel and ylabel and legend, (path, title)
    assert any(str(out.resolve()) in ln for ln in lines)  # says where the figures are
    grid_titles = [t for p, axes in seen if p.endswith("04_hidden_sizes.png") for t, *_ in axes]
    assert [int(re.search(r"size (\d+)", t).group(1)) for t in grid_titles] == [
        1,
        2,
        3,
        4,
        5,
        20,
        50,
    ]


def test_train_spirals_two_layers_with_plot(tmp_path, capsys):
    png = tmp_path / "spirals.png"
    code = main(
        [
            "train",
            "--data",
            "spirals",
            "--hidden",
            "16",
            "--hidden",
            "16",
            "--activation",
            "tanh",
            "--lr",
            "0.005",
            "--epochs",
            "2000",
            "--l2",
            "0.001",
            "--seed",
            "1",
            "--plot",
            str(png),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"epoch\s+1/2000\s+loss \d", out)  # the loss as it trains
    acc = float(re.search(r"training accuracy ([\d.]+)", out).group(1))
    assert acc >= 0.9
    png_is_not_blank(png)


def test_train_csv(tmp_path, capsys):
    from glassnet.data import datasets

    X, y = datasets.blobs(90, n_classes=3, seed=0)
    csv = tmp_path / "blobs.csv"
    names = ["setosa", "versicolor", "virginica"]
    csv.write_text("f1,f2,species\n" + "".join(f"{a},{b},{names[c]}\n" for (a, b), c in zip(X, y)))
    code = main(["train", "--data", str(csv), "--target", "species", "--epochs", "300"])
    out = capsys.readouterr().out
    assert code == 0 and "3 classes" in out
    assert float(re.search(r"training accuracy ([\d.]+)", out).group(1)) >= 0.9


@pytest.mark.parametrize(
    "argv, match",
    [
        (["train", "--activation", "tahn"], "did you mean 'tanh'"),
        (["train", "--data", "moon"], "did you mean 'moons'"),
        (["train", "--data", "missing.csv"], "does not exist"),
    ],
)
def test_train_errors_exit_2_without_traceback(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["train", "--lr", "-1"], ["train", "--hidden", "0"], ["train", "--epochs", "x"]]
)
def test_bad_numbers_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_python_dash_m_and_console_script():
    out = subprocess.run(
        [sys.executable, "-m", "glassnet", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for cmd in ("tutorial", "train"):
        assert cmd in out
    res = subprocess.run(
        ["glassnet", "train", "--epochs", "50", "--quiet"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "training accuracy" in res.stdout


def test_train_with_the_training_options(tmp_path, capsys):
    import glassnet as gn

    model = tmp_path / "spirals.npz"
    code = main(
        [
            "train",
            "--data",
            "spirals",
            "--hidden",
            "32",
            "--hidden",
            "32",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--schedule",
            "cosine:warmup=20",
            "--batch-size",
            "32",
            "--dropout",
            "0.1",
            "--early-stopping",
            "30",
            "--epochs",
            "400",
            "--l2",
            "0",
            "--reduction",
            "mean",
            "--save",
            str(model),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert float(re.search(r"training accuracy ([\d.]+)", out).group(1)) >= 0.9
    net = gn.load(model)
    assert [lay.name for lay in net.layers].count("dropout") == 2


def test_train_regression_with_lbfgs(capsys):
    code = main(
        [
            "train",
            "--data",
            "sine",
            "--hidden",
            "16",
            "--optimizer",
            "lbfgs",
            "--epochs",
            "200",
            "--reduction",
            "mean",
            "--l2",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "regression" in out
    assert float(re.search(r"training R² ([\d.]+)", out).group(1)) >= 0.98


def test_train_divergence_exits_1_with_advice(capsys):
    code = main(["train", "--lr", "50", "--activation", "relu", "--hidden", "20", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"diverged at epoch \d+.*smaller learning rate", err)
    assert "Traceback" not in err
