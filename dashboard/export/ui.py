"""The export panel in the controls column, and its callbacks.

The callbacks are thin: :func:`run_export` validates what the browser sent
(trigger, filter state, map view, title, size) and calls :mod:`.service`;
:func:`camera_file_name` names the modebar camera's PNG. Both are plain functions
tests call directly. A briefing render blocks only the request that asked
for it (the renderer's lock is never taken by other callbacks).
"""
from __future__ import annotations

import json
from typing import Any

import flask
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import ids
from dashboard.export.briefing import MAX_TITLE, default_title
from dashboard.export.naming import export_stem, safe_stem
from dashboard.export.provenance import utc_stamp
from dashboard.export.render import ExportError
from dashboard.export.service import (
    BRIEFING_FORMATS,
    Export,
    briefing_export,
    table_export,
)
from dashboard.export.sizes import PRESET_LABELS, PRESETS
from dashboard.export.view import (
    default_view,
    screen_size,
    view_from_relayout,
    view_from_store,
)
from dashboard.server.cache import ResultCache, get_cache
from dashboard.server.security import release_callback_slot
from geodata import FilterState, IncidentStore

#: Which button makes which file.
BUTTONS = {ids.EXPORT_PNG: "png", ids.EXPORT_PDF: "pdf", ids.EXPORT_CSV: "csv", ids.EXPORT_GEOJSON: "geojson"}
DEFAULT_SIZE = "slide"

#: The camera's file name, as :func:`camera_file_name` builds it. STEM is replaced by the dataset's
#: safe name (letters, digits, _ and -).
CAMERA_JS = """function(filter) {
    // The camera button's file name for this filter. assets/camera.js puts it on the map's
    // plotly config for the moment of the click only: a changed config prop would make plotly
    // re-create the whole map (style, glyphs, sources) on every filter change.
    const day = /^\\d{4}-\\d{2}-\\d{2}$/;
    if (!filter || !day.test(filter.start) || !day.test(filter.end)) {
        return window.dash_clientside.no_update;
    }
    window.conflictMapCameraName = STEM + '_' + filter.start + '_' + filter.end + '_map';
    return window.conflictMapCameraName;
}"""

#: Seconds a briefing waits for another one to finish rendering before saying "busy".
UI_QUEUE_TIMEOUT = 20.0


def export_panel(store: IncidentStore | None = None) -> html.Section:
    """Title, size, the four export buttons, a status line and the download."""
    placeholder = default_title(store) if store is not None else "Default: the dataset's title"
    button = {"className": "export-button", "n_clicks": 0, "type": "button",
              "style": {"padding": "4px 8px", "fontSize": "12px", "cursor": "pointer"}}
    return html.Section(id=ids.EXPORT_PANEL, className="export", children=[
        html.H2("Export"),
        html.Label("Briefing title", htmlFor=ids.EXPORT_TITLE, style={"display": "block", "fontSize": "12px"}),
        dcc.Input(id=ids.EXPORT_TITLE, type="text", value="", placeholder=placeholder, maxLength=MAX_TITLE,
                  debounce=True, style={"width": "100%", "fontSize": "12px"}),
        dcc.RadioItems(id=ids.EXPORT_SIZE, value=DEFAULT_SIZE, className="checklist",
                       options=[{"label": PRESET_LABELS[k], "value": k} for k in PRESETS],
                       style={"margin": "6px 0"}),
        html.Div(className="export-buttons", style={"display": "flex", "flexWrap": "wrap", "gap": "6px"},
                 children=[html.Button("Briefing PNG", id=ids.EXPORT_PNG, **button),
                           html.Button("Briefing PDF", id=ids.EXPORT_PDF, **button),
                           html.Button("CSV", id=ids.EXPORT_CSV, title="The filtered incidents, for Excel", **button),
                           html.Button("GeoJSON", id=ids.EXPORT_GEOJSON, title="The filtered incidents, for GIS",
                                       **button)]),
        html.Div(id=ids.EXPORT_BUSY, className="range-label", **{"aria-live": "polite"}),
        html.Div(id=ids.EXPORT_STATUS, className="range-label", role="status", **{"aria-live": "polite"}),
        html.P("The map's camera button (top right of the map) saves the map alone as a PNG.",
               className="range-label"),
        dcc.Download(id=ids.EXPORT_DOWNLOAD),
        dcc.Store(id=ids.CAMERA_NAME),  # the camera button's file name for the current filter
    ])


def camera_file_name(filter_data: Any, store: IncidentStore) -> str:
    """The name the map's camera button saves under for this filter (without ``.png``).

    The app computes it in the browser (:data:`CAMERA_JS`); this is the same
    rule in Python, for tests and for other callers.
    """
    state = FilterState.from_dict(filter_data, store.date_range())
    return export_stem(store.name, state.start, state.end, "map")


def _size_text(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{max(count // 1000, 1)} kB"


def run_export(trigger: Any, filter_data: Any, saved_view: Any, relayout: Any, title: Any, size: Any,
               store: IncidentStore, app_url: str, cache: ResultCache | None = None) -> tuple[Any, str]:
    """(download data or ``no_update``, status line) for a click on one of the export buttons.

    The map view is the view store's (``ids.MAP_VIEW``: every pan, and every
    move the app makes on purpose), else the last ``relayoutData``, else the
    dataset's default view; their visible corners (if reported) give the
    size of the analyst's map, so that the briefing shows the same extent.

    Everything from the browser is checked: an unknown trigger or size is
    refused, the state and view are parsed with fallbacks, the title is
    cleaned (and escaped where it is drawn). File names come from the
    dataset name and dates only.

    A briefing found in ``cache`` (the app's result cache) is not rendered
    again; the status line then says when it was rendered, the time its page
    is stamped with.
    """
    fmt = BUTTONS.get(trigger) if isinstance(trigger, str) else None
    if fmt is None:
        return no_update, ""
    preset = size if isinstance(size, str) and size in PRESETS else None
    if fmt in BRIEFING_FORMATS and preset is None:
        return no_update, "Choose a briefing size."
    state = FilterState.from_dict(filter_data, store.date_range())
    view, corners = view_from_store(saved_view), None
    if view is not None:
        corners = saved_view.get("corners")
    elif (view := view_from_relayout(relayout)) is not None:
        derived = relayout.get("map._derived")
        corners = derived.get("coordinates") if isinstance(derived, dict) else None
    view = view or default_view(store.dataset.view)
    screen = screen_size(view, corners)
    try:
        if fmt in BRIEFING_FORMATS:
            result: Export = briefing_export(store, state, view, fmt=fmt, title=title, size=PRESETS[preset],
                                             app_url=app_url, screen=screen, queue_timeout=UI_QUEUE_TIMEOUT,
                                             cache=cache)
        else:
            result = table_export(store, state, fmt=fmt, app_url=app_url, view=view)
    except ExportError as error:
        return no_update, str(error)
    download = dcc.send_bytes(result.content, result.filename, type=result.mime)
    size_text = _size_text(len(result.content))
    if result.cached and result.generated_at is not None:
        return download, f"Downloaded {result.filename} ({size_text}, rendered at {utc_stamp(result.generated_at)})."
    return download, f"Downloaded {result.filename} ({size_text})."


def app_url(app: Dash) -> str:
    """The app's URL as the browser reached it (host and path prefix), for the view's link."""
    return flask.request.host_url.rstrip("/") + app.config.requests_pathname_prefix


def register_export_callbacks(app: Dash, store: IncidentStore) -> None:
    """Wire the export panel and the map's camera file name of one app to one store."""
    # In the browser: instant, in order with the filter (a server round trip could land stale).
    app.clientside_callback(CAMERA_JS.replace("STEM", json.dumps(safe_stem(store.name))),
                            Output(ids.CAMERA_NAME, "data"), Input(ids.FILTER, "data"))

    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"), Output(ids.EXPORT_STATUS, "children"),
        *(Input(button, "n_clicks") for button in BUTTONS),
        State(ids.FILTER, "data"), State(ids.MAP_VIEW, "data"), State(ids.MAP, "relayoutData"),
        State(ids.EXPORT_TITLE, "value"), State(ids.EXPORT_SIZE, "value"),
        running=[*((Output(button, "disabled"), True, False) for button in BUTTONS),
                 (Output(ids.EXPORT_BUSY, "children"), "Preparing the export…", "")],
        prevent_initial_call=True,
    )
    def _export(_png, _pdf, _csv, _geojson, filter_data, view, relayout, title, size):
        if BUTTONS.get(ctx.triggered_id) in BRIEFING_FORMATS:
            release_callback_slot()
        return run_export(ctx.triggered_id, filter_data, view, relayout, title, size, store, app_url(app),
                          cache=get_cache(app))
