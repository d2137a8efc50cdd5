"""The map and the timeline: pans, picks and place searches, and the figures, sent whole or as a Patch.

Pans, picks and place searches each have their own callback: Dash drops an
answer when the same callback is asked again before it lands, so the map
reporting its view as it settles would otherwise swallow a click or a search
made meanwhile.
"""
from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, Patch, State, ctx, no_update

from dashboard import ids
from dashboard.figures.timeline import selection_layout
from dashboard.server.cache import NullCache, ResultCache, cache_key, get_cache
from dashboard.server.mapsources import MapSources
from dashboard.state import mapview
from dashboard.state.mapview import MapView
from dashboard.views.cached import cached_figure
from dashboard.views.map import (
    DatedLayers,
    MapAssets,
    labels_follow_view,
    map_figure,
    map_layout_key,
    view_needs_redraw,
)
from dashboard.views.selection import clicked_incident, focus_incident, place_search
from dashboard.views.spot import picked_at_spot
from dashboard.views.timeline import timeline, timeline_bars_key
from geodata import FilterState, IncidentStore


def map_assets(app: Dash, sources: MapSources) -> MapAssets:
    """The app's asset URL, boundary routes and tiles, for the map (root-relative: see below).

    The MapLibre in plotly.js 4 resolves root-relative glyph and source URLs
    against the page, so the browser asks the app's own origin, whatever
    scheme or proxy it came through (an absolute ``http://`` URL built from
    the request would be blocked as mixed content behind a TLS proxy).
    """
    return MapAssets(base_url=app.get_asset_url(""), sources=sources,
                     boundary_urls={level: sources.boundary_url(app, level) for level in sources.levels},
                     tiles_url=sources.tiles_url(app))


def map_patch(figure: dict) -> Patch:
    """What a filter change changes on the map (``figure`` from :func:`map_figure`, already
    encoded, as :func:`cached_figure` gives it): its traces and status line.

    The style, view and legend settings stay as the browser has them, so a
    date drag sends and redraws only data (the style is ~5 KB of JSON that
    plotly would otherwise compare or reload on every step).
    """
    patch = Patch()
    patch["data"] = figure["data"]
    patch["layout"]["annotations"] = figure["layout"]["annotations"]
    patch["layout"]["shapes"] = figure["layout"].get("shapes", [])  # the size key: not over grid cells
    return patch


def town_label_patch(figure: dict) -> Patch | Any:
    """After a pan or zoom the map needs no other change: only its town-label trace travels
    (replaced in place: it is always there when the dataset has towns to label)."""
    index = next((i for i, t in enumerate(figure["data"]) if t.get("meta") == "town-labels"), None)
    if index is None:
        return no_update
    patch = Patch()
    patch["data"][index] = figure["data"][index]
    return patch


def map_output(figure: dict, drawn_key: Any, key: str) -> tuple[dict | Patch, str]:
    """(figure or Patch, layout key): when the browser's map already has this layout (its key is
    ``drawn_key``), only the traces and status line travel. The key comes back with every answer,
    so an answer Dash drops (a newer one overtook it) never leaves the browser on a wrong layout."""
    return (map_patch(figure) if drawn_key == key else figure), key


def timeline_output(filter_data: Any, drawn_key: Any, store: IncidentStore,
                    cache: ResultCache | None = None) -> tuple[dict | Patch, str]:
    """(timeline figure or Patch, bars key): when the browser's bars already follow this filter
    (only the dates changed) it gets the title and shading alone, not ~60 KB of bars to redraw."""
    key = timeline_bars_key(filter_data, store)
    if key != drawn_key:
        parts = ("timeline", store.dataset.version, store.name, filter_data)
        return cached_figure(cache or NullCache(), parts, lambda: timeline(filter_data, store)), key
    state = FilterState.from_dict(filter_data, store.date_range())
    patch = Patch()
    for name, value in selection_layout(state.start, state.end).items():
        patch["layout"][name] = value
    return patch, key


def register_map(app: Dash, store: IncidentStore, sources: MapSources, budget: int, default_view: MapView) -> None:
    """Wire the map, its view store, picks, the place search and the timeline of one app."""
    assets = map_assets(app, sources)
    dated_layers = DatedLayers(store)
    # What the map takes from this app besides the dataset (boundaries, tiles): part of its cache keys.
    sources_tag = cache_key(sources.labels.to_csv(index=False), assets.boundary_urls, assets.tiles_url,
                            sources.tiles.attribution if sources.tiles else None)

    @app.callback(Output(ids.MAP_VIEW, "data", allow_duplicate=True), Input(ids.MAP, "relayoutData"),
                  State(ids.MAP_VIEW, "data"), prevent_initial_call=True)
    def _pan(relayout, view):
        return mapview.after_pan(relayout, view) or no_update

    @app.callback(
        Output(ids.MAP_VIEW, "data", allow_duplicate=True), Output(ids.SELECTED, "data"),
        Input(ids.TABLE, "active_cell"), Input(ids.MAP, "clickData"), Input(ids.DETAIL_CLOSE, "n_clicks"),
        Input({"type": ids.SPOT_ITEM, "index": ALL}, "n_clicks"),
        State(ids.MAP_VIEW, "data"), State(ids.FILTER, "data"),
        prevent_initial_call=True,
    )
    def _select(active_cell, click, _close, _spot, view, filter_data):
        trigger = ctx.triggered_id
        if isinstance(trigger, dict):  # another incident of the spot list
            picked = picked_at_spot(trigger, ctx.triggered[0].get("value"), store)
            return no_update, (picked or no_update)
        if trigger == ids.TABLE:
            event_id = active_cell.get("row_id") if isinstance(active_cell, dict) else None
            focused = focus_incident(event_id, store, view) if isinstance(event_id, str) else None
            return (focused or no_update), (event_id if focused else no_update)
        if trigger == ids.MAP:
            event_id = clicked_incident(click, store, FilterState.from_dict(filter_data, store.date_range()))
            return no_update, (event_id if event_id else no_update)
        if trigger == ids.DETAIL_CLOSE:
            return no_update, None
        return no_update, no_update

    @app.callback(
        Output(ids.MAP_VIEW, "data", allow_duplicate=True), Output(ids.PLACE_RESULT, "children"),
        Input(ids.PLACE_SEARCH, "value"), Input(ids.PLACE_SEARCH, "n_submit"), State(ids.MAP_VIEW, "data"),
        prevent_initial_call=True,
    )
    def _place(query, _submit, view):
        moved, message = place_search(query, store, view, sources)
        return (no_update if moved is None else moved), message

    @app.callback(Output(ids.MAP, "figure"), Output(ids.MAP_DRAWN, "data"), Input(ids.FILTER, "data"),
                  Input(ids.DISPLAY, "data"), Input(ids.MAP_VIEW, "data"), Input(ids.SELECTED, "data"),
                  State(ids.MAP_DRAWN, "data"))
    def _map(filter_data, display, view, selected, drawn_key):
        labels_only = ctx.triggered_id == ids.MAP_VIEW and not view_needs_redraw(view, filter_data, store, budget)
        if labels_only and not labels_follow_view(filter_data, store):
            return no_update, no_update
        figure = cached_figure(
            get_cache(app), ("map", store.dataset.version, store.name, filter_data, display, view, selected, budget,
                             assets.base_url, sources_tag),
            lambda: map_figure(filter_data, store, assets.base_url, None, budget, display=display, view=view,
                               selected=selected, assets=assets, layers=dated_layers))
        if labels_only:
            return town_label_patch(figure), no_update
        return map_output(figure, drawn_key, map_layout_key(store, display, view))

    @app.callback(Output(ids.TIMELINE, "figure"), Output(ids.TIMELINE_BARS, "data"), Input(ids.FILTER, "data"),
                  State(ids.TIMELINE_BARS, "data"))
    def _timeline(filter_data, drawn_key):
        return timeline_output(filter_data, drawn_key, store, get_cache(app))
