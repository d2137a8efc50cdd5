"""Territory changes in Mali: found by sub-event type whatever its case or spacing, the side that gained,
who (actor1) and when, inside the filter; another source's wording maps by the table given."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.query.territory import SIDES, territory_changes
from tests.sahel_incidents import ARMY, sahel_incidents


@pytest.fixture(scope="module")
def frame():
    rows = sahel_incidents(3_000)
    # Another export's spelling of the same sub-types: case and spaces differ.
    rows.loc[rows.index[::7][rows.iloc[::7]["sub_event_type"].eq("Government regains territory").to_numpy()],
             "sub_event_type"] = "GOVERNMENT  regains territory "
    return rows


@pytest.fixture(scope="module")
def mali(frame):
    return IncidentStore(dataset_from_incidents(frame, name="sahel", title="Mali (test)"))


def expected_sides(rows: pd.DataFrame) -> pd.Series:
    words = rows["sub_event_type"].str.split().str.join(" ").str.lower()
    return words.map({"government regains territory": "government", "non-state actor overtakes territory": "non-state",
                      "non-violent transfer of territory": "transfer"})


def test_every_territory_change_is_found_with_its_side(mali):
    rows = mali.dataset.incidents
    sides = expected_sides(rows)
    changes = territory_changes(mali.columns, mali.positions(FilterState.default(mali.date_range())))
    assert (rows["sub_event_type"] == "GOVERNMENT  regains territory ").any()
    assert len(changes) == int(sides.notna().sum()) > 100
    found = pd.Series(np.asarray(SIDES)[changes.side]).value_counts().to_dict()
    assert found == sides.value_counts().to_dict()
    assert set(rows.iloc[changes.positions]["sub_event_type"].str.lower().str.split().str.join(" ")) == {
        "government regains territory", "non-state actor overtakes territory", "non-violent transfer of territory"}


def test_who_gained_is_actor1_and_when_is_the_event_date(mali):
    rows = mali.dataset.incidents
    changes = territory_changes(mali.columns, mali.positions(FilterState.default(mali.date_range())))
    picked = rows.iloc[changes.positions]
    assert changes.gainer.tolist() == picked["actor1"].tolist()
    assert (changes.gainer[changes.side == SIDES.index("government")] == ARMY).all()
    days = picked["event_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    assert changes.days.tolist() == days.tolist() and (np.diff(changes.days) >= 0).all()
    top = changes.top_gainers(2)
    assert top[0] == (ARMY, int((picked["actor1"] == ARMY).sum()))
    assert len(top) == 2 and top[0][1] >= top[1][1]


def test_only_the_filters_range_and_types_count(mali):
    rows = mali.dataset.incidents
    state = FilterState(date(2023, 4, 1), date(2023, 4, 30), event_types=("Battles",))
    changes = territory_changes(mali.columns, mali.positions(state))
    april = rows[(rows["event_date"].dt.month == 4) & (rows["event_type"] == "Battles")]
    assert len(changes) == int(expected_sides(april).notna().sum()) > 0
    assert not (changes.side == SIDES.index("transfer")).any()  # a strategic development: filtered out


def test_another_sources_wording_maps_by_the_table_given(frame):
    rows = frame.copy()
    rows["sub_event_type"] = rows["sub_event_type"].replace({"Non-state actor overtakes territory": "Area captured",
                                                             "Government regains territory": "Area retaken"})
    store = IncidentStore(dataset_from_incidents(rows, name="other", title="Other wording"))
    positions = store.positions(FilterState.default(store.date_range()))
    # Only the ACLED wordings left (the transfers, and the spelling variant of the fixture) are found by default.
    assert len(territory_changes(store.columns, positions)) == int(expected_sides(rows).notna().sum()) > 0
    mapped = territory_changes(store.columns, positions, {"area captured": "non-state", "AREA RETAKEN": "government",
                                                          "Unclear": "someone"})
    assert len(mapped) == int(rows["sub_event_type"].isin(["Area captured", "Area retaken"]).sum())
    assert set(np.asarray(SIDES)[mapped.side]) == {"non-state", "government"}


def test_a_source_without_sub_event_types_has_no_changes(frame):
    rows = frame.copy()
    rows["sub_event_type"] = pd.NA  # UCDP: no sub-event types
    store = IncidentStore(dataset_from_incidents(rows, name="ucdp-like", title="No sub-types"))
    changes = territory_changes(store.columns, store.positions(FilterState.default(store.date_range())))
    assert len(changes) == 0 and changes.top_gainers() == []


def test_changes_without_coordinates_are_left_out(frame):
    rows = frame.copy()
    lost = expected_sides(rows).notna().to_numpy().nonzero()[0][:5]
    rows.loc[rows.index[lost], ["latitude", "longitude"]] = np.nan
    store = IncidentStore(dataset_from_incidents(rows, name="no-coords", title="Some unplaced"))
    changes = territory_changes(store.columns, store.positions(FilterState.default(store.date_range())))
    assert len(changes) == int(expected_sides(rows).notna().sum()) - 5
    assert not np.isnan(changes.latitude).any()
