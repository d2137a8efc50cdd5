"""Dash callbacks: thin wrappers that turn inputs into a FilterState and call pure builders.

The ``update_*`` functions here and in :mod:`dashboard.state.page` are plain
functions of (inputs, store) that tests call directly;
:func:`register_callbacks` wires them to one app.

The page's state has one writer: the ``page`` callback reconciles every
control, the timeline brush, playback and the URL, and publishes the filter
store, the display store and the link. The map view has its own store
(:mod:`dashboard.state.mapview`), written by pans, the place search and the
table; the map, the timeline, the headline, the table and the detail panel
follow the stores.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
import orjson
import plotly.graph_objects as go
from dash import Dash, Input, Output, Patch, State, ctx, no_update

from dashboard import ids
from dashboard.state import mapview as viewstate
from dashboard.figures import plain
from dashboard.figures.basemap import ATTRIBUTIONS, map_style
from dashboard.figures.headline import Headline, headline
from dashboard.figures.map import DatedLayers, incident_map, incident_points
from dashboard.figures.overlays import (
    boundary_layer,
    choropleth_layer,
    choropleth_series,
    highlight_layer,
    uncertainty_layer,
)
from dashboard.figures.timeline import selection_layout, timeline_figure
from dashboard.server.cache import NullCache, ResultCache, cache_key, get_cache
from dashboard.server.mapsources import MapSources
from dashboard.state.controls import CONTROLS, Playback, range_label, reconcile
from dashboard.state.page import (
    CONTROL_PROPS,
    QUICK_IDS,
    clicked_incident,
    focus_incident,
    incident_position,
    page_context,
    page_outputs,
    place_search,
    update_detail,
)
from dashboard.state.relayout import is_view_change, viewport_from_relayout
from dashboard.state.url import MapView
from dashboard.views.table import selected_style, table_page
from geodata import FilterState, IncidentStore
from geodata.query.budget import DEFAULT_POINT_BUDGET, PointSelection

PLAYBACK_MS = {1: 1000, 2: 500, 4: 250}


@dataclass(frozen=True)
class MapAssets:
    """What the map needs from the app besides the store: asset URL, boundaries, tiles."""

    base_url: str = "/assets/"
    sources: MapSources = field(default_factory=MapSources)
    boundary_urls: dict[int, str] = field(default_factory=dict)
    tiles_url: str | None = None

    @classmethod
    def of(cls, app: Dash, sources: MapSources) -> "MapAssets":
        return cls(base_url=assets_base_url(app), sources=sources,
                   boundary_urls={level: sources.boundary_url(app, level) for level in sources.levels},
                   tiles_url=sources.tiles_url(app))


def sync_controls(trigger: str | None, start_date: Any, end_date: Any, slider: Any, event_types: Any,
                  layers: Any, store: IncidentStore) -> tuple[str, str, list[int], dict, str]:
    """Reconcile picker, slider, types and layers alone (the other controls at their defaults).

    Returns the picker dates, the slider value, the filter state (as a dict)
    and a label of the range, all describing the same dates.
    """
    context = page_context(store)
    values = {"picker_start": start_date, "picker_end": end_date, "slider": slider,
              "event_types": event_types, "layers": layers}
    name = {ids.DATE_SLIDER: "slider", ids.DATE_PICKER: "picker_start"}.get(trigger, trigger or "picker_start")
    outcome = reconcile(name, values, context)
    shown = outcome.controls
    return (shown["picker_start"], shown["picker_end"], shown["slider"], outcome.page.filter.to_dict(),
            range_label(outcome.page.filter))


def drawn_state(state: FilterState) -> FilterState:
    """The state the map draws: without the area-coded incidents when their layer is off."""
    if state.show_approximate:
        return state
    kept = tuple(p for p in (state.precision or (1, 2, 3)) if p != 3)
    return replace(state, precision=kept)


def _incident_overlays(store: IncidentStore, points, state: FilterState, selected: Any) -> tuple[list, list]:
    """(traces under the incident points, traces over them): uncertainty halos and the highlight."""
    under: list = []
    over: list = []
    if "incidents" in state.layers and isinstance(points.plan, PointSelection):
        positions = points.plan.positions
        columns = store.columns
        approximate = positions[columns.geo_precision[positions] == 3]
        if len(approximate):
            halos, centres = uncertainty_layer(
                columns.latitude[approximate], columns.longitude[approximate], columns.fatalities[approximate],
                columns.type_codes[approximate], list(columns.type_names))
            under += halos
            over += centres
    i = incident_position(store, selected)
    if i is not None:
        deaths = store.columns.fatalities[i]
        row = store.incidents.iloc[i]
        under.append(highlight_layer(float(row["latitude"]), float(row["longitude"]),
                                     None if np.isnan(deaths) else float(deaths)))
    return under, over


def _area_layers(store: IncidentStore, state: FilterState, level: int, assets: MapAssets) -> list:
    sources = assets.sources
    if not sources.levels:
        return []
    level = level if level in sources.levels else sources.levels[0]
    traces: list = []
    if "choropleth" in state.layers:
        series = choropleth_series(store.dataset.map_series, store.dataset.headline_series)
        figures = store.displacement_on_map(state) if series in store.dataset.map_series else store.displacement
        traces += choropleth_layer(figures, series, sources.pcodes(), assets.boundary_urls)
    if "boundaries" in state.layers:
        traces += boundary_layer(sources.areas(level), assets.boundary_urls[level], level)
    return traces


def map_figure(filter_data: Any, store: IncidentStore, base_url: str, relayout: Any = None,
               budget: int = DEFAULT_POINT_BUDGET, *, display: Any = None, view: Any = None,
               selected: Any = None, assets: MapAssets | None = None, layers: DatedLayers | None = None) -> dict:
    """The map for the current filter, display settings, view and selected incident, as a plain
    figure dict (see ``figures/plain.py``). ``layers`` keeps the app's dated layers between calls.

    ``relayout`` (plotly ``relayoutData``) or else the ``view`` store give
    the viewport for the point budget; the view store also gives the centre,
    zoom and ``map.uirevision`` (which changes only when the app moves the
    map on purpose).
    """
    assets = assets or MapAssets(base_url=base_url)
    state = FilterState.from_dict(filter_data, store.date_range())
    drawn = drawn_state(state)
    display = display if isinstance(display, dict) else {}
    viewport = viewport_from_relayout(relayout) or viewport_from_relayout(viewstate.as_relayout(view))
    default = MapView.from_dict(store.dataset.view) or MapView(35.9, 36.75, 7.7)
    centre = viewstate.current_view(view, default)
    points = incident_points(store, drawn, viewport, budget)
    under, over = _incident_overlays(store, points, drawn, selected)
    level = display.get("admin_level") if isinstance(display.get("admin_level"), int) else 1
    figure = incident_map(
        incidents=points, layers=layers or DatedLayers(store), gazetteer=store.gazetteer,
        state=drawn, event_types=store.event_types(), view=centre.to_dict(), base_url=assets.base_url, budget=budget,
        below=_area_layers(store, state, level, assets), under_incidents=under, above=over,
    )
    layout = figure["layout"]
    layout["map"]["uirevision"] = viewstate.uirevision(view)
    basemap = display.get("basemap")
    if basemap in ("osm", "local") and (basemap == "osm" or assets.tiles_url):
        layout["map"]["style"] = map_style(assets.base_url, basemap, assets.tiles_url,
                                           assets.sources.tiles.attribution if assets.sources.tiles else "")
        layout["annotations"] = [
            {**a, "text": "Highways schematic · " + ATTRIBUTIONS[basemap]} if "no external tiles" in a.get("text", "")
            else a for a in layout["annotations"]]
    return figure


def update_map(*args: Any, **kwargs: Any) -> go.Figure:
    """:func:`map_figure` as a plotly figure object, for code that reads it (the export, tests)."""
    return plain.as_figure(map_figure(*args, **kwargs))


#: Tag of the figures' format in cache keys: bump it when a figure changes shape (Redis outlives a deploy).
FIGURE_FORMAT = "figure-1"


def cached_figure(cache: ResultCache, key_parts: tuple, build: Callable[[], dict]) -> dict:
    """``build()`` encoded for JSON (see ``figures/plain.py``), from ``cache`` when an identical
    request was answered before (by this worker, or by any worker sharing a Redis).

    ``key_parts`` must name everything the figure depends on, the dataset's
    version included; without a version nothing is cached.
    """
    try:
        key = cache_key(FIGURE_FORMAT, *key_parts) if key_parts[1] else None
    except (TypeError, ValueError):  # a value no key can hold (NaN from a hand-made request): just compute
        key = None
    if key is not None and (hit := cache.get(key)) is not None:
        return orjson.loads(hit)
    figure = plain.encoded(build())
    if key is not None:
        cache.set(key, orjson.dumps(figure))
    return figure


def map_patch(figure: dict) -> Patch:
    """What a filter change changes on the map (``figure`` from :func:`map_figure`, already
    through :func:`plain.encoded`, as :func:`cached_figure` gives it): its traces and status line.

    The style, view and legend settings stay as the browser has them, so a
    date drag sends and redraws only data (the style is ~5 KB of JSON that
    plotly would otherwise compare or reload on every step).
    """
    patch = Patch()
    patch["data"] = figure["data"]
    patch["layout"]["annotations"] = figure["layout"]["annotations"]
    return patch


def map_layout_key(store: IncidentStore, display: Any, view: Any) -> str:
    """What the map's layout depends on (dataset, basemap and display settings, the view's
    revision); traces and the status line aside (a short digest)."""
    return cache_key(store.dataset.version, display if isinstance(display, dict) else {},
                     viewstate.uirevision(view))[:16]


def map_output(figure: dict, drawn_key: Any, key: str) -> tuple[dict | Patch, str]:
    """(figure or Patch, layout key): when the browser's map already has this layout (its key is
    ``drawn_key``), only the traces and status line travel. The key comes back with every answer,
    so an answer Dash drops (a newer one overtook it) never leaves the browser on a wrong layout."""
    return (map_patch(figure) if drawn_key == key else figure), key


def map_needs_redraw(trigger: str | None, relayout: Any, filter_data: Any, store: IncidentStore,
                     budget: int = DEFAULT_POINT_BUDGET) -> bool:
    """A pan or zoom only needs a new map when the filtered incidents exceed the point budget."""
    if trigger != ids.MAP:
        return True
    if not is_view_change(relayout):
        return False
    state = FilterState.from_dict(filter_data, store.date_range())
    return len(store.positions(drawn_state(state))) > budget


def view_needs_redraw(view: Any, filter_data: Any, store: IncidentStore, budget: int = DEFAULT_POINT_BUDGET) -> bool:
    """After a change of the view store: redraw for a move on purpose, or a pan over budget."""
    if isinstance(view, dict) and view.get("move") is True:
        return True
    return map_needs_redraw(ids.MAP, viewstate.as_relayout(view), filter_data, store, budget)


def timeline(filter_data: Any, store: IncidentStore) -> dict:
    """The timeline for the current filter as a plain figure dict: every filter but the dates,
    the range shaded.

    It is also a control: dragging across it (box select along x) picks the
    dates. ``selectionrevision`` follows the dates, so a brush drawn earlier
    disappears once the dates change by any control.
    """
    state = FilterState.from_dict(filter_data, store.date_range())
    figure = timeline_figure(store.daily_counts(state), store.displacement_series(state.admin_codes),
                             state.start, state.end, store.date_range())
    figure["layout"].update(dragmode="select", selectdirection="h")
    return figure


def timeline_bars_key(filter_data: Any, store: IncidentStore) -> str:
    """What the timeline's bars depend on: the dataset's version and every filter but the dates
    (a short digest)."""
    state = FilterState.from_dict(filter_data, store.date_range()).to_dict()
    kept = {k: v for k, v in state.items() if k not in ("start", "end", "layers", "show_approximate")}
    return cache_key(store.dataset.version, kept)[:16]


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


def update_timeline(filter_data: Any, store: IncidentStore) -> go.Figure:
    """:func:`timeline` as a plotly figure object, for code that reads it (the export, tests)."""
    return plain.as_figure(timeline(filter_data, store))


def update_headline(filter_data: Any, store: IncidentStore) -> Headline:
    """The headline figures for the current filter."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return headline(store.fatality_totals(state), store.displaced_as_of(state.end, state.admin_codes),
                    areas=bool(state.admin_codes))


def assets_base_url(app: Dash) -> str:
    """Root-relative URL of the assets folder (``/assets/``, or under the app's path prefix).

    The MapLibre in plotly.js 4 resolves root-relative glyph and source URLs
    against the page, so the browser asks the app's own origin, whatever
    scheme or proxy it came through (an absolute ``http://`` URL built from
    the request would be blocked as mixed content behind a TLS proxy).
    """
    return app.get_asset_url("")


def register_callbacks(app: Dash, store: IncidentStore, sources: MapSources | None = None,
                       budget: int = DEFAULT_POINT_BUDGET) -> None:
    """Wire the callbacks of one app to one store (no global registry, no module state)."""
    sources = sources or MapSources()
    context = page_context(store, sources)
    assets = MapAssets.of(app, sources)
    dated_layers = DatedLayers(store)
    # What the map takes from this app besides the dataset (boundaries, tiles): part of its cache keys.
    sources_tag = cache_key(sources.labels.to_csv(index=False), assets.boundary_urls, assets.tiles_url,
                            sources.tiles.attribution if sources.tiles else None)
    default_view = context.default_view or MapView(35.9, 36.75, 7.7)

    control_outputs = [Output(cid, prop, allow_duplicate=False) for cid, prop in CONTROL_PROPS.values()]
    control_inputs = [Input(cid, prop) for cid, prop in CONTROL_PROPS.values()]

    @app.callback(
        *control_outputs,
        Output(ids.FILTER, "data"), Output(ids.DISPLAY, "data"), Output(ids.URL, "search"),
        Output(ids.RANGE_LABEL, "children"), Output(ids.MAP_VIEW, "data", allow_duplicate=True),
        Output(ids.LINK_NOTICE, "children"), Output(ids.LINK_NOTICE, "hidden"),
        Output(ids.PLAYBACK_INTERVAL, "disabled", allow_duplicate=True),
        Input(ids.URL, "search"), *control_inputs,
        Input(ids.TIMELINE, "selectedData"), Input(ids.TIMELINE, "relayoutData"),
        *(Input(button, "n_clicks") for button in QUICK_IDS),
        Input(ids.STEP_BACK, "n_clicks"), Input(ids.STEP_FORWARD, "n_clicks"),
        Input(ids.PLAYBACK_INTERVAL, "disabled"), Input(ids.PLAYBACK_INTERVAL, "n_intervals"),
        Input(ids.CLEAR_ALL, "n_clicks"), Input(ids.MAP_VIEW, "data"), Input(ids.MAP, "clickData"),
        State(ids.PLAYBACK_STEP, "value"), State(ids.PLAYBACK_MODE, "value"), State(ids.PLAYBACK_WINDOW, "value"),
        State(ids.FILTER, "data"), State(ids.DISPLAY, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _page(search, *args):
        values = dict(zip(CONTROLS, args[:len(CONTROLS)]))
        (selected, relayout, *_clicks, disabled, _ticks, _clear, view, click,
         step, mode, window, current_filter, current_display) = args[len(CONTROLS):]
        playback = Playback.parse(disabled is False, step, mode, window)
        out = page_outputs(ctx.triggered, search, values, selected=selected, relayout=relayout, view=view,
                           click=click, playback=playback, current_filter=current_filter,
                           current_display=current_display, context=context)
        if not out:
            return [no_update] * (len(CONTROLS) + 8)
        return ([out[name] for name in CONTROLS]
                + [out["filter"], out["display"], out["search"], out["label"], out["view"],
                   out["notice"], out["notice_hidden"], out["stop"]])

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

    # Pans, picks and place searches each have their own callback: Dash drops an answer when the same
    # callback is asked again before it lands, so the map reporting its view as it settles would
    # otherwise swallow a click or a search made meanwhile.
    @app.callback(Output(ids.MAP_VIEW, "data", allow_duplicate=True), Input(ids.MAP, "relayoutData"),
                  State(ids.MAP_VIEW, "data"), prevent_initial_call=True)
    def _pan(relayout, view):
        return viewstate.after_pan(relayout, view, default_view) or no_update

    @app.callback(
        Output(ids.MAP_VIEW, "data", allow_duplicate=True), Output(ids.SELECTED, "data"),
        Input(ids.TABLE, "active_cell"), Input(ids.MAP, "clickData"), Input(ids.DETAIL_CLOSE, "n_clicks"),
        State(ids.MAP_VIEW, "data"), State(ids.FILTER, "data"),
        prevent_initial_call=True,
    )
    def _select(active_cell, click, _close, view, filter_data):
        trigger = ctx.triggered_id
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
        return place_search(query, store, view)

    @app.callback(Output(ids.MAP, "figure"), Output(ids.MAP_DRAWN, "data"), Input(ids.FILTER, "data"),
                  Input(ids.DISPLAY, "data"), Input(ids.MAP_VIEW, "data"), Input(ids.SELECTED, "data"),
                  State(ids.MAP_DRAWN, "data"))
    def _map(filter_data, display, view, selected, drawn_key):
        if ctx.triggered_id == ids.MAP_VIEW and not view_needs_redraw(view, filter_data, store, budget):
            return no_update, no_update
        figure = cached_figure(
            get_cache(app), ("map", store.dataset.version, store.name, filter_data, display, view, selected, budget,
                             assets.base_url, sources_tag),
            lambda: map_figure(filter_data, store, assets.base_url, None, budget, display=display, view=view,
                               selected=selected, assets=assets, layers=dated_layers))
        return map_output(figure, drawn_key, map_layout_key(store, display, view))

    @app.callback(Output(ids.TIMELINE, "figure"), Output(ids.TIMELINE_BARS, "data"), Input(ids.FILTER, "data"),
                  State(ids.TIMELINE_BARS, "data"))
    def _timeline(filter_data, drawn_key):
        return timeline_output(filter_data, drawn_key, store, get_cache(app))

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

    @app.callback(
        Output(ids.TABLE, "data"), Output(ids.TABLE, "page_count"), Output(ids.TABLE, "page_current"),
        Output(ids.TABLE_NOTE, "children"), Output(ids.TABLE, "style_data_conditional"),
        Input(ids.FILTER, "data"), Input(ids.MAP, "selectedData"), Input(ids.TABLE, "page_current"),
        Input(ids.TABLE, "sort_by"), Input(ids.SELECTED, "data"),
        State(ids.TABLE, "page_size"),
    )
    def _table(filter_data, area, page, sort_by, selected, page_size):
        trigger = ctx.triggered_id
        state = FilterState.from_dict(filter_data, store.date_range())
        first = trigger in (ids.FILTER, ids.MAP) or (trigger == ids.TABLE and "sort_by" in ctx.triggered[0]["prop_id"])
        result = table_page(store, state, selected_area=area, page=0 if first else page, page_size=page_size,
                            sort_by=sort_by, selected_id=selected, jump_to_selected=trigger == ids.SELECTED)
        current = no_update if result.page_current == page else result.page_current
        return result.data, result.page_count, current, result.note, selected_style(result.selected_row)

    @app.callback(Output(ids.DETAIL_BODY, "children"), Output(ids.DETAIL, "hidden"),
                  Input(ids.SELECTED, "data"), State(ids.FILTER, "data"))
    def _detail(selected, filter_data):
        return update_detail(selected, filter_data, store)

    app.clientside_callback(
        """function(timelineClicks, tableClicks) {
            const trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || '';
            const table = trig.indexOf('-table.') > 0;
            return [table, !table, table ? 'tab' : 'tab selected', table ? 'tab selected' : 'tab',
                    table ? 'false' : 'true', table ? 'true' : 'false'];
        }""",
        Output(ids.TIMELINE_PANEL, "hidden"), Output(ids.TABLE_PANEL, "hidden"),
        Output(ids.BOTTOM_TABS + "-timeline", "className"), Output(ids.BOTTOM_TABS + "-table", "className"),
        Output(ids.BOTTOM_TABS + "-timeline", "aria-selected"), Output(ids.BOTTOM_TABS + "-table", "aria-selected"),
        Input(ids.BOTTOM_TABS + "-timeline", "n_clicks"), Input(ids.BOTTOM_TABS + "-table", "n_clicks"),
        prevent_initial_call=True,
    )
