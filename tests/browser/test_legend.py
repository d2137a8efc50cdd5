"""In the browser, on a Kenyan dataset: the map's legend has its fatality size key (discs as large as the
points they stand for), and colouring incidents by actor redraws the points and the legend."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.figures.incidents import SIZE_KEY_FATALITIES, marker_size
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.dashboard.figures.kenya_support import kenya_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEGEND = """() => Array.from(document.querySelectorAll('#incident-map .legend .legendtext'))
  .map(t => t.textContent)"""
#: The size key's discs as drawn: their widths on screen (px), left to right.
KEY_DISCS = """() => { const gd = document.querySelector('#incident-map .js-plotly-plot');
  const shapes = gd._fullLayout.shapes, paths = gd.querySelectorAll('.shapelayer path');
  return shapes.map((s, i) => [s.name, s.type, paths[i] && paths[i].getBoundingClientRect().width])
    .filter(s => s[0] === 'size-key' && s[1] === 'circle').map(s => s[2]); }"""
KEY_LABELS = """() => Array.from(document.querySelectorAll('#incident-map .annotation-text'))
  .map(t => t.textContent)"""


@pytest.fixture(scope="module")
def kenya_url(serve, tmp_path_factory):
    return serve(create_app(kenya_store(tmp_path_factory.mktemp("kenya"))).server)


def open_map(browser, url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return context, page, log


def test_the_legend_shows_the_size_key(browser, kenya_url):
    context, page, log = open_map(browser, kenya_url)
    labels = page.evaluate(KEY_LABELS)
    assert {"Fatalities", "1", "10", "100"} <= set(labels)
    widths = page.evaluate(KEY_DISCS)
    expected = [float(d) for d in marker_size(np.asarray(SIZE_KEY_FATALITIES, dtype=np.float32))]
    assert len(widths) == 3 and all(abs(w - e) <= 1.5 for w, e in zip(widths, expected, strict=True)), widths
    legend = page.evaluate(LEGEND)
    assert "B · Battles" in legend and "R · Riots" in legend
    assert log.errors == []
    context.close()


def test_colouring_by_actor_redraws_the_points_and_the_legend(browser, kenya_url):
    context, page, log = open_map(browser, kenya_url)
    page.click(f"#{ids.COLOUR_BY}")
    page.get_by_role("option", name="Actor").click()
    page.wait_for_function(f"() => ({LEGEND})().includes('A · Al Shabaab')", timeout=60000)
    legend = page.evaluate(LEGEND)
    assert "+ · Other" in legend and "B · Battles" not in legend
    assert any(text.startswith("Incidents by actor") for text in legend)
    colours = page.evaluate("""() => document.querySelector('#incident-map .js-plotly-plot').data
        .filter(t => t.meta === 'incidents').map(t => [t.name, t.marker.color])""")
    assert len({c for _, c in colours}) == len(colours) == 9
    assert "colour=actor" in page.url  # the link keeps it
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map") and log.errors == []
    context.close()
