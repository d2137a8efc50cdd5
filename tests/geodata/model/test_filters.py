"""FilterState: inclusive dates, clamping, and tolerant parsing of client data."""
from __future__ import annotations

from datetime import date

from geodata import FilterState

BOUNDS = (date(2019, 12, 1), date(2020, 3, 10))


def test_round_trip_through_dict():
    state = FilterState(date(2020, 2, 1), date(2020, 2, 27), ("Battles",), frozenset({"incidents"}))
    assert FilterState.from_dict(state.to_dict(), BOUNDS) == state


def test_clamped_to_bounds_and_malformed_parts_default():
    state = FilterState.from_dict({"start": "2019-01-01", "end": "2021-01-01"}, BOUNDS)
    assert (state.start, state.end) == BOUNDS
    bad = FilterState.from_dict({"start": 5, "end": "not a date", "event_types": "Battles", "layers": [1, None]},
                                BOUNDS)
    assert (bad.start, bad.end) == BOUNDS and bad.event_types is None and bad.layers == frozenset()
    assert FilterState.from_dict(None, BOUNDS) == FilterState.default(BOUNDS)
    assert FilterState.from_dict({"event_types": ["x"] * 1000}, BOUNDS).event_types is None


def test_picker_datetime_strings_and_empty_range():
    state = FilterState.from_dict({"start": "2020-02-27T00:00:00", "end": "2020-02-26"}, BOUNDS)
    assert state.start == date(2020, 2, 27) and state.is_empty_range


def test_new_fields_round_trip_through_dict():
    state = FilterState(date(2020, 2, 1), date(2020, 2, 27), None, frozenset({"incidents", "boundaries"}),
                        sub_event_types=("Armed clash",), actors=("Civilians (Syria)",), admin_codes=("SY07",),
                        fatalities_min=1, fatalities_max=40, precision=(1, 2), text="market",
                        show_approximate=False)
    assert FilterState.from_dict(state.to_dict(), BOUNDS) == state


def test_new_fields_default_to_no_filter():
    state = FilterState.default(BOUNDS)
    assert state.sub_event_types == state.actors == state.admin_codes == ()
    assert state.fatalities_min is None and state.fatalities_max is None and not state.has_fatality_bounds
    assert state.precision is None and state.text == ""
    assert state.layers == frozenset({"incidents", "displacement", "context"}) and state.show_approximate
    assert FilterState.from_dict({"show_approximate": "no"}, BOUNDS).show_approximate  # only False hides


def test_malformed_new_fields_fall_back():
    bad = FilterState.from_dict({
        "actors": "Civilians", "admin_codes": [1, {"x": 1}, "SY07"], "sub_event_types": ["a" * 500],
        "fatalities_min": -3, "fatalities_max": "12x", "precision": [1, 7], "text": ["market"],
        "layers": ["incidents", "javascript:"],
    }, BOUNDS)
    assert bad.actors == () and bad.admin_codes == ("SY07",) and bad.sub_event_types == ()
    assert bad.fatalities_min is None and bad.fatalities_max is None
    assert bad.precision is None and bad.text == "" and bad.layers == frozenset({"incidents"})
    assert FilterState.from_dict({"actors": ["x"] * 1000}, BOUNDS).actors == ()
    assert len(FilterState.from_dict({"text": "x" * 10_000}, BOUNDS).text) == 200


def test_fatality_bounds_and_precision_parsing():
    state = FilterState.from_dict({"fatalities_min": "30", "fatalities_max": 5.0, "precision": ["1", 3]}, BOUNDS)
    assert (state.fatalities_min, state.fatalities_max) == (5, 30)  # swapped into order
    assert state.precision == (1, 3)
    assert FilterState.from_dict({"precision": [1, 2, 3]}, BOUNDS).precision is None  # all = no filter
    assert FilterState.from_dict({"precision": []}, BOUNDS).precision == ()  # none ticked = nothing
    assert FilterState.from_dict({"fatalities_min": True}, BOUNDS).fatalities_min is None
    assert FilterState.from_dict({"text": "  air   strike "}, BOUNDS).text == "air strike"

