"""In the browser at phone and tablet sizes: the filters are a drawer, the map takes the width, the page
never scrolls sideways, and every control can still be reached (issue 14)."""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def _open(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return context, page, log


@pytest.mark.parametrize("width,height", [(390, 844), (768, 1024)])
def test_narrow_screens_keep_the_map_wide_and_never_scroll_sideways(browser, live_server, width, height):
    context, page, log = _open(browser, live_server, width, height)
    assert page.evaluate(SIDEWAYS) <= 0
    map_width = page.evaluate("document.getElementById('incident-map').getBoundingClientRect().width")
    assert map_width >= 0.9 * width
    assert not page.is_visible("#controls-column")  # folded away until asked for
    page.click("#bottom-tabs-table")
    page.wait_for_selector("#incident-table td")
    assert page.evaluate(SIDEWAYS) <= 0  # the table scrolls inside itself
    box = page.locator("#table-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    page.click("#bottom-tabs-timeline")
    page.wait_for_selector("#timeline .js-plotly-plot", state="visible")  # the tabs switch in the browser
    assert page.locator("#timeline").bounding_box()["width"] >= 0.9 * width
    assert log.errors == [], log.errors
    context.close()


def test_the_filters_drawer_opens_takes_focus_and_closes(browser, live_server):
    context, page, log = _open(browser, live_server, 390, 844)
    toggle = page.locator("#filters-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#controls-column", state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.getElementById('controls-column').contains(document.activeElement)")
    # Every control is in the drawer and can be reached there, down to the export buttons.
    for selector in ("#place-search", "#clear-all", "#layer-toggle input", "#export-csv"):
        page.locator(selector).first.scroll_into_view_if_needed()
        assert page.locator(selector).first.is_visible(), selector
    page.get_by_label("Battles").uncheck()
    page.wait_for_function("() => document.querySelector('#headline-incidents').textContent !== ''")
    assert page.evaluate(SIDEWAYS) <= 0
    page.keyboard.press("Escape")
    page.wait_for_selector("#controls-column", state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "filters-toggle"
    toggle.click()
    page.wait_for_selector("#controls-column", state="visible")
    page.click("#filters-close")
    page.wait_for_selector("#controls-column", state="hidden")
    assert log.errors == [], log.errors
    context.close()


def test_the_desktop_has_no_drawer(browser, live_server):
    context, page, _log = _open(browser, live_server, 1280, 720)
    assert not page.is_visible("#filters-toggle")
    assert page.is_visible("#controls-column")
    assert page.evaluate(SIDEWAYS) <= 0
    context.close()


def test_the_phone_legend_waits_behind_a_button(browser, live_server):
    context, page, log = _open(browser, live_server, 390, 844)
    button = page.locator("#map-legend-toggle")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not page.is_visible("#incident-map .legend")  # the map is not covered
    button.click()
    page.wait_for_selector("#incident-map .legend", state="visible")
    assert button.get_attribute("aria-expanded") == "true"
    button.click()
    page.wait_for_selector("#incident-map .legend", state="hidden")
    assert log.errors == [], log.errors
    context.close()
    # A short window folds it too (at 1280x720 it covered the fatality size key); a tall one shows it.
    context, page, _log = _open(browser, live_server, 1280, 720)
    assert not page.is_visible("#incident-map .legend") and page.is_visible("#map-legend-toggle")
    context.close()
    context, page, _log = _open(browser, live_server, 1440, 900)
    assert page.is_visible("#incident-map .legend") and not page.is_visible("#map-legend-toggle")
    context.close()
