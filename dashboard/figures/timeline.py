"""The timeline under the map: incidents per day by type, and cumulative displacement.

It shows the whole period for context and shades the selected range, so the
analyst sees what the filter leaves out.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from .style import DISPLACEMENT_COLOURS, FONT_FAMILY, SELECTION_FILL, escape, format_count, format_day, type_colour

TIMELINE_UIREVISION = "timeline"
TIMELINE_HEIGHT = 210


def timeline_figure(daily: pd.DataFrame, displaced: pd.DataFrame, start: date, end: date,
                    period: tuple[date, date]) -> go.Figure:
    """Stacked daily bars (one trace per event type) and the cumulative displacement line.

    ``daily`` has one column per event type indexed by day; ``displaced`` is
    the headline series (``as_of``, ``displaced``, ``qualifier``, ``source``).
    """
    figure = go.Figure()
    for event_type in daily.columns:
        counts = daily[event_type]
        figure.add_bar(
            x=daily.index.to_numpy(), y=counts.to_numpy(), name=event_type, meta="incidents-per-day",
            marker_color=type_colour(event_type), showlegend=False,
            hovertemplate="%{x|%d %b %Y}: %{y} incident(s)<extra>" + escape(pd.Series([event_type]))[0] + "</extra>",
        )
    if not displaced.empty:
        qualifier = displaced["qualifier"].astype("string").fillna("")
        figure.add_scatter(
            x=displaced["as_of"].to_numpy(), y=displaced["displaced"].astype("float64").to_numpy(),
            yaxis="y2", mode="lines+markers", name="Displaced since 1 Dec 2019", meta="displacement",
            line=dict(color=DISPLACEMENT_COLOURS["flow"], width=2), marker=dict(size=5),
            customdata=list(zip(escape(qualifier), [format_count(v) for v in displaced["displaced"]],
                                escape(displaced["source"], limit=80))),
            hovertemplate="%{customdata[0]} %{customdata[1]} displaced as of %{x|%d %b %Y}<br>"
                          "%{customdata[2]}<extra></extra>",
        )
    if start <= end:
        figure.add_vrect(x0=pd.Timestamp(start), x1=pd.Timestamp(end + timedelta(days=1)),
                         fillcolor=SELECTION_FILL, line_width=1, line_color="rgba(0,114,178,0.5)", layer="below")
    figure.update_layout(
        barmode="stack", bargap=0.15,
        uirevision=TIMELINE_UIREVISION,
        margin=dict(l=48, r=64, t=28, b=28),
        font=dict(family=FONT_FAMILY, size=11),
        plot_bgcolor="white", paper_bgcolor="white",
        title=dict(text=f"Selected: {format_day(start)} – {format_day(end)}" if start <= end else "Empty range",
                   x=0.01, y=0.97, font=dict(size=12)),
        xaxis=dict(range=[pd.Timestamp(period[0]), pd.Timestamp(period[1] + timedelta(days=1))],
                   type="date", showgrid=False, tickformat="%d %b\n%Y"),
        yaxis=dict(title=dict(text="Incidents / day"), rangemode="tozero", gridcolor="#eeeeee",
                   dtick=max(1, math.ceil(daily.sum(axis=1).max() / 4)) if len(daily.columns) else 1),
        yaxis2=dict(title=dict(text="Displaced"), overlaying="y", side="right", rangemode="tozero",
                    showgrid=False, tickformat=".2s"),
        height=TIMELINE_HEIGHT,
        showlegend=False, hovermode="closest",
    )
    return figure
