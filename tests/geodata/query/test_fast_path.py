"""The fast path returns exactly what a plain pandas filter returns; aggregates add up; budgets hold."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.query.budget import (
    GridCells,
    PointSelection,
    Viewport,
    cell_degrees,
    grid_cells,
    plan_points,
)
from geodata.synthetic import END, START, synthetic_incidents

TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians", "Strategic developments",
         "Protests", "Riots", "Not a type"]


@pytest.fixture(scope="module")
def big_store():
    return IncidentStore(dataset_from_incidents(synthetic_incidents(20_000, seed=7), name="syn", title="Synthetic"))


def plain_filter(frame: pd.DataFrame, state: FilterState) -> np.ndarray:
    mask = (frame["event_date"] >= pd.Timestamp(state.start)) & (frame["event_date"] <= pd.Timestamp(state.end))
    if state.event_types is not None:
        mask &= frame["event_type"].isin(state.event_types)
    return np.flatnonzero(mask.to_numpy())


dates = st.dates(min_value=START - timedelta(days=30), max_value=END + timedelta(days=30))
states = st.builds(
    lambda a, b, types: FilterState(a, b, None if types is None else tuple(types)),
    dates, dates, st.one_of(st.none(), st.lists(st.sampled_from(TYPES), max_size=4, unique=True)),
)


@settings(max_examples=200, deadline=None)
@given(state=states)
def test_fast_path_equals_plain_pandas(big_store, state):
    state = state.clamped(big_store.date_range())
    assert np.array_equal(big_store.positions(state), plain_filter(big_store.incidents, state))


@settings(max_examples=50, deadline=None)
@given(state=states, zoom=st.floats(min_value=3, max_value=14))
def test_grid_counts_sum_to_filtered_incidents(big_store, state, zoom):
    positions = big_store.positions(state.clamped(big_store.date_range()))
    cells = grid_cells(big_store.columns, positions, cell_degrees(zoom))
    assert int(cells.counts.sum()) == len(positions) == cells.total
    deaths = np.nansum(big_store.columns.fatalities[positions].astype(np.float64))
    assert cells.fatalities.sum() == pytest.approx(deaths)
    assert (cells.counts > 0).all()


def test_every_point_lies_in_its_cell(big_store):
    positions = big_store.positions(FilterState(date(2019, 1, 1), date(2019, 12, 31)))
    degrees = cell_degrees(9)
    cells = grid_cells(big_store.columns, positions, degrees)
    lon = big_store.columns.longitude[positions]
    lat = big_store.columns.latitude[positions]
    # Recount: each point's cell centre must be one of the cells, with the right count.
    centre_x = (np.floor(lon / degrees) + 0.5) * degrees
    centre_y = (np.floor(lat / degrees) + 0.5) * degrees
    centres = pd.MultiIndex.from_arrays([centre_x.round(6), centre_y.round(6)])
    recount = pd.Series(1, index=centres).groupby(level=[0, 1]).sum()
    got = pd.Series(cells.counts, index=pd.MultiIndex.from_arrays([cells.longitude.astype(np.float64).round(6),
                                                                    cells.latitude.astype(np.float64).round(6)]))
    assert len(got) == len(recount) and got.sum() == recount.sum()


@pytest.mark.parametrize("budget", [10, 1_000, 5_000, 50_000])
def test_plan_never_exceeds_budget(big_store, budget):
    positions = big_store.positions(FilterState.default(big_store.date_range()))
    whole = Viewport(35.0, 34.5, 38.5, 37.5, 7.0)
    close = Viewport(36.60, 35.90, 36.66, 35.95, 13.0)
    for view in (None, whole, close):
        plan = plan_points(big_store.columns, positions, view, budget)
        if isinstance(plan, PointSelection):
            assert len(plan.positions) <= budget
            assert plan.clipped_to_view or len(plan.positions) == len(positions)
        else:
            assert isinstance(plan, GridCells) and plan.counts.sum() == len(positions)
    # Zoomed in on Idlib city, the points in view fit a budget of 5,000 and are shown raw.
    plan = plan_points(big_store.columns, positions, close, 5_000)
    assert isinstance(plan, PointSelection) and plan.clipped_to_view and 0 < len(plan.positions) < len(positions)
