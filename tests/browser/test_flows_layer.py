"""In the browser, on an imported Sudanese HNAP-shaped workbook with state boundaries: switching the Flows layer
on draws the origin-to-destination arcs (width classes in the legend, the flow without a location named
there), hovering an arc names both ends, the people and the month, and switching it off removes them."""
from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.hnap_sudan import BOUNDARIES, write_workbook

pytestmark = pytest.mark.browser

#: The flows traces as plotly holds them: name, line width, points.
FLOW_TRACES = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  return gd._fullData.filter(t => t.meta === 'flows').map(t => ({
    name: t.name, width: t.line ? t.line.width : null,
    points: Array.from(t.lat || []).filter(v => v !== null && !Number.isNaN(v)).length}));
}"""
#: Screen position of a vertex of the trace named ``name`` that a user can point at (on the map, not
#: under the legend), the arc's middle ones first.
ARC_POINT = """(name) => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const rect = map.getCanvas().getBoundingClientRect();
  const t = gd._fullData.find(t => t.meta === 'flows' && t.name === name);
  const lat = Array.from(t.lat), lon = Array.from(t.lon);
  const end = lat.findIndex(v => v === null || Number.isNaN(v)), middle = Math.floor(end / 2);
  const order = [...Array(end).keys()].sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
  for (const i of order) {
    const p = map.project([lon[i], lat[i]]);
    if (p.x < 20 || p.y < 20 || p.x > rect.width - 20 || p.y > rect.height - 20) continue;
    const x = rect.left + p.x, y = rect.top + p.y;
    const under = document.elementFromPoint(x, y);
    if (under && under.closest('#incident-map') && !under.closest('.legend')) return [x, y];
  }
  return null;
}"""
LEGEND = """() => [...document.querySelectorAll('#incident-map .legendtext')].map(e => e.textContent)"""


@pytest.fixture(scope="module")
def sudan_flows_url(serve, tmp_path_factory):
    folder = tmp_path_factory.mktemp("flows")
    catalog = DataDirectory(folder / "data")
    ingest_file(BOUNDARIES, "boundaries", catalog, report_root=folder)
    for month, scale in (("2023-05", 1.0), ("2023-06", 0.5)):  # June: every figure halved
        ingest_file(write_workbook(folder, month, scale), "hnap", catalog, dataset="sudan-flows", report_root=folder)
    return serve(Site(catalog=catalog)) + "/datasets/sudan-flows/"


def test_flows_layer_draws_arcs_whose_hover_names_both_ends(browser, sudan_flows_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(sudan_flows_url + "?start=2023-05-01&end=2023-05-31", wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    assert page.evaluate(FLOW_TRACES) == []  # off by default

    page.locator(f"#{ids.LAYERS} input[value=flows]").check()
    page.wait_for_function(f"() => ({FLOW_TRACES})().length > 0", timeout=60000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    traces = {t["name"]: t for t in page.evaluate(FLOW_TRACES)}
    assert traces["100,000 people or more"]["width"] == 8 and traces["100,000 people or more"]["points"] > 10
    assert {"10,000–100,000 people", "1,000–10,000 people", "Moved within one area"} <= set(traces)
    legend = page.evaluate(LEGEND)
    assert "not drawn: 1 flow without a location (Blue Nile)" in legend
    assert "100,000 people or more" in legend
    assert not [e for e in legend if "origin to destination" in e]  # the matrix is not a displacement series

    # Khartoum → Aj Jazirah, 120,000 people in May 2023: a user zooms to it, hovers the arc and reads both ends.
    page.evaluate("""() => Plotly.relayout(document.querySelector('#incident-map .js-plotly-plot'),
                                           {'map.center': {lat: 14.9, lon: 33.8}, 'map.zoom': 6.5})""")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    x, y = page.evaluate(ARC_POINT, "100,000 people or more")
    page.mouse.move(x, y)
    page.wait_for_selector("#incident-map .hoverlayer .hovertext", timeout=20000)
    hover = page.evaluate("() => document.querySelector('#incident-map .hoverlayer').textContent")
    assert "Khartoum → Aj Jazirah" in hover and "120,000 people" in hover and "May 2023" in hover, hover
    page.screenshot(path="/tmp/shots/flows_layer.png")
    page.mouse.move(5, 5)

    # June alone (through the link, as an analyst shares it): the flows follow the dates.
    page.goto(sudan_flows_url + "?start=2023-06-01&end=2023-06-30&layer=flows", wait_until="networkidle")
    page.wait_for_function(f"() => ({FLOW_TRACES})().some(t => t.name === '10,000–100,000 people')",
                           timeout=60000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    names = {t["name"] for t in page.evaluate(FLOW_TRACES)}
    assert "100,000 people or more" not in names and "10,000–100,000 people" in names  # 60,000 in June
    page.locator(f"#{ids.LAYERS} input[value=flows]").uncheck()
    page.wait_for_function(f"() => ({FLOW_TRACES})().length === 0", timeout=60000)
    assert log.outside_hosts() == set()
    assert log.errors == [], log.errors
    context.close()
