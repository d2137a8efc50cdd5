"""What browser tests share besides fixtures: Chromium's path and flags, waiting for the map, a page's log."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

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


def open_map_page(browser, url: str, width: int = 1280, height: int = 800, init_script: str | None = None):
    """A new context and page at ``url`` with its log, once the map is drawn and idle: (context, page, log).
    ``init_script`` runs in the page before its own scripts."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    if init_script:
        page.add_init_script(init_script)
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map"), "the map never became idle"
    return context, page, log
