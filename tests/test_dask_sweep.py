"""glassnet sweep --scheduler: the runs go to a dask.distributed cluster via joblib."""

import csv
import os

import pytest

from glassnet.apps.cli import main


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as c:
        yield c


def test_sweep_runs_on_a_local_cluster(cluster, tmp_path, capsys):
    from dask.distributed import Client

    out = tmp_path / "dask"
    code = main(
        [
            "sweep",
            "--param",
            "hidden",
            "--values",
            "2,4,8",
            "--epochs",
            "300",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "running on the dask cluster" in text and "(2 workers)" in text
    with open(out / "sweep.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["value"] for r in rows] == ["2", "4", "8"]
    # the cluster's worker processes did the training
    from glassnet.apps.sweep import run_sweep
    from glassnet.data import datasets

    X, y = datasets.moons(100)
    with Client(cluster.scheduler_address) as client:
        results = run_sweep("hidden", [2, 3], X, y, base={"epochs": 50}, backend="dask")
        worker_pids = set(client.run(os.getpid).values())
    assert {r["pid"] for r in results} <= worker_pids and os.getpid() not in worker_pids


def test_unreachable_scheduler_is_a_clear_error(capsys):
    code = main(
        [
            "sweep",
            "--param",
            "hidden",
            "--values",
            "2",
            "--epochs",
            "10",
            "--scheduler",
            "tcp://127.0.0.1:1",
        ]
    )
    assert code == 2
    assert "cannot connect" in capsys.readouterr().err
