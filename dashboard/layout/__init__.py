"""The page: controls on the left; headline figures, the map and the timeline/table on the right.

The left column is a stack of collapsible sections (place search, dates and
playback, filters, map layers, about the data) so the map keeps most of a
1280x800 screen. Every control is a native input, button or select, usable
from the keyboard.
"""
from __future__ import annotations

import warnings

import pandas as pd
from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.state import mapview as viewstate
from dashboard.export.ui import export_panel
from dashboard.figures.style import FONT_FAMILY, type_colour
from dashboard.figures.timeline import TIMELINE_HEIGHT
from dashboard.server.mapsources import MapSources
from dashboard.state.controls import (
    APPROXIMATE,
    DEFAULT_WINDOW_DAYS,
    QUICK,
    day_index,
    month_marks,
)
from dashboard.state.url import DEFAULT_BASEMAP, MapView
from dashboard.views.table import PAGE_SIZE, datatable_columns, table_page
from geodata import GEO_PRECISION, FilterState, IncidentStore
from geodata.model.filters import DEFAULT_LAYERS, LAYERS, PRECISIONS
from geodata.query import facets
from geodata.query.store import release_freed_memory

LAYER_LABELS = {
    "incidents": "Incidents",
    APPROXIMATE: "Area-coded incidents (approximate location)",
    "displacement": "Displacement figures",
    "context": "Towns & highways (schematic)",
    "boundaries": "Admin boundaries and names",
    "choropleth": "Displacement by admin area (shaded)",
}
assert set(LAYER_LABELS) == set(LAYERS) | {APPROXIMATE}

BASEMAP_LABELS = {
    "plain": "Plain (offline, no outside requests)",
    "osm": "OpenStreetMap: loads map tiles from tile.openstreetmap.org, an outside server",
    "local": "Local tiles (MBTiles file served by this app)",
}
ADMIN_LEVEL_LABELS = {1: "Level 1 (governorates)", 2: "Level 2 (districts)", 3: "Level 3 (sub-districts)"}

GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": True,
    "responsive": True,
}
#: The camera button saves the map at twice its size (a sharp picture for slides); its file name
#: follows the filter (assets/camera.js).
MAP_CONFIG = {**GRAPH_CONFIG, "toImageButtonOptions": {"format": "png", "scale": 2}}
TIMELINE_CONFIG = {**GRAPH_CONFIG, "scrollZoom": False,
                   "modeBarButtonsToRemove": ["zoomIn2d", "zoomOut2d", "autoScale2d", "lasso2d", "pan2d"]}


def _type_option(event_type: str) -> dict:
    swatch = html.Span(className="swatch", style={"backgroundColor": type_colour(event_type)})
    return {"label": html.Span([swatch, event_type]), "value": event_type}


def _sources(store: IncidentStore, sources: MapSources) -> html.Details:
    """Every source cited by the dataset, with its link (the 'about the data' panel)."""
    # Distinct pairs per table first: a million categorical rows stay codes, never a million strings.
    frames = [table[["source", "source_url"]].drop_duplicates().astype(object)
              for table in (store.incidents, store.displacement)]
    cited = pd.concat(frames).dropna(subset=["source"]).drop_duplicates().sort_values("source")
    items = [html.Li(html.A(row.source, href=row.source_url, target="_blank", rel="noopener noreferrer")
                     if isinstance(row.source_url, str) and row.source_url.startswith(("http://", "https://"))
                     else row.source)
             for row in cited.itertuples()]
    dataset = store.dataset
    version = getattr(dataset, "version", "") or "not recorded"
    start, end = store.date_range()
    extra = [html.Li(["Basemap: Natural Earth country outlines (public domain); OpenStreetMap tiles "
                      "(© OpenStreetMap contributors, ODbL) only when that basemap is chosen."])]
    if sources.boundaries is not None:
        extra.append(html.Li(f"Admin boundaries: {sources.boundaries_source or 'boundaries file'} "
                             f"({len(sources.boundaries)} areas, levels {', '.join(map(str, sources.levels))})."))
    if sources.tiles is not None:
        attribution = sources.tiles.attribution or "no attribution in the file"
        extra.append(html.Li(f"Local tiles: {sources.tiles.path.name} ({attribution})."))
    return html.Details(id=ids.SOURCES, className="sources section", children=[
        html.Summary(f"About the data · {len(items)} sources"),
        html.P([html.Strong(dataset.title), html.Br(),
                f"Dataset '{dataset.name}', version {version}, {start:%d %b %Y} – {end:%d %b %Y}, "
                f"{len(store.incidents):,} incidents."]),
        html.P(dataset.attribution),
        html.Ul(items),
        html.H3("Map"),
        html.Ul(extra),
    ])


def _field(label: str, control, *, for_id: str | None = None, hint: str | None = None) -> html.Div:
    children = [html.Label(label, htmlFor=for_id, className="field-label") if for_id
                else html.Div(label, className="field-label"), control]
    if hint:
        children.append(html.Div(hint, className="hint"))
    return html.Div(children, className="field")


def _section(title: str, children: list, *, open_: bool = True, section_id: str | None = None) -> html.Details:
    kwargs = {"id": section_id} if section_id else {}
    return html.Details(open=open_, className="section", children=[html.Summary(title), *children], **kwargs)


def _dates(store: IncidentStore) -> html.Details:
    bounds = store.date_range()
    last = day_index(bounds[1], bounds)
    quick_labels = {"quick-7": "Last 7 d", "quick-30": "30 d", "quick-90": "90 d", "quick-all": "All"}
    return _section("Dates & playback", [
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
        html.Div(id=ids.RANGE_LABEL, className="range-label", **{"aria-live": "polite"}),
        html.Div(className="button-row", role="group", **{"aria-label": "Quick date ranges"}, children=[
            html.Button(quick_labels[key], id=f"{ids.QUICK_RANGE}-{key.split('-')[1]}", type="button",
                        className="small-button", n_clicks=0,
                        title="The whole period" if QUICK[key] is None
                        else f"The last {QUICK[key]} days of the data")
            for key in QUICK
        ]),
        html.Div(className="button-row playback", role="group", **{"aria-label": "Playback"}, children=[
            html.Button("◀", id=ids.STEP_BACK, type="button", className="small-button", n_clicks=0,
                        title="Step back", **{"aria-label": "Step back"}),
            html.Button("▶ Play", id=ids.PLAY, type="button", className="small-button play", n_clicks=0,
                        title="Play: move the date window forward step by step", **{"aria-pressed": "false"}),
            html.Button("▶", id=ids.STEP_FORWARD, type="button", className="small-button", n_clicks=0,
                        title="Step forward", **{"aria-label": "Step forward"}),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Speed", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_SPEED, options=[{"label": f"{s}×", "value": s} for s in (1, 2, 4)],
                           value=1, inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Step", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_STEP, options=[{"label": "day", "value": "day"},
                                                           {"label": "week", "value": "week"}],
                           value="day", inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Window", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_MODE, options=[{"label": "moving", "value": "moving"},
                                                           {"label": "cumulative", "value": "cumulative"}],
                           value="moving", inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Label("Moving window of", htmlFor=ids.PLAYBACK_WINDOW, className="field-label inline"),
            dcc.Input(id=ids.PLAYBACK_WINDOW, type="number", min=1, max=3660, step=1, value=DEFAULT_WINDOW_DAYS,
                      debounce=True, className="number-input"),
            html.Span("days", className="hint inline"),
        ]),
        dcc.Interval(id=ids.PLAYBACK_INTERVAL, interval=1000, disabled=True),
    ])


def _filters(store: IncidentStore, sources: MapSources) -> html.Details:
    types = store.event_types()
    actors = facets.actors(store.columns, store.incidents)
    subs = facets.sub_event_types(store.incidents)
    areas = facets.admin_areas(store.incidents, sources.boundaries)
    most = store.incidents["fatalities"].max()
    most = int(most) if pd.notna(most) else 0
    return _section("Filters", [
        html.Button("Clear all filters", id=ids.CLEAR_ALL, type="button", className="small-button clear",
                    n_clicks=0, title="Reset every filter and the dates (layers and map stay)"),
        html.Div("Event types", className="field-label"),
        dcc.Checklist(id=ids.EVENT_TYPES, options=[_type_option(t) for t in types], value=types,
                      className="checklist"),
        _field("Sub-types", dcc.Dropdown(
            id=ids.SUB_TYPES, multi=True, value=[], placeholder="All sub-types",
            options=[{"label": f"{s} ({t}, {n})", "value": s} for t, s, n in subs])),
        _field("Actors", dcc.Dropdown(
            id=ids.ACTORS, multi=True, value=[], placeholder="All actors (type to search)",
            options=[{"label": f"{a} ({n})", "value": a} for a, n in actors])),
        _field("Admin areas", dcc.Dropdown(
            id=ids.ADMIN_AREAS, multi=True, value=[], placeholder="All areas (name or p-code)",
            options=[{"label": f"{a.name} · {a.pcode} (admin {a.level})", "value": a.pcode} for a in areas]),
            hint="Or click an area on the map when boundaries are shown." if sources.levels else None),
        html.Div(className="field", children=[
            html.Div("Fatalities", className="field-label"),
            html.Div(className="inline-fields", children=[
                html.Label("Fewest fatalities", htmlFor=ids.FATALITIES_MIN, className="sr-only"),
                dcc.Input(id=ids.FATALITIES_MIN, type="number", min=0, step=1, placeholder="0", debounce=True,
                          className="number-input"),
                html.Span("to", className="hint inline"),
                html.Label("Most fatalities", htmlFor=ids.FATALITIES_MAX, className="sr-only"),
                dcc.Input(id=ids.FATALITIES_MAX, type="number", min=0, step=1, placeholder=str(most),
                          debounce=True, className="number-input"),
            ]),
            html.Div("With a bound set, incidents without a reported figure are left out.", className="hint"),
        ]),
        html.Div("Location precision", className="field-label"),
        dcc.Checklist(id=ids.PRECISION, options=[{"label": GEO_PRECISION[p].capitalize(), "value": p}
                                                 for p in PRECISIONS],
                      value=list(PRECISIONS), className="checklist"),
        _field("Search the notes", dcc.Input(
            id=ids.NOTES_SEARCH, type="search", value="", placeholder="e.g. market, convoy", debounce=0.6,
            maxLength=200, className="text-input"), for_id=ids.NOTES_SEARCH),
        _field("Dataset", dcc.Dropdown(
            id=ids.DATASET, options=[{"label": store.dataset.title, "value": store.name}], value=store.name,
            clearable=False, searchable=False)),
    ])


def _layers(sources: MapSources) -> html.Details:
    has_boundaries = bool(sources.levels)
    basemaps = ["plain", "osm"] + (["local"] if sources.tiles is not None else [])
    options = [{"label": LAYER_LABELS[k], "value": k,
                "disabled": k in ("boundaries", "choropleth") and not has_boundaries} for k in LAYER_LABELS]
    level_options = [{"label": ADMIN_LEVEL_LABELS[level], "value": level} for level in (1, 2, 3)
                     if level in sources.levels] or [{"label": ADMIN_LEVEL_LABELS[1], "value": 1, "disabled": True}]
    return _section("Map layers", [
        dcc.Checklist(id=ids.LAYERS, options=options,
                      value=[k for k in LAYERS if k in DEFAULT_LAYERS] + [APPROXIMATE],
                      className="checklist"),
        html.Div(className="field", children=[
            html.Div("Boundaries drawn" + ("" if has_boundaries else " (no boundaries file loaded)"),
                     className="field-label"),
            dcc.RadioItems(id=ids.ADMIN_LEVEL, options=level_options, value=sources.levels[0] if has_boundaries else 1,
                           className="checklist"),
        ]),
        html.Div(className="field", children=[
            html.Div("Basemap", className="field-label"),
            dcc.RadioItems(id=ids.BASEMAP, options=[{"label": BASEMAP_LABELS[b], "value": b} for b in basemaps],
                           value=DEFAULT_BASEMAP, className="checklist"),
        ]),
    ], section_id="layers-section")


def _table(page) -> dash_table.DataTable:
    """The incidents table (server-side paging and sorting; see :mod:`dashboard.views.table`)."""
    return dash_table.DataTable(
        id=ids.TABLE, columns=datatable_columns(), data=page.data,
        page_action="custom", page_current=0, page_size=PAGE_SIZE, page_count=page.page_count,
        sort_action="custom", sort_mode="single", sort_by=[],
        style_table={"overflowX": "auto"},
        style_cell={"fontFamily": FONT_FAMILY, "fontSize": "12px", "padding": "0 6px", "textAlign": "left",
                    "height": "22px", "lineHeight": "22px",
                    "whiteSpace": "nowrap", "overflow": "hidden", "textOverflow": "ellipsis", "maxWidth": "240px"},
        style_header={"fontWeight": "600", "backgroundColor": "#f6f8fa"},
        style_data_conditional=[],
    )


def build_layout(store: IncidentStore, sources: MapSources | None = None) -> html.Div:
    """The whole page for ``store``, opened on the default view with the whole period selected."""
    sources = sources or MapSources()
    bounds = store.date_range()
    state = FilterState.default(bounds)
    default_view = MapView.from_dict(store.dataset.view) or MapView(35.9, 36.75, 7.7)
    first_page = table_page(store, state)
    controls = html.Aside(className="controls", **{"aria-label": "Filters and map settings"}, children=[
        html.Div(className="place-search", role="search", children=[
            html.Label("Find a place", htmlFor=ids.PLACE_SEARCH, className="field-label"),
            dcc.Input(id=ids.PLACE_SEARCH, type="search", value="", debounce=True, maxLength=100,
                      placeholder="Any spelling or script, then Enter", className="text-input", n_submit=0),
            html.Div(id=ids.PLACE_RESULT, className="hint", role="status", **{"aria-live": "polite"}),
        ]),
        _dates(store),
        _filters(store, sources),
        _layers(sources),
        export_panel(store),
        _sources(store, sources),
    ])
    headline = html.Div(id=ids.HEADLINE, className="headline", children=[
        html.Div(className="figure-card", children=[html.Span(id=ids.HEADLINE_INCIDENTS, className="big"),
                                                    html.Span(className="what", id=ids.HEADLINE_INCIDENTS + "-what")]),
        html.Div(className="figure-card", children=[html.Span(id=ids.HEADLINE_FATALITIES, className="big"),
                                                    html.Span(className="what", id=ids.HEADLINE_FATALITIES + "-what")]),
        html.Div(className="figure-card wide", children=[html.Span(id=ids.HEADLINE_DISPLACED, className="big"),
                                                         html.Span(className="what", id=ids.HEADLINE_DISPLACED + "-what")]),
    ])
    detail = html.Aside(id=ids.DETAIL, className="detail-panel", hidden=True, **{"aria-label": "Incident details"},
                        children=[
                            html.Button("×", id=ids.DETAIL_CLOSE, type="button", className="close",
                                        n_clicks=0, title="Close", **{"aria-label": "Close the details"}),
                            html.Div(id=ids.DETAIL_BODY, **{"aria-live": "polite"}),
                        ])
    with warnings.catch_warnings():  # DataTable ships with Dash; its future removal is noted upstream
        warnings.filterwarnings("ignore", message=r"\s*The dash_table.DataTable", category=DeprecationWarning)
        table = _table(first_page)
    bottom = html.Section(className="bottom", children=[
        html.Div(className="tab-bar", role="tablist", children=[
            html.Button("Timeline", id=ids.BOTTOM_TABS + "-timeline", type="button", role="tab", n_clicks=0,
                        className="tab selected", **{"aria-selected": "true", "aria-controls": ids.TIMELINE_PANEL}),
            html.Button("Incidents table", id=ids.BOTTOM_TABS + "-table", type="button", role="tab", n_clicks=0,
                        className="tab", **{"aria-selected": "false", "aria-controls": ids.TABLE_PANEL}),
            html.Span("Drag across the timeline to pick dates", className="hint tab-hint"),
        ]),
        html.Div(id=ids.TIMELINE_PANEL, role="tabpanel", className="tab-panel", children=[
            dcc.Graph(id=ids.TIMELINE, className="timeline", config=TIMELINE_CONFIG,
                      style={"height": f"{TIMELINE_HEIGHT}px"}),
        ]),
        html.Div(id=ids.TABLE_PANEL, role="tabpanel", className="tab-panel", hidden=True, children=[
            html.Div(first_page.note, id=ids.TABLE_NOTE, className="hint table-note"),
            table,
        ]),
    ])
    release_freed_memory()  # the million-row temporaries of the first table page and the facets
    return html.Div(className="app", children=[
        html.Header(className="app-header", children=[
            html.H1(store.dataset.title),
            html.P("Geocoded incidents and displacement figures, every row with its source. "
                   "Filter on the left, drag across the timeline, click a point or a row for details; "
                   "the address bar always holds a link to this exact view."),
            html.Div(id=ids.LINK_NOTICE, className="link-notice", role="alert", hidden=True),
        ]),
        html.Div(className="app-body", children=[
            controls,
            html.Main(className="views", children=[
                headline,
                html.Div(className="map-wrap", children=[
                    dcc.Graph(id=ids.MAP, className="map", config=MAP_CONFIG),
                    detail,
                ]),
                bottom,
            ]),
        ]),
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.FILTER, data=state.to_dict()),
        dcc.Store(id=ids.DISPLAY, data={"basemap": DEFAULT_BASEMAP, "admin_level": sources.levels[0]
                                        if sources.levels else 1}),
        dcc.Store(id=ids.MAP_VIEW, data=viewstate.initial(default_view)),
        dcc.Store(id=ids.SELECTED, data=None),
        dcc.Store(id=ids.TIMELINE_BARS, data=""),
        dcc.Store(id=ids.MAP_DRAWN, data=""),
    ])

