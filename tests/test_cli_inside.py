"""`glassnet train --monitor` and `glassnet doctor`, wired into the command line."""

import contextlib
import io

import pytest

from glassnet.apps.cli import main

from .conftest import png_is_not_blank


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        _run.err = err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_train_monitor_writes_the_dashboard_and_prints_the_summary(tmp_path):
    png = tmp_path / "monitor.png"
    code, out, _ = _run(["train", "--hidden", "8", "--epochs", "60", "--quiet",
                         "--monitor", str(png), "--monitor-every", "10"])  # fmt: skip
    assert code == 0
    png_is_not_blank(png)
    assert f"monitor dashboard written to {png}" in out
    # the summary table: the last record (epoch 50 of 0..59 every 10) and one row per Dense
    assert "epoch 50:" in out and "grad_norm" in out and "update_ratio" in out
    assert "0.W:" in out and "2.W:" in out


def test_train_monitor_path_is_checked_before_any_work(tmp_path):
    code, out, err = _run(["train", "--monitor", str(tmp_path / "nodir" / "m.png")])
    assert code == 2
    assert "--monitor" in err and "does not exist" in err
    assert "training" not in out  # refused before the run started


def test_doctor_command_exits_0_on_a_healthy_setup():
    code, out, _ = _run(["doctor", "--hidden", "16", "--optimizer", "adam", "--lr", "0.05",
                         "--l2", "0", "--reduction", "mean", "--probe-epochs", "20"])  # fmt: skip
    assert code == 0
    assert "0 problem(s)" in out and "initial loss" in out


def test_doctor_command_exits_1_on_a_learning_rate_far_too_large():
    code, out, _ = _run(["doctor", "--hidden", "16", "--lr", "50", "--l2", "0",
                         "--reduction", "mean"])  # fmt: skip
    assert code == 1
    assert "[problem] update ratio" in out


def test_doctor_probe_epochs_is_checked_in_one_line():
    with pytest.raises(SystemExit) as stop:
        _run(["doctor", "--probe-epochs", "0"])
    assert stop.value.code == 2
    err = _run.err
    assert err.strip().count("\n") == 0 and "--probe-epochs must be" in err
