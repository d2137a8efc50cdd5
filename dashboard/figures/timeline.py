"""The timeline under the map: incidents per day by type, and cumulative displacement.

It shows the whole period for context and shades the selected range, so the
analyst sees what the filter leaves out.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from . import plain
from .style import DISPLACEMENT_COLOURS, FONT_FAMILY, SELECTION_FILL, escape, format_count, format_day, type_colour

TIMELINE_UIREVISION = "timeline"
TIMELINE_HEIGHT = 210
DAY_MS = 86_400_000


def timeline_figure(daily: pd.DataFrame, displaced: pd.DataFrame, start: date, end: date,
                    period: tuple[date, date]) -> dict:
    """Stacked daily bars (one trace per event type) and the cumulative displacement line.

    ``daily`` has one column per event type indexed by day; ``displaced`` is
    the headline series (``as_of``, ``displaced``, ``qualifier``, ``source``).
    """
    first_day = pd.Timestamp(period[0])
    traces: list = []
    for event_type in daily.columns:
        # x0 + dx instead of one date string per bar: the payload stays a typed array of counts.
        traces.append(plain.trace("bar", 
            x0=first_day, dx=DAY_MS, y=daily[event_type].to_numpy(dtype=np.uint32), name=event_type,
            meta="incidents-per-day", marker=dict(color=type_colour(event_type)), showlegend=False,
            hovertemplate="%{x|%d %b %Y}: %{y} incident(s)<extra>" + escape(pd.Series([event_type]))[0] + "</extra>",
        ))
    if not displaced.empty:
        qualifier = displaced["qualifier"].astype("string").fillna("")
        traces.append(plain.trace("scatter", 
            x=displaced["as_of"].dt.strftime("%Y-%m-%d").tolist(), y=displaced["displaced"].astype("float64").to_numpy(),
            yaxis="y2", mode="lines+markers", name="Displaced since 1 Dec 2019", meta="displacement",
            line=dict(color=DISPLACEMENT_COLOURS["flow"], width=2), marker=dict(size=5),
            customdata=list(zip(escape(qualifier), [format_count(v) for v in displaced["displaced"]],
                                escape(displaced["source"], limit=80))),
            hovertemplate="%{customdata[0]} %{customdata[1]} displaced as of %{x|%d %b %Y}<br>"
                          "%{customdata[2]}<extra></extra>",
        ))
    shapes = []
    if start <= end:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=start.isoformat(),
                           x1=(end + timedelta(days=1)).isoformat(), y0=0, y1=1, fillcolor=SELECTION_FILL,
                           line=dict(width=1, color="rgba(0,114,178,0.5)"), layer="below"))
    most = int(daily.to_numpy().sum(axis=1).max()) if daily.size else 0
    # One constructor call: plotly validates the layout once (update_layout costs several times more).
    return plain.figure(traces, dict(
        barmode="stack", bargap=0.15,
        uirevision=TIMELINE_UIREVISION,
        margin=dict(l=48, r=64, t=28, b=28),
        font=dict(family=FONT_FAMILY, size=11),
        plot_bgcolor="white", paper_bgcolor="white",
        title=dict(text=f"Selected: {format_day(start)} – {format_day(end)}" if start <= end else "Empty range",
                   x=0.01, y=0.97, font=dict(size=12)),
        xaxis=dict(range=[period[0].isoformat(), (period[1] + timedelta(days=1)).isoformat()],
                   type="date", showgrid=False, tickformat="%d %b\n%Y"),
        yaxis=dict(title=dict(text="Incidents / day"), rangemode="tozero", gridcolor="#eeeeee",
                   dtick=max(1, math.ceil(most / 4))),
        yaxis2=dict(title=dict(text="Displaced"), overlaying="y", side="right", rangemode="tozero",
                    showgrid=False, tickformat=".2s"),
        shapes=shapes,
        height=TIMELINE_HEIGHT,
        showlegend=False, hovermode="closest",
    ))
