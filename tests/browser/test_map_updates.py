"""In the browser: the map keeps following the filter when layers come and go (issue: "Map error.").

Plotly matched the map's traces across updates by position; a layer switched
off shifted the traces after it, plotly disposed MapLibre layers under the
wrong trace, threw "Map error." and the map stopped updating.
"""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

MAP_STATUS = """() => {
    const gd = document.querySelector('#incident-map .js-plotly-plot');
    const status = (gd.layout.annotations || []).find(a => a.name === 'status');
    return status ? status.text : null;
}"""


def _map_count(page) -> int:
    text = page.evaluate(MAP_STATUS) or ""
    return int(text.split(" ")[0].replace(",", "")) if text[:1].isdigit() else -1


def _settled(page, expected: int) -> None:
    page.wait_for_function(f"() => document.querySelector('#headline-incidents').textContent === '{expected}'",
                           timeout=30000)
    page.wait_for_function(f"() => ({MAP_STATUS})() === '{expected} incident{'s' if expected != 1 else ''} shown as points'",
                           timeout=30000)


def test_layers_off_and_on_then_clear_keeps_the_map_in_step(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server + "/?start=2020-02-01&end=2020-02-29", wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    february = int(page.text_content("#headline-incidents"))
    _settled(page, february)
    page.get_by_label("Explosions/Remote violence").uncheck()
    page.wait_for_function(f"() => document.querySelector('#headline-incidents').textContent !== '{february}'")
    page.get_by_label("Explosions/Remote violence").check()
    _settled(page, february)
    page.get_by_label("Area-coded incidents (approximate location)").uncheck()
    page.wait_for_timeout(500)
    page.click("#clear-all")
    whole = int(page.wait_for_function(
        f"() => {{ const n = document.querySelector('#headline-incidents').textContent; "
        f"return n !== '{february}' && n; }}", timeout=30000).json_value())
    _settled(page, whole)
    assert _map_count(page) == whole > february
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    assert log.errors == [], log.errors
    context.close()
