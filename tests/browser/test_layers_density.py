"""In the browser, on a year of incidents in Mali over a small point budget: the density surface, squares
and hexagons above the budget, the density and territory layers toggled on and off, each drawing its
traces in MapLibre, with a scale or legend saying what it shows; screenshots in /tmp/shots/."""
from __future__ import annotations

import os

import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.config import Config
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.sahel_incidents import sahel_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = "/tmp/shots"
BUDGET = 2_000

#: What plotly holds and what MapLibre draws: traces by meta (type, points, scale title), MapLibre layer types.
DRAWN = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const status = (gd.layout.annotations || []).find(a => a.name === 'status');
  return {
    traces: gd._fullData.map(t => ({meta: t.meta, type: t.type, name: t.name,
      points: t.lat ? Array.from(t.lat).filter(v => v !== null).length : (t.locations || []).length,
      scale: t.colorbar && t.colorbar.title ? t.colorbar.title.text : null})),
    layers: map.getStyle().layers.map(l => ({id: l.id, type: l.type})),
    legend: Array.from(document.querySelectorAll('#incident-map .legend .legendtext')).map(e => e.textContent),
    scales: Array.from(document.querySelectorAll('#incident-map .colorbar .cbtitle')).map(e => e.textContent),
    status: status ? status.text : ''};
}"""


@pytest.fixture(scope="module")
def mali_url(serve):
    return serve(create_app(sahel_store(20_000), config=Config(point_budget=BUDGET)).server)


def drawn(page):
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map"), "the map never became idle"
    return page.evaluate(DRAWN)


STATUS = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const s = gd && gd.layout && (gd.layout.annotations || []).find(a => a.name === 'status');
  return s ? s.text : '';
}"""


def wait_status(page, words: str):
    try:
        page.wait_for_function(f"() => ({STATUS})().includes({words!r})", timeout=60000)
    except Exception as exc:
        raise AssertionError(f"status never said {words!r}; it says {page.evaluate(STATUS)!r}") from exc


def wait_trace(page, meta: str, present: bool = True):
    page.wait_for_function(f"""() => {{
      const gd = document.querySelector('#incident-map .js-plotly-plot');
      return gd && gd.data && gd.data.some(t => t.meta === {meta!r}) === {str(present).lower()};
    }}""", timeout=60000)


def shot(page, name: str):
    os.makedirs(SHOTS, exist_ok=True)
    page.locator("#incident-map").screenshot(path=f"{SHOTS}/{name}.png")


def test_aggregates_and_layers_draw_their_traces(browser, mali_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(mali_url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")

    # Over the budget the map opens on the density surface: a heatmap layer in MapLibre, a scale named.
    wait_status(page, "drawn as a density surface")
    state = drawn(page)
    (surface,) = [t for t in state["traces"] if t["meta"] == "incidents-aggregate"]
    assert surface["type"] == "densitymap" and surface["points"] > 20
    assert any(layer["type"] == "heatmap" for layer in state["layers"])
    assert state["status"].startswith("20,000 incidents drawn as a density surface (~")
    assert any(title.startswith("Incidents per ~") and title.endswith("cell") for title in state["scales"])
    shot(page, "density-over-budget")

    # Hexagons, weighted by fatalities: filled polygons in MapLibre, the scale names the hexagon.
    page.locator(f"#{ids.AGGREGATE} input[value=hexagons]").click()
    wait_status(page, "hexagons (H3 res")
    page.locator(f"#{ids.WEIGHT} input[value=fatalities]").click()
    wait_status(page, "by fatalities")
    state = drawn(page)
    (hexes,) = [t for t in state["traces"] if t["meta"] == "incidents-aggregate"]
    assert hexes["type"] == "choroplethmap" and hexes["points"] > 10
    assert any(layer["type"] == "fill" for layer in state["layers"])
    assert any(title.startswith("Fatalities per hexagon (res ") for title in state["scales"])
    shot(page, "hexagons-fatalities")

    # Squares.
    page.locator(f"#{ids.AGGREGATE} input[value=squares]").click()
    wait_status(page, "squares (~")
    assert any(title.startswith("Fatalities per ~") and title.endswith("square") for title in drawn(page)["scales"])
    shot(page, "squares")

    # The territory layer on: markers of the three sides, in the legend; off again: gone.
    page.locator(f"#{ids.LAYERS} input[value=territory]").click()
    wait_trace(page, "territory")
    state = drawn(page)
    territory = [t for t in state["traces"] if t["meta"] == "territory"]
    assert len(territory) == 3 and sum(t["points"] for t in territory) > 100
    assert any(text.startswith("Government regained (") for text in state["legend"])
    shot(page, "territory")
    page.locator(f"#{ids.LAYERS} input[value=territory]").click()
    wait_trace(page, "territory", present=False)

    # Narrow to March (under the budget: points), then the density layer on: a surface under the points.
    page.locator(f"#{ids.LAYERS} input[value=density]").click()
    wait_trace(page, "density")
    page.click(f"#{ids.QUICK_RANGES['quick-7']}")
    wait_status(page, "shown as points")
    state = drawn(page)
    metas = [t["meta"] for t in state["traces"]]
    assert "density" in metas and metas.index("density") < metas.index("incidents")
    assert any(layer["type"] == "heatmap" for layer in state["layers"])
    shot(page, "density-layer-under-points")
    page.locator(f"#{ids.LAYERS} input[value=density]").click()
    wait_trace(page, "density", present=False)
    assert not any(layer["type"] == "heatmap" for layer in drawn(page)["layers"])

    assert log.outside_hosts() == set()
    assert log.errors == [], log.errors
    context.close()


def relayout(page, lat: float, lon: float, zoom: float):
    """Move the map as a pan and zoom would, once it is idle, and wait until plotly has it there. A move
    made while the page's first answers still arrive can be undone by them (the map then shows the
    opening view again): the move is made again then, as an analyst would pan again."""
    there = f"""() => {{ const m = document.querySelector('#incident-map .js-plotly-plot')._fullLayout.map;
      return Math.abs(m.center.lat - {lat}) < 1e-3 && Math.abs(m.center.lon - {lon}) < 1e-3
        && Math.abs(m.zoom - {zoom}) < 1e-3; }}"""
    for _attempt in range(3):
        assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60000)
        page.evaluate(f"""() => Plotly.relayout(document.querySelector('#incident-map .js-plotly-plot'),
                                                {{'map.center': {{lat: {lat}, lon: {lon}}}, 'map.zoom': {zoom}}})""")
        page.wait_for_timeout(1500)
        if page.evaluate(there):
            return
    raise AssertionError(f"the map never stayed at {lat}, {lon}, zoom {zoom}")


def test_panning_the_surface_over_an_empty_area_and_back_keeps_the_map_drawing(browser, mali_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(mali_url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    wait_status(page, "drawn as a density surface")
    page.wait_for_timeout(3000)  # the page's start-up answers all in (a pan during them can be overtaken)
    for aggregate in ("density", "hexagons"):
        page.locator(f"#{ids.AGGREGATE} input[value={aggregate}]").click()
        # Western Mali has no incident in this table: the cells follow the view and none is drawn.
        relayout(page, 14.4, -11.4, 8)
        wait_status(page, "; 0 in and around the view")
        assert [t["points"] for t in drawn(page)["traces"] if t["meta"] == "incidents-aggregate"] in ([0], [1])
        # Back over Mopti at zoom 8: cells again, finer than at the opening zoom.
        relayout(page, 14.49, -4.19, 8)
        page.wait_for_function("""() => {
          const gd = document.querySelector('#incident-map .js-plotly-plot');
          const s = (gd.layout.annotations || []).find(a => a.name === 'status');
          return s && / [1-9][0-9,]* in and around the view/.test(s.text);
        }""", timeout=60000)
        state = drawn(page)
        assert [t["points"] > 0 for t in state["traces"] if t["meta"] == "incidents-aggregate"] == [True]
        shot(page, f"{aggregate}-zoomed-mopti")
        relayout(page, 16.0, -1.0, 5.5)
    assert log.errors == [], log.errors
    context.close()
