"""The Summary of a state with one filter besides dates and types (an actor, precisions, sub-types, an area, a
fatality range, a notes text found without a search) read from that filter's own running sums per day: every figure equal to the pandas oracle
(tests/filter_reference.py) on randomised states, groupings and comparison periods, on Malian incidents;
states the sums cannot answer still counted from the rows, equally right."""
from __future__ import annotations

import math
import weakref
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.query import summary as summary_module
from geodata.query import summary_facets
from geodata.query.summary import BY, bin_days, comparison_period, summary
from geodata.query.summary_facets import facet_sums
from tests.filter_reference import pandas_mask
from tests.sahel_incidents import ACTORS, KINDS, sahel_incidents

#: Malian regions with their p-codes; the last is written without one on some rows.
REGIONS = (("Mopti", "ML05"), ("Timbuktu", "ML06"), ("Gao", "ML07"), ("Kidal", "ML08"), ("Menaka", "ML09"))
SECOND = (*ACTORS, "Civilians (Mali)")
TYPES = tuple(dict.fromkeys(k[0] for k in KINDS))
SUB_TYPES = tuple(k[1] for k in KINDS)


def mali_incidents(n: int = 8_000, seed: int = 3) -> pd.DataFrame:
    """Malian incidents over a year with regions (p-code and name; name only; neither), a second actor
    (sometimes none, sometimes the first again), precisions 1-3 and a few fatality figures missing."""
    frame = sahel_incidents(n, seed=seed)
    rng = np.random.default_rng(seed)
    region = rng.integers(0, len(REGIONS), n)
    kind = rng.integers(0, 10, n)  # 0-6 p-code and name, 7-8 name only, 9 neither
    names = np.array([r[0] for r in REGIONS], dtype=object)[region]
    names[kind == 9] = None
    pcodes = np.array([r[1] for r in REGIONS], dtype=object)[region]
    pcodes[kind >= 7] = None
    frame["admin1"] = pd.Series(names, dtype=frame["admin1"].dtype)
    frame["admin1_pcode"] = pd.Series(pcodes, dtype=frame["admin1_pcode"].dtype)
    second = np.array(SECOND, dtype=object)[rng.integers(0, len(SECOND), n)]
    second[rng.random(n) < 0.25] = None
    frame["actor2"] = pd.Series(second, dtype=frame["actor2"].dtype)
    frame["geo_precision"] = pd.array(rng.choice([1, 2, 3], n, p=[0.7, 0.2, 0.1]), dtype="Int64")
    return frame


@pytest.fixture(scope="module")
def mali() -> tuple[IncidentStore, pd.DataFrame]:
    store = IncidentStore(dataset_from_incidents(mali_incidents(), name="mali", title="Mali (test)"))
    return store, store.incidents.astype({c: object for c in ("event_type", "actor1", "actor2", "admin1",
                                                               "admin1_pcode")})


def _groups(rows: pd.DataFrame, by: str, first_names: pd.Series) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """(key, label) of each group of ``rows`` by pandas, with its rows; an incident counts once for each
    actor it names, an area by p-code (named by its first name written) else by the name written."""
    if by == "event_type":
        return [((str(t), str(t)), g) for t, g in rows.groupby("event_type", sort=False)]
    if by == "actor":
        named = [rows[rows["actor1"].notna()].assign(_name=rows["actor1"]),
                 rows[rows["actor2"].notna() & (rows["actor2"] != rows["actor1"])].assign(_name=rows["actor2"])]
        out = [((str(a), str(a)), g) for a, g in pd.concat(named).groupby("_name", sort=False)]
        nobody = rows[rows["actor1"].isna() & rows["actor2"].isna()]
        return out + ([(("", "No actor named"), nobody)] if len(nobody) else [])
    areas: list[tuple[tuple[str, str], pd.DataFrame]] = []
    for (pcode, name), g in rows.groupby(["admin1_pcode", "admin1"], dropna=False, sort=False):
        if isinstance(pcode, str):
            written = first_names[pcode]
            areas.append(((pcode, written if isinstance(written, str) and written.strip() else pcode), g))
        else:
            areas.append((("", name if isinstance(name, str) else "No admin 1 area given"), g))
    return areas


def expected(frame: pd.DataFrame, store: IncidentStore, state: FilterState, by: str) -> dict:
    """(key, label) -> (incidents, fatalities, previous incidents, previous fatalities, sparkline) by pandas."""
    first_names = frame.dropna(subset=["admin1_pcode"]).groupby("admin1_pcode", sort=False)["admin1"].first()
    period = comparison_period(state, store.date_range(), None)
    step = bin_days(state.start, state.end)
    bins = max(1, math.ceil(((state.end - state.start).days + 1) / step))
    found: dict[tuple[str, str], list] = {}

    def add(rows: pd.DataFrame, at: int) -> None:
        for key, group in _groups(rows, by, first_names):
            entry = found.setdefault(key, [0, 0.0, 0, 0.0, [0] * bins])
            entry[at] += len(group)
            entry[at + 1] += float(group["fatalities"].astype("float64").sum())
            if at == 0:
                offsets = (group["event_date"].dt.date.map(lambda d: (d - state.start).days) // step).tolist()
                for offset in offsets:
                    entry[4][offset] += 1

    add(frame[pandas_mask(frame, state)], 0)
    if period is not None:
        add(frame[pandas_mask(frame, replace(state, start=period[0], end=period[1]))], 2)
    return {key: (n, round(f), pn, round(pf), tuple(s)) for key, (n, f, pn, pf, s) in found.items()}


def got(store: IncidentStore, state: FilterState, by: str) -> dict:
    return {(r.key if by == "admin1" else r.label if r.key else "", r.label):
            (r.incidents, r.fatalities, r.previous_incidents, r.previous_fatalities, r.series)
            for r in summary(store, state, by).rows}


def one_filter_states(rng: np.random.Generator, start: date, end: date, count: int) -> list[FilterState]:
    """Random date windows and type filters, each with one filter the kept sums answer."""
    states = []
    days = (end - start).days
    for i in range(count):
        first = start + timedelta(days=int(rng.integers(0, days)))
        last = min(first + timedelta(days=int(rng.choice([6, 40, 120, 400]))), end)
        types = None if rng.random() < 0.5 else tuple(rng.choice(TYPES, size=int(rng.integers(1, 3)), replace=False))
        base = FilterState(first, last, event_types=types)
        kind = i % 7
        if kind == 0:
            states.append(replace(base, actors=(str(rng.choice(SECOND)),)))
        elif kind == 1:
            states.append(replace(base, precision=tuple(sorted(rng.choice([1, 2, 3], size=int(rng.integers(1, 3)),
                                                                          replace=False).tolist()))))
        elif kind == 2:
            states.append(replace(base, sub_event_types=tuple(rng.choice(SUB_TYPES, size=2, replace=False))))
        elif kind == 3:
            states.append(replace(base, admin_codes=(str(rng.choice([r[1] for r in REGIONS])),)))
        elif kind == 4:
            states.append(replace(base, fatalities_min=int(rng.integers(0, 4))))
        elif kind == 5:
            states.append(replace(base, fatalities_min=int(rng.integers(0, 2)), fatalities_max=int(rng.integers(2, 6))))
        else:  # the fixture's notes repeat: every row's matches are one pass over their codes
            states.append(replace(base, text=str(rng.choice(["MALI", "not a real", "absent text"]))))
    return states


@pytest.mark.parametrize("by", ["admin1", "actor", "event_type"])
def test_one_filter_states_from_kept_sums_equal_pandas(mali, by, monkeypatch):
    store, frame = mali
    start, end = store.date_range()
    states = one_filter_states(np.random.default_rng(17 + BY.index(by)), start, end, 28)
    states.append(FilterState(start, end, precision=(1,)))  # the whole range: every row less precisions 2-3

    def no_rows(*args, **kwargs):
        raise AssertionError("counted from the rows")

    monkeypatch.setattr(summary_module, "_from_rows", no_rows)  # each is answered by kept sums, never the rows
    for state in states:
        assert got(store, state, by) == expected(frame, store, state, by), state


def test_a_partition_filter_keeping_most_rows_is_every_row_less_the_others(mali):
    store, _ = mali
    start, end = store.date_range()
    sums = facet_sums(store, FilterState(start, end, precision=(1,)), "event_type", len(TYPES),
                      lambda rows: (store.columns.type_codes[rows].astype(np.int32), rows),
                      lambda: summary_module._day_sums(store, "event_type"))
    assert sums is not None and [sign for sign, _ in sums.parts] == [1, -1, -1]  # every row, less 2 and 3


@pytest.mark.parametrize("by", BY)
def test_states_the_sums_cannot_answer_are_counted_from_the_rows_equally(mali, by):
    store, frame = mali
    start, end = store.date_range()
    month = FilterState(end - timedelta(days=29), end)
    states = [replace(month, actors=ACTORS[:2]),  # two actors may share a row
              replace(month, actors=ACTORS[:1], precision=(1,)),  # two filters
              replace(month, text="mali", precision=(2,)), replace(month, admin_codes=("ML05", "ML07")),
              replace(month, actors=("Nobody at all",))]
    for state in states:
        assert facet_sums(store, state, by, 8, lambda r: (np.zeros(len(r), np.int32), r), lambda: None) is None
        if by in ("admin1", "actor", "event_type"):
            assert got(store, state, by) == expected(frame, store, state, by), state


def test_a_text_is_read_from_kept_sums_only_once_its_rows_over_every_day_are_known():
    frame = mali_incidents(3_000, seed=9)
    frame["notes"] = [f"Patrol {i} near Gao" if i % 3 else f"Ambush {i} near Menaka" for i in range(len(frame))]
    store = IncidentStore(dataset_from_incidents(frame, name="mali-notes", title="Mali (test)"))
    oracle_frame = store.incidents.astype({c: object for c in ("event_type", "actor1", "actor2", "admin1",
                                                               "admin1_pcode")})
    start, end = store.date_range()
    month = FilterState(end - timedelta(days=29), end, text="ambush")
    pairs = lambda rows: (store.columns.type_codes[rows].astype(np.int32), rows)  # noqa: E731
    assert facet_sums(store, month, "probe", len(TYPES), pairs, lambda: None) is None  # distinct notes: not searched
    assert got(store, month, "event_type") == expected(oracle_frame, store, month, "event_type")  # from the rows
    whole = FilterState(start, end, text="ambush")
    assert got(store, whole, "event_type") == expected(oracle_frame, store, whole, "event_type")  # searched every day
    assert facet_sums(store, month, "probe", len(TYPES), pairs, lambda: None) is not None
    assert got(store, month, "event_type") == expected(oracle_frame, store, month, "event_type")


def test_kept_sums_stay_under_their_memory_cap_and_stay_right(mali, monkeypatch):
    store, frame = mali
    start, end = store.date_range()
    monkeypatch.setattr(summary_facets, "FACET_BYTES", 1)  # room for one table at a time
    monkeypatch.setattr(summary_facets, "_KEPT", weakref.WeakKeyDictionary())  # none kept by the tests before
    for actor in SECOND:
        state = FilterState(start + timedelta(days=100), end, actors=(actor,))
        assert got(store, state, "actor") == expected(frame, store, state, "actor")
        assert len(summary_facets._KEPT[store]) == 1
