"""Headline figures for the filtered range, as text an analyst can quote."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.figures.style import format_count, format_day
from geodata.query.columns import FatalityTotals


@dataclass(frozen=True)
class Headline:
    """Three figures, each a big number and a line saying what it counts."""

    incidents: str
    incidents_detail: str
    fatalities: str
    fatalities_detail: str
    displaced: str
    displaced_detail: str


def headline(totals: FatalityTotals, displaced: pd.Series | None, *, areas: bool = False) -> Headline:
    """Count incidents, sum reported fatalities (with the range where sources disagree)
    and state the displacement figure in force with its "as of" date and source (``areas``:
    the filter names admin areas, and ``displaced`` is the figure for them)."""
    n, reported = totals.incidents, totals.reported
    fatal_detail = "reported fatalities"
    if totals.low != totals.high:
        fatal_detail += f" (sources range {format_count(totals.low)}–{format_count(totals.high)})"
    if n - reported:
        fatal_detail += f"; {n - reported} incident(s) without a figure"
    if displaced is None:
        people, people_detail = "–", ("no displacement figure for the selected areas on or before the end date"
                                      if areas else "no displacement figure on or before the end date")
    else:
        qualifier = displaced.get("qualifier")
        qualifier = f"{qualifier} " if isinstance(qualifier, str) and qualifier else ""
        people = format_count(displaced["displaced"])
        since = (f" since {format_day(displaced['period_start'])}"
                 if pd.notna(displaced.get("period_start")) else "")
        people_detail = (f"{qualifier}{people} displaced{since} · as of {format_day(displaced['as_of'])}"
                         f" · {displaced['source']}")
    return Headline(
        incidents=format_count(n),
        incidents_detail="incident" if n == 1 else "incidents",
        fatalities=format_count(totals.total),
        fatalities_detail=fatal_detail,
        displaced=people,
        displaced_detail=people_detail,
    )
