"""One very long name (an actor, a sub-type) is clipped in the controls yet still filters, and is kept whole."""
from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.figures.style import LABEL_LIMIT
from dashboard.layout import build_layout
from dashboard.server.mapsources import load_map_sources
from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.model.filters import MAX_TEXT
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import find_component

LONG_ACTOR = "Rapid Support Forces splinter group of " + "الجنينة " * 1200 + "(end)"
LONG_SUBTYPE = "Attack on a convoy " * 600


@pytest.fixture(scope="module")
def sudan() -> IncidentStore:
    frame = synthetic_incidents(60, seed=13)
    frame["actor1"] = frame["actor1"].astype(object)
    frame["sub_event_type"] = frame["sub_event_type"].astype(object)
    frame.loc[:6, "actor1"] = LONG_ACTOR
    frame.loc[10:12, "sub_event_type"] = LONG_SUBTYPE
    return IncidentStore(dataset_from_incidents(frame, name="sudan_long", title="Sudan (test)"))


def _option(layout, component_id, start):
    return next(o for o in find_component(layout, component_id).options if o["label"].startswith(start))


@pytest.mark.parametrize("component_id, text, column, count", [
    (ids.ACTORS, LONG_ACTOR, "actor1", 7), (ids.SUB_TYPES, LONG_SUBTYPE, "sub_event_type", 3)])
def test_a_long_name_is_clipped_in_its_option_and_still_filters(sudan, component_id, text, column, count):
    assert len(text) > 9_000
    layout = build_layout(sudan, load_map_sources(None))
    option = _option(layout, component_id, text[:30])
    assert len(option["label"]) <= LABEL_LIMIT + 60 and "…" in option["label"]
    assert len(option["search"]) <= LABEL_LIMIT + 60
    assert option["title"].startswith(text[:200])  # the full text as the tooltip (itself bounded)
    assert len(option["value"]) <= MAX_TEXT
    field = "actors" if column == "actor1" else "sub_event_types"
    # The value goes through the same client-input parser as the page's, then the store's filter.
    state = FilterState.from_dict({field: [option["value"]]}, sudan.date_range())
    chosen = sudan.select(state)
    assert len(chosen) == count and set(chosen[column].astype(str)) == {text}  # the full text in the data


def test_short_names_keep_their_own_value(sudan):
    layout = build_layout(sudan, load_map_sources(None))
    short = [o for o in find_component(layout, ids.ACTORS).options if len(o["value"]) < 100]
    assert short and all(o["label"].startswith(o["value"]) and "title" not in o for o in short)
