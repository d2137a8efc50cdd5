"""Hexagons of a state of dates and types summed from tables per block of rows: every hexagon drawn holds
exactly the incidents of the state whose own H3 cell it is (the pandas oracle's rows, each placed by h3),
the same as counting the rows, on randomised states, views and weights over Malian incidents; a precision
filter's hexagons are every row's tables less the other precisions' rows."""
from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

import h3
import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.query import hexblocks, pyramid
from geodata.query.budget import Viewport
from geodata.query.density import hexagon_cells
from geodata.query.span import complement_span, date_type_span
from tests.filter_reference import pandas_mask
from tests.sahel_incidents import KINDS, sahel_incidents

TYPES = tuple(dict.fromkeys(k[0] for k in KINDS))
VIEWS = (Viewport(-4.8, 14.0, -3.6, 15.0, 8.0),  # around Mopti
         Viewport(-4.3, 14.3, -4.0, 14.6, 9.5),  # cutting through its cluster: some hexagons centred outside
         Viewport(-6.0, 13.0, 4.0, 19.0, 6.0))  # all of the data


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows and super-blocks of 2,048 so a few thousand incidents span many of each (tables of
    these blocks kept apart from any other test's)."""
    for module in (pyramid, hexblocks):
        monkeypatch.setattr(module, "BLOCK_ROWS", 256)
        monkeypatch.setattr(module, "SUPER_ROWS", 2_048)
    monkeypatch.setattr(hexblocks, "_TABLES", OrderedDict())


@pytest.fixture(scope="module")
def mali() -> tuple[IncidentStore, pd.DataFrame]:
    frame = sahel_incidents(9_000, seed=23)
    rng = np.random.default_rng(23)
    frame["geo_precision"] = pd.array(rng.choice([1, 2, 3], len(frame), p=[0.7, 0.2, 0.1]), dtype="Int64")
    frame.loc[frame.index[rng.random(len(frame)) < 0.01], ["latitude", "longitude"]] = np.nan
    store = IncidentStore(dataset_from_incidents(frame, name="mali-hex", title="Mali (test)"))
    return store, store.incidents


def oracle(frame: pd.DataFrame, state: FilterState, resolution: int, fatalities: bool,
           bounds: tuple[float, float, float, float]) -> tuple[dict[int, float], int]:
    """(cell -> incidents or fatalities, incidents) over the hexagons centred in ``bounds``, by pandas and h3."""
    rows = frame[pandas_mask(frame, state) & frame["latitude"].notna()]
    cells = [h3.str_to_int(h3.latlng_to_cell(a, b, resolution))
             for a, b in zip(rows["latitude"].tolist(), rows["longitude"].tolist(), strict=True)]
    west, south, east, north = bounds
    sums: dict[int, float] = {}
    incidents = 0
    deaths = rows["fatalities"].astype("float64").fillna(0.0).tolist()
    for cell, dead in zip(cells, deaths, strict=True):
        lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
        if west <= lon <= east and south <= lat <= north:
            sums[cell] = sums.get(cell, 0.0) + (dead if fatalities else 1.0)
            incidents += 1
    return {c: v for c, v in sums.items() if v}, incidents


def random_states(store: IncidentStore, count: int, seed: int) -> list[FilterState]:
    rng = np.random.default_rng(seed)
    start, end = store.date_range()
    days = (end - start).days
    states = [FilterState(start, end)]
    for _ in range(count):
        first = start + timedelta(days=int(rng.integers(0, days)))
        last = min(first + timedelta(days=int(rng.integers(0, days))), end)
        types = None if rng.random() < 0.4 else tuple(rng.choice(TYPES, size=int(rng.integers(1, 3)), replace=False))
        states.append(FilterState(first, last, event_types=types))
    return states


@pytest.mark.parametrize("weight", ["incidents", "fatalities"])
def test_hexagons_of_a_span_hold_exactly_the_incidents_of_their_cells(small_blocks, mali, weight):
    store, frame = mali
    for i, state in enumerate(random_states(store, 8, seed=5 if weight == "incidents" else 6)):
        view = VIEWS[i % len(VIEWS)]
        span = date_type_span(store.columns, state)
        assert span is not None
        tabled = hexagon_cells(store.columns, None, view, weight=weight, span=span)
        rows = hexagon_cells(store.columns, store.positions(state), view, weight=weight)
        expected, incidents = oracle(frame, state, tabled.resolution, weight == "fatalities", tabled.bounds)
        got = dict(zip(tabled.cells.tolist(), tabled.values.tolist(), strict=True))
        assert got == pytest.approx(expected) and tabled.incidents == incidents, state
        assert rows.cells.tolist() == tabled.cells.tolist() and rows.values.tolist() == tabled.values.tolist()
        assert rows.incidents == tabled.incidents and rows.resolution == tabled.resolution


def test_a_precision_filter_is_every_rows_tables_less_the_other_precisions(small_blocks, mali):
    store, frame = mali
    start, end = store.date_range()
    for state in (FilterState(start, end, precision=(1,)),
                  FilterState(start + timedelta(days=40), end, event_types=TYPES[:1], precision=(1, 2))):
        span = complement_span(store.columns, store.indexes, state)
        assert span is not None and span.less  # the other precisions' rows are left out
        hexes = hexagon_cells(store.columns, None, VIEWS[0], span=span)
        expected, incidents = oracle(frame, state, hexes.resolution, False, hexes.bounds)
        assert dict(zip(hexes.cells.tolist(), hexes.values.tolist(), strict=True)) == expected
        assert hexes.incidents == incidents


def test_tables_of_every_resolution_stay_under_their_cap(small_blocks, mali, monkeypatch):
    store, _ = mali
    monkeypatch.setattr(hexblocks, "TABLE_BYTES", 1)  # one resolution's tables at a time
    span = date_type_span(store.columns, FilterState(*store.date_range()))
    assert span is not None
    first = hexagon_cells(store.columns, None, VIEWS[2], span=span)
    hexagon_cells(store.columns, None, VIEWS[0], span=span)  # a finer resolution
    assert sum(key[0] == id(store.columns.latitude) for key in hexblocks._TABLES) == 1
    again = hexagon_cells(store.columns, None, VIEWS[2], span=span)  # rebuilt, the same
    assert again.cells.tolist() == first.cells.tolist() and again.values.tolist() == first.values.tolist()
