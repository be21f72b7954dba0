"""End to end: ``python -m glassnet.apps.playground`` in a subprocess, driven by Playwright in
Debian's headless Chromium (``apt-get install chromium``). The page trains XOR until the
test loss it shows drops below 0.1; the screenshot, the downloaded model (loaded with
``gn.load``), the snippet, the URL state and a clean shutdown are checked."""

import signal
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import datasets

from .conftest import png_is_not_blank
from .playground_server import running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XOR_TIMEOUT_S = 120


@pytest.fixture
def server(tmp_path):
    """The playground server on a free loopback port; yields the address it printed (with
    its access token) and the process, then stops it with Ctrl+C and checks a clean exit."""
    with running_server(tmp_path) as srv:
        yield srv.url, srv.proc


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the end-to-end test needs Debian's Chromium "
            "(apt-get install -y chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the end-to-end test needs Playwright for Python: pip install playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_function("() => document.getElementById('conn').textContent === 'live'")
    page.wait_for_selector("#dataset-xor")
    page.wait_for_function("() => window.GN.state.frame !== null")
    return page, errors


def point_xy(page, index: int) -> list[float]:
    """Where the page draws data point ``index`` on the plot, in page coordinates."""
    return page.evaluate(
        "(i) => { const d = GN.state.data, c = document.getElementById('heatmap');"
        " const r = c.getBoundingClientRect(), [x0, x1, y0, y1] = d.domain;"
        " return [r.left + (d.X[i][0] - x0) / (x1 - x0) * r.width,"
        "         r.top + r.height - (d.X[i][1] - y0) / (y1 - y0) * r.height]; }",
        index,
    )


def node_xy(page, layer: int, i: int = 0) -> list[float]:
    """The centre of neuron ``i`` of column ``layer`` of the network diagram."""
    return page.evaluate(
        "([l, i]) => { const n = GN.state.netModel.nodes.find((n) => n.l === l && n.i === i);"
        " const r = document.getElementById('net').getBoundingClientRect();"
        " return [r.left + n.x + n.s / 2, r.top + n.y + n.s / 2]; }",
        [layer, i],
    )


def edge_xy(page, layer: int, i: int, j: int | None = None) -> list[float]:
    """The middle of the line from neuron ``i`` of column ``layer`` to neuron ``j`` of
    the next (the first such line without ``j``), and that ``j``."""
    return page.evaluate(
        "([l, i, j]) => { const e = GN.state.netModel.edges"
        "  .find((e) => e.l === l && e.i === i && (j === null || e.j === j));"
        " const r = document.getElementById('net').getBoundingClientRect();"
        " return [r.left + (e.x0 + e.x1) / 2, r.top + (e.y0 + e.y1) / 2, e.j]; }",
        [layer, i, j],
    )


def _slow_click(page, selector, held_ms):
    """Press and release the mouse over ``selector`` ``held_ms`` apart, as a hand does;
    ``page.click`` presses and releases at once."""
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(held_ms)
    page.mouse.up()


def test_xor_trains_live_in_a_real_browser(server, browser, tmp_path, capsys):
    url, proc = server
    page, errors = _page(browser, url)
    page.click("#dataset-xor")
    page.wait_for_function("() => window.GN.state.config.dataset === 'xor'")
    assert page.locator("#dataset-xor").get_attribute("class").split().count("selected") == 1

    start = time.perf_counter()
    page.click("#play")
    page.wait_for_function(
        "() => { const v = document.getElementById('test-loss').dataset.value;"
        " return v !== undefined && Number(v) < 0.1; }",
        timeout=XOR_TIMEOUT_S * 1000,
    )
    seconds = time.perf_counter() - start
    epoch = page.inner_text("#epoch")
    shown = float(page.inner_text("#test-loss"))
    assert shown < 0.1

    # pause with a click held as long as a person holds one (frames keep arriving
    # meanwhile): the button must still be the same element when the mouse comes up
    _slow_click(page, "#play", held_ms=400)
    page.wait_for_function("() => window.GN.state.playing === false")
    # hovering a hidden neuron shows its bias; the network diagram was drawn
    page.mouse.move(*node_xy(page, 1))
    page.wait_for_selector("#tooltip:not([hidden])")
    assert "hidden layer 1, neuron 1: bias" in page.inner_text("#tooltip")

    shot = tmp_path / "playground-xor.png"
    page.screenshot(path=str(shot), full_page=True)
    png_is_not_blank(shot, min_size=(1200, 800))

    with page.expect_download() as info:
        page.click("#download")
    model = tmp_path / "xor-model.npz"
    info.value.save_as(model)
    net = gn.load(model)
    X, y = datasets.xor(400, seed=11)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    accuracy = float(np.mean(net.predict_classes(X) == y))
    assert accuracy > 0.9

    page.click("#show-code")
    page.wait_for_selector("#code-panel:not([hidden])")
    code = page.inner_text("#code")
    assert "datasets.xor(" in code and "gn.mlp([2, 8, 8, 2]" in code
    assert "dataset=xor" in page.url
    assert errors == []
    with capsys.disabled():
        print(
            f"\nplayground screenshot: {shot}\n"
            f"XOR reached a test loss below 0.1 in {seconds:.2f} s "
            f"(epoch {epoch}, shown test loss {shown}); downloaded model accuracy "
            f"{accuracy:.3f}"
        )


def test_a_link_reproduces_the_setup(server, browser):
    url, _ = server
    query = (
        "?dataset=moons&n_samples=300&noise=20&train_share=70&data_seed=4&layers=5,3"
        "&activations=relu,sigmoid&optimizer=rmsprop&lr=0.01&schedule=cosine&l2=0.001"
        "&dropout=0.1&batch_size=20&seed=9&features=x1,x2,x1*x2&l1=0.0001&discretize=true"
    )
    page, errors = _page(browser, url + "&" + query[1:])
    page.wait_for_function("() => window.GN.state.config.dataset === 'moons'")
    config = page.evaluate("() => window.GN.state.config")
    assert config == {
        "problem": "classification",
        "dataset": "moons",
        "n_samples": 300,
        "noise": 20,
        "train_share": 70,
        "data_seed": 4,
        "layers": [5, 3],
        "activations": ["relu", "sigmoid"],
        "optimizer": "rmsprop",
        "lr": 0.01,
        "schedule": "cosine",
        "l2": 0.001,
        "dropout": 0.1,
        "batch_size": 20,
        "seed": 9,
        "features": ["x1", "x2", "x1*x2"],
        "l1": 0.0001,
        "discretize": True,
    }
    assert page.is_checked("#discretize") and "on" in page.get_attribute(
        "#feature-x1\\*x2", "class"
    )
    assert page.inner_text("#n-layers") == "2"
    assert page.input_value("#optimizer") == "rmsprop"
    assert "selected" in page.locator("#dataset-moons").get_attribute("class")
    # a bad link shows a message and keeps a working page
    page2, _ = _page(browser, url + "&layers=100&dataset=xor")
    page2.wait_for_selector("#message:not([hidden])")
    assert "between 1 and 64" in page2.inner_text("#message")
    assert errors == []


def test_two_tabs_train_at_once_and_stopping_the_server_ends_them(server, browser):
    url, proc = server
    tabs = [_page(browser, url)[0] for _ in range(2)]
    for tab in tabs:
        tab.click("#dataset-spiral")
        tab.wait_for_function("() => window.GN.state.config.dataset === 'spiral'")
        tab.click("#play")
    for tab in tabs:
        tab.wait_for_function("() => window.GN.state.frame.epoch >= 20", timeout=60_000)
    ids = {tab.evaluate("() => window.GN.state.session") for tab in tabs}
    assert len(ids) == 2
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    for tab in tabs:
        tab.wait_for_function(
            "() => document.getElementById('conn').textContent.startsWith('disconnected')"
        )
        assert tab.evaluate("() => window.GN.state.playing") is False


def test_a_diverging_step_shows_its_epoch_and_keeps_the_last_good_network(server, browser):
    # XOR, SGD, identity activations, lr=3, full batch: the loss overflows after some epochs
    url, _ = server
    query = "dataset=xor&optimizer=sgd&activations=identity,identity&lr=3&batch_size=0"
    page, errors = _page(browser, url + "&" + query)
    page.wait_for_function("() => GN.state.config.lr === 3 && GN.state.config.batch_size === 0")
    assert "token=" not in page.url  # the token went into a cookie; links never carry it
    good = page.evaluate("() => GN.state.frame.weights.join()")
    for epoch in range(1, 16):
        page.click("#step")
        page.wait_for_function(
            f"() => GN.state.frame.epoch === {epoch} || !document.getElementById('message').hidden"
        )
        if page.is_visible("#message"):
            break
        good = page.evaluate("() => GN.state.frame.weights.join()")
    last_good = epoch - 1
    assert last_good >= 5  # it trained a while first: the message must not say epoch 0 or 1
    message = page.inner_text("#message")
    assert f"training diverged in epoch {last_good + 1} " in message, message
    assert f"kept as it was after epoch {last_good}" in message
    assert page.evaluate("() => GN.state.frame.epoch") == last_good
    assert page.inner_text("#epoch") == f"{last_good:06d}"[:3] + "," + f"{last_good:06d}"[3:]
    assert page.evaluate("() => GN.state.frame.weights.join()") == good
    assert page.inner_text("#conn") == "live"  # the socket stayed open
    # the run goes on after a smaller learning rate; a reload needs no token in the URL
    page.select_option("#lr", "0.01")
    page.wait_for_function("() => GN.state.config.lr === 0.01")
    page.click("#step")
    page.wait_for_function("() => GN.state.frame.epoch === 1")
    page.reload()
    page.wait_for_function("() => document.getElementById('conn').textContent === 'live'")
    page.wait_for_function("() => GN.state.config !== null && GN.state.config.lr === 0.01")
    assert errors == []


def test_the_monitor_shows_live_beside_the_learning_rate(server, browser, tmp_path):
    """Issue 15 item 6: after a few epochs the page shows the update/weight ratio next to
    the learning rate and draws the monitor (gradient bars, unit marks) without errors."""
    url, _ = server
    page, errors = _page(browser, url)
    for _ in range(7):  # the monitor is recorded in epochs 0 and 5
        page.click("#step")
    page.wait_for_function("() => GN.state.frame && GN.state.frame.epoch >= 6")
    page.wait_for_function("() => document.getElementById('cur-ratio').textContent !== ''")
    assert page.inner_text("#cur-ratio").startswith("update/weight ")
    n_layers = page.evaluate("() => GN.state.frame.monitor.grad_norm.length")
    assert n_layers == page.evaluate("() => GN.state.frame.sizes.length - 1")
    shot = tmp_path / "playground-monitor.png"
    page.screenshot(path=str(shot), full_page=True)
    png_is_not_blank(shot, min_size=(1200, 800))
    assert errors == []


def test_one_step_and_a_selected_point_show_the_numbers_of_backprop(server, browser, tmp_path):
    """The "1" button takes one minibatch step (the epoch stays 0); clicking a data point
    selects it; hovering a hidden neuron shows z, a = tanh(z) and its delta there, and
    hovering a weight its gradient over the batch and the point's share a * delta. The
    numbers shown are the frame's, which tests/test_playground_api.py checks against the
    engine's forward and backward."""
    url, _ = server
    page, errors = _page(browser, url)
    page.click("#one-step")
    page.wait_for_function("() => window.GN.state.frame.step !== null")
    step = page.evaluate("() => window.GN.state.frame.step")
    assert (step["batch"], page.evaluate("() => window.GN.state.frame.epoch")) == (1, 0)
    assert len(step["rows"]) == 10  # the default batch size
    page.wait_for_selector("#step-info:not([hidden])")  # drawn at the next animation frame
    assert "Step 1 of" in page.inner_text("#step-info")

    # click on a training point of the plot: it becomes the selected point
    target = step["rows"][0]
    page.mouse.click(*point_xy(page, target))
    page.wait_for_function("() => window.GN.state.frame.point !== null")
    point = page.evaluate("() => window.GN.state.frame.point")
    data = page.evaluate("() => window.GN.state.data")
    picked = np.asarray(data["X"][point["index"]])
    assert np.hypot(*(picked - data["X"][target])) < 0.2  # that point, or one drawn on it

    def hover(xy):
        page.mouse.move(*xy[:2])
        page.wait_for_selector("#tooltip:not([hidden])")
        return page.inner_text("#tooltip")

    text = hover(node_xy(page, 1, 2))
    z, a, delta = point["z"][0][2], point["a"][1][2], point["delta"][0][2]
    assert f"hidden layer 1, neuron 3 at point {point['index']}" in text
    assert f"= {z:.4g}" in text and f"a = tanh(z) = {a:.4g}" in text
    assert f"(next) = {delta:.4g}" in text
    text = hover(edge_xy(page, 1, 0, 1))
    assert "over the batch = mean of a·δ (+ l2·w)" in text
    a_in, d_out = point["a"][1][0], point["delta"][1][1]
    assert f"a·δ = {a_in:.4g} · {d_out:.4g}" in text
    page.screenshot(path=str(tmp_path / "playground-one-step.png"), full_page=True)
    png_is_not_blank(tmp_path / "playground-one-step.png", min_size=(1200, 800))
    assert errors == []


def _count_frames(page, seconds: float) -> float:
    """Frames drawn per second while playing: distinct frames seen by the page's
    animation loop over ``seconds``."""
    return page.evaluate(
        "(ms) => new Promise((done) => { let n = 0, last = GN.state.frame;"
        " const t0 = performance.now();"
        " const tick = () => { if (GN.state.frame !== last) { n++; last = GN.state.frame; }"
        "  if (performance.now() - t0 < ms) requestAnimationFrame(tick);"
        "  else done(n / (ms / 1000)); };"
        " requestAnimationFrame(tick); })",
        seconds * 1000,
    )


def test_regression_a_feature_cross_an_edit_l1_and_digits_in_a_real_browser(
    server, browser, tmp_path, capsys
):
    url, _ = server
    page, errors = _page(browser, url)
    page.select_option("#problem", "regression")
    page.wait_for_function("() => GN.state.config.dataset === 'plane'")
    page.click("#dataset-gauss")
    page.click("#feature-x1\\*x2")
    page.wait_for_function("() => GN.state.config.features.includes('x1*x2')")
    page.select_option("#l1", "0.001")
    page.wait_for_function("() => GN.state.config.l1 === 0.001")
    page.click("#play")
    page.wait_for_function("() => GN.state.frame.epoch >= 30", timeout=60_000)
    page.click("#play")
    page.wait_for_function("() => GN.state.playing === false")
    frame = page.evaluate("() => GN.state.frame")
    assert frame["heat"]["kind"] == "value" and frame["sizes"][0] == 3  # x1, x2, x1*x2
    assert "features=x1%2Cx2%2Cx1*x2" in page.url or "x1*x2" in page.url
    page.screenshot(path=str(tmp_path / "regression.png"), full_page=True)

    # click a line of the network: type a new weight
    xy = edge_xy(page, 0, 2)
    page.mouse.click(xy[0], xy[1])
    page.wait_for_selector("#edit-box:not([hidden])")
    page.fill("#edit-box", "1.5")
    page.press("#edit-box", "Enter")
    page.wait_for_function("() => GN.state.frame.edits === 1")
    w = page.evaluate(f"() => GN.floats(GN.state.frame.weights[0])[2 * 8 + {xy[2]}]")
    assert w == 1.5  # from x1*x2 (input 3) to hidden unit j: the typed value
    page.click("#discretize")
    page.wait_for_function("() => GN.state.config.discretize === true")
    page.click("#show-formula")
    assert "too large" in page.inner_text("#formula")  # 3 x 8 + 8 x 8 + 8 weights
    page.click("#close-formula")

    # digits with a 64-32-10 network: images, a confusion matrix, and the frame rate
    digits, _ = _page(browser, url + "&dataset=digits&layers=32&activations=relu&batch_size=32")
    digits.wait_for_function("() => GN.state.config.dataset === 'digits'")
    assert digits.is_disabled("#noise") and digits.is_disabled("#feature-x1\\^2")
    digits.click("#play")
    digits.wait_for_function("() => GN.state.frame.epoch >= 3", timeout=60_000)
    fps = _count_frames(digits, 4.0)
    digits.click("#play")
    digits.wait_for_function("() => GN.state.playing === false")
    view = digits.evaluate("() => GN.state.frame.images")
    assert digits.evaluate("() => GN.state.frame.sizes") == [64, 32, 10]
    assert len(view["true"]) == 40 and sum(map(sum, view["confusion"])) > 800
    digits.screenshot(path=str(tmp_path / "digits.png"), full_page=True)
    png_is_not_blank(tmp_path / "digits.png", min_size=(1200, 800))
    assert fps > 0  # the figure is measured, not asserted against a goal (a noisy machine)
    assert errors == []
    with capsys.disabled():
        print(f"\ndigits 64-32-10 while playing: {fps:.1f} frames per second")
