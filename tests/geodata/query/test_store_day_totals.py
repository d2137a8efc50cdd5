"""The store's precomputed day totals (headline fatalities, timeline counts) agree with counting rows."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents


@pytest.fixture(scope="module")
def colombia() -> IncidentStore:
    """3,000 incidents moved to Colombia, with missing fatality figures and partial low/high estimates."""
    rng = np.random.default_rng(17)
    frame = synthetic_incidents(3000, seed=17)
    frame["latitude"] = (4.6 + rng.normal(0, 1, len(frame))).round(4)
    frame["longitude"] = (-74.1 + rng.normal(0, 1, len(frame))).round(4)
    frame["location"] = rng.choice(["Bogota", "Villavicencio", "Ibague"], len(frame))
    deaths = frame["fatalities"].astype("Float64")
    deaths[rng.random(len(frame)) < 0.1] = pd.NA
    frame["fatalities"] = deaths.astype("Int64")
    low = (deaths * 0.5).round().astype("Int64")
    low[rng.random(len(frame)) < 0.5] = pd.NA
    frame["fatalities_low"] = low
    high = (deaths * 2).astype("Int64")
    high[rng.random(len(frame)) < 0.5] = pd.NA
    frame["fatalities_high"] = high
    return IncidentStore(dataset_from_incidents(frame, name="colombia", title="Colombia (synthetic)"))


def by_rows(store: IncidentStore, state: FilterState) -> tuple[int, int, int, int, int]:
    rows = store.select(state)
    best = rows["fatalities"].astype("Float64")
    low = rows["fatalities_low"].astype("Float64").fillna(best)
    high = rows["fatalities_high"].astype("Float64").fillna(best)
    return len(rows), int(best.notna().sum()), int(best.sum()), int(low.sum()), int(high.sum())


def windows(store: IncidentStore) -> list[tuple[date, date]]:
    start, end = store.date_range()
    return [(start, end), (end - timedelta(days=29), end), (start + timedelta(days=100), start + timedelta(days=400)),
            (date(1990, 1, 1), start - timedelta(days=1)), (end, end)]


@pytest.mark.parametrize("extra", [{}, {"event_types": ("Battles",)}, {"fatalities_min": 2}])
def test_fatality_totals_match_the_rows_for_every_window(colombia, extra):
    for start, end in windows(colombia):
        totals = colombia.fatality_totals(FilterState(start, end, **extra))
        state = FilterState(start, end, **extra)
        assert (totals.incidents, totals.reported, totals.total, totals.low, totals.high) == by_rows(colombia, state)


def test_an_empty_range_has_no_totals(colombia):
    start, end = colombia.date_range()
    totals = colombia.fatality_totals(FilterState(end, start))
    assert (totals.incidents, totals.total, totals.low, totals.high) == (0, 0, 0, 0)


@pytest.mark.parametrize("extra", [{}, {"event_types": ("Battles", "Protests")}, {"precision": (1,)}])
def test_timeline_counts_match_the_rows(colombia, extra):
    start, end = colombia.date_range()
    counts = colombia.daily_counts(FilterState(start, end, **extra))
    rows = colombia.select(FilterState(start, end, **extra))
    expected = pd.crosstab(rows["event_date"].dt.normalize(), rows["event_type"])
    expected = expected.reindex(index=pd.date_range(start, end, freq="D"), fill_value=0)
    assert list(counts.columns) == [t for t in colombia.event_types() if t in expected.columns]
    assert counts.to_numpy().sum() == len(rows)
    for column in counts.columns:
        assert (counts[column].to_numpy() == expected[column].to_numpy()).all(), column
