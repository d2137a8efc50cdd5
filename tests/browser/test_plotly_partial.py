"""In the browser: the page runs the partial plotly.js bundle, and the map and the timeline draw with it."""
from __future__ import annotations

import pytest

from dashboard.server.vendored import bundle_manifest

pytestmark = pytest.mark.browser


def test_page_runs_the_partial_bundle_and_draws(app_page):
    page, log = app_page
    registered = set(page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)"))
    assert registered == set(bundle_manifest()["traces"])  # not the full plotly.js (scattergeo, pie, ...)
    assert page.evaluate("() => Plotly.version") == bundle_manifest()["plotly.js"]
    # Both figures drew: the map's status line and the timeline's bars.
    status = page.evaluate("""() => (document.querySelector('#incident-map .js-plotly-plot').layout.annotations || [])
        .find(a => a.name === 'status').text""")
    assert "incident" in status
    page.wait_for_selector("#timeline .js-plotly-plot .barlayer .point path", state="attached")
    assert any(url.endswith("plotly/package_data/plotly.min.js") for url in log.requests)
    assert log.errors == [], log.errors
