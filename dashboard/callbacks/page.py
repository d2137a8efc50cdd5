"""The page callback (the one writer of the filter, display and URL), playback and the tabs."""
from __future__ import annotations

import json
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.state.controls import APPROXIMATE, Context, Playback
from dashboard.state.page import CONTROL_PROPS, QUICK_IDS, page_outputs
from dashboard.views.datasets import DATASETS_KEY, dataset_options
from dashboard.views.table import MAX_PAGE_SIZE, ROW_PX

#: Layers that draw data on the map; with none of them on, the map says how to switch one on.
DATA_LAYERS = ["incidents", APPROXIMATE, "displacement", "choropleth"]
NO_LAYER = "No layer is on: switch one on under Map layers"

PLAYBACK_MS = {1: 1000, 2: 500, 4: 250}

#: What the page callback writes besides the controls, by the name :func:`page_outputs` gives it.
PAGE_OUTPUTS = {
    "filter": Output(ids.FILTER, "data"),
    "display": Output(ids.DISPLAY, "data"),
    "search": Output(ids.URL, "search"),
    "label": Output(ids.RANGE_LABEL, "children"),
    "view": Output(ids.MAP_VIEW, "data", allow_duplicate=True),
    "notice": Output(ids.LINK_NOTICE, "children"),
    "notice_hidden": Output(ids.LINK_NOTICE, "hidden"),
    "stop": Output(ids.PLAYBACK_INTERVAL, "disabled", allow_duplicate=True),
    "row": Output(ids.SUMMARY_TABLE, "active_cell"),
}


def register_page(app: Dash, context: Context) -> None:
    """Wire the page state (every control, the URL, the brush, playback) and the tabs of one app."""
    outputs = {name: Output(cid, prop) for name, (cid, prop) in CONTROL_PROPS.items()} | PAGE_OUTPUTS

    @app.callback(
        output=outputs,
        inputs=dict(
            search=Input(ids.URL, "search"),
            values={name: Input(cid, prop) for name, (cid, prop) in CONTROL_PROPS.items()},
            selected=Input(ids.TIMELINE, "selectedData"),
            relayout=Input(ids.TIMELINE, "relayoutData"),
            quick={button: Input(button, "n_clicks") for button in QUICK_IDS},
            steps=(Input(ids.STEP_BACK, "n_clicks"), Input(ids.STEP_FORWARD, "n_clicks")),
            disabled=Input(ids.PLAYBACK_INTERVAL, "disabled"),
            ticks=Input(ids.PLAYBACK_INTERVAL, "n_intervals"),
            clear=Input(ids.CLEAR_ALL, "n_clicks"),
            baseline_clear=Input(ids.BASELINE_CLEAR, "n_clicks"),
            view=Input(ids.MAP_VIEW, "data"),
            click=Input(ids.MAP, "clickData"),
            row=Input(ids.SUMMARY_TABLE, "active_cell"),
        ),
        state=dict(
            step=State(ids.PLAYBACK_STEP, "value"),
            mode=State(ids.PLAYBACK_MODE, "value"),
            window=State(ids.PLAYBACK_WINDOW, "value"),
            current_filter=State(ids.FILTER, "data"),
            current_display=State(ids.DISPLAY, "data"),
        ),
        prevent_initial_call="initial_duplicate",
    )
    def _page(search: Any, values: dict, selected: Any, relayout: Any, disabled: Any, view: Any, click: Any,
              row: Any,
              step: Any, mode: Any, window: Any, current_filter: Any, current_display: Any, **_clicks: Any) -> dict:
        playback = Playback.parse(disabled is False, step, mode, window)
        out = page_outputs(ctx.triggered, search, values, selected=selected, relayout=relayout, view=view,
                           click=click, row=row, playback=playback, current_filter=current_filter,
                           current_display=current_display, context=context)
        return {name: out.get(name, no_update) for name in outputs}

    @app.callback(Output(ids.PLAYBACK_INTERVAL, "disabled"), Input(ids.PLAY, "n_clicks"),
                  State(ids.PLAYBACK_INTERVAL, "disabled"), prevent_initial_call=True)
    def _play(_clicks, disabled):
        return disabled is False  # toggle: this callback alone answers the button, so a pause is never lost

    @app.callback(Output(ids.PLAYBACK_INTERVAL, "interval"), Input(ids.PLAYBACK_SPEED, "value"))
    def _speed(speed):
        return PLAYBACK_MS.get(speed, 1000) if not isinstance(speed, bool) else 1000

    @app.callback(Output(ids.PLAY, "children"), Output(ids.PLAY, "aria-pressed"),
                  Input(ids.PLAYBACK_INTERVAL, "disabled"))
    def _play_label(disabled):
        return ("▶ Play", "false") if disabled is not False else ("❚❚ Pause", "true")

    app.clientside_callback(
        """function(timelineClicks, tableClicks, summaryClicks) {
            const trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || '';
            const shown = trig.startsWith(TABLE_TAB + '.') ? 1 : trig.startsWith(SUMMARY_TAB + '.') ? 2 : 0;
            const each = f => [0, 1, 2].map(f);
            return [...each(i => i !== shown), ...each(i => i === shown ? 'tab selected' : 'tab'),
                    ...each(i => i === shown ? 'true' : 'false')];
        }""".replace("TABLE_TAB", json.dumps(ids.TABLE_TAB)).replace("SUMMARY_TAB", json.dumps(ids.SUMMARY_TAB)),
        Output(ids.TIMELINE_PANEL, "hidden"), Output(ids.TABLE_PANEL, "hidden"), Output(ids.SUMMARY_PANEL, "hidden"),
        Output(ids.TIMELINE_TAB, "className"), Output(ids.TABLE_TAB, "className"),
        Output(ids.SUMMARY_TAB, "className"), Output(ids.TIMELINE_TAB, "aria-selected"),
        Output(ids.TABLE_TAB, "aria-selected"), Output(ids.SUMMARY_TAB, "aria-selected"),
        Input(ids.TIMELINE_TAB, "n_clicks"), Input(ids.TABLE_TAB, "n_clicks"), Input(ids.SUMMARY_TAB, "n_clicks"),
        prevent_initial_call=True,
    )

    # Rows per table page from the room the browser has (the table panel is 47% of the window's height).
    app.clientside_callback(
        """function(_clicks) {
            const room = Math.round(window.innerHeight * 0.47) - 88;
            return Math.max(MIN_ROWS, Math.min(MAX_ROWS, Math.floor(room / ROW_PX)));
        }""".replace("MIN_ROWS", "5").replace("MAX_ROWS", str(MAX_PAGE_SIZE)).replace("ROW_PX", str(ROW_PX)),
        Output(ids.TABLE, "page_size"), Input(ids.TABLE_TAB, "n_clicks"),
    )

    # The Dataset control lists every stored dataset; picking one follows its link.
    @app.callback(Output(ids.DATASET, "options"), Input(ids.URL, "pathname"), State(ids.DATASET, "options"))
    def _datasets(_path, shown):
        return dataset_options(context.dataset, shown, app.server.config.get(DATASETS_KEY))

    app.clientside_callback(
        """function(name) {
            if (name && name !== CURRENT) { window.location.href = '/datasets/' + encodeURIComponent(name) + '/'; }
            return window.dash_clientside.no_update;
        }""".replace("CURRENT", json.dumps(context.dataset)),
        Output(ids.DATASET, "className"), Input(ids.DATASET, "value"), prevent_initial_call=True,
    )

    # The map says so when no layer that draws data is on (instead of an empty map).
    app.clientside_callback(
        """function(layers) {
            const on = (layers || []).some(layer => DATA_LAYERS.includes(layer));
            return [on ? '' : NO_LAYER, on];
        }""".replace("DATA_LAYERS", json.dumps(DATA_LAYERS)).replace("NO_LAYER", json.dumps(NO_LAYER)),
        Output(ids.MAP_MESSAGE, "children"), Output(ids.MAP_MESSAGE, "hidden"), Input(ids.LAYERS, "value"),
    )
