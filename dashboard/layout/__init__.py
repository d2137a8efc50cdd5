"""The page: controls on the left; headline figures, the map and the timeline/table on the right.

Built once per app from its store (the facets, the first table page and the
default view come from the data); every component id is in :mod:`dashboard.ids`.
"""
from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.layout.controls import controls_column
from dashboard.layout.panels import GRAPH_CONFIG, MAP_CONFIG, TIMELINE_CONFIG, bottom_tabs, headline, map_panel
from dashboard.server.mapsources import MapSources
from dashboard.state import mapview
from dashboard.state.url import DEFAULT_BASEMAP
from dashboard.views.summary import by_options
from dashboard.views.table import table_page
from geodata import FilterState, IncidentStore
from geodata.query.store import release_freed_memory

__all__ = ["GRAPH_CONFIG", "MAP_CONFIG", "TIMELINE_CONFIG", "build_layout"]


def build_layout(store: IncidentStore, sources: MapSources | None = None) -> html.Div:
    """The whole page for ``store``, opened on the default view with the whole period selected."""
    sources = sources or MapSources()
    state = FilterState.default(store.date_range())
    controls = controls_column(store, sources)
    bottom = bottom_tabs(table_page(store, state), by_options(store))
    release_freed_memory()  # the million-row temporaries of the first table page and the facets
    return html.Div(className="app", children=[
        html.A("Skip to the map", href=f"#{ids.MAP_REGION}", className="skip-link"),
        html.Header(className="app-header", children=[
            html.Button("Filters", id=ids.FILTERS_TOGGLE, type="button", className="small-button filters-toggle",
                        n_clicks=0, **{"aria-expanded": "false", "aria-controls": ids.CONTROLS}),
            html.H1(store.dataset.title),
            html.P("Geocoded incidents and displacement figures, every row with its source. "
                   "Filter on the left, drag across the timeline, click a point or a row for details; "
                   "the address bar always holds a link to this exact view."),
            html.Div(id=ids.LINK_NOTICE, className="link-notice", role="alert", hidden=True),
        ]),
        html.Div(className="app-body", children=[
            controls,
            html.Main(className="views", children=[headline(), map_panel(), bottom]),
        ]),
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.FILTER, data=state.to_dict()),
        dcc.Store(id=ids.DISPLAY, data={"basemap": DEFAULT_BASEMAP, "admin_level": sources.levels[0]
                                        if sources.levels else 1}),
        dcc.Store(id=ids.MAP_VIEW, data=mapview.initial(mapview.opening_view(store.dataset.view, store.extent))),
        dcc.Store(id=ids.SELECTED, data=None),
        dcc.Store(id=ids.TIMELINE_BARS, data=""),
        dcc.Store(id=ids.MAP_DRAWN, data=""),
    ])
