"""In the browser at phone size: the filters drawer is a modal dialog. Focus moves into it, Tab and
Shift+Tab never leave it while it is open, Escape and "Close filters" close it and give focus back to
the "Filters" button (issue 14)."""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

INSIDE = "() => document.getElementById('controls-column').contains(document.activeElement)"
ACTIVE = "() => document.activeElement.id || document.activeElement.textContent.trim().slice(0, 40)"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    yield page, log
    context.close()


def _open(page):
    page.locator("#filters-toggle").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#controls-column", state="visible")
    assert page.evaluate(INSIDE), "focus did not move into the drawer"


def test_tab_and_shift_tab_stay_inside_the_open_drawer(phone):
    page, log = phone
    _open(page)
    drawer = page.locator("#controls-column")
    assert drawer.get_attribute("role") == "dialog" and drawer.get_attribute("aria-modal") == "true"
    # Modal: the page behind is inert (no focus, no clicks, hidden from screen readers).
    assert page.evaluate("[...document.querySelectorAll('.app-header, .views')].every(e => e.inert)")
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        assert page.evaluate(INSIDE), f"Tab left the drawer after {seen}"
        seen.append(page.evaluate(ACTIVE))
    assert len(set(seen)) >= 20  # it moved through the controls, not stuck on one
    page.locator("#filters-close").focus()  # the drawer's first stop: Shift+Tab wraps to its last
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(INSIDE), "Shift+Tab left the drawer"
    page.locator("#filters-close").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "filters-close"  # last and first are neighbours
    assert log.errors == [], log.errors


def test_escape_and_close_give_focus_back_to_the_filters_button(phone):
    page, log = phone
    _open(page)
    for _ in range(5):
        page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    page.wait_for_selector("#controls-column", state="hidden")
    assert page.evaluate("document.activeElement.id") == "filters-toggle"
    assert page.get_attribute("#filters-toggle", "aria-expanded") == "false"
    assert page.evaluate("[...document.querySelectorAll('.app-header, .views')].every(e => !e.inert)")
    assert page.get_attribute("#controls-column", "role") is None
    _open(page)
    assert page.evaluate("document.activeElement.id") == "filters-close"  # the first stop
    page.keyboard.press("Enter")
    page.wait_for_selector("#controls-column", state="hidden")
    assert page.evaluate("document.activeElement.id") == "filters-toggle"
    # Behind the open drawer the page is inert: a tap beside the drawer closes it, nothing under it acts.
    _open(page)
    page.mouse.click(380, 420)
    page.wait_for_selector("#controls-column", state="hidden")
    assert page.evaluate("document.activeElement.id") == "filters-toggle"
    assert page.evaluate("document.querySelector('.views').inert") is False
    assert log.errors == [], log.errors
