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
