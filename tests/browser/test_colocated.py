"""In the browser, on a Kenyan dataset: a town's three incidents on three dates are one disc with a
"3" beside it, and a click on that disc opens a detail panel listing all three (date, type,
fatalities, source); a click on another of them opens its details."""
from __future__ import annotations

import pytest

from dashboard.app import create_app
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.dashboard.figures.kenya_support import GARISSA, kenya_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Where a (lat, lon) is on the page: the map's container and MapLibre's projection.
ON_PAGE = """([lat, lon]) => { const gd = document.querySelector('#incident-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map, r = map.getContainer().getBoundingClientRect();
  const p = map.project([lon, lat]); return [r.left + p.x, r.top + p.y]; }"""
#: The texts MapLibre drew for the count layer (what is on screen, not only in the figure).
COUNTS_DRAWN = """() => { const gd = document.querySelector('#incident-map .js-plotly-plot');
  const t = gd._fullData.find(t => t.meta === 'incidents-count'), map = gd._fullLayout.map._subplot.map;
  const layer = map.getStyle().layers.find(l => l.id.includes(t.uid) && l.type === 'symbol');
  return layer ? map.queryRenderedFeatures({layers: [layer.id]}).map(f => f.properties.text).sort() : null; }"""


@pytest.fixture(scope="module")
def kenya_url(serve, tmp_path_factory):
    return serve(create_app(kenya_store(tmp_path_factory.mktemp("kenya"))).server)


def test_a_click_on_a_shared_spot_lists_every_incident_there(browser, kenya_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(kenya_url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.wait_for_function(f"() => JSON.stringify(({COUNTS_DRAWN})()) === '[\"2\",\"3\"]'", timeout=60000)

    x, y = page.evaluate(ON_PAGE, list(GARISSA))
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_selector("#incident-detail:not([hidden]) .spot-item", timeout=60000)
    items = page.locator("#incident-detail .spot-item").all_inner_texts()
    assert len(items) == 3, items
    for item, (day, kind, deaths, source) in zip(items, [
            ("2 Mar 2024", "Battles", "fatalities: 2", "Daily Nation"),
            ("9 Mar 2024", "Violence against civilians", "fatalities: 0", "The Standard"),
            ("20 Mar 2024", "Protests", "fatalities: 5", "Kenya News Agency")], strict=True):
        assert day in item and kind in item and deaths in item and source in item, item
    assert "3 incidents at this spot" in page.inner_text("#incident-detail")
    assert page.locator("#incident-detail .spot-item[aria-current='true']").count() == 1

    # Another incident of the list: its details open, the list stays, and it is the one marked.
    page.locator("#incident-detail .spot-pick", has_text="Violence against civilians").click()
    page.wait_for_function("() => document.querySelector('#incident-detail .detail-when').textContent"
                           ".startsWith('9 Mar 2024')", timeout=60000)
    assert "The Standard" in page.locator("#incident-detail .spot-item[aria-current='true']").inner_text()
    assert page.locator("#incident-detail .spot-item").count() == 3
    assert "KEN2" in page.inner_text("#incident-detail .detail-facts")
    from axe_playwright_python.sync_playwright import Axe  # the list's buttons and headings, for axe-core

    violations = Axe().run(page, context={"include": [["#incident-detail"]]}).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    assert log.outside_hosts() == set() and log.errors == []
    context.close()
