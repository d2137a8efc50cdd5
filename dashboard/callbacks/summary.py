"""The Summary tab: its table follows the filter, the display settings (baseline) and the grouping while
the tab is open; its button downloads the same rows as CSV. A row click is the page callback's (:mod:`.page`)."""
from __future__ import annotations

from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.server.mapsources import MapSources
from dashboard.views.summary import area_names, summary_download, summary_table
from geodata import IncidentStore


def register_summary(app: Dash, store: IncidentStore, sources: MapSources | None = None) -> None:
    """Wire the Summary tab of one app to one store (area names from its boundaries when it has some)."""
    names = area_names(sources.boundaries if sources is not None else None)

    @app.callback(
        Output(ids.SUMMARY_TABLE, "data"), Output(ids.SUMMARY_TABLE, "columns"),
        Output(ids.SUMMARY_TABLE, "tooltip_data"), Output(ids.SUMMARY_NOTE, "children"),
        Input(ids.FILTER, "data"), Input(ids.DISPLAY, "data"), Input(ids.SUMMARY_BY, "value"),
        Input(ids.SUMMARY_PANEL, "hidden"),
    )
    def _summary(filter_data, display_data, by, hidden):
        if hidden is not False:  # off screen: counted when the tab opens, not beside the first map and every drag
            raise PreventUpdate
        table = summary_table(filter_data, display_data, by, store, names)
        return table.data, table.columns, table.tooltips, table.note

    @app.callback(
        Output(ids.SUMMARY_DOWNLOAD, "data"), Input(ids.SUMMARY_CSV, "n_clicks"),
        State(ids.FILTER, "data"), State(ids.DISPLAY, "data"), State(ids.SUMMARY_BY, "value"),
        prevent_initial_call=True,
    )
    def _download(_clicks, filter_data, display_data, by):
        return summary_download(filter_data, display_data, by, store, names)
