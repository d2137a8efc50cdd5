"""Each non-date filter of row_mask against a plain pandas filter of the same incidents."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from geodata import FilterState
from geodata.query import facets
from geodata.query.columns import HotColumns, row_mask
from tests.filter_reference import pandas_mask


def plain(store, state: FilterState) -> list[str]:
    return store.incidents.loc[pandas_mask(store.incidents, state), "event_id"].tolist()


CASES = [
    {"sub_event_types": ("Armed clash",)},
    {"sub_event_types": ("Agreement", "Air/drone strike")},
    {"actors": ("Military Forces of Turkey (2016-)",)},
    {"actors": ("Civilians (Syria)", "Government of Russia (2000-)")},
    {"actors": ("nobody",)},
    {"admin_codes": ("SY02",)},
    {"admin_codes": ("SY0705",)},
    {"admin_codes": ("SY070003", "SY070200")},
    {"fatalities_min": 20},
    {"fatalities_max": 0},
    {"fatalities_min": 5, "fatalities_max": 18},
    {"precision": (3,)},
    {"precision": (1, 2)},
    {"precision": ()},
    {"text": "market"},
    {"text": "CEASEFIRE"},
    {"text": "(ACLED"},  # regex metacharacters are plain text
    {"actors": ("Military Forces of Syria (2000-)",), "admin_codes": ("SY07",), "precision": (1,),
     "fatalities_min": 1, "event_types": ("Battles",)},
]


@pytest.mark.parametrize("change", CASES, ids=[",".join(c) for c in CASES])
def test_each_filter_matches_plain_pandas(store, change):
    for start, end in ((date(2019, 12, 1), date(2020, 3, 10)), (date(2020, 2, 1), date(2020, 2, 27))):
        state = replace(FilterState(start, end), **change)
        assert store.select(state)["event_id"].tolist() == plain(store, state)


def test_filters_at_default_cost_no_mask(store):
    assert row_mask(store.columns, 0, len(store.incidents), FilterState.default(store.date_range())) is None


def test_unreported_fatalities_leave_when_a_range_is_set(store):
    everything = store.select(FilterState.default(store.date_range()))
    ranged = store.select(replace(FilterState.default(store.date_range()), fatalities_min=0))
    assert len(ranged) == int(everything["fatalities"].notna().sum()) < len(everything)


def test_facet_filters_need_facet_columns(store):
    bare = replace(store.columns, facets=None)
    state = replace(FilterState.default(store.date_range()), actors=("x",))
    with pytest.raises(ValueError):
        row_mask(bare, 0, 3, state)


def test_facets_list_actors_areas_and_sub_types(store):
    actors = dict(facets.actors(store.columns, store.incidents))
    assert actors["Military Forces of Turkey (2016-)"] == int(
        ((store.incidents["actor1"] == "Military Forces of Turkey (2016-)")
         | (store.incidents["actor2"] == "Military Forces of Turkey (2016-)")).sum())
    areas = {a.pcode: a for a in facets.admin_areas(store.incidents)}
    assert areas["SY07"].level == 1 and areas["SY0705"].level == 2 and areas["SY070501"].name == "Ehsem"
    codes = list(areas)
    assert codes == sorted(codes)
    boundaries = pd.DataFrame({"pcode": ["SY07", "SY99"], "name": ["Idlib", "Elsewhere"], "admin_level": [1, 1]})
    with_boundaries = {a.pcode: a for a in facets.admin_areas(store.incidents, boundaries)}
    assert with_boundaries["SY07"].name == "Idlib" and "SY99" in with_boundaries
    subs = facets.sub_event_types(store.incidents)
    assert ("Battles", "Armed clash", 5) in subs


def test_daily_counts_follow_every_filter_but_dates(store):
    state = replace(FilterState(date(2020, 2, 27), date(2020, 2, 27)), actors=("Military Forces of Turkey (2016-)",))
    daily = store.daily_counts(state)
    whole = replace(state, start=store.date_range()[0], end=store.date_range()[1])
    assert int(daily.to_numpy().sum()) == len(store.select(whole))
    assert len(daily) == (store.date_range()[1] - store.date_range()[0]).days + 1


def test_facets_on_a_frame_without_optional_columns():
    frame = pd.DataFrame({
        "event_date": pd.to_datetime(["2020-01-01", "2020-01-02"]).astype("datetime64[s]"),
        "event_type": ["Battles", "Riots"], "latitude": [35.0, 35.1], "longitude": [36.0, 36.1],
        "fatalities": pd.array([1, None], dtype="Int64"), "fatalities_low": pd.array([None, None], dtype="Int64"),
        "fatalities_high": pd.array([None, None], dtype="Int64"), "geo_precision": pd.array([1, 3], dtype="Int64"),
    })
    columns = HotColumns.from_frame(frame)
    state = replace(FilterState(date(2020, 1, 1), date(2020, 1, 2)), admin_codes=("SY07",))
    assert not row_mask(columns, 0, 2, state).any()
    assert row_mask(columns, 0, 2, replace(state, admin_codes=(), precision=(3,))).tolist() == [False, True]
