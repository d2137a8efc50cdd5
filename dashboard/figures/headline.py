"""Headline figures for the filtered range, as text an analyst can quote."""
from __future__ import annotations

from dataclasses import dataclass

from dashboard.figures.style import format_count
from dashboard.figures.wording import displaced_caption, earlier_words, figure_words, missing_sentence, period_words
from geodata.model.series import SeriesInfo
from geodata.query.change import PREVIOUS, Change, Comparison
from geodata.query.columns import FatalityTotals
from geodata.query.displacement import Displaced

#: The minus sign, not a hyphen: "−3" reads as a negative number.
MINUS = "\u2212"


@dataclass(frozen=True)
class Headline:
    """Three figures, each a big number, a line saying what it counts and one saying how it changed
    against the comparison period ('' when there is nothing to compare)."""

    incidents: str
    incidents_detail: str
    fatalities: str
    fatalities_detail: str
    displaced: str
    displaced_detail: str
    incidents_change: str = ""
    fatalities_change: str = ""
    displaced_change: str = ""


def _signed(value: float, text: str) -> str:
    return f"+{text}" if value > 0 else f"{MINUS}{text}" if value < 0 else text


def compared_with(comparison: Comparison) -> str:
    """'previous 29 days'; a baseline's dates ('1 – 14 Jan 2020', with its length when it differs)."""
    period = comparison.period
    if period is None:
        return ""
    days = f"{period.days} day{'s' if period.days != 1 else ''}"
    if comparison.kind == PREVIOUS:
        return f"previous {days}"
    said = period_words(period.start, period.end, None)
    return said if period.days == comparison.selection.days else f"{said} ({days})"


def change_words(change: Change | None, comparison: Comparison) -> str:
    """'+12 (+40%) vs previous 29 days', '+5 vs previous 7 days' (from none: no percentage), 'no change
    vs …', 'no earlier data' (the previous period lies before the data), 'no data in the baseline'."""
    if comparison.selection.days <= 0:
        return ""  # no dates selected: nothing to compare
    if change is None or comparison.period is None:
        return "no earlier data" if comparison.kind == PREVIOUS else "no data in the baseline"
    against = compared_with(comparison)
    if change.delta == 0:
        return f"no change vs {against}"
    said = _signed(change.delta, format_count(abs(change.delta)))
    percent = change.percent
    if percent is not None:
        size = abs(percent)
        said += f" ({_signed(percent, f'{size:.0f}%' if size >= 0.5 else '<1%')})"
    return f"{said} vs {against}"


def headline(totals: FatalityTotals, displaced: Displaced | None, info: SeriesInfo | None = None, *,
             areas: bool = False, comparison: Comparison | None = None,
             displaced_before: Displaced | None = None) -> Headline:
    """Count incidents, sum reported fatalities (with the range where sources disagree)
    and state the displacement figure for the range in its source's words, with its date or period
    and source (``info`` describes the series; ``areas``: the filter names admin areas, and
    ``displaced`` is the figure for them). With ``comparison``, each figure says how it changed;
    the displacement figure only against another dated figure (``displaced_before``)."""
    n, reported = totals.incidents, totals.reported
    fatal_detail = "reported fatalities"
    if totals.low != totals.high:
        fatal_detail += f" (sources range {format_count(totals.low)}–{format_count(totals.high)})"
    if n - reported:
        missing = n - reported
        fatal_detail += f"; {missing:,} incident{'s' if missing != 1 else ''} without a figure"
    if info is None and displaced is None:
        people, people_detail = "–", "no displacement figures in this dataset"
    elif displaced is None:
        people, people_detail = "–", missing_sentence(info or SeriesInfo(), areas=areas)
    else:
        people, people_detail = figure_words(displaced), displaced_caption(displaced, info or SeriesInfo())
    moved = ""
    if displaced is not None and displaced_before is not None:
        moved = earlier_words(displaced, displaced_before, info or SeriesInfo())
    return Headline(
        incidents=format_count(n),
        incidents_detail="incident" if n == 1 else "incidents",
        fatalities=format_count(totals.total),
        fatalities_detail=fatal_detail,
        displaced=people,
        displaced_detail=people_detail,
        incidents_change=change_words(comparison.incidents, comparison) if comparison else "",
        fatalities_change=change_words(comparison.fatalities, comparison) if comparison else "",
        displaced_change=moved,
    )
