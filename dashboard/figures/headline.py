"""Headline figures for the filtered range, as text an analyst can quote."""
from __future__ import annotations

from dataclasses import dataclass

from dashboard.figures.style import format_count
from dashboard.figures.wording import displaced_sentence, missing_sentence
from geodata.model.series import SeriesInfo
from geodata.query.columns import FatalityTotals
from geodata.query.displacement import Displaced


@dataclass(frozen=True)
class Headline:
    """Three figures, each a big number and a line saying what it counts."""

    incidents: str
    incidents_detail: str
    fatalities: str
    fatalities_detail: str
    displaced: str
    displaced_detail: str


def headline(totals: FatalityTotals, displaced: Displaced | None, info: SeriesInfo | None = None, *,
             areas: bool = False) -> Headline:
    """Count incidents, sum reported fatalities (with the range where sources disagree)
    and state the displacement figure for the range in its source's words, with its date or period
    and source (``info`` describes the series; ``areas``: the filter names admin areas, and
    ``displaced`` is the figure for them)."""
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
        people, people_detail = format_count(displaced.people), displaced_sentence(displaced, info or SeriesInfo())
    return Headline(
        incidents=format_count(n),
        incidents_detail="incident" if n == 1 else "incidents",
        fatalities=format_count(totals.total),
        fatalities_detail=fatal_detail,
        displaced=people,
        displaced_detail=people_detail,
    )
