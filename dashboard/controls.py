"""Pure conversions between the filter controls and the :class:`FilterState`.

The date picker speaks ISO dates, the range slider speaks day numbers since
the start of the period; both describe the same range and are kept in sync
through the filter state.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from geodata import FilterState
from geodata.filters import parse_date


def day_index(day: date, bounds: tuple[date, date]) -> int:
    """Slider position of ``day`` (0 = first day of the period)."""
    return (day - bounds[0]).days


def index_day(index: Any, bounds: tuple[date, date]) -> date | None:
    """The date at slider position ``index``, or ``None`` if it is not a usable number."""
    if isinstance(index, bool) or not isinstance(index, (int, float)) or index != index:
        return None
    last = (bounds[1] - bounds[0]).days
    return bounds[0] + timedelta(days=int(min(max(round(index), 0), last)))


def month_marks(bounds: tuple[date, date]) -> dict[int, str]:
    """Slider marks at the first day of each month, labelled 'Dec 2019'."""
    marks = {}
    day = bounds[0]
    while day <= bounds[1]:
        if day.day == 1 or day == bounds[0]:
            marks[day_index(day, bounds)] = f"{day:%b %Y}" if day.day == 1 else f"{day.day} {day:%b}"
        day += timedelta(days=1)
    return marks


def state_from_controls(trigger: str | None, *, picker: tuple[Any, Any], slider: Any, event_types: Any,
                        layers: Any, bounds: tuple[date, date], slider_id: str) -> FilterState:
    """The filter state the controls describe, taking dates from whichever control moved.

    Malformed values (tampered requests, half-typed dates) fall back to the
    whole period rather than failing.
    """
    start, end = bounds
    if trigger == slider_id and isinstance(slider, (list, tuple)) and len(slider) == 2:
        low, high = index_day(slider[0], bounds), index_day(slider[1], bounds)
        if low is not None and high is not None:
            start, end = low, high
    else:
        start = parse_date(picker[0]) or bounds[0]
        end = parse_date(picker[1]) or bounds[1]
    return FilterState.from_dict(
        {"start": start.isoformat(), "end": end.isoformat(), "event_types": event_types, "layers": layers},
        bounds,
    )
