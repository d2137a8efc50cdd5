"""Density cells, coarse squares and H3 hexagons over incidents in Mali: they add up to what the filter
selects in the area they cover, they are as fine as the zoom asks, and they stay under the byte limit."""
from __future__ import annotations

from datetime import date

import h3
import numpy as np
import pytest

from geodata import FilterState
from geodata.query import density
from geodata.query.budget import Viewport, grid_cells
from geodata.query.density import (
    BYTES_PER_CELL,
    BYTES_PER_POLYGON,
    byte_limit,
    coarse_squares,
    density_cells,
    hex_resolution,
    hexagon_cells,
)
from tests.sahel_incidents import sahel_incidents, sahel_store

# Around Mopti, a bit wider than the cluster: at zoom 8 a 6 px cell is ~2.5 km.
MOPTI = Viewport(-4.8, 14.0, -3.6, 15.0, 8.0)


@pytest.fixture(scope="module")
def mali():
    return sahel_store(20_000)


def whole(store):
    return store.positions(FilterState.default(store.date_range()))


def inside(store, positions, bounds):
    west, south, east, north = bounds
    lon, lat = store.columns.longitude[positions], store.columns.latitude[positions]
    return positions[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)]


@pytest.mark.parametrize("view", [MOPTI, Viewport(-6.0, 13.0, 4.0, 19.0, 5.5), None])
def test_density_cells_add_up_to_the_incidents_in_the_area_they_cover(mali, view):
    positions = whole(mali)
    cells = density_cells(mali.columns, positions, view)
    expected = inside(mali, positions, cells.bounds)
    assert cells.incidents == len(expected) > 0
    assert cells.values.sum() == pytest.approx(len(expected))
    assert (cells.values > 0).all()
    if view is None:  # no view yet: the cells cover every point
        assert cells.incidents == len(positions)


def test_fatality_weights_sum_the_reported_fatalities_and_count_unreported_as_nothing(mali):
    positions = whole(mali)
    cells = density_cells(mali.columns, positions, MOPTI, weight="fatalities")
    deaths = mali.columns.fatalities[inside(mali, positions, cells.bounds)]
    assert np.isnan(deaths).any()  # the fixture leaves some unreported
    assert cells.values.sum() == pytest.approx(float(np.nansum(deaths)))
    assert cells.weight == "fatalities"


def test_cells_follow_the_filter(mali):
    march = mali.positions(FilterState(date(2023, 3, 1), date(2023, 3, 31), event_types=("Battles",)))
    cells = density_cells(mali.columns, march, None)
    assert cells.values.sum() == len(march) > 0
    frame = mali.dataset.incidents
    assert len(march) == int(((frame["event_date"].dt.month == 3) & (frame["event_type"] == "Battles")).sum())


def test_density_cells_are_a_few_pixels_wide_and_far_finer_than_the_old_grid(mali):
    positions = whole(mali)
    cells = density_cells(mali.columns, positions, MOPTI)
    # cells snap to the data's power-of-two grid: at most √2 off the 6 px asked for
    assert density.DENSITY_PIXELS / 2**0.5 <= cells.pixels <= density.DENSITY_PIXELS * 2**0.5
    # At zoom 8 near 14.5° N, 6 px are 360 * 6 / (512 * 256) degrees, ~2.5 km on the ground.
    six = 360 * 6 / (512 * 2**8) * 111.32 * np.cos(np.radians(14.5))
    assert six / 2**0.5 * 0.99 <= cells.cell_km <= six * 2**0.5 * 1.01
    old = grid_cells(mali.columns, inside(mali, positions, cells.bounds), 360 * 40 / (512 * 2**8))
    assert len(cells.values) > 10 * len(old.counts)


def test_points_fall_in_the_cell_whose_centre_is_nearest(mali):
    positions = whole(mali)
    cells = density_cells(mali.columns, positions, MOPTI)
    i = inside(mali, positions, cells.bounds)[0]
    lon, lat = mali.columns.longitude[i], mali.columns.latitude[i]
    nearest = np.argmin(np.maximum(np.abs(cells.longitude - lon) / cells.cell_degrees,
                                   np.abs(cells.latitude - lat) / cells.cell_degrees_lat))
    assert abs(cells.longitude[nearest] - lon) <= cells.cell_degrees / 2 + 1e-5
    assert abs(cells.latitude[nearest] - lat) <= cells.cell_degrees_lat / 2 + 1e-5


@pytest.mark.parametrize("budget", [100, 1_000, 50_000])
def test_the_cells_stay_under_the_budgets_byte_limit(mali, budget):
    positions = whole(mali)
    wide = Viewport(-6.0, 13.0, 4.0, 19.0, 9.0)  # zoom 9 over all Mali: ~170,000 cells of 6 px
    cells = density_cells(mali.columns, positions, wide, budget=budget)
    assert len(cells.values) * BYTES_PER_CELL <= byte_limit(budget)
    assert cells.values.sum() == cells.incidents == len(inside(mali, positions, cells.bounds))
    squares = coarse_squares(mali.columns, positions, wide, budget=budget)
    assert len(squares.values) * BYTES_PER_POLYGON <= byte_limit(budget)
    assert squares.values.sum() == squares.incidents


def test_coarse_squares_are_forty_pixels(mali):
    squares = coarse_squares(mali.columns, whole(mali), MOPTI)
    assert density.SQUARE_PIXELS / 2**0.5 <= squares.pixels <= density.SQUARE_PIXELS * 2**0.5  # snapped to the grid
    assert squares.cell_degrees == pytest.approx(360 * 40 / (512 * 2**8) * squares.pixels / density.SQUARE_PIXELS)


def test_nothing_selected_gives_no_cells(mali):
    none = mali.positions(FilterState(date(2023, 3, 2), date(2023, 3, 1)))
    for cells in (density_cells(mali.columns, none, MOPTI), density_cells(mali.columns, none, None)):
        assert len(cells.values) == 0 and cells.incidents == 0 and cells.total == 0
    assert len(hexagon_cells(mali.columns, none, MOPTI).cells) == 0


def test_incidents_without_coordinates_are_not_placed_in_any_cell():
    frame = sahel_incidents(2_000)
    frame.loc[frame.index[:50], ["latitude", "longitude"]] = np.nan
    from geodata import IncidentStore
    from geodata.model.dataset import dataset_from_incidents

    store = IncidentStore(dataset_from_incidents(frame, name="sahel-nan", title="Mali"))
    positions = whole(store)
    assert density_cells(store.columns, positions, None).values.sum() == 1_950
    assert hexagon_cells(store.columns, positions, None).values.sum() == 1_950


# ---------------------------------------------------------------- hexagons


def test_hexagon_resolution_follows_the_zoom():
    resolutions = [hex_resolution(zoom, 15.0) for zoom in (4, 6, 8, 10, 12)]
    assert resolutions == sorted(resolutions) and resolutions[0] < resolutions[-1]
    # ~36 px wide at zoom 8 near 15° N: res 6 hexagons are ~7.4 km across, ~4.6 km is 36 px there.
    assert hex_resolution(8, 15.0) in (6, 7)


def test_hexagons_count_the_incidents_in_each_h3_cell(mali):
    positions = whole(mali)
    hexes = hexagon_cells(mali.columns, positions, MOPTI)
    chosen = inside(mali, positions, hexes.bounds)
    assert hexes.values.sum() == hexes.incidents == len(chosen)
    expected: dict[int, int] = {}
    for lat, lon in zip(mali.columns.latitude[chosen].tolist(), mali.columns.longitude[chosen].tolist(), strict=True):
        cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, hexes.resolution))
        expected[cell] = expected.get(cell, 0) + 1
    assert dict(zip(hexes.cells.tolist(), hexes.values.astype(int).tolist(), strict=True)) == expected
    assert all(len(ring) in (5, 6) for ring in hexes.rings)
    assert hexes.area_km2 == pytest.approx(h3.average_hexagon_area(hexes.resolution, "km^2"))


def test_the_row_index_for_large_selections_gives_the_same_hexagons(mali, monkeypatch):
    positions = whole(mali)
    direct = hexagon_cells(mali.columns, positions, MOPTI, weight="fatalities")
    monkeypatch.setattr(density, "HEX_DIRECT_LIMIT", 0)
    indexed = hexagon_cells(mali.columns, positions, MOPTI, weight="fatalities")
    assert indexed.resolution == direct.resolution
    assert indexed.cells.tolist() == direct.cells.tolist()
    assert indexed.values.tolist() == pytest.approx(direct.values.tolist())


def test_hexagons_get_coarser_rather_than_pass_the_byte_limit(mali):
    positions = whole(mali)
    wide = Viewport(-6.0, 13.0, 4.0, 19.0, 9.0)
    fine = hexagon_cells(mali.columns, positions, wide)
    small = hexagon_cells(mali.columns, positions, wide, budget=200)
    assert small.resolution < fine.resolution
    assert len(small.cells) * BYTES_PER_POLYGON <= byte_limit(200)
    assert small.values.sum() == small.incidents == fine.incidents


def test_a_long_thin_view_still_keeps_under_the_cap(mali):
    strip = Viewport(-12.0, 14.40, 4.5, 14.45, 11.0)  # all Mali wide, a few pixels high, zoomed in
    for max_cells in (10, 90, 1_000):
        cells = density.square_cells(mali.columns, whole(mali), strip, max_cells=max_cells)
        west, south, east, north = cells.bounds
        columns = np.ceil((east - west) / cells.cell_degrees - 1e-6)  # the bounds are whole cells of the grid
        rows = np.ceil((north - south) / cells.cell_degrees_lat - 1e-6)
        assert columns * rows <= max_cells and len(cells.values) <= max_cells
        assert cells.values.sum() == cells.incidents


def test_repeated_places_are_looked_up_once_with_the_same_hexagons(monkeypatch):
    # Real exports repeat their places (a town's centroid, an admin area's): the row index calls H3 once
    # a place. Mali again, every incident snapped to one of 300 places, a few without coordinates.
    frame = sahel_incidents(6_000, seed=11)
    places = frame[["latitude", "longitude"]].drop_duplicates().head(300).to_numpy()
    pick = np.random.default_rng(3).integers(0, len(places), len(frame))
    frame["latitude"], frame["longitude"] = places[pick, 0], places[pick, 1]
    frame.loc[frame.index[::500], ["latitude", "longitude"]] = np.nan
    from geodata.model.dataset import dataset_from_incidents
    from geodata.query.store import IncidentStore

    store = IncidentStore(dataset_from_incidents(frame, name="places", title="Mali places (test)"))
    positions = whole(store)
    monkeypatch.setattr(density, "HEX_DIRECT_LIMIT", 0)  # the row index, not the direct path
    calls = []
    cell_ids = density._cell_ids
    monkeypatch.setattr(density, "_cell_ids", lambda lat, lon, res: calls.append(len(lat)) or cell_ids(lat, lon, res))
    for zoom in (6.0, 8.0):
        view = Viewport(-6.0, 12.0, -1.0, 17.0, zoom)
        hexes = hexagon_cells(store.columns, positions, view)
        located = positions[~np.isnan(store.columns.latitude[positions])]
        chosen = inside(store, located, hexes.bounds)
        expected: dict[int, int] = {}
        for lat, lon in zip(store.columns.latitude[chosen].tolist(), store.columns.longitude[chosen].tolist(),
                            strict=True):
            cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, hexes.resolution))
            expected[cell] = expected.get(cell, 0) + 1
        assert dict(zip(hexes.cells.tolist(), hexes.values.astype(int).tolist(), strict=True)) == expected
    assert calls and max(calls) <= 301  # places (and the one missing point), not 6,000 rows
