"""Every kind of figure the callbacks build passes plotly's own validation.

The callbacks build figures without plotly's per-property checks (see
``dashboard/figures/plain.py``: they cost more than the filtering).
These tests put each kind of figure through the validating constructor
instead, so a misspelt property or a bad value fails here.
"""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.figures import plain
from dashboard.figures.plain import validated
from dashboard.server.mapsources import MapSources
from dashboard.views.map import MapAssets, map_figure
from dashboard.views.timeline import timeline
from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents

BASE = "/assets/"


@pytest.fixture(scope="module")
def synthetic():
    return IncidentStore(dataset_from_incidents(synthetic_incidents(3000), name="syn", title="Synthetic"))


def test_a_plotly_mistake_is_caught():
    figure = plain.figure([plain.trace("scattermap", lat=[1.0], lon=[2.0], marker=dict(size="large"))], {})
    with pytest.raises(ValueError, match="size"):
        validated(figure)


@pytest.mark.parametrize("layers", [
    ["incidents", "displacement", "context"],
    ["incidents", "displacement", "context", "boundaries", "choropleth"],
    [],
])
def test_map_figures_are_valid(store, squares, layers):
    assets = MapAssets(base_url=BASE, sources=MapSources(boundaries=squares), boundary_urls={1: "/b/adm1.geojson"})
    state = {**FilterState.default(store.date_range()).to_dict(), "layers": layers}
    selected = store.incidents["event_id"].iloc[0]
    for display in ({}, {"basemap": "osm"}, {"admin_level": 1}):
        figure = map_figure(state, store, BASE, display=display, selected=selected, assets=assets)
        assert len(validated(figure).data) == len(figure["data"])


def test_rich_compact_and_aggregated_incident_layers_are_valid(synthetic):
    whole = FilterState.default(synthetic.date_range())
    rich = map_figure(FilterState(date(2020, 2, 1), date(2020, 2, 10)).to_dict(), synthetic, BASE)
    compact = map_figure(whole.to_dict(), synthetic, BASE)
    aggregated = map_figure(whole.to_dict(), synthetic, BASE, budget=100)
    for figure, meta in ((rich, "incidents"), (compact, "incidents"), (aggregated, "incidents-aggregate")):
        assert meta in {t["meta"] for t in figure["data"]}
        validated(figure)


def test_timeline_figures_are_valid(store):
    start, end = store.date_range()
    for state in (FilterState(start, end), FilterState(end, start), FilterState(start, end, ("Battles",))):
        validated(timeline(state.to_dict(), store))
