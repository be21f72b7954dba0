"""Issue 14, "output that confuses": every printed loss names its scale (sum over n rows,
or mean per row), the epoch lines and the final line say what they are, and the post's
summed loss on many rows is warned about."""

import contextlib
import io
import re
import warnings

import pytest

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.train.diagnostics import CYCLE_EPOCHS, LossWatch, SummedLossWarning
from glassnet.train.reporting import describe_loss


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_describe_loss_names_the_scale():
    # 14.26 / 200 = 0.0713 by hand
    assert describe_loss(14.26, 200, digits=4) == "14.26 (sum over 200 rows; 0.0713 per row)"
    assert describe_loss(0.0713, None, digits=4) == "0.0713 (mean per row)"


def test_progress_bar_names_the_summed_loss(capsys):
    X, y = gn.datasets.moons()
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    gn.fit(gn.mlp([2, 3, 2], seed=0), loss, X, y, epochs=100, verbose=1)
    assert "(sum over 200 rows;" in capsys.readouterr().err
    gn.fit(gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), X, y, epochs=100, verbose=1)
    assert "(mean per row)" in capsys.readouterr().err


def test_oscillation_warning_gives_the_loss_per_row():
    watch = LossWatch(0.01, rows=200)
    with pytest.warns(gn.OscillationWarning) as caught:
        for epoch in range(CYCLE_EPOCHS + 10):  # a two-value cycle: 14.0, 16.0, 14.0, ...
            watch.check(epoch, 14.0 if epoch % 2 else 16.0)
    # 14 / 200 = 0.07 and 16 / 200 = 0.08
    assert "summed over 200 rows; 0.07 and 0.08 per row" in str(caught[0].message)


def test_the_posts_summed_loss_on_2000_rows_is_warned_about():
    X, y = gn.datasets.load("spirals", n_samples=2000)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    with pytest.warns(SummedLossWarning, match=r"summed over 2000 rows.*reduction='mean'"):
        gn.fit(gn.mlp([2, 3, 3], seed=0), loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=1)
    X, y = gn.datasets.moons()  # the post's own set-up: 0.01 x 200 = 2, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", SummedLossWarning)
        gn.fit(gn.mlp([2, 3, 2], seed=0), loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=1)
        gn.fit(gn.mlp([2, 3, 3], seed=0), gn.SoftmaxCrossEntropy(), *gn.datasets.load(
            "spirals", n_samples=2000), optimizer=gn.SGD(lr=0.01), epochs=1)  # fmt: skip


def test_train_warns_about_the_summed_loss_on_many_rows():
    code, _, err = _run(["train", "--data", "spirals", "--n-samples", "2000", "--epochs", "2"])
    assert code == 0
    assert "glassnet: warning: the loss is summed over 2000 rows" in err
    assert "--reduction mean" in err


def test_train_labels_the_epoch_lines_and_the_final_line():
    code, out, _ = _run(["train", "--epochs", "20", "--validation-fraction", "0.2"])
    assert code == 0
    assert "running averages over the epoch's batches" in out
    assert "clean evaluation" in out
    epoch = [ln for ln in out.splitlines() if ln.startswith("epoch 20/20")][0]
    # 160 training rows, 40 held out (0.2 of moons' 200)
    assert "loss" in epoch and "(sum over 160 rows;" in epoch
    assert "val_loss" in epoch and "(sum over 40 rows;" in epoch
    final = out.splitlines()[-1]
    m = re.fullmatch(
        r"final loss ([\d.]+) \(sum over 160 rows; ([\d.]+) per row\); training accuracy "
        r"[\d.]+; validation accuracy [\d.]+ \(40 rows\)",
        final,
    )
    assert m, final
    assert float(m.group(2)) == pytest.approx(float(m.group(1)) / 160, rel=1e-4)


def test_train_with_a_mean_loss_says_so():
    code, out, _ = _run(["train", "--epochs", "5", "--reduction", "mean", "--quiet"])
    assert code == 0
    assert re.fullmatch(r"final loss [\d.]+ \(mean per row\); training accuracy [\d.]+\n", out)
