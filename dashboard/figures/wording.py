"""How a displacement figure is said: in its source's words, with its period or "as of" date.

The legend, the map's hover, the timeline and the headline all say it the
same way, so an analyst can quote any of them: "948,000 displaced since
1 Mar 2023, as of 23 May 2023 (OCHA)"; "61,000 IDP arrivals in May 2023
(HNAP)".
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import pandas as pd

from dashboard.figures.style import format_count, format_day
from geodata.model.series import STOCK, SeriesInfo
from geodata.query.displacement import Displaced

#: At most this many sources are named in one sentence; the rest are counted.
MAX_SOURCES = 2


def period_words(start: date | pd.Timestamp | None, end: date | pd.Timestamp | None, unit: str | None) -> str:
    """'May 2023', 'Apr – May 2023', 'Dec 2022 – Feb 2023' (months); '3 – 9 Feb 2020' otherwise."""
    if start is None or pd.isna(start):
        return f"the {unit or 'period'} to {format_day(end)}" if end is not None and not pd.isna(end) else ""
    first = pd.Timestamp(start)
    last = pd.Timestamp(end) if end is not None and not pd.isna(end) else first
    if unit == "month":
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%B %Y}"
        return f"{first:%b} – {last:%b %Y}" if first.year == last.year else f"{first:%b %Y} – {last:%b %Y}"
    if first == last:
        return format_day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} – {format_day(last)}"
    return f"{first.day} {first:%b} – {format_day(last)}" if first.year == last.year else \
        f"{format_day(first)} – {format_day(last)}"


def sources_words(sources: Sequence[str]) -> str:
    """'OCHA', 'OCHA; REACH', 'OCHA; REACH and 3 more'."""
    named = "; ".join(sources[:MAX_SOURCES])
    return named + (f" and {len(sources) - MAX_SOURCES} more" if len(sources) > MAX_SOURCES else "")


def when_words(info: SeriesInfo, as_of: pd.Timestamp, start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """A stock's 'as of 23 Feb 2020'; a flow's 'in February 2020'."""
    if info.kind == STOCK:
        return f"as of {format_day(as_of)}"
    return f"in {period_words(start, end if end is not None and not pd.isna(end) else as_of, info.unit)}"


def figure_words(figure: Displaced) -> str:
    """The number as its source said it: 'almost 1,000,000' (the source's qualifier, never ours)."""
    people = format_count(figure.people)
    return f"{figure.qualifier} {people}" if figure.qualifier else people


def displaced_sentence(figure: Displaced, info: SeriesInfo) -> str:
    """The legend's and hover's sentence for ``figure``: number, what it counts (since when), its date
    or period, its sources."""
    return f"{figure_words(figure)} {displaced_caption(figure, info)}"


_AS_OF_SOURCE = re.compile(r"\s*\(as of [^()]*\)", re.IGNORECASE)


def displaced_caption(figure: Displaced, info: SeriesInfo) -> str:
    """What the headline's big figure counts: 'displaced since 1 Jan 2024, as of 5 Mar 2024 (OCHA)'.

    A stock's date is said once: a source named with its own "(as of …)" (a report's date) loses
    that part here, the sentence already gives the figure's; the full name stays in the sources.
    """
    sources = figure.sources
    if info.kind == STOCK:
        since = f" since {format_day(info.since)}" if info.since else ""
        first, last = figure.first_as_of, figure.last_as_of
        as_of = format_day(last) if first == last else f"{period_words(first, last, None)} (latest per place)"
        said = f"{info.measure}{since}, as of {as_of}"
        sources = tuple(dict.fromkeys(_AS_OF_SOURCE.sub("", s).strip() or s for s in sources))
    else:
        when = when_words(info, figure.last_as_of, figure.period_start, figure.period_end)
        said = f"{info.measure} {when}"
    if figure.figures > 1:
        said += f" across {figure.figures:,} places"
    return f"{said} ({sources_words(sources)})" if sources else said


def earlier_words(now: Displaced, before: Displaced, info: SeriesInfo) -> str:
    """How the figure moved since the comparison period's, in the earlier figure's own words:
    'up from more than 948,000 on 23 Feb 2020'. No difference is computed: two qualified figures
    ("almost", "more than") give no exact one."""
    direction = "up from" if now.people > before.people else "down from" if now.people < before.people \
        else "unchanged from"
    if info.kind == STOCK:
        when = f"on {format_day(before.last_as_of)}"
    else:
        when = when_words(info, before.last_as_of, before.period_start, before.period_end)
    return f"{direction} {figure_words(before)} {when}"


def missing_sentence(info: SeriesInfo, *, areas: bool) -> str:
    """Why the headline has no figure: none in force on the end date (stock), none for a period in
    the range (flow)."""
    where = " for the selected areas" if areas else ""
    if info.kind == STOCK:
        return f"no figure{where} on or before the end date ({info.label})"
    return f"no figure{where} for a period in the selected dates ({info.label})"
