"""The pre-aggregated pyramid gives exactly the sums of binning the rows on the same grid, whatever the
date range, types, view and weight; and the map's cells snap to it without moving while the map pans."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from geodata import FilterState
from geodata.query import pyramid
from geodata.query.budget import Viewport
from geodata.query.columns import HotColumns, row_mask
from geodata.query.density import density_cells
from geodata.query.index import FilterIndexes
from geodata.query.pyramid import LAST, Pyramid
from geodata.query.span import Span, Window, complement_span, date_type_span
from tests.sahel_incidents import sahel_store

TYPES = ("Battles", "Explosions/Remote violence", "Protests", "Riots", "Strategic developments")


def random_columns(n: int, seed: int) -> HotColumns:
    """``n`` random incidents over Mali and its neighbours, clustered, some without coordinates or type."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.2, 14.5], [-8.0, 12.6], [1.2, 16.3], [-3.0, 16.8]])
    which = rng.integers(0, len(centres), n)
    lon = (centres[which, 0] + rng.normal(0, 0.6, n)).astype(np.float32)
    lat = (centres[which, 1] + rng.normal(0, 0.4, n)).astype(np.float32)
    lon[rng.random(n) < 0.01] = np.nan
    lat[rng.random(n) < 0.01] = np.nan
    deaths = rng.integers(0, 20, n).astype(np.float32)
    deaths[rng.random(n) < 0.2] = np.nan  # not reported
    codes = rng.integers(0, len(TYPES), n).astype(np.int16)
    codes[rng.random(n) < 0.005] = -1  # no type
    days = np.sort(rng.integers(19_000, 19_000 + 700, n)).astype(np.int64)
    precision = np.ones(n, np.int8)
    return HotColumns(days=days, latitude=lat, longitude=lon, fatalities=deaths, fatalities_low=deaths,
                      fatalities_high=deaths, geo_precision=precision, type_codes=codes, type_names=TYPES)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows and super-blocks of 2,048, so 10^4-10^5 rows have many of each."""
    monkeypatch.setattr(pyramid, "BLOCK_ROWS", 256)
    monkeypatch.setattr(pyramid, "SUPER_ROWS", 2_048)


def direct_sums(columns: HotColumns, grid: Pyramid, span: Span, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Bin the rows of ``span`` from their float coordinates, independently of the pyramid's tables."""
    rows = np.arange(span.lo, span.hi)
    if span.types is not None:
        codes = columns.type_codes[rows]
        rows = rows[span.types[np.where(codes < 0, len(columns.type_names), codes)]]
    lon, lat = columns.longitude[rows].astype(np.float64), columns.latitude[rows].astype(np.float64)
    known = ~(np.isnan(lon) | np.isnan(lat))
    rows, lon, lat = rows[known], lon[known], lat[known]
    x = np.minimum(np.floor((lon - grid.west) / grid.step_x), LAST).astype(np.int64) >> window.kx
    y = np.minimum(np.floor((lat - grid.south) / grid.step_y), LAST).astype(np.int64) >> window.ky
    keep = (x >= window.x0) & (x <= window.x1) & (y >= window.y0) & (y <= window.y1)
    local = (x[keep] - window.x0) * window.height + (y[keep] - window.y0)
    size = window.width * window.height
    deaths = np.nan_to_num(columns.fatalities[rows[keep]], nan=0.0).astype(np.float64)
    return np.bincount(local, minlength=size), np.bincount(local, weights=deaths, minlength=size)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("tabled", [1 << 20, 1 << 6], ids=["tables", "index of rows near"])
def test_tables_give_the_sums_of_binning_the_rows(small_blocks, monkeypatch, seed, tabled):
    monkeypatch.setattr(pyramid, "MAX_TABLE_CELLS", tabled)  # small: fine levels from the rows near the view
    columns = random_columns(30_000 + 17 * seed, seed)
    grid = Pyramid(columns)
    rng = np.random.default_rng(100 + seed)
    n = len(columns.days)
    checked = 0
    for _ in range(30):
        lo, hi = sorted(rng.integers(0, n + 1, 2).tolist())
        if rng.random() < 0.3:
            lo, hi = 0, n  # the whole range: super-blocks, blocks and a tail
        types = None if rng.random() < 0.4 else rng.random(len(TYPES) + 1) < 0.5
        span = Span(lo, hi, types)
        west, south = rng.uniform(-12, 2), rng.uniform(10, 17)
        size = rng.uniform(0.3, 12)
        window = grid.window((west, south, west + size, south + size * 0.7), size / rng.uniform(5, 300),
                             math.cos(math.radians(south + size * 0.35)), int(rng.integers(50, 20_000)))
        if window is None:  # the box misses the data's grid
            continue
        checked += 1
        fatalities = bool(rng.random() < 0.5)
        counts, weights = grid.sums(span, window, fatalities)
        expected_counts, expected_deaths = direct_sums(columns, grid, span, window)
        assert counts.tolist() == expected_counts.tolist()
        assert weights.tolist() == (expected_deaths if fatalities else expected_counts).tolist()
        rows = np.arange(lo, hi) if types is None else lo + np.flatnonzero(
            types[np.where(columns.type_codes[lo:hi] < 0, len(TYPES), columns.type_codes[lo:hi])])
        assert grid.count(span) == len(rows)
        assert [a.tolist() for a in grid.row_sums(rows, window, fatalities)] == [counts.tolist(), weights.tolist()]
    assert checked >= 20
    whole = grid.window((-180.0, -85.0, 180.0, 85.0), grid.step_x * 2**10, grid.middle, 10**6)  # every cell
    assert whole is not None and whole.width * whole.height == grid.cells_per_axis(whole.kx) ** 2
    for fatalities in (False, True):
        expected = direct_sums(columns, grid, Span(0, n), whole)[1 if fatalities else 0]
        assert grid.row_sums(np.arange(n), whole, fatalities)[1].tolist() == expected.tolist()
        assert grid.sums(Span(0, n), whole, fatalities)[1].tolist() == expected.tolist()


@pytest.mark.parametrize("tabled", [1 << 20, 1 << 6], ids=["tables", "index of rows near"])
def test_a_precision_filter_sums_every_rows_tables_less_the_other_precisions_rows(small_blocks, monkeypatch, tabled):
    monkeypatch.setattr(pyramid, "MAX_TABLE_CELLS", tabled)
    rng = np.random.default_rng(21)
    columns = random_columns(40_000, 21)
    columns = replace(columns, geo_precision=rng.choice([1, 2, 3], len(columns.days), p=[0.7, 0.2, 0.1]).astype(np.int8))
    grid, indexes = Pyramid(columns), FilterIndexes(columns)
    first, last = int(columns.days[0]), int(columns.days[-1])
    checked = 0
    for _ in range(12):
        a, b = sorted(rng.integers(first, last + 1, 2).tolist())
        types = None if rng.random() < 0.4 else tuple(t for t in TYPES if rng.random() < 0.6)
        state = FilterState(date(1970, 1, 1) + timedelta(days=a), date(1970, 1, 1) + timedelta(days=b), types,
                            precision=(1,) if rng.random() < 0.7 else (1, 2))
        span = complement_span(columns, indexes, state)
        assert span is not None and span.less  # the other side (30 % or 10 % of rows) is smaller
        lo, hi = span.lo, span.hi
        rows = lo + np.flatnonzero(row_mask(columns, lo, hi, state))  # the rows themselves: no index, no table
        assert grid.count(span) == len(rows)
        west, south = rng.uniform(-12, 0), rng.uniform(10, 15)
        window = grid.window((west, south, west + 10, south + 7), rng.uniform(0.01, 0.5), 0.97, 20_000)
        if window is None:
            continue
        checked += 1
        for fatalities in (False, True):
            assert [v.tolist() for v in grid.sums(span, window, fatalities)] == [
                v.tolist() for v in grid.row_sums(rows, window, fatalities)]
    assert checked >= 8
    if tabled > 1 << 6:  # coarse levels summed the other side's own tables, not its rows
        assert any(key[2:3] == ("precision",) for key in grid._levels)
    assert complement_span(columns, indexes, FilterState(date(2022, 1, 1), date(2023, 1, 1), precision=(3,))) is None


def test_cells_add_up_to_the_filtered_incidents_in_the_area_they_cover(small_blocks):
    columns = random_columns(20_000, 7)
    rows = np.arange(3_001, 17_777)
    span = Span(3_001, 17_777)
    view = Viewport(-6.0, 13.0, -2.0, 16.0, 7.0)
    cells = density_cells(columns, None, view, span=span)
    west, south, east, north = cells.bounds
    lon, lat = columns.longitude[rows], columns.latitude[rows]
    inside = (lon >= west) & (lon < east) & (lat >= south) & (lat < north)
    assert cells.incidents == int(inside.sum()) > 0
    assert cells.values.sum() == cells.incidents == cells.total
    # the same cells from the rows (the path of any other filter)
    from_rows = density_cells(columns, rows, view)
    assert from_rows.values.tolist() == cells.values.tolist()
    assert from_rows.longitude.tolist() == cells.longitude.tolist()


def test_cells_snap_to_a_power_of_two_level_within_a_square_root_of_two():
    columns = random_columns(5_000, 9)
    for zoom in (4.0, 5.3, 6.5, 7.9, 9.2):
        view = Viewport(-5.0, 14.0, -3.0, 15.0, zoom)
        cells = density_cells(columns, np.arange(5_000), view, budget=10**7)
        assert 6 / math.sqrt(2) - 1e-9 <= cells.pixels <= 6 * math.sqrt(2) + 1e-9
        # square on screen at the view's latitude, within the same factor
        ratio = cells.cell_degrees * math.cos(math.radians(14.5 + 0.25 * 1)) / cells.cell_degrees_lat
        assert 1 / math.sqrt(2) <= ratio <= math.sqrt(2)


def test_cells_stay_put_while_the_map_pans():
    columns = random_columns(20_000, 11)
    rows = np.arange(20_000)
    first = density_cells(columns, rows, Viewport(-6.0, 13.0, -2.0, 16.0, 7.0))
    panned = density_cells(columns, rows, Viewport(-5.3, 13.4, -1.3, 16.4, 7.0))
    assert first.cell_degrees == panned.cell_degrees
    both = {(x, y): v for x, y, v in zip(first.longitude.tolist(), first.latitude.tolist(), first.values.tolist(),
                                          strict=True)}
    again = {(x, y): v for x, y, v in zip(panned.longitude.tolist(), panned.latitude.tolist(), panned.values.tolist(),
                                           strict=True)}
    shared = both.keys() & again.keys()
    assert len(shared) > 100
    assert all(both[k] == again[k] for k in shared)  # a cell wholly in both views keeps its sum


def test_a_filter_state_of_dates_and_types_is_a_span_and_others_are_not():
    store = sahel_store(3_000)
    start, end = store.date_range()
    state = FilterState(start + timedelta(days=20), end - timedelta(days=30), event_types=("Battles",))
    span = date_type_span(store.columns, state)
    assert span is not None
    assert Pyramid(store.columns).count(span) == len(store.positions(state))
    assert date_type_span(store.columns, FilterState(start, end, precision=(1,))) is None
    assert date_type_span(store.columns, FilterState(start, end, text="convoy")) is None
    empty = date_type_span(store.columns, FilterState(date(2023, 3, 2), date(2023, 3, 1)))
    assert empty is not None and Pyramid(store.columns).count(empty) == 0


def test_counts_in_a_box_are_bounded_by_its_inner_and_touching_cells(small_blocks):
    columns = random_columns(40_000, 13)
    grid = Pyramid(columns)
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(40):
        lo, hi = sorted(rng.integers(0, 40_001, 2).tolist())
        types = None if rng.random() < 0.5 else np.r_[rng.random(len(TYPES)) < 0.5, False]
        west, south = rng.uniform(-10, 0), rng.uniform(11, 16)
        box = (west, south, west + rng.uniform(0.05, 8), south + rng.uniform(0.05, 5))
        bounds = grid.count_bounds(Span(lo, hi, types), box)
        if bounds is None:  # too small a box for a tabled level
            continue
        rows = np.arange(lo, hi) if types is None else lo + np.flatnonzero(
            types[np.where(columns.type_codes[lo:hi] < 0, len(TYPES), columns.type_codes[lo:hi])])
        lon, lat = columns.longitude[rows], columns.latitude[rows]  # compared as the point budget does
        exact = int(np.count_nonzero((lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])))
        assert bounds[0] <= exact <= bounds[1]
        checked += 1 if bounds[0] > 0 else 0
    assert checked >= 10


def test_zoomed_in_past_the_grids_finest_cell_the_cells_are_exactly_as_asked(small_blocks):
    columns = random_columns(30_000, 17)
    grid = Pyramid(columns)
    zoom = math.log2(360 * 6 / (512 * grid.step_x)) + 0.6  # 6 px are 2/3 of the finest cell
    wanted = np.r_[np.ones(2, bool), np.zeros(len(TYPES) - 1, bool)]
    span = Span(1_000, 29_000, wanted)
    rows = 1_000 + np.flatnonzero(wanted[np.where(columns.type_codes[1_000:29_000] < 0, len(TYPES),
                                                  columns.type_codes[1_000:29_000])])
    lon, lat = float(np.nanmedian(columns.longitude[rows[:50]])), float(np.nanmedian(columns.latitude[rows[:50]]))
    half = 5 * 360 * 600 / (512 * 2**zoom)
    view = Viewport(lon - half, lat - half, lon + half, lat + half, zoom)
    for weight in ("incidents", "fatalities"):
        from_span = density_cells(columns, None, view, span=span, weight=weight, budget=10**7)
        from_rows = density_cells(columns, rows, view, weight=weight, budget=10**7)
        assert from_span.pixels == 6.0 and from_span.cell_degrees < grid.step_x
        assert from_span.values.tolist() == from_rows.values.tolist() and from_span.incidents > 0
        assert from_span.longitude.tolist() == from_rows.longitude.tolist()
