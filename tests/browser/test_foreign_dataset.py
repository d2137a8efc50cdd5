"""In the browser, on an imported Sudanese dataset's page: the place search finds a GeoNames town by a
Latin and an Arabic spelling, moves the map there and marks it; town labels appear at town zoom."""
from __future__ import annotations

import json

import pytest

from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import REPO

pytestmark = pytest.mark.browser

SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"

#: The map's traces of one layer (by ``meta``), as plotly holds them in the page.
LAYER = """(meta) => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  return gd.data.filter(t => t.meta === meta).map(t => ({
    lat: Array.from(t.lat || []), lon: Array.from(t.lon || []), text: Array.from(t.text || [])}));
}"""
VIEW = """() => { const m = document.querySelector('#incident-map .js-plotly-plot')._fullLayout.map;
  return {lat: m.center.lat, lon: m.center.lon, zoom: m.zoom}; }"""


@pytest.fixture(scope="module")
def sudan_url(serve, tmp_path_factory):
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return serve(Site(catalog=catalog)) + "/datasets/sudan-2024/"


def search(page, query):
    page.fill("#place-search", query)
    page.press("#place-search", "Enter")
    expected = json.dumps(f"Kassala — matched '{query}' (GeoNames)")  # this query's answer, not the last one's
    page.wait_for_function(
        f"() => document.getElementById('place-search-result').textContent.startsWith({expected})", timeout=60000)
    page.wait_for_function(f"() => {{ const v = ({VIEW})(); return Math.abs(v.lat - 15.451) < 0.01"
                           " && Math.abs(v.lon - 36.400) < 0.01 && Math.abs(v.zoom - 11) < 0.05; }",
                           timeout=60000)
    page.wait_for_function(f"() => ({LAYER})('place').length > 0", timeout=60000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")


def test_search_moves_to_the_town_marks_it_and_towns_are_labelled(browser, sudan_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(sudan_url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")

    for query in ("Kasala", "كسلا"):
        page.fill("#place-search", "")
        search(page, query)
        result = page.text_content("#place-search-result")
        assert result.startswith(f"Kassala — matched '{query}' (GeoNames)"), result
        marker = page.evaluate(LAYER, "place")[0]
        assert marker["text"] == ["Kassala"]
        assert marker["lat"][0] == pytest.approx(15.451, abs=1e-3)
        assert marker["lon"][0] == pytest.approx(36.400, abs=1e-3)

    # The marker names Kassala; the town labels do not repeat it.
    labels = page.evaluate(LAYER, "town-labels")
    assert len(labels) == 1 and "Kassala" not in labels[0]["text"]
    # At town zoom elsewhere the map labels that area's GeoNames towns (only the label trace travels).
    page.evaluate("""() => Plotly.relayout(document.querySelector('#incident-map .js-plotly-plot'),
                                           {'map.center': {lat: 13.18, lon: 30.22}, 'map.zoom': 8})""")
    page.wait_for_function(f"() => ({LAYER})('town-labels')[0].text.includes('El Obeid')", timeout=60000)
    assert len(page.evaluate(LAYER, "town-labels")[0]["text"]) <= 80
    assert page.evaluate(LAYER, "place"), "the place found stays marked after a pan"
    assert log.outside_hosts() == set()
    assert log.errors == [], log.errors
    context.close()
