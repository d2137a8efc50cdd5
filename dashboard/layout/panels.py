"""The views column: headline figures, the map with its detail panel, and the timeline/table tabs."""
from __future__ import annotations

import warnings

from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.figures.style import FONT_FAMILY
from dashboard.figures.timeline import TIMELINE_HEIGHT
from dashboard.views.table import PAGE_SIZE, ROW_PX, SOURCE_PREFIX, TablePage, datatable_columns

GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": True,
    "responsive": True,
}


#: The camera button saves the map at twice its size (a sharp picture for slides); its file name
#: follows the filter (assets/camera.js). No box or lasso selection: a selection that the URL, the
#: headline and the exports did not follow would show one thing and count another (the timeline's
#: brush, which is a date filter, stays). Dragging pans.
MAP_CONFIG = {**GRAPH_CONFIG, "toImageButtonOptions": {"format": "png", "scale": 2},
              "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


TIMELINE_CONFIG = {**GRAPH_CONFIG, "scrollZoom": False,
                   "modeBarButtonsToRemove": ["zoomIn2d", "zoomOut2d", "autoScale2d", "lasso2d", "pan2d"]}


#: Widths that keep the notes and the event id in view on a laptop (the table scrolls sideways beyond).
COLUMN_WIDTHS = {"date": "92px", "type": "130px", "sub_type": "140px", "location": "130px", "actors": "180px",
                 "fatalities": "84px", "notes": "300px", "precision": "90px", "source": "140px", "event_id": "90px"}


def _table(page: TablePage) -> dash_table.DataTable:
    """The incidents table (server-side paging and sorting; see :mod:`dashboard.views.table`)."""
    return dash_table.DataTable(
        id=ids.TABLE, columns=datatable_columns(page.source_columns), data=page.data,
        hidden_columns=[SOURCE_PREFIX + name for name in page.source_columns],
        page_action="custom", page_current=0, page_size=PAGE_SIZE, page_count=page.page_count,
        sort_action="custom", sort_mode="single", sort_by=[],
        style_table={"overflowX": "auto"},
        style_cell={"fontFamily": FONT_FAMILY, "fontSize": "12px", "padding": "0 6px", "textAlign": "left",
                    "height": f"{ROW_PX - 2}px", "lineHeight": f"{ROW_PX - 2}px",
                    "whiteSpace": "nowrap", "overflow": "hidden", "textOverflow": "ellipsis", "maxWidth": "240px"},
        style_header={"fontWeight": "600", "backgroundColor": "#f6f8fa"},
        style_cell_conditional=[{"if": {"column_id": column}, "maxWidth": width, "width": width}
                                for column, width in COLUMN_WIDTHS.items()],
        style_data_conditional=[],
        tooltip_data=page.tooltips or [], tooltip_duration=None, tooltip_delay=300,
        css=[{"selector": ".dash-table-tooltip", "rule": "max-width: 420px; white-space: normal; font-size: 12px;"}],
    )


def headline() -> html.Div:
    """Three figure cards: incidents, fatalities, people displaced, each with what it counts and how it
    changed (filled by the callbacks; the change line's room is kept, so the map never moves)."""
    cards = [(ids.HEADLINE_INCIDENTS, ids.HEADLINE_INCIDENTS_WHAT, ids.HEADLINE_INCIDENTS_CHANGE, "figure-card"),
             (ids.HEADLINE_FATALITIES, ids.HEADLINE_FATALITIES_WHAT, ids.HEADLINE_FATALITIES_CHANGE, "figure-card"),
             (ids.HEADLINE_DISPLACED, ids.HEADLINE_DISPLACED_WHAT, ids.HEADLINE_DISPLACED_CHANGE, "figure-card wide")]
    return html.Div(id=ids.HEADLINE, className="headline", children=[
        html.Div(className=css, children=[html.Span(id=figure, className="big"), html.Span(className="what", id=what),
                                          html.Span(id=change, className="change")])
        for figure, what, change, css in cards
    ])


def map_panel() -> html.Div:
    """The map, with the detail panel of the selected incident over it."""
    detail = html.Aside(id=ids.DETAIL, className="detail-panel", hidden=True, **{"aria-label": "Incident details"},
                        children=[
                            html.Button("×", id=ids.DETAIL_CLOSE, type="button", className="close",
                                        n_clicks=0, title="Close", **{"aria-label": "Close the details"}),
                            html.Div(id=ids.DETAIL_BODY, **{"aria-live": "polite"}),
                        ])
    # The graph sits in a focusable region: one Tab stop with a visible ring, named for screen readers.
    graph = html.Div(id=ids.MAP_REGION, className="map-region", tabIndex="0", role="region",
                     **{"aria-label": "Map of the filtered incidents (drag to pan, scroll to zoom)"},
                     children=[dcc.Graph(id=ids.MAP, className="map", config=MAP_CONFIG)])
    messages = html.Div(className="map-messages", role="status", **{"aria-live": "polite"}, children=[
        html.P(id=ids.MAP_MESSAGE, className="map-message", hidden=True),
        html.P(id=ids.TILE_MESSAGE, className="map-message", hidden=True),  # set by assets/map_messages.js
    ])
    # Phone only (style.css): the legend would cover much of a small map, so it waits behind a button.
    legend = html.Button("Legend", id=ids.MAP_LEGEND_TOGGLE, type="button", className="small-button legend-toggle",
                         **{"aria-expanded": "false", "aria-controls": ids.MAP})
    return html.Div(className="map-wrap", children=[graph, messages, legend, detail])


def summary_panel(options: list[dict[str, str]]) -> html.Div:
    """The Summary tab: a grouping, the note, the ranked table (sorted in the browser) and its CSV."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*The dash_table.DataTable", category=DeprecationWarning)
        table = dash_table.DataTable(
            id=ids.SUMMARY_TABLE, columns=[], data=[], sort_action="native", sort_mode="single",
            merge_duplicate_headers=True,
            page_action="native", page_size=100,  # the panel scrolls (a focusable region: its controls)
            style_cell={"fontFamily": FONT_FAMILY, "fontSize": "12px", "padding": "0 6px", "textAlign": "right",
                        "whiteSpace": "nowrap", "overflow": "hidden", "textOverflow": "ellipsis", "maxWidth": "260px"},
            style_cell_conditional=[{"if": {"column_id": "label"}, "textAlign": "left", "minWidth": "160px"},
                                    {"if": {"column_id": "trend"}, "textAlign": "left", "letterSpacing": "-1px"}],
            style_data={"cursor": "pointer"},
            style_header={"fontWeight": "600", "backgroundColor": "#f6f8fa", "whiteSpace": "normal"},
            tooltip_data=[], tooltip_duration=None, tooltip_delay=300,
            css=[{"selector": ".dash-table-tooltip",
                  "rule": "max-width: 420px; white-space: normal; font-size: 12px;"}],
        )
    return html.Div(id=ids.SUMMARY_PANEL, role="tabpanel", className="tab-panel", hidden=True, children=[
        html.Div(className="summary-bar", children=[
            html.Div(role="radiogroup", className="summary-by", **{"aria-label": "Group the summary by"}, children=[
                dcc.RadioItems(id=ids.SUMMARY_BY, options=options, value=options[0]["value"] if options else None,
                               inline=True, inputStyle={"marginRight": "3px"}, labelStyle={"marginRight": "10px"}),
            ]),
            html.Button("Download summary (CSV)", id=ids.SUMMARY_CSV, type="button", className="small-button",
                        n_clicks=0),
        ]),
        html.Div(id=ids.SUMMARY_NOTE, className="hint table-note", role="status", **{"aria-live": "polite"}),
        table,
        dcc.Download(id=ids.SUMMARY_DOWNLOAD),
    ])


def bottom_tabs(first_page: TablePage, summary_by: list[dict[str, str]] | None = None) -> html.Section:
    """The timeline, the incidents table and the summary, one tab each."""
    with warnings.catch_warnings():  # DataTable ships with Dash; its future removal is noted upstream
        warnings.filterwarnings("ignore", message=r"\s*The dash_table.DataTable", category=DeprecationWarning)
        table = _table(first_page)
    return html.Section(className="bottom", children=[
        html.Div(className="tab-bar", role="tablist", children=[
            html.Button("Timeline", id=ids.TIMELINE_TAB, type="button", role="tab", n_clicks=0,
                        className="tab selected", **{"aria-selected": "true", "aria-controls": ids.TIMELINE_PANEL}),
            html.Button("Incidents table", id=ids.TABLE_TAB, type="button", role="tab", n_clicks=0,
                        className="tab", **{"aria-selected": "false", "aria-controls": ids.TABLE_PANEL}),
            html.Button("Summary", id=ids.SUMMARY_TAB, type="button", role="tab", n_clicks=0,
                        className="tab", **{"aria-selected": "false", "aria-controls": ids.SUMMARY_PANEL}),
            # Shown with the timeline only (style.css hides it while the timeline panel is hidden).
            html.Span("Drag across the timeline to pick dates", id=ids.TIMELINE_HINT, className="hint tab-hint"),
        ]),
        html.Div(id=ids.TIMELINE_PANEL, role="tabpanel", className="tab-panel", children=[
            dcc.Graph(id=ids.TIMELINE, className="timeline", config=TIMELINE_CONFIG,
                      style={"height": f"{TIMELINE_HEIGHT}px"}),
        ]),
        html.Div(id=ids.TABLE_PANEL, role="tabpanel", className="tab-panel", hidden=True, children=[
            html.Div(first_page.note, id=ids.TABLE_NOTE, className="hint table-note"),
            table,
        ]),
        summary_panel(summary_by or []),
    ])
