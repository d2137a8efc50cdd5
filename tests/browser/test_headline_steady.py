"""In the browser: the headline's captions change length with the filter, and the map below never
moves (its room is reserved) (issue 14)."""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

TOP = "() => Math.round(document.getElementById('map-region').getBoundingClientRect().top)"
CAPTIONS = "() => [...document.querySelectorAll('#headline-figures .what')].map(e => e.textContent).join('|')"


@pytest.mark.parametrize("width,height", [(1440, 900), (1280, 720)])
def test_the_map_does_not_jump_as_the_headline_changes(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    top, captions = page.evaluate(TOP), page.evaluate(CAPTIONS)
    seen = {captions}
    for button in ("#quick-range-7", "#quick-range-30", "#quick-range-all"):
        label = page.text_content("#range-label")
        page.click(button)
        page.wait_for_function(f"() => document.getElementById('range-label').textContent !== {label!r}",
                               timeout=30000)
        page.wait_for_timeout(1500)  # the headline's own callback
        captions = page.evaluate(CAPTIONS)
        seen.add(captions)
        assert page.evaluate(TOP) == top, f"the map moved after {button}: {captions}"
    assert len(seen) >= 3  # the captions did change
    assert log.errors == [], log.errors
    context.close()
