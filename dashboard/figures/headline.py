"""Headline figures for the filtered range, as text an analyst can quote."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .style import format_count, format_day


@dataclass(frozen=True)
class Headline:
    """Three figures, each a big number and a line saying what it counts."""

    incidents: str
    incidents_detail: str
    fatalities: str
    fatalities_detail: str
    displaced: str
    displaced_detail: str


def headline(incidents: pd.DataFrame, displaced: pd.Series | None) -> Headline:
    """Count incidents, sum reported fatalities (with the range where sources disagree)
    and state the displacement figure in force with its "as of" date and source."""
    n = len(incidents)
    best = incidents["fatalities"].astype("Float64")
    reported = int(best.notna().sum())
    total = int(best.sum(skipna=True)) if reported else 0
    low = int(incidents["fatalities_low"].astype("Float64").fillna(best).sum(skipna=True)) if reported else 0
    high = int(incidents["fatalities_high"].astype("Float64").fillna(best).sum(skipna=True)) if reported else 0
    fatal_detail = "reported fatalities"
    if low != high:
        fatal_detail += f" (sources range {format_count(low)}–{format_count(high)})"
    if n - reported:
        fatal_detail += f"; {n - reported} incident(s) without a figure"
    if displaced is None:
        people, people_detail = "–", "no displacement figure on or before the end date"
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
        fatalities=format_count(total),
        fatalities_detail=fatal_detail,
        displaced=people,
        displaced_detail=people_detail,
    )
