"""The page: controls on the left, headline figures, the map and the timeline on the right."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from geodata import FilterState, IncidentStore

from . import ids
from .controls import day_index, month_marks
from .figures.style import type_colour
from .figures.timeline import TIMELINE_HEIGHT

LAYER_LABELS = {
    "incidents": "Incidents",
    "displacement": "Displacement figures",
    "context": "Towns & highways (schematic)",
}

GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": True,
    "responsive": True,
}


def _type_option(event_type: str) -> dict:
    swatch = html.Span(className="swatch", style={"backgroundColor": type_colour(event_type)})
    return {"label": html.Span([swatch, event_type]), "value": event_type}


def _sources(store: IncidentStore) -> html.Details:
    """Every source cited by the dataset, with its link (the 'about the data' panel)."""
    frames = [store.incidents[["source", "source_url"]], store.displacement[["source", "source_url"]]]
    cited = pd.concat(frames).dropna(subset=["source"]).drop_duplicates().sort_values("source")
    items = [html.Li(html.A(row.source, href=row.source_url, target="_blank", rel="noopener noreferrer")
                     if isinstance(row.source_url, str) and row.source_url.startswith("http") else row.source)
             for row in cited.itertuples()]
    return html.Details(id=ids.SOURCES, className="sources", children=[
        html.Summary(f"About the data · {len(items)} sources"),
        html.P(store.dataset.attribution),
        html.Ul(items),
    ])


def build_layout(store: IncidentStore) -> html.Div:
    """The whole page for ``store``, opened on the default view with the whole period selected."""
    bounds = store.date_range()
    state = FilterState.default(bounds)
    last = day_index(bounds[1], bounds)
    types = store.event_types()
    controls = html.Aside(className="controls", children=[
        html.H2("Dates"),
        dcc.DatePickerRange(
            id=ids.DATE_PICKER, start_date=bounds[0].isoformat(), end_date=bounds[1].isoformat(),
            min_date_allowed=bounds[0].isoformat(), max_date_allowed=bounds[1].isoformat(),
            initial_visible_month=bounds[0].isoformat(), display_format="D MMM YYYY", minimum_nights=0,
            first_day_of_week=1, updatemode="bothdates",
        ),
        dcc.RangeSlider(
            id=ids.DATE_SLIDER, min=0, max=last, step=1, value=[0, last], marks=month_marks(bounds),
            allowCross=False, updatemode="mouseup", allow_direct_input=False, className="date-slider",
        ),
        html.Div(id=ids.RANGE_LABEL, className="range-label"),
        html.H2("Event types"),
        dcc.Checklist(id=ids.EVENT_TYPES, options=[_type_option(t) for t in types], value=types,
                      className="checklist"),
        html.H2("Layers"),
        dcc.Checklist(id=ids.LAYERS, options=[{"label": LAYER_LABELS[k], "value": k} for k in LAYER_LABELS],
                      value=list(LAYER_LABELS), className="checklist"),
        _sources(store),
    ])
    headline = html.Div(id=ids.HEADLINE, className="headline", children=[
        html.Div(className="figure-card", children=[html.Span(id=ids.HEADLINE_INCIDENTS, className="big"),
                                                    html.Span(className="what", id=ids.HEADLINE_INCIDENTS + "-what")]),
        html.Div(className="figure-card", children=[html.Span(id=ids.HEADLINE_FATALITIES, className="big"),
                                                    html.Span(className="what", id=ids.HEADLINE_FATALITIES + "-what")]),
        html.Div(className="figure-card wide", children=[html.Span(id=ids.HEADLINE_DISPLACED, className="big"),
                                                         html.Span(className="what", id=ids.HEADLINE_DISPLACED + "-what")]),
    ])
    return html.Div(className="app", children=[
        html.Header(className="app-header", children=[
            html.H1(store.dataset.title),
            html.P("Geocoded incidents and displacement figures, every row with its source. "
                   "Pick dates and event types on the left; every figure follows."),
        ]),
        html.Div(className="app-body", children=[
            controls,
            html.Main(className="views", children=[
                headline,
                dcc.Graph(id=ids.MAP, className="map", config=GRAPH_CONFIG),
                dcc.Graph(id=ids.TIMELINE, className="timeline", config={**GRAPH_CONFIG, "scrollZoom": False},
                          style={"height": f"{TIMELINE_HEIGHT}px"}),
            ]),
        ]),
        dcc.Store(id=ids.FILTER, data=state.to_dict()),
    ])
