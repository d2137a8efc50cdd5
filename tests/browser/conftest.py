"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in Debian's Chromium.

Never downloads a browser. With CI=true a missing Chromium fails the run
instead of skipping, so the browser tests cannot silently not run.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from urllib.parse import urlsplit

import pytest

from dashboard.app import create_app
from tests.support import require

CHROMIUM = os.environ.get("CONFLICT_MAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

#: Resolves once MapLibre has drawn everything it was asked to (its 'idle' event).
WAIT_MAP_IDLE = """async (graphId) => {
  const deadline = Date.now() + 30000;
  let gd = null;
  while (Date.now() < deadline) {
    gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
    const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
      && gd._fullLayout.map._subplot.map;
    if (map) {
      if (map.loaded() && map.isStyleLoaded() && map.areTilesLoaded()) return true;
      await new Promise(resolve => { map.once('idle', resolve); setTimeout(resolve, 1000); });
      continue;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return false;
}"""


@pytest.fixture(scope="session")
def live_server(serve, store):
    """The app over the shipped scenario, served for the whole session."""
    return serve(create_app(store).server)


@pytest.fixture(scope="session")
def browser():
    require(os.path.exists(CHROMIUM),
            f"Chromium not found at {CHROMIUM} (install Debian's chromium: make test does it as root)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="conflict-map-chromium-")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)


class PageLog:
    """Every request and console error of one page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def outside_hosts(self) -> set[str]:
        hosts = {urlsplit(url).hostname for url in self.requests if not url.startswith(("data:", "blob:"))}
        return hosts - {"127.0.0.1"}


@pytest.fixture
def app_page(browser, live_server):
    """A fresh page on the app, loaded, with the map drawn; yields (page, log)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map"), "the map never became idle"
    yield page, log
    context.close()
