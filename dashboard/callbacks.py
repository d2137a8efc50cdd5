"""Dash callbacks: thin wrappers that turn inputs into a FilterState and call pure builders.

The ``update_*`` functions are plain functions of (inputs, store) that
tests call directly; :func:`register_callbacks` wires them to one app.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, ctx, no_update

from geodata import FilterState, IncidentStore
from geodata.aggregate import DEFAULT_POINT_BUDGET

from . import ids
from .controls import day_index, state_from_controls
from .figures.headline import Headline, headline
from .figures.map import incident_map, incident_points
from .mapview import is_view_change, viewport_from_relayout
from .figures.style import format_day
from .figures.timeline import timeline_figure


def sync_controls(trigger: str | None, start_date: Any, end_date: Any, slider: Any, event_types: Any,
                  layers: Any, store: IncidentStore) -> tuple[str, str, list[int], dict, str]:
    """Reconcile picker and slider and publish the filter state.

    Returns the picker dates, the slider value, the filter state (as a dict)
    and a label of the range, all describing the same dates.
    """
    bounds = store.date_range()
    state = state_from_controls(trigger, picker=(start_date, end_date), slider=slider,
                                event_types=event_types, layers=layers, bounds=bounds,
                                slider_id=ids.DATE_SLIDER)
    if state.event_types is not None and set(store.event_types()) <= set(state.event_types):
        state = replace(state, event_types=None)  # every type ticked: no type filter at all
    label = f"{format_day(state.start)} – {format_day(state.end)} ({(state.end - state.start).days + 1} days)"
    return (state.start.isoformat(), state.end.isoformat(),
            [day_index(state.start, bounds), day_index(state.end, bounds)], state.to_dict(), label)


def update_map(filter_data: Any, store: IncidentStore, base_url: str, relayout: Any = None,
               budget: int = DEFAULT_POINT_BUDGET) -> go.Figure:
    """The map for the current filter and, for large data, the current viewport (``relayoutData``)."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return incident_map(
        incidents=incident_points(store, state, viewport_from_relayout(relayout), budget),
        displacement=store.displacement_on_map(state),
        places=store.dataset.places, highways=store.dataset.highways, gazetteer=store.gazetteer,
        state=state, event_types=store.event_types(), displacement_kinds=store.dataset.map_series,
        view=store.dataset.view, base_url=base_url, budget=budget,
    )


def map_needs_redraw(trigger: str | None, relayout: Any, filter_data: Any, store: IncidentStore,
                     budget: int = DEFAULT_POINT_BUDGET) -> bool:
    """A pan or zoom only needs a new map when the filtered incidents exceed the point budget."""
    if trigger != ids.MAP:
        return True
    if not is_view_change(relayout):
        return False
    state = FilterState.from_dict(filter_data, store.date_range())
    return len(store.positions(state)) > budget


def update_timeline(filter_data: Any, store: IncidentStore) -> go.Figure:
    """The timeline for the current filter."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return timeline_figure(store.daily_counts(state), store.displacement_series(),
                           state.start, state.end, store.date_range())


def update_headline(filter_data: Any, store: IncidentStore) -> Headline:
    """The headline figures for the current filter."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return headline(store.fatality_totals(state), store.displaced_as_of(state.end))


def assets_base_url(app: Dash) -> str:
    """Root-relative URL of the assets folder (``/assets/``, or under the app's path prefix).

    The MapLibre in plotly.js 4 resolves root-relative glyph and source URLs
    against the page, so the browser asks the app's own origin, whatever
    scheme or proxy it came through (an absolute ``http://`` URL built from
    the request would be blocked as mixed content behind a TLS proxy).
    """
    return app.get_asset_url("")


def register_callbacks(app: Dash, store: IncidentStore) -> None:
    """Wire the callbacks of one app to one store (no global registry, no module state)."""

    @app.callback(
        Output(ids.DATE_PICKER, "start_date"), Output(ids.DATE_PICKER, "end_date"),
        Output(ids.DATE_SLIDER, "value"), Output(ids.FILTER, "data"), Output(ids.RANGE_LABEL, "children"),
        Input(ids.DATE_PICKER, "start_date"), Input(ids.DATE_PICKER, "end_date"),
        Input(ids.DATE_SLIDER, "value"), Input(ids.EVENT_TYPES, "value"), Input(ids.LAYERS, "value"),
    )
    def _sync(start_date, end_date, slider, event_types, layers):
        trigger = ctx.triggered_id
        start, end, value, state, label = sync_controls(trigger, start_date, end_date, slider, event_types,
                                                        layers, store)
        # Never write back into the control the analyst is moving: it would fight their next keystroke.
        if trigger == ids.DATE_SLIDER:
            value = no_update
        if trigger == ids.DATE_PICKER:
            start, end = no_update, no_update
        return start, end, value, state, label

    @app.callback(Output(ids.MAP, "figure"), Input(ids.FILTER, "data"), Input(ids.MAP, "relayoutData"))
    def _map(filter_data, relayout):
        if not map_needs_redraw(ctx.triggered_id, relayout, filter_data, store):
            return no_update
        return update_map(filter_data, store, assets_base_url(app), relayout)

    @app.callback(Output(ids.TIMELINE, "figure"), Input(ids.FILTER, "data"))
    def _timeline(filter_data):
        return update_timeline(filter_data, store)

    @app.callback(
        Output(ids.HEADLINE_INCIDENTS, "children"), Output(ids.HEADLINE_INCIDENTS + "-what", "children"),
        Output(ids.HEADLINE_FATALITIES, "children"), Output(ids.HEADLINE_FATALITIES + "-what", "children"),
        Output(ids.HEADLINE_DISPLACED, "children"), Output(ids.HEADLINE_DISPLACED + "-what", "children"),
        Input(ids.FILTER, "data"),
    )
    def _headline(filter_data):
        h = update_headline(filter_data, store)
        return (h.incidents, h.incidents_detail, h.fatalities, h.fatalities_detail,
                h.displaced, h.displaced_detail)
