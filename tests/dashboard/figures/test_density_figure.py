"""The density, squares, hexagons and territory builders: valid plotly, a scale that says what a cell is,
values a reader can check on hover, and territory markers that fade with age."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dashboard.figures.density import (
    _closed_rings,
    aggregate_status,
    cell_size_words,
    density_layer,
    hexagon_layer,
    square_layer,
)
from dashboard.figures.plain import encoded, validated
from dashboard.figures.territory import OLDEST_OPACITY, territory_layer
from geodata import FilterState
from geodata.query.budget import Viewport
from geodata.query.density import coarse_squares, density_cells, hexagon_cells
from geodata.query.territory import SIDES, territory_changes
from tests.sahel_incidents import sahel_incidents, sahel_store

MOPTI = Viewport(-4.8, 14.0, -3.6, 15.0, 8.0)


@pytest.fixture(scope="module")
def mali():
    return sahel_store(10_000)


@pytest.fixture(scope="module")
def positions(mali):
    return mali.positions(FilterState.default(mali.date_range()))


def colorbar_title(trace):
    return trace["colorbar"]["title"]["text"]


def test_density_layer_is_a_densitymap_whose_scale_names_the_cell(mali, positions):
    cells = density_cells(mali.columns, positions, MOPTI)
    (trace,) = density_layer(cells)
    validated({"data": [trace], "layout": {}})
    assert trace["type"] == "densitymap" and trace["meta"] == "density"
    assert colorbar_title(trace) == f"Incidents per {cell_size_words(cells.cell_km)} cell" == "Incidents per ~2 km cell"
    # Hover and the colour bar speak in incidents: the hover values add up to the cells' sum.
    assert float(np.sum(trace["customdata"])) == cells.incidents
    assert trace["colorbar"]["ticktext"][-1] == f"{cells.values.max():,.0f}"
    assert trace["zmax"] == pytest.approx(np.sqrt(cells.values.max()))
    assert trace["radius"] == round(cells.pixels * 1.5) in range(6, 14)  # 1.5 cells of ~6 px (snapped to the grid)


def test_fatality_weighted_density_says_fatalities(mali, positions):
    cells = density_cells(mali.columns, positions, MOPTI, weight="fatalities")
    (trace,) = density_layer(cells)
    assert colorbar_title(trace).startswith("Fatalities per ~")
    assert "fatalities in this" in trace["hovertemplate"]


def test_hexagons_are_closed_polygons_named_by_resolution_and_area(mali, positions):
    hexes = hexagon_cells(mali.columns, positions, MOPTI, weight="fatalities")
    (trace,) = hexagon_layer(hexes)
    validated({"data": [trace], "layout": {}})
    assert trace["type"] == "choroplethmap" and trace["meta"] == "incidents-aggregate"
    area = f"{hexes.area_km2:,.0f}" if hexes.area_km2 >= 10 else f"{hexes.area_km2:,.1f}"
    assert colorbar_title(trace) == f"Fatalities per hexagon (res {hexes.resolution}, ~{area} km²)"
    features = trace["geojson"]["features"]
    assert len(features) == len(trace["locations"]) == len(hexes.cells)
    assert all(f["geometry"]["coordinates"][0][0] == f["geometry"]["coordinates"][0][-1] for f in features)
    assert float(np.sum(trace["customdata"])) == pytest.approx(hexes.total)


def test_squares_span_their_cell(mali, positions):
    squares = coarse_squares(mali.columns, positions, MOPTI)
    (trace,) = square_layer(squares)
    validated({"data": [trace], "layout": {}})
    ring = trace["geojson"]["features"][0]["geometry"]["coordinates"][0]
    assert ring[1][0] - ring[0][0] == pytest.approx(squares.cell_degrees, abs=2e-4)
    assert ring[2][1] - ring[1][1] == pytest.approx(squares.cell_degrees_lat, abs=2e-4)
    assert colorbar_title(trace) == f"Incidents per {cell_size_words(squares.cell_km)} square"


def test_cell_sizes_in_round_words():
    assert [cell_size_words(km) for km in (0.42, 2.4, 12.6, 240.0)] == ["~0.4 km", "~2 km", "~10 km", "~200 km"]


def test_status_says_what_is_drawn_and_how_to_get_points(mali, positions):
    hexes = hexagon_cells(mali.columns, positions, MOPTI)
    text = aggregate_status(10_000, hexes, "hexagons", 5_000)
    assert text.startswith(f"10,000 incidents drawn as {len(hexes.cells):,} hexagons (H3 res {hexes.resolution}")
    assert "zoom in or filter for points (point budget 5,000)" in text
    assert f"; {hexes.incidents:,} in and around the view)" in text
    every = aggregate_status(hexes.incidents, hexes, "hexagons", 5_000)
    assert "in and around" not in every  # all of them are: nothing to add


def test_an_empty_selection_still_builds_valid_layers(mali):
    none = np.empty(0, dtype=np.int64)
    for trace in (density_layer(density_cells(mali.columns, none, MOPTI))
                  + square_layer(coarse_squares(mali.columns, none, MOPTI))
                  + hexagon_layer(hexagon_cells(mali.columns, none, MOPTI))):
        validated({"data": [trace], "layout": {}})


# ---------------------------------------------------------------- territory


def test_territory_markers_are_coloured_by_side_and_fade_with_age(mali, positions):
    changes = territory_changes(mali.columns, positions)
    first, last = int(mali.columns.days[0]), int(mali.columns.days[-1])
    traces = territory_layer(changes, first, last)
    validated({"data": traces, "layout": {}})
    assert [t["meta"] for t in traces] == ["territory"] * len(SIDES)
    assert sum(len(t["lat"]) for t in traces) == len(changes) > 0
    assert len({t["marker"]["color"] for t in traces}) == len(SIDES)
    for trace, code in zip(traces, range(len(SIDES)), strict=True):
        days = changes.days[changes.side == code]
        opacity = trace["marker"]["opacity"]
        assert opacity[np.argmax(days)] == pytest.approx(OLDEST_OPACITY + (1 - OLDEST_OPACITY) * (days.max() - first)
                                                         / (last - first))
        assert (np.diff(opacity) >= 0).all()  # date order: later is never fainter
    assert traces[0]["name"] == f"Government regained ({int((changes.side == 0).sum()):,})"


def test_territory_hover_names_who_gained_and_escapes_it():
    frame = sahel_incidents(400)
    frame.loc[frame["sub_event_type"] == "Non-state actor overtakes territory", "actor1"] = "<img src=x onerror=alert(1)>"
    from geodata import IncidentStore
    from geodata.model.dataset import dataset_from_incidents

    store = IncidentStore(dataset_from_incidents(frame, name="sahel-xss", title="Mali"))
    changes = territory_changes(store.columns, store.positions(FilterState.default(store.date_range())))
    traces = territory_layer(changes, int(store.columns.days[0]), int(store.columns.days[-1]), total=len(changes) + 9)
    sent = json.dumps(encoded(traces))
    assert "<img" not in sent and "&lt;img src=x onerror=alert(1)&gt;" in sent
    assert traces[0]["legendgrouptitle"]["text"].startswith(f"Territory changes: latest {len(changes):,} of")


def test_scale_ticks_are_round_values_spread_along_the_bar_and_end_at_the_largest():
    from dashboard.figures.density import _ticks

    places, labels = _ticks(5_030.0)
    assert labels[0] == "0" and labels[-1] == "5,030" and "5,000" not in labels  # too close to the top
    spread = np.diff(np.asarray(places) / places[-1])
    assert (spread >= 0.08 - 1e-9).all()
    assert set(labels[1:-1]) <= {"1", "2", "5", "10", "20", "50", "100", "200", "500", "1,000", "2,000"}
    assert _ticks(0.0) == ([0.0], ["0"])


def test_control_areas_are_valid_fills_one_per_holder_in_the_legend():
    import geopandas as gpd
    import shapely

    from dashboard.figures.territory import control_layer

    areas = gpd.GeoDataFrame({"holder": ["Army", "<b>JNIM</b>", "Army"]},
                             geometry=[shapely.box(0, 15, 1, 16), shapely.box(2, 15, 3, 16), shapely.box(0, 14, 1, 15)],
                             crs="EPSG:4326")
    traces = control_layer(areas, ["Army", "<b>JNIM</b>", "CSP"], "1 Jun 2023", "control.geojson")
    validated({"data": traces, "layout": {}})
    assert [(t["name"], len(t["locations"])) for t in traces] == [("Army", 2), ("&lt;b&gt;JNIM&lt;/b&gt;", 1), ("CSP", 0)]
    assert len({t["colorscale"][0][1] for t in traces}) == 3
    assert all(t["legendgrouptitle"]["text"] == "Areas of control as of 1 Jun 2023 (control.geojson)" for t in traces)


def test_rings_are_closed_and_rounded_whatever_their_length():
    import h3

    # A pentagon among hexagons (H3 has twelve pentagons at every resolution).
    cells = [h3.latlng_to_cell(12.65, -8.0, 5), h3.get_pentagons(5)[0], h3.latlng_to_cell(-1.29, 36.82, 5)]
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(cell)] for cell in cells]
    closed = _closed_rings(rings)
    assert [len(ring) for ring in closed] == [len(corners) + 1 for corners in rings] != [7, 7, 7]
    for ring, corners in zip(closed, rings, strict=True):
        assert ring[0] == ring[-1]
        assert ring[:-1] == [[round(x, 4), round(y, 4)] for x, y in corners]
    assert _closed_rings([]) == []
