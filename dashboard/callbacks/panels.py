"""The panels that follow the filter: headline figures, the incidents table and the detail panel."""
from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.views.headline import update_headline
from dashboard.views.spot import spot_detail
from dashboard.views.table import selected_style, table_page
from geodata import FilterState, IncidentStore


def register_panels(app: Dash, store: IncidentStore) -> None:
    """Wire the headline, the table and the detail panel of one app to one store."""

    @app.callback(
        Output(ids.HEADLINE_INCIDENTS, "children"), Output(ids.HEADLINE_INCIDENTS_WHAT, "children"),
        Output(ids.HEADLINE_FATALITIES, "children"), Output(ids.HEADLINE_FATALITIES_WHAT, "children"),
        Output(ids.HEADLINE_DISPLACED, "children"), Output(ids.HEADLINE_DISPLACED_WHAT, "children"),
        Output(ids.HEADLINE_INCIDENTS_CHANGE, "children"), Output(ids.HEADLINE_FATALITIES_CHANGE, "children"),
        Output(ids.HEADLINE_DISPLACED_CHANGE, "children"),
        Input(ids.FILTER, "data"), Input(ids.DISPLAY, "data"),  # the display holds the baseline
    )
    def _headline(filter_data, display):
        h = update_headline(filter_data, store, display)
        return (h.incidents, h.incidents_detail, h.fatalities, h.fatalities_detail,
                h.displaced, h.displaced_detail, h.incidents_change, h.fatalities_change, h.displaced_change)

    @app.callback(
        Output(ids.TABLE, "data"), Output(ids.TABLE, "page_count"), Output(ids.TABLE, "page_current"),
        Output(ids.TABLE_NOTE, "children"), Output(ids.TABLE, "style_data_conditional"),
        Output(ids.TABLE, "tooltip_data"),
        Input(ids.FILTER, "data"), Input(ids.TABLE, "page_current"),
        Input(ids.TABLE, "sort_by"), Input(ids.SELECTED, "data"),
        Input(ids.TABLE, "page_size"),  # set in the browser from the room the table has (page.py)
    )
    def _table(filter_data, page, sort_by, selected, page_size):
        trigger = ctx.triggered_id
        state = FilterState.from_dict(filter_data, store.date_range())
        first = trigger == ids.FILTER or (trigger == ids.TABLE and "sort_by" in ctx.triggered[0]["prop_id"])
        result = table_page(store, state, page=0 if first else page, page_size=page_size,
                            sort_by=sort_by, selected_id=selected, jump_to_selected=trigger == ids.SELECTED)
        current = no_update if result.page_current == page else result.page_current
        return (result.data, result.page_count, current, result.note, selected_style(result.selected_row),
                result.tooltips or [])

    @app.callback(Output(ids.DETAIL_BODY, "children"), Output(ids.DETAIL, "hidden"),
                  Input(ids.SELECTED, "data"), State(ids.FILTER, "data"))
    def _detail(selected, filter_data):
        return spot_detail(selected, filter_data, store)  # with every incident at its spot
