"""The export panel's callbacks and the map camera's file name.

An export blocks only the request that asked for it: the export callback
takes no admission slot (its own lane) and waits in the process's bounded
export queue instead (:class:`dashboard.export.service.ExportQueue`), which
answers "busy, try again" past its bound.
"""
from __future__ import annotations

import json

from dash import Dash, Input, Output, State, ctx

from dashboard import ids
from dashboard.config import Config
from dashboard.export.links import public_base
from dashboard.export.naming import safe_stem
from dashboard.export.service import export_queue
from dashboard.server.admission import use_own_lane
from dashboard.server.cache import get_cache
from dashboard.server.security import CONFIG_KEY, release_callback_slot
from dashboard.views.export import (
    BUTTONS,
    RENDERED,
    page_playback_progress,
    run_export,
    run_playback_export,
)
from geodata import IncidentStore

#: The camera's file name, as :func:`camera_file_name` builds it. STEM is replaced by the dataset's
#: safe name (letters, digits, _ and -); the band's text (:func:`~dashboard.views.export.camera_band`)
#: comes as data from its store, never inside the page's script.
CAMERA_JS = """function(filter, band) {
    // The camera button's file name for this filter. assets/camera.js puts it on the map's
    // plotly config for the moment of the click only: a changed config prop would make plotly
    // re-create the whole map (style, glyphs, sources) on every filter change.
    const day = /^\\d{4}-\\d{2}-\\d{2}$/;
    if (!filter || !day.test(filter.start) || !day.test(filter.end)) {
        return window.dash_clientside.no_update;
    }
    window.conflictMapCameraName = STEM + '_' + filter.start + '_' + filter.end + '_map';
    // The band assets/camera.js draws under the picture: title, dates, scale, north, sources.
    window.conflictMapCameraBand = Object.assign({}, band || {}, {start: filter.start, end: filter.end});
    return window.conflictMapCameraName;
}"""


def _config(app: Dash) -> Config:
    config = app.server.extensions.get(CONFIG_KEY)
    return config if isinstance(config, Config) else Config()


def app_url(app: Dash) -> str:
    """The app's URL for the view's link: ``CONFLICT_MAP_PUBLIC_URL`` and the app's path, else the path alone.

    Never the request's Host header: a client chooses it, and the link is printed in a briefing others trust.
    """
    return public_base(_config(app).public_url, app.config.requests_pathname_prefix)


def register_export(app: Dash, store: IncidentStore) -> None:
    """Wire the export panel and the map's camera file name of one app to one store."""
    # In the browser: instant, in order with the filter (a server round trip could land stale).
    app.clientside_callback(CAMERA_JS.replace("STEM", json.dumps(safe_stem(store.name))),
                            Output(ids.CAMERA_NAME, "data"), Input(ids.FILTER, "data"), State(ids.CAMERA_BAND, "data"))

    outputs = (Output(ids.EXPORT_DOWNLOAD, "data"), Output(ids.EXPORT_STATUS, "children"))
    use_own_lane(app.server.extensions, f"..{outputs[0]}...{outputs[1]}..")

    @app.callback(
        *outputs,
        *(Input(button, "n_clicks") for button in BUTTONS),
        State(ids.FILTER, "data"), State(ids.MAP_VIEW, "data"), State(ids.MAP, "relayoutData"),
        State(ids.EXPORT_TITLE, "value"), State(ids.EXPORT_SIZE, "value"), State(ids.DISPLAY, "data"),
        running=[*((Output(button, "disabled"), True, False) for button in BUTTONS),
                 (Output(ids.EXPORT_BUSY, "children"), "Preparing the export…", "")],
        prevent_initial_call=True,
    )
    def _export(*values):
        filter_data, view, relayout, title, size, display = values[len(BUTTONS):]
        if BUTTONS.get(ctx.triggered_id) in RENDERED:
            release_callback_slot()
        return run_export(ctx.triggered_id, filter_data, view, relayout, title, size, store, app_url(app),
                          cache=get_cache(app), queue=export_queue(_config(app).export_queue), display=display)

    register_playback_export(app, store)


def register_playback_export(app: Dash, store: IncidentStore) -> None:
    """Wire 'Export playback' (in the export lane, like a briefing) and its progress line, polled each second
    while the playback renders (the progress is in the app's cache too, so any worker can answer the poll)."""
    outputs = (Output(ids.EXPORT_PLAYBACK_DOWNLOAD, "data"), Output(ids.EXPORT_PLAYBACK_STATUS, "children"))
    use_own_lane(app.server.extensions, f"..{outputs[0]}...{outputs[1]}..")
    described = (State(ids.FILTER, "data"), State(ids.EXPORT_PLAYBACK_FORMAT, "value"),
                 State(ids.PLAYBACK_STEP, "value"), State(ids.PLAYBACK_MODE, "value"),
                 State(ids.PLAYBACK_WINDOW, "value"), State(ids.PLAYBACK_SPEED, "value"),
                 State(ids.EXPORT_PLAYBACK_STEP, "value"))

    @app.callback(
        *outputs, Input(ids.EXPORT_PLAYBACK, "n_clicks"), *described,
        State(ids.MAP_VIEW, "data"), State(ids.MAP, "relayoutData"), State(ids.EXPORT_TITLE, "value"),
        State(ids.DISPLAY, "data"),
        running=[(Output(ids.EXPORT_PLAYBACK, "disabled"), True, False),
                 (Output(ids.EXPORT_PLAYBACK_POLL, "disabled"), False, True)],
        prevent_initial_call=True,
    )
    def _playback(_clicks, filter_data, fmt, step, mode, window, speed, file_step, view, relayout, title, display):
        release_callback_slot()
        return run_playback_export(fmt, filter_data, view, relayout, title, step, mode, window, speed, store,
                                   app_url(app), cache=get_cache(app), queue=export_queue(_config(app).export_queue),
                                   display=display, file_step=file_step)

    # The progress line shows only while the poll runs: a poll answered after the export ended would
    # otherwise leave "Rendering frame 2 of 4…" on screen.
    app.clientside_callback("function(stopped) { return stopped !== false; }",
                            Output(ids.EXPORT_PLAYBACK_PROGRESS, "hidden"), Input(ids.EXPORT_PLAYBACK_POLL, "disabled"))

    @app.callback(Output(ids.EXPORT_PLAYBACK_PROGRESS, "children"), Input(ids.EXPORT_PLAYBACK_POLL, "n_intervals"),
                  Input(ids.EXPORT_PLAYBACK_POLL, "disabled"), *described, prevent_initial_call=True)
    def _progress(_ticks, stopped, filter_data, fmt, step, mode, window, speed, file_step):
        if stopped:
            return ""
        return page_playback_progress(store, filter_data, fmt, step, mode, window, speed, get_cache(app),
                                      file_step=file_step)


