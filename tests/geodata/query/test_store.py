"""The store's date slice and type mask against a plain pandas filter."""
from __future__ import annotations

from datetime import date

import pandas as pd

from geodata import FilterState


def _plain(store, state):
    df = store.incidents
    mask = (df["event_date"] >= pd.Timestamp(state.start)) & (df["event_date"] <= pd.Timestamp(state.end))
    if state.event_types is not None:
        mask &= df["event_type"].isin(state.event_types)
    return df[mask]


def test_end_date_is_inclusive(store):
    state = FilterState(date(2020, 2, 27), date(2020, 2, 27))
    selected = store.select(state)
    assert set(selected["event_id"]) == {"NWS-E15", "NWS-E16"}
    assert selected["event_id"].tolist() == _plain(store, state)["event_id"].tolist()


def test_windows_and_types_match_plain_filter(store):
    start, end = store.date_range()
    days = pd.date_range(start, end, freq="7D").date
    for a in days:
        for b in days:
            for types in (None, ("Battles",), ("Battles", "Strategic developments"), ()):
                state = FilterState(a, b, types)
                assert store.select(state)["event_id"].tolist() == _plain(store, state)["event_id"].tolist()


def test_empty_range_selects_nothing(store):
    assert store.select(FilterState(date(2020, 3, 1), date(2020, 2, 1))).empty


def test_daily_counts_cover_the_period_and_follow_types(store):
    all_types = store.daily_counts(FilterState.default(store.date_range()))
    assert len(all_types) == (store.date_range()[1] - store.date_range()[0]).days + 1
    assert int(all_types.to_numpy().sum()) == len(store.incidents)
    assert int(all_types.loc["2020-02-27"].sum()) == 2
    battles = store.daily_counts(FilterState(*store.date_range(), event_types=("Battles",)))
    assert list(battles.columns) == ["Battles"]
    assert int(battles.to_numpy().sum()) == int((store.incidents["event_type"] == "Battles").sum())


def test_displacement_figure_in_force(store):
    assert store.displaced_as_of(date(2019, 12, 20)) is None
    assert store.displaced_as_of(date(2020, 2, 27))["displaced"] == 948_000
    assert store.displaced_as_of(date(2020, 2, 23))["displaced"] == 948_000
    assert store.displaced_as_of(date(2020, 2, 22))["displaced"] == 900_000


def test_displacement_on_map_follows_range(store):
    feb = store.displacement_on_map(FilterState(date(2020, 2, 1), date(2020, 2, 27)))
    cumulative = feb[feb["series"] == "nw_cumulative"]
    assert cumulative["displaced"].tolist() == [948_000]
    january = store.displacement_on_map(FilterState(date(2020, 1, 5), date(2020, 1, 20)))
    arrivals = january[january["series"] == "monthly_arrivals"].set_index("pcode")["displaced"]
    assert arrivals.to_dict() == {"SY07": 320_600, "SY02": 132_600}
    assert store.displacement_on_map(FilterState(date(2020, 2, 2), date(2020, 2, 1))).empty


def test_displacement_follows_the_admin_areas(store):
    january = dict(start=date(2020, 1, 1), end=date(2020, 1, 31))
    aleppo = store.displacement_on_map(FilterState(**january, admin_codes=("SY02",)))
    assert set(aleppo["pcode"]) == {"SY02"} and set(aleppo["series"]) == {"monthly_arrivals"}
    both = store.displacement_on_map(FilterState(**january, admin_codes=("SY02", "SY07")))
    assert set(both["pcode"]) == {"SY02", "SY07"}
    # The north-west cumulative figure is coded to Idleb governorate (SY07).
    assert store.displaced_as_of(date(2020, 2, 27), ("SY07",))["displaced"] == 948_000
    assert store.displaced_as_of(date(2020, 2, 27), ("SY02",)) is None
    assert store.displacement_series(("SY02",)).empty and len(store.displacement_series(("SY07",))) > 5
    # A district is narrower than the governorate figures: none of them stands for it.
    assert store.displacement_on_map(FilterState(**january, admin_codes=("SY0700",))).empty
