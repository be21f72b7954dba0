"""Issue 15 item 6: the playground's frames carry the monitor (per-layer gradient norms,
update ratios, dead and saturated units), as strict JSON."""

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from glassnet.apps.playground.server import create_app  # noqa: E402
from glassnet.apps.playground.session import MONITOR_EVERY, Session  # noqa: E402
from glassnet.train.monitor import layer_activations  # noqa: E402

from .test_playground_api import BASE, WS, configure, open_session  # noqa: E402

KEYS = ["grad_norm", "weight_norm", "update_ratio", "act_mean", "act_std", "saturated", "dead"]


def test_frames_carry_the_monitor_as_strict_json():
    with TestClient(create_app(), base_url=BASE) as client, client.websocket_connect(WS) as ws:
        open_session(ws)
        _, _, frame = configure(ws, layers=[5, 4], activations=["relu", "tanh"])
        assert frame["monitor"] is None  # nothing recorded before training
        ws.send_json({"type": "step", "epochs": MONITOR_EVERY + 1})
        text = None
        for _ in range(50):
            text = ws.receive_text()
            if json.loads(text)["type"] == "frame" and json.loads(text)["epoch"] >= 6:
                break
        assert "NaN" not in text and "Infinity" not in text  # strict JSON
        mon = json.loads(text)["monitor"]
    assert mon["layers"] == ["0.W", "2.W", "4.W"]
    for key in KEYS:
        assert len(mon[key]) == 3, key
    assert all(v > 0 for v in mon["grad_norm"])
    # saturation applies to tanh only, dead units to ReLU only: null elsewhere
    assert mon["saturated"][0] is None and mon["saturated"][1] is not None
    assert mon["dead"][0] is not None and mon["dead"][1] is None
    assert mon["update_ratio_median"] == pytest.approx(float(np.median(mon["update_ratio"])))
    assert len(mon["dead_units"]) == len(mon["saturated_units"]) == 2  # the hidden layers


def test_dead_relu_units_are_named():
    s = Session({"layers": [6], "activations": ["relu"]})
    s.net.params["0.b"][[1, 4]] = -1e3  # units 1 and 4 output 0 on every row
    s.train(1)
    mon = s.frame()["monitor"]
    assert mon["dead_units"] == [[1, 4]]
    assert mon["dead"][0] == pytest.approx(2 / 6)


def test_saturated_tanh_units_are_named_by_a_direct_computation():
    s = Session({"layers": [6], "activations": ["tanh"]})
    s.net.params["0.W"][:, 2] *= 200  # unit 2 driven far into tanh's flat tails
    s.train(1)
    mon = s.frame()["monitor"]
    sample = s.X_train if len(s.X_train) <= 256 else None
    if sample is not None:  # the monitor's sample is the whole training set here
        (a, _), _ = layer_activations(s.net, sample)
        want = np.flatnonzero(((1 - a * a) < 0.05).mean(axis=0) > 0.5).tolist()
        assert mon["saturated_units"] == [want]
    assert 2 in mon["saturated_units"][0]


def test_the_monitor_is_recorded_every_few_epochs():
    s = Session({"layers": [4], "activations": ["tanh"]})
    s.train(MONITOR_EVERY + 2)
    # recorded in epochs 0 and MONITOR_EVERY: the frame says after which epoch
    assert s.frame()["monitor"]["epoch"] == MONITOR_EVERY + 1
