"""glassnet doctor's entry (wired into the CLI by the lead): train's options in, findings out."""

import argparse

import pytest

from glassnet.apps.doctor_cmd import add_doctor_arguments, run_doctor


def _args(argv):
    p = argparse.ArgumentParser()
    add_doctor_arguments(p)
    return p.parse_args(argv)


def test_doctor_on_a_healthy_setup_exits_0(capsys):
    args = _args(["--hidden", "16", "--optimizer", "adam", "--lr", "0.05", "--l2", "0",
                  "--reduction", "mean", "--probe-epochs", "20"])  # fmt: skip
    assert run_doctor(args) == 0
    out = capsys.readouterr().out
    assert "0 problem(s)" in out and "initial loss" in out and "moons" in out


def test_doctor_reports_a_learning_rate_far_too_large(capsys):
    args = _args(["--hidden", "16", "--lr", "50", "--l2", "0", "--reduction", "mean"])
    assert run_doctor(args) == 1
    out = capsys.readouterr().out
    assert "[problem] update ratio" in out and "too large" in out


def test_probe_epochs_is_checked_at_parse_time(capsys):
    # fails on the code before this test: doctor_cmd imported cli.positive_int, which is gone
    with pytest.raises(SystemExit):
        _args(["--probe-epochs", "0"])
    assert "--probe-epochs: must be an integer >= 1, got 0" in capsys.readouterr().err
