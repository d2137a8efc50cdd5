"""How the selection compares with an earlier period: "+12 vs previous 29 days".

An analyst reads a count as rising or falling only against another period
with every other filter equal. By default that is the period of equal
length just before the selection, cut at the data's first day (a shorter
period is said with its real length, never stretched); an analyst may pick
a baseline instead. Nothing is divided by zero: a change from nothing has no
percentage.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from geodata.model.filters import FilterState
from geodata.query import summary
from geodata.query.displacement import Displaced
from geodata.query.store import IncidentStore

PREVIOUS = "previous"
BASELINE = "baseline"


@dataclass(frozen=True)
class Period:
    """Inclusive dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Change:
    """One figure in the selection (``now``) and in the comparison period (``before``)."""

    now: int
    before: int

    @property
    def delta(self) -> int:
        return self.now - self.before

    @property
    def percent(self) -> float | None:
        """The change in per cent of ``before``; ``None`` when ``before`` is zero (no percentage of nothing)."""
        return None if self.before == 0 else 100.0 * self.delta / self.before


@dataclass(frozen=True)
class Comparison:
    """The selection against one comparison period.

    ``kind`` is :data:`PREVIOUS` (the period of equal length before the
    selection) or :data:`BASELINE` (picked by the analyst). ``period`` is
    the period actually compared, ``None`` when there is no data to compare
    with (the previous period lies wholly before the data's first day, or a
    baseline wholly outside the data); then ``incidents`` and
    ``fatalities`` are ``None`` too. ``clipped``: the previous period was
    cut at the data's first day, so it is shorter than the selection.
    """

    kind: str
    selection: Period
    period: Period | None
    incidents: Change | None
    fatalities: Change | None
    clipped: bool = False


def comparison_period(selection: Period, bounds: tuple[date, date],
                      baseline: tuple[date, date] | None = None) -> tuple[Period | None, bool]:
    """(the period to compare ``selection`` with, whether it was clipped).

    Without ``baseline``: the ``selection.days`` days just before it, cut at
    ``bounds[0]`` (the summary's rule, :func:`geodata.query.summary.previous_period`),
    ``None`` when they all lie before it. With ``baseline``: that period
    (dates in either order) cut to ``bounds``, ``None`` when it lies wholly
    outside: days without data are not days without incidents.
    """
    if baseline is None:
        window = summary.previous_period(selection.start, selection.end, bounds)
        if window is None:
            return None, False
        period = Period(*window)
        return period, period.days < selection.days
    cut = summary.baseline_period(baseline, bounds)
    return (Period(*cut), cut != tuple(sorted(baseline))) if cut is not None else (None, False)


def compare(store: IncidentStore, state: FilterState, baseline: tuple[date, date] | None = None) -> Comparison:
    """Incidents and reported fatalities matching ``state`` against the comparison period (see
    :func:`comparison_period`), every filter but the dates the same."""
    selection = Period(state.start, state.end)
    kind = BASELINE if baseline is not None else PREVIOUS
    if state.is_empty_range:
        return Comparison(kind, selection, None, None, None)
    period, clipped = comparison_period(selection, store.date_range(), baseline)
    if period is None:
        return Comparison(kind, selection, None, None, None)
    now = store.fatality_totals(state)
    before = store.fatality_totals(replace(state, start=period.start, end=period.end))
    return Comparison(kind, selection, period, Change(now.incidents, before.incidents),
                      Change(now.total, before.total), clipped)


def displaced_before(store: IncidentStore, state: FilterState, comparison: Comparison) -> Displaced | None:
    """The headline displacement figure for the comparison period, when it is another dated figure
    than the selection's (``None`` otherwise: one figure has no change)."""
    if comparison.period is None:
        return None
    now = store.displaced_in_range(state.start, state.end, state.admin_codes)
    before = store.displaced_in_range(comparison.period.start, comparison.period.end, state.admin_codes)
    if now is None or before is None:
        return None
    if (before.last_as_of, before.first_as_of, before.people) == (now.last_as_of, now.first_as_of, now.people):
        return None
    return before
