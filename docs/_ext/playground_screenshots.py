"""The screenshots of docs/guide/playground.md, taken from a real playground in Chromium.

    .venv/bin/python docs/_ext/playground_screenshots.py

starts ``glassnet playground`` on a free loopback port, drives each view with Playwright
(Debian's /usr/bin/chromium) and writes ``docs/img/playground/<name>.png``. The pictures
come from runs, like every number in the docs; ``tests/test_docs.py`` checks that the
page shows each one and that each file is a picture of the size this script takes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img" / "playground"
VIEWPORT = {"width": 1400, "height": 900}
SHOTS = ["classification", "regression", "digits", "one-step", "formula"]


def _open(browser, url, query=""):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url + query)
    page.wait_for_function("() => window.GN && GN.state.frame !== null && GN.state.data")
    if query:  # the link's settings are sent after the server's defaults: wait for them
        first = query.lstrip("&").split("&")[0].split("=")
        page.wait_for_function(f"() => String(GN.state.config.{first[0]}) === '{first[1]}'")
        page.wait_for_timeout(500)
    return page


def _play(page, epochs: int) -> None:
    page.click("#play")
    page.wait_for_function(f"() => GN.state.frame.epoch >= {epochs}", timeout=120_000)
    page.click("#play")
    page.wait_for_function("() => GN.state.playing === false")
    page.wait_for_timeout(300)


def take(browser, url: str) -> list[Path]:
    """Each view of ``SHOTS``, saved; returns the files written."""
    from tests.test_playground_e2e import node_xy, point_xy  # the browser test's own

    shots = {}
    page = _open(browser, url, "&dataset=spiral&layers=8,8,6&noise=10")
    _play(page, 300)
    shots["classification"] = page
    page = _open(browser, url, "&problem=regression&dataset=gauss&features=x1,x2,x1^2,x2^2,x1*x2")
    _play(page, 200)
    shots["regression"] = page
    page = _open(browser, url, "&dataset=digits&layers=32&activations=relu&batch_size=32&lr=0.01")
    _play(page, 20)
    shots["digits"] = page
    page = _open(browser, url, "&dataset=circle&layers=4&activations=tanh")
    _play(page, 30)
    page.click("#one-step")
    page.wait_for_function("() => GN.state.frame.step !== null")
    page.mouse.click(*point_xy(page, page.evaluate("() => GN.state.frame.step.rows[0]")))
    page.wait_for_function("() => GN.state.frame.point !== null")
    page.mouse.move(*node_xy(page, 1, 1))
    page.wait_for_selector("#tooltip:not([hidden])")
    shots["one-step"] = page
    page = _open(browser, url, "&dataset=circle&layers=&features=x1^2,x2^2&lr=0.1")
    _play(page, 40)
    page.click("#show-formula")
    page.wait_for_selector("#formula-panel:not([hidden])")
    shots["formula"] = page
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SHOTS:
        path = OUT / f"{name}.png"
        shots[name].screenshot(path=str(path))
        written.append(path)
    return written


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import tempfile

    from playwright.sync_api import sync_playwright
    from tests.playground_server import running_server
    from tests.test_playground_e2e import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as srv:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in take(browser, srv.url):
                print(path.relative_to(ROOT))
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
