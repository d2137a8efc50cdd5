"""In the browser: a map with nothing to draw says why — every layer switched off, or basemap tiles
that cannot be loaded (OpenStreetMap with no network) (issue 14)."""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser


def _open(browser, url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return context, page, log


def test_all_layers_off_says_how_to_switch_one_on(browser, live_server):
    context, page, log = _open(browser, live_server)
    assert not page.is_visible("#map-message")
    boxes = page.locator("#layer-toggle input:checked")
    while boxes.count():
        boxes.first.uncheck()
    message = page.locator("#map-message")
    message.wait_for(state="visible", timeout=10000)
    assert message.text_content() == "No layer is on: switch one on under Map layers"
    page.get_by_role("checkbox", name="Incidents", exact=True).check()  # (the density weight has an "Incidents" too)
    message.wait_for(state="hidden", timeout=10000)
    assert log.errors == [], log.errors
    context.close()


def test_openstreetmap_without_network_says_the_tiles_did_not_load(browser, live_server):
    context, page, _log = _open(browser, live_server)
    assert not page.is_visible("#map-tile-message")
    page.locator("#basemap-select input[value=osm]").check()  # the test browser resolves no outside host
    message = page.locator("#map-tile-message")
    message.wait_for(state="visible", timeout=30000)
    assert "tiles could not be loaded" in message.text_content()
    page.locator("#basemap-select input[value=plain]").check()
    message.wait_for(state="hidden", timeout=30000)
    context.close()
