"""The summary of a large store without its rows: areas grouped by p-code, else by the name the source wrote
(as pandas groups them), and date ranges counted from running sums per day agreeing with the rows; the
filters' actor and sub-type options counted from codes; on north-east Nigerian incidents, in memory and
stored (memory-mapped, categorical columns)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.model.filters import PRECISIONS
from geodata.query import facets, summary_days
from geodata.query.summary import BY, _day_sums, has_level, summary
from geodata.synthetic import synthetic_incidents

#: States of north-east Nigeria with their p-codes; "Lake Chad islands" is written without one.
AREAS = (("Borno", "NG008"), ("Yobe", "NG036"), ("Adamawa", "NG002"), ("Gombe", "NG016"))
ACTORS = ("Boko Haram - JAS", "ISWAP", "Military Forces of Nigeria (2015-)", "Civilians (Nigeria)",
          "Civilian JTF")


def nigeria_incidents(n: int = 6_000, seed: int = 11) -> pd.DataFrame:
    """Canonical incidents (columns and dtypes of the synthetic generator) placed in north-east Nigeria:
    most with a state's p-code and name, some with a name only, a few with a p-code but a blank name,
    some with neither."""
    frame = synthetic_incidents(n, seed=seed)
    rng = np.random.default_rng(seed)
    area = rng.integers(0, len(AREAS), n)
    kind = rng.integers(0, 20, n)  # 0-13 p-code and name, 14-16 name only, 17 p-code and "", 18-19 nothing
    names = np.array([a for a, _ in AREAS], dtype=object)[area]
    names[kind == 16] = "Lake Chad islands"
    names[kind == 17] = ""
    names[kind >= 18] = None
    pcodes = np.array([p for _, p in AREAS], dtype=object)[area]
    pcodes[(kind >= 14) & (kind != 17)] = None
    frame["admin1"] = pd.Series(names, dtype=frame["admin1"].dtype)
    frame["admin1_pcode"] = pd.Series(pcodes, dtype=frame["admin1_pcode"].dtype)
    frame["actor1"] = pd.Series(np.array(ACTORS, dtype=object)[rng.integers(0, len(ACTORS), n)],
                                dtype=frame["actor1"].dtype)
    second = np.array(ACTORS, dtype=object)[rng.integers(0, len(ACTORS), n)]
    second[rng.random(n) < 0.3] = None
    frame["actor2"] = pd.Series(second, dtype=frame["actor2"].dtype)
    frame["latitude"] = 11.0 + rng.random(n) * 2.5
    frame["longitude"] = 11.5 + rng.random(n) * 3.0
    frame.loc[rng.random(n) < 0.1, "fatalities"] = pd.NA
    frame.loc[rng.random(n) < 0.02, "sub_event_type"] = None
    return frame


@pytest.fixture(scope="module", params=["in memory", "stored"])
def store(request, tmp_path_factory) -> IncidentStore:
    dataset = dataset_from_incidents(nigeria_incidents(), name="ng-north-east", title="North-east Nigeria")
    if request.param == "stored":
        folder = tmp_path_factory.mktemp("ng") / "ng-north-east"
        write_dataset(dataset, folder)
        dataset = read_dataset(folder)
        assert isinstance(dataset.incidents["admin1"].dtype, pd.CategoricalDtype)  # the memory-mapped kind
    return IncidentStore(dataset)


def _expected_areas(store: IncidentStore, state: FilterState) -> dict[tuple[str, str], tuple[int, int]]:
    """(key, label) -> (incidents, fatalities) by pandas: p-code groups named by the first name written
    for them (else the p-code), rows without a p-code by their name, rows with neither as one row."""
    frame = store.incidents.astype({"admin1": object, "admin1_pcode": object})
    first = frame.dropna(subset=["admin1_pcode"]).groupby("admin1_pcode", sort=False)["admin1"].first()
    days = frame["event_date"].dt.date
    rows = frame[(days >= state.start) & (days <= state.end)]
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for (pcode, name), group in rows.groupby(["admin1_pcode", "admin1"], dropna=False, sort=False):
        if isinstance(pcode, str):
            written = first[pcode]
            key = (pcode, written if isinstance(written, str) and written.strip() else pcode)
        else:
            key = ("", name if isinstance(name, str) else "No admin 1 area given")
        before = found.get(key, (0, 0))
        found[key] = (before[0] + len(group), before[1] + int(group["fatalities"].sum()))
    return found


def test_areas_are_grouped_by_p_code_else_by_the_name_written(store):
    start, end = store.date_range()
    for state in (FilterState(start, end), FilterState(end - timedelta(days=180), end)):
        result = summary(store, state, "admin1")
        assert {(r.key, r.label): (r.incidents, r.fatalities) for r in result.rows} == _expected_areas(store, state)
    labels = {r.label for r in summary(store, FilterState(start, end), "admin1").rows}
    assert {"Borno", "Lake Chad islands", "No admin 1 area given"} <= labels
    assert has_level(store, "admin1") and not has_level(store, "admin2") and not has_level(store, "admin3")


def _states(store: IncidentStore) -> list[tuple[FilterState, tuple[date, date] | None]]:
    start, end = store.date_range()
    month = FilterState(end - timedelta(days=29), end)
    return [
        (FilterState(start, end), None),
        (month, None),
        (replace(month, event_types=("Battles", "Protests")), None),
        (replace(month, event_types=()), None),
        (FilterState(start + timedelta(days=400), start + timedelta(days=500)), None),  # weekly bins
        (month, (start, start + timedelta(days=90))),  # a baseline
        (FilterState(end, start), (start, end)),  # an empty selection
    ]


@pytest.mark.parametrize("by", BY)
def test_date_ranges_count_the_same_from_day_sums_as_from_the_rows(store, by):
    for state, baseline in _states(store):
        rows = replace(state, precision=PRECISIONS)  # keeps every row, but is a row filter: counted from rows
        assert summary(store, state, by, baseline=baseline) == summary(store, rows, by, baseline=baseline), state


def test_groupings_too_large_for_day_sums_are_counted_from_the_rows(monkeypatch):
    start, end = date(2021, 3, 1), date(2021, 5, 31)
    dataset = dataset_from_incidents(nigeria_incidents(3_000, seed=5), name="ng", title="ng")
    reference = IncidentStore(dataset)
    expected = {state: summary(reference, state, "actor", baseline=baseline)
                for state, baseline in [(FilterState(start, end), None),
                                        (FilterState(start, end, event_types=("Battles",)), None)]}
    first, last = reference.date_range()
    days = (last - first).days + 1
    store = IncidentStore(dataset)
    monkeypatch.setattr(summary_days, "MAX_CELLS", days * (len(ACTORS) + 1) * 2)  # days × actors fit, × types not
    assert {state: summary(store, state, "actor") for state in expected} == expected
    sums = _day_sums(store, "actor")
    assert sums is not None and not sums.by_type  # the type filter was counted from the rows
    monkeypatch.setattr(summary_days, "MAX_CELLS", 10)  # nothing fits
    store = IncidentStore(dataset)
    assert {state: summary(store, state, "actor") for state in expected} == expected
    assert _day_sums(store, "actor") is None


def test_actor_and_sub_type_options_count_the_incidents_naming_them(store):
    frame = store.incidents.astype({c: object for c in ("event_type", "sub_event_type", "actor1", "actor2")})
    assert dict(facets.actors(store.columns, store.incidents)) == {  # mentions as actor 1 or 2
        actor: int((frame["actor1"] == actor).sum() + (frame["actor2"] == actor).sum()) for actor in ACTORS}
    subs = facets.sub_event_types(store.incidents)
    sizes = frame.dropna(subset=["sub_event_type"]).groupby(["event_type", "sub_event_type"]).size()
    assert sorted(subs) == [(t, s, int(n)) for (t, s), n in sizes.items()]
    kinds = [t for t, _, _ in subs]
    assert kinds == sorted(kinds, key=kinds.index)  # each type's sub-types together
