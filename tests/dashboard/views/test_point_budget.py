"""The map never receives more than the point budget of raw points, and says what it shows."""
from __future__ import annotations

import json

import numpy as np
import pytest
from dash._utils import to_json

from dashboard import ids
from dashboard.views.map import map_needs_redraw, update_map
from geodata import IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import drawn

BASE = "/assets/"
WHOLE = {"start": "2017-01-01", "end": "2021-12-31", "event_types": None, "layers": ["incidents"]}


@pytest.fixture(scope="module")
def big_store():
    return IncidentStore(dataset_from_incidents(synthetic_incidents(30_000, seed=3), name="syn", title="Synthetic"))


def relayout(west, south, east, north, zoom):
    return {"map.center": {"lon": (west + east) / 2, "lat": (south + north) / 2}, "map.zoom": zoom,
            "map._derived": {"coordinates": [[west, north], [east, north], [east, south], [west, south]]}}


def raw_points(figure):
    return sum(drawn(t) for t in figure.data if t.meta == "incidents")


def status(figure):
    return next(a.text for a in figure.layout.annotations if a.name == "status")


def test_above_budget_the_map_aggregates(big_store):
    figure = update_map(WHOLE, big_store, BASE, budget=5_000)
    assert raw_points(figure) == 0
    cells = next(t for t in figure.data if t.meta == "incidents-aggregate")
    assert cells.type == "densitymap" and int(np.sum(np.asarray(cells.customdata))) == 30_000
    assert "30,000 incidents drawn as a density surface" in status(figure) and "budget 5,000" in status(figure)


def test_zooming_in_switches_back_to_points(big_store):
    figure = update_map(WHOLE, big_store, BASE, relayout(36.62, 35.92, 36.65, 35.94, 14), budget=5_000)
    drawn = raw_points(figure)
    assert 0 < drawn <= 5_000
    assert f"{drawn:,} of 30,000 incidents (those in view) shown as points" == status(figure)


def test_under_budget_every_point_is_sent_compactly(big_store):
    state = {**WHOLE, "start": "2018-01-01", "end": "2020-12-31"}
    figure = update_map(state, big_store, BASE, budget=50_000)
    drawn = raw_points(figure)
    assert drawn == len(big_store.positions(big_store_state(big_store, state)))
    # Typed arrays on the wire (as Dash encodes the figure): under 20 bytes a point.
    sent = json.loads(to_json(figure))["data"]
    incidents = [t for t in sent if t["meta"] == "incidents"]
    assert all(t["lat"]["dtype"] == "f4" and t["marker"]["size"]["dtype"] == "u1" for t in incidents)
    assert drawn > 2_000 and len(json.dumps(incidents)) / drawn < 20


def big_store_state(store, data):
    from geodata import FilterState
    return FilterState.from_dict(data, store.date_range())


def test_pan_redraws_only_above_budget(big_store, store):
    pan = relayout(36.5, 35.8, 36.8, 36.0, 11)
    assert map_needs_redraw(ids.MAP, pan, WHOLE, big_store, budget=5_000)
    assert not map_needs_redraw(ids.MAP, pan, WHOLE, big_store, budget=50_000)
    assert not map_needs_redraw(ids.MAP, {"autosize": True}, WHOLE, store)
    assert map_needs_redraw(ids.FILTER, None, WHOLE, store)
