"""The timeline under the map: incidents per day by type, and the headline displacement series.

It shows the whole period for context and shades the selected range, so the
analyst sees what the filter leaves out.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from dashboard.figures import plain
from dashboard.figures.style import (
    DISPLACEMENT_COLOURS,
    FONT_FAMILY,
    SELECTION_FILL,
    escape,
    format_count,
    format_day,
    type_colour,
)
from dashboard.figures.wording import when_words
from geodata.model.series import SeriesInfo

TIMELINE_UIREVISION = "timeline"
TIMELINE_HEIGHT = 210
DAY_MS = 86_400_000


#: Above this many days the timeline groups days into bars of whole weeks: thousands of SVG bars
#: take the browser about a second to redraw (and are narrower than a pixel anyway).
MAX_BARS = 400


def days_per_bar(days: int) -> int:
    """1 up to :data:`MAX_BARS` days, else whole weeks, so that at most ``MAX_BARS`` bars remain."""
    return 1 if days <= MAX_BARS else 7 * math.ceil(days / (7 * MAX_BARS))


def binned(daily: np.ndarray, size: int) -> np.ndarray:
    """Daily counts (days × types) summed over consecutive runs of ``size`` days (bars × types);
    the last bar may cover fewer days."""
    if size == 1:
        return daily
    bars = -(-len(daily) // size)
    padded = np.zeros((bars * size, daily.shape[1]), dtype=daily.dtype)
    padded[:len(daily)] = daily
    return padded.reshape(bars, size, daily.shape[1]).sum(axis=1, dtype=np.uint32)


def selection_layout(start: date, end: date) -> dict:
    """The layout parts that follow the selected dates alone: the title and the shaded range.

    A change of dates only (the commonest) sends just these to the browser.
    """
    shapes = []
    if start <= end:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=start.isoformat(),
                           x1=(end + timedelta(days=1)).isoformat(), y0=0, y1=1, fillcolor=SELECTION_FILL,
                           line=dict(width=1, color="rgba(0,114,178,0.5)"), layer="below"))
    title = f"Selected: {format_day(start)} – {format_day(end)}" if start <= end else "Empty range"
    return dict(title=dict(text=title, x=0.01, y=0.97, font=dict(size=12)), shapes=shapes,
                selectionrevision=f"{start}/{end}", selections=[])


def timeline_figure(daily: pd.DataFrame, displaced: pd.DataFrame, start: date, end: date,
                    period: tuple[date, date], info: SeriesInfo | None = None,
                    colours: Mapping[str, str] | None = None) -> dict:
    """Stacked bars of incidents per day, or per week over long periods (one trace per event
    type), and the headline displacement series as a line, named and hovered in its source's words.

    ``daily`` has one column per event type indexed by day; ``displaced`` is
    the headline series (``as_of``, ``displaced``, ``qualifier``, ``source``,
    optionally ``period_start``/``period_end``); ``info`` describes it. ``colours`` gives each
    type the map's colour (another source's types are none of ACLED's).
    """
    first_day = period[0].isoformat()
    size = days_per_bar(len(daily))
    counts = binned(daily.to_numpy(dtype=np.uint32), size)
    when = "%{x|%d %b %Y}" if size == 1 else ("Week from %{x|%d %b %Y}" if size == 7
                                                 else f"{size} days from %{{x|%d %b %Y}}")
    traces: list = []
    names = escape(pd.Series(list(daily.columns), dtype=object))  # one call for every type (each ~1 ms)
    for event_type, name, column in zip(daily.columns, names, counts.T, strict=True):
        # x0 + dx instead of one date string per bar: the payload stays a typed array of counts.
        # Each bar spans its days (offset from its first day), so it sits inside the shaded range.
        traces.append(plain.trace(
            "bar", x0=first_day, dx=size * DAY_MS, offset=0.08 * size * DAY_MS, width=0.84 * size * DAY_MS,
            y=column, name=event_type, meta="incidents-per-day",
            marker=dict(color=(colours or {}).get(event_type) or type_colour(event_type)),
            showlegend=False,
            hovertemplate=when + " · incidents: %{y}<extra>" + name + "</extra>",
        ))
    if not displaced.empty:
        info = info or SeriesInfo()
        qualifier = displaced["qualifier"].astype("string").fillna("") if "qualifier" in displaced else \
            pd.Series("", index=displaced.index, dtype="string")
        starts = displaced["period_start"] if "period_start" in displaced else pd.Series(pd.NaT, index=displaced.index)
        ends = displaced["period_end"] if "period_end" in displaced else pd.Series(pd.NaT, index=displaced.index)
        dated = [when_words(info, a, s, e) for a, s, e in zip(displaced["as_of"], starts, ends, strict=True)]
        traces.append(plain.trace("scatter",
            x=displaced["as_of"].dt.strftime("%Y-%m-%d").tolist(),
            y=displaced["displaced"].astype("float64").to_numpy(),
            yaxis="y2", mode="lines+markers", name=info.label, meta="displacement",
            line=dict(color=DISPLACEMENT_COLOURS["flow"], width=2), marker=dict(size=5),
            customdata=list(zip(escape(qualifier), [format_count(v) for v in displaced["displaced"]],
                                escape(displaced["source"], limit=80), escape(pd.Series(dated, dtype="string")),
                                strict=True)),
            hovertemplate="%{customdata[0]} %{customdata[1]} " + escape(pd.Series([info.measure]))[0]
                          + " %{customdata[3]}<br>%{customdata[2]}<extra>" + escape(pd.Series([info.label]))[0]
                          + "</extra>",
        ))
    most = int(counts.sum(axis=1).max()) if counts.size else 0
    # One constructor call: plotly validates the layout once (update_layout costs several times more).
    return plain.figure(traces, dict(
        barmode="stack", bargap=0.15,
        uirevision=TIMELINE_UIREVISION,
        margin=dict(l=48, r=64, t=28, b=28),
        font=dict(family=FONT_FAMILY, size=11),
        plot_bgcolor="white", paper_bgcolor="white",
        xaxis=dict(range=[period[0].isoformat(), (period[1] + timedelta(days=1)).isoformat()],
                   type="date", showgrid=False, tickformat="%d %b\n%Y"),
        yaxis=dict(title=dict(text="Incidents / day" if size == 1 else f"Incidents / {size} days" if size != 7
                              else "Incidents / week"), rangemode="tozero", gridcolor="#eeeeee",
                   # whole numbers: a step of at least 1 for small counts, plotly's round steps above
                   **(dict(dtick=max(1, math.ceil(most / 4))) if most <= 8 else dict(nticks=5, tickformat="~s"))),
        yaxis2=dict(title=dict(text=(info.measure[:1].upper() + info.measure[1:]) if info else "Displaced"),
                    overlaying="y", side="right", rangemode="tozero",
                    showgrid=False, tickformat=".2s"),
        **selection_layout(start, end),
        height=TIMELINE_HEIGHT,
        showlegend=False, hovermode="closest",
    ))
