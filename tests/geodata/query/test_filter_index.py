"""The indexes behind the non-date filters give the rows, daily counts and totals a plain pandas filter gives.

Incidents in south-western Colombia (Nariño, Cauca), stored and read back as the app reads them
(Arrow-backed notes, categorical actors): once with notes that repeat (searched as distinct values) and
low/high fatality estimates, once with notes that are all different (searched per range) and no estimates.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.query import index as index_module
from geodata.synthetic import synthetic_incidents
from tests.filter_reference import pandas_mask

ACTORS = ("Military Forces of Colombia (2018-2022)", "ELN: National Liberation Army", "Clan del Golfo",
          "Civilians (Colombia)", "FARC-EP dissidents")
PLACES = (("Tumaco", 1.807, -78.764, "CO52", "CO52835"), ("Barbacoas", 1.672, -78.139, "CO52", "CO52079"),
          ("Argelia", 2.257, -77.249, "CO19", "CO19050"), ("El Tambo", 2.452, -76.810, "CO19", "CO19256"))
NOTES = ("Air strike on a camp near {}.", "Armed clash between ELN and the army in {}.",
         "AIR STRIKE reported by the community of {}.", "Displacement after threats in {}.")
N = 3000


def colombia(unique_notes: bool) -> pd.DataFrame:
    frame = synthetic_incidents(N, seed=57).copy()
    rng = np.random.default_rng(5)
    place = rng.integers(0, len(PLACES), N)
    frame["location"] = np.array([p[0] for p in PLACES], dtype=object)[place]
    frame["latitude"] = (np.array([p[1] for p in PLACES])[place] + rng.normal(0, 0.05, N)).round(4)
    frame["longitude"] = (np.array([p[2] for p in PLACES])[place] + rng.normal(0, 0.05, N)).round(4)
    frame["admin1_pcode"] = np.array([p[3] for p in PLACES], dtype=object)[place]
    frame["admin2_pcode"] = np.array([p[4] for p in PLACES], dtype=object)[place]
    actor1, actor2 = rng.integers(0, len(ACTORS), N), rng.integers(-1, len(ACTORS), N)
    frame["actor1"] = np.array(ACTORS, dtype=object)[actor1]
    frame["actor2"] = np.where(actor2 < 0, None, np.array(ACTORS, dtype=object)[np.maximum(actor2, 0)])
    frame.loc[::7, "actor2"] = frame.loc[::7, "actor1"]  # the same actor on both sides: one incident, not two
    frame.loc[::11, "sub_event_type"] = None
    template = rng.integers(0, len(NOTES), N)
    notes = [NOTES[t].format(PLACES[p][0]) + (f" Report {i}." if unique_notes else "")
             for i, (t, p) in enumerate(zip(template, place, strict=True))]
    frame["notes"] = pd.array(notes, dtype="string")
    frame.loc[::13, "notes"] = None
    frame["fatalities"] = frame["fatalities"].mask(rng.random(N) < 0.1)
    if not unique_notes:  # one source with low and high estimates (UCDP-like); the other with none (ACLED-like)
        frame["fatalities_low"] = frame["fatalities"].astype("Float64") * 0.5
        frame["fatalities_high"] = (frame["fatalities"].astype("Float64") * 2).mask(rng.random(N) < 0.3)
    return frame


@pytest.fixture(scope="module", params=["repeated notes", "unique notes"])
def stored(request, tmp_path_factory):
    """The store; with unique notes, its indexes sort their rows (as for a dataset of many actors)
    instead of one pass per code."""
    folder = tmp_path_factory.mktemp("colombia") / "colombia"
    unique = request.param == "unique notes"
    write_dataset(dataset_from_incidents(colombia(unique), name="colombia", title="Nariño and Cauca"), folder)
    with pytest.MonkeyPatch.context() as patch:
        if unique:
            patch.setattr(index_module, "FEW_CODES", 0)
        yield IncidentStore(read_dataset(folder))


def plain(store: IncidentStore, state: FilterState) -> pd.Series:
    """The rows matching ``state``, by pandas on the stored frame, as a boolean Series."""
    return pandas_mask(store.incidents, state)


CASES = [
    {"actors": (ACTORS[2],)},
    {"actors": (ACTORS[0], ACTORS[3])},  # many rows: marked in the range
    {"actors": (ACTORS[4], "nobody")},
    {"precision": (1,)},  # most rows: counted as every row less the others
    {"precision": (2, 3)},
    {"precision": ()},
    {"sub_event_types": ("Armed clash", "Air/drone strike")},
    {"sub_event_types": ("Armed clash", "Air/drone strike", "Attack", "Agreement", "Peaceful protest")},
    {"admin_codes": ("CO19",)},
    {"admin_codes": ("CO52", "CO52835")},  # an area and one inside it: each incident once
    {"fatalities_min": 5},
    {"text": "air strike"},
    {"text": "Tumaco"},
    {"text": "no such words"},
    {"text": "Report 12."},
    {"actors": (ACTORS[1],), "precision": (1,), "text": "strike", "event_types": ("Battles",)},
    {"precision": (1,), "admin_codes": ("CO52",), "fatalities_min": 1},
    {"precision": (1, 2), "event_types": ("Explosions/Remote violence",)},
    {"event_types": ("Battles", "Riots")},  # dates and types only: whole days' running sums per type
    {"event_types": ()},
]


def ranges(store: IncidentStore) -> list[tuple[date, date]]:
    start, end = store.date_range()
    middle = start + (end - start) / 2
    return [(start, end), (middle, end), (middle, middle + (end - start) / 20)]


@pytest.mark.parametrize("change", CASES, ids=[",".join(c) for c in CASES])
def test_each_filter_selects_the_rows_plain_pandas_selects(stored, change):
    for start, end in ranges(stored):
        state = replace(FilterState(start, end), **change)
        expected = np.flatnonzero(plain(stored, state).to_numpy())
        assert stored.positions(state).tolist() == expected.tolist()
        assert stored.positions(state).tolist() == expected.tolist()  # asked again: the same, kept


@pytest.mark.parametrize("change", CASES, ids=[",".join(c) for c in CASES])
def test_timeline_counts_each_type_per_day_of_the_rows_selected(stored, change):
    start, end = stored.date_range()
    state = replace(FilterState(start, end), **change)
    rows = stored.incidents[plain(stored, state)]
    expected = rows.groupby([rows["event_date"].dt.normalize(), rows["event_type"]], observed=True).size()
    daily = stored.daily_counts(state)
    got = daily.stack()
    got = got[got > 0]
    assert {(pd.Timestamp(d), str(t)): int(n) for (d, t), n in got.items()} == {
        (pd.Timestamp(d), str(t)): int(n) for (d, t), n in expected.items()}


@pytest.mark.parametrize("change", CASES, ids=[",".join(c) for c in CASES])
def test_headline_totals_are_the_sums_of_the_rows_selected(stored, change):
    for start, end in ranges(stored):
        state = replace(FilterState(start, end), **change)
        rows = stored.incidents[plain(stored, state)]
        best = rows["fatalities"].astype("Float64")
        totals = stored.fatality_totals(state)
        assert totals.incidents == len(rows)
        assert totals.reported == int(best.notna().sum())
        assert totals.total == int(best.sum())
        assert totals.low == int(rows["fatalities_low"].astype("Float64").fillna(best).sum())
        assert totals.high == int(rows["fatalities_high"].astype("Float64").fillna(best).sum())


def test_indexes_are_built_on_a_filters_first_use_not_when_the_store_opens(stored):
    fresh = IncidentStore(stored.dataset)
    assert fresh.indexes._built == {} and fresh.indexes._text is None
    start, end = fresh.date_range()
    fresh.positions(FilterState(start, end, actors=(ACTORS[0],)))
    assert set(fresh.indexes._built) == {"actors"}


def test_repeated_notes_are_searched_once_per_distinct_value(stored, monkeypatch):
    searched: list[int] = []
    real = index_module._contains
    monkeypatch.setattr(index_module, "_contains", lambda values, text: searched.append(len(values)) or real(
        values, text))
    fresh = IncidentStore(stored.dataset)
    start, end = fresh.date_range()
    whole = FilterState(start, end, text="AIR strike")
    found = fresh.positions(whole)
    assert found.tolist() == np.flatnonzero(plain(fresh, whole).to_numpy()).tolist() and len(found)
    fresh.positions(replace(whole, start=start + (end - start) / 2))  # a range inside it: not searched again
    unique = stored.incidents["notes"].nunique() > N / 2
    assert searched == ([N] if unique else [len(NOTES) * len(PLACES)])


def test_text_is_plain_text_ignoring_case(stored):
    start, end = stored.date_range()
    assert len(stored.positions(FilterState(start, end, text="aIr StRiKe"))) == len(
        stored.positions(FilterState(start, end, text="AIR STRIKE"))) > 0
    assert len(stored.positions(FilterState(start, end, text="A.R STRIKE"))) == 0  # not a pattern


def test_selected_positions_cannot_be_changed_by_a_caller(stored):
    start, end = stored.date_range()
    positions = stored.positions(FilterState(start, end, actors=(ACTORS[2],), fatalities_min=1))
    with pytest.raises(ValueError):
        positions[0] = 0


@pytest.mark.parametrize("few", [0, 8], ids=["sorted", "one pass per code"])
def test_posting_index_lists_each_row_once_per_code_in_order(few, monkeypatch):
    monkeypatch.setattr(index_module, "FEW_CODES", few)
    actor1 = np.array([0, 1, 1, -1, 2, 0], dtype=np.int8)
    actor2 = np.array([1, 1, -1, 0, 0, -1], dtype=np.int8)
    index = index_module.PostingIndex([actor1, actor2], 3)
    assert index.rows(0, 0, 6).tolist() == [0, 3, 4, 5]
    assert index.rows(1, 0, 6).tolist() == [0, 1, 2]  # row 1 names actor 1 twice: listed once
    assert index.rows(0, 1, 5).tolist() == [3, 4]
    assert index.union([0, 2], 0, 6).tolist() == [0, 3, 4, 5]
    assert index.rows(-1, 0, 6).tolist() == [] and index.rows(7, 0, 6).tolist() == []
    precision = index_module.PostingIndex([np.array([1, 3, 1, 2, -1], dtype=np.int8)], 4, partition=True)
    assert precision.rows(-1, 0, 5).tolist() == [4]
    assert precision.union(precision.complement([1]), 0, 5).tolist() == [1, 3, 4]
