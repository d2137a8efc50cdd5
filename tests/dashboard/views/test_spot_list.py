"""The detail panel of an incident that shares its spot lists every incident there (date, type,
fatalities, source), on a Kenyan dataset: a town's three incidents on three dates are one disc."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.views.detail import SPOT_LIST_LIMIT, spot_list
from dashboard.views.selection import clicked_incident
from dashboard.views.spot import picked_at_spot, spot_detail, spot_positions
from geodata import FilterState
from tests.dashboard.figures.kenya_support import GARISSA, kenya_store


@pytest.fixture(scope="module")
def kenya(tmp_path_factory):
    return kenya_store(tmp_path_factory.mktemp("kenya"))


def texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in texts(c)]
    return texts(getattr(component, "children", None) or [])


def find(component, class_name: str) -> list:
    """Every component with ``class_name`` among its classes."""
    found = [component] if class_name in (getattr(component, "className", None) or "").split() else []
    children = component if isinstance(component, (list, tuple)) else getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        if not isinstance(child, str):
            found += find(child, class_name)
    return found


def whole(store) -> dict:
    return FilterState(*store.date_range()).to_dict()


def test_a_colocated_incident_lists_every_incident_at_its_spot(kenya):
    body, hidden = spot_detail("KEN2", whole(kenya), kenya)
    assert not hidden
    items = find(body, "spot-item")
    lines = ["".join(texts(item)) for item in items]
    assert len(lines) == 3
    assert lines[0].startswith("2 Mar 2024 · Battles – Armed clash · fatalities: 2 · Daily Nation")
    assert lines[1].startswith("9 Mar 2024 · Violence against civilians – Attack · fatalities: 0 · The Standard")
    assert lines[2].startswith("20 Mar 2024 · Protests – Peaceful protest · fatalities: 5 · Kenya News Agency")
    assert [item.className for item in items] == ["spot-item", "spot-item current", "spot-item"]
    assert "3 incidents at this spot (in the current filters)" in texts(body)
    assert "Event id" in texts(body) and "KEN2" in texts(body)  # the selected one's details follow


def test_a_lone_incident_has_no_spot_list(kenya):
    body, hidden = spot_detail("KEN6", whole(kenya), kenya)
    assert not hidden and find(body, "spot-item") == []


def test_the_list_follows_the_filter(kenya):
    week = FilterState(date(2024, 3, 2), date(2024, 3, 10)).to_dict()
    assert len(find(spot_detail("KEN1", week, kenya)[0], "spot-item")) == 2
    only = FilterState(date(2024, 3, 2), date(2024, 3, 2)).to_dict()
    assert find(spot_detail("KEN1", only, kenya)[0], "spot-item") == []


def test_a_click_on_the_spot_picks_an_incident_whose_panel_lists_them_all(kenya):
    # A click on the count (or on a ring) names no incident: the spot's coordinates pick the latest one.
    click = {"points": [{"lat": GARISSA[0], "lon": GARISSA[1], "customdata": 3}]}
    picked = clicked_incident(click, kenya, FilterState(*kenya.date_range()))
    assert picked == "KEN3"
    assert len(find(spot_detail(picked, whole(kenya), kenya)[0], "spot-item")) == 3


def test_spot_positions_are_in_date_order(kenya):
    i = kenya.position_of("KEN3")
    ids = kenya.incidents["event_id"].to_numpy()[spot_positions(kenya, i, FilterState(*kenya.date_range()))]
    assert list(ids) == ["KEN1", "KEN2", "KEN3"]


def test_a_long_list_says_how_many_more_there_are(kenya):
    rows = kenya.incidents.head(3)
    section = spot_list(rows, "KEN1", total=SPOT_LIST_LIMIT + 40)
    assert f"and {SPOT_LIST_LIMIT + 37:,} more here: narrow the filter to list them" in texts(section)


def test_nothing_selected_or_a_forged_id_hides_the_panel(kenya):
    assert spot_detail(None, whole(kenya), kenya) == ([], True)
    assert spot_detail("<script>", {"start": "bad"}, kenya) == ([], True)


def test_the_other_incidents_of_the_spot_are_buttons_that_pick_them(kenya):
    body, _ = spot_detail("KEN2", whole(kenya), kenya)
    buttons = find(body, "spot-pick")
    assert [b.id["index"] for b in buttons] == ["KEN1", "KEN3"]  # the selected one is no button
    assert picked_at_spot(buttons[1].id, 1, kenya) == "KEN3"
    assert picked_at_spot(buttons[1].id, 0, kenya) is None  # a button that just appeared: no click
    assert picked_at_spot({"type": "spot-item", "index": "NOPE"}, 1, kenya) is None
    assert picked_at_spot({"type": "spot-item", "index": ["KEN3"]}, True, kenya) is None
