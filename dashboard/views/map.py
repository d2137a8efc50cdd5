"""The map's view-model: filter state, display settings and view in, the map figure dict out.

Pure functions of (browser values, store) that the callbacks and the
briefing export share, so a briefing shows exactly what the screen shows.
The store is queried here; the figure builders in :mod:`dashboard.figures`
get arrays and frames only.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dashboard import ids
from dashboard.figures import plain
from dashboard.figures.basemap import ATTRIBUTIONS, map_style
from dashboard.figures.map import (
    RICH_HOVER_LIMIT,
    IncidentPoints,
    context_layer,
    displacement_layer,
    incident_map,
    map_credit,
    town_label_layer,
)
from dashboard.figures.overlays import (
    boundary_layer,
    choropleth_layer,
    choropleth_series,
    highlight_layer,
    place_marker_layer,
    uncertainty_layer,
)
from dashboard.server.cache import cache_key
from dashboard.server.mapsources import MapSources
from dashboard.state import mapview
from dashboard.state.mapview import is_view_change, opening_view, viewport_from_relayout
from dashboard.views import aggregates, towns
from dashboard.views.colours import colour_field, colour_key, size_field
from dashboard.views.flows import flow_traces
from dashboard.views.selection import found_place, incident_position
from geodata import FilterState, IncidentStore
from geodata.geo import geonames
from geodata.query.budget import DEFAULT_POINT_BUDGET, PointSelection, Viewport


@dataclass(frozen=True)
class MapAssets:
    """What the map needs from the app besides the store: asset URL, boundaries, tiles."""

    base_url: str = "/assets/"
    sources: MapSources = field(default_factory=MapSources)
    boundary_urls: dict[int, str] = field(default_factory=dict)
    tiles_url: str | None = None


def drawn_state(state: FilterState) -> FilterState:
    """The state the map draws: without the area-coded incidents when their layer is off."""
    if state.show_approximate:
        return state
    kept = tuple(p for p in (state.precision or (1, 2, 3)) if p != 3)
    return replace(state, precision=kept)


def incident_points(store: IncidentStore, state: FilterState, viewport: Viewport | None,
                    budget: int = DEFAULT_POINT_BUDGET, display: Any = None) -> IncidentPoints:
    """The incidents to draw for ``state``: within the point budget, with rows for rich hover when
    few, coloured and sized as the ``display`` settings say."""
    plan = aggregates.state_plan(store, state, viewport, budget)  # over budget: see with_aggregate
    rows = None
    if isinstance(plan, PointSelection) and len(plan.positions) <= RICH_HOVER_LIMIT:
        rows = store.incidents.take(plan.positions)
    return IncidentPoints(store.columns, plan, rows, colour_key(store, colour_field(display)), size_field(display))


class DatedLayers:
    """The context and displacement layers of one store, built once per date range and reused.

    They depend on the dataset and the dates alone, while most map
    callbacks follow other changes (types, the view, playback steps seen
    before); building them is a millisecond or two of pandas work each time.
    Thread-safe; the traces are shared and never changed.
    """

    def __init__(self, store: IncidentStore):
        self._store = store
        self._context = functools.cache(lambda: context_layer(store.dataset.places, store.dataset.highways))
        self.displacement = functools.lru_cache(maxsize=256)(self._displacement)

    def context(self) -> list[dict]:
        return self._context()

    def _displacement(self, start: date, end: date, areas: tuple[str, ...] = ()) -> list[dict]:
        store = self._store
        figures = store.displacement_on_map(FilterState(start, end, admin_codes=areas))
        # every series the dataset describes, but origin-to-destination ones (the flows layer draws them)
        return displacement_layer(figures, {s: i for s, i in store.dataset.map_series.items() if i.kind != "od"})


def _incident_overlays(store: IncidentStore, points: IncidentPoints, state: FilterState,
                       selected: Any) -> tuple[list, list]:
    """(traces under the incident points, traces over them): uncertainty halos and the highlight."""
    under: list = []
    over: list = []
    if "incidents" in state.layers and isinstance(points.plan, PointSelection):
        positions = points.plan.positions
        columns = store.columns
        approximate = positions[columns.geo_precision[positions] == 3]
        if len(approximate):
            key = points.key or colour_key(store, "event_type")
            halos, centres = uncertainty_layer(
                columns.latitude[approximate], columns.longitude[approximate], columns.fatalities[approximate],
                key.codes[approximate], list(key.names), fixed=points.size_by == "fixed")
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
        series = choropleth_series(store.dataset.series_kinds, store.dataset.headline)
        figures = store.displacement_on_map(state) if series in store.dataset.map_series else store.displacement
        traces += choropleth_layer(figures, series, sources.pcodes(), assets.boundary_urls)
    if "boundaries" in state.layers:
        traces += boundary_layer(sources.areas(level), assets.boundary_urls[level], level)
    return traces


def labels_follow_view(filter_data: Any, store: IncidentStore) -> bool:
    """Whether a pan or zoom changes the map's town labels (then only their trace travels)."""
    return towns.follows_view(store, FilterState.from_dict(filter_data, store.date_range()).layers)


def _town_layer(store: IncidentStore, view: Any, centre: mapview.MapView, sources: MapSources) -> list[dict]:
    """GeoNames town labels for the view on screen (see :mod:`dashboard.views.towns`): one trace,
    empty when none shows, so a pan can replace it in place."""
    if towns.label_candidates(store).empty:
        return []
    found = found_place(view, store, sources)
    chosen = towns.cached_town_labels(store, view if mapview.MapView.from_dict(view) else centre.to_dict(),
                                      marked=(found[0].latitude, found[0].longitude) if found else None)
    return town_label_layer(chosen["latitude"].to_numpy(), chosen["longitude"].to_numpy(),
                            chosen["label"].astype(str).tolist(), chosen["population"].to_numpy(), geonames.SOURCE)


def _place_layer(store: IncidentStore, view: Any, sources: MapSources) -> list[dict]:
    """The marker of the place the search found (the view store names it), at the gazetteer's point."""
    found = found_place(view, store, sources)
    if found is None:
        return []
    place, matched = found
    answer = replace(place, matched=matched, how="name" if matched == place.name else "alias").answer
    return place_marker_layer(place.latitude, place.longitude, place.name, answer)


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
    viewport = viewport_from_relayout(relayout) or viewport_from_relayout(mapview.as_relayout(view))
    default = opening_view(store.dataset.view, store.extent)
    centre = mapview.current_view(view, default)
    points = incident_points(store, drawn, viewport, budget, display)
    hidden = 0 if drawn is state else len(store.positions(state)) - points.plan.total
    under, over = _incident_overlays(store, points, drawn, selected)
    level = display.get("admin_level") if isinstance(display.get("admin_level"), int) else 1
    layers = layers or DatedLayers(store)
    figure = incident_map(
        incidents=points, gazetteer=store.gazetteer,
        context=(layers.context() + _town_layer(store, view, centre, assets.sources)
                 if "context" in drawn.layers else []),
        displacement=(layers.displacement(drawn.start, drawn.end, tuple(drawn.admin_codes))
                      if "displacement" in drawn.layers else []),
        state=drawn, event_types=store.event_types(), view=centre.to_dict(), base_url=assets.base_url, budget=budget,
        below=_area_layers(store, state, level, assets) + aggregates.control_overlay(drawn, assets.sources.control),
        under_incidents=(aggregates.density_overlay(store, drawn, aggregates.cells_view(viewport, centre), display,
                                                    budget, points.plan)
                         + flow_traces(store, drawn, assets.sources) + under),
        above=over + aggregates.territory_overlay(store, drawn) + _place_layer(store, view, assets.sources),
        focus=store.countries, hidden=hidden,
    )
    figure = aggregates.with_aggregate(figure, store, drawn, aggregates.cells_view(viewport, centre), display, budget,
                                       hidden)
    layout = figure["layout"]
    layout["map"]["uirevision"] = mapview.uirevision(view)
    basemap = display.get("basemap")
    if basemap in ("osm", "local") and (basemap == "osm" or assets.tiles_url):
        layout["map"]["style"] = map_style(assets.base_url, basemap, assets.tiles_url,
                                           assets.sources.tiles.attribution if assets.sources.tiles else "")
        layout["annotations"] = [{**a, "text": map_credit(figure["data"], ATTRIBUTIONS[basemap])}
                                 if a.get("name") == "credit" else a for a in layout["annotations"]]
    return figure


def update_map(*args: Any, **kwargs: Any) -> go.Figure:
    """:func:`map_figure` as a plotly figure object, for code that reads it (the export, tests)."""
    return plain.as_figure(map_figure(*args, **kwargs))


def map_layout_key(store: IncidentStore, display: Any, view: Any) -> str:
    """What the map's layout depends on (dataset, basemap and display settings, the view's
    revision); traces and the status line aside (a short digest)."""
    return cache_key(store.dataset.version, display if isinstance(display, dict) else {},
                     mapview.uirevision(view))[:16]


def map_needs_redraw(trigger: str | None, relayout: Any, filter_data: Any, store: IncidentStore,
                     budget: int = DEFAULT_POINT_BUDGET) -> bool:
    """A pan or zoom only needs a new map when the filtered incidents exceed the point budget (or the
    density layer, drawn for the view, is on)."""
    if trigger != ids.MAP:
        return True
    if not is_view_change(relayout):
        return False
    state = FilterState.from_dict(filter_data, store.date_range())
    return "density" in state.layers or len(store.positions(drawn_state(state))) > budget


def view_needs_redraw(view: Any, filter_data: Any, store: IncidentStore, budget: int = DEFAULT_POINT_BUDGET) -> bool:
    """After a change of the view store: redraw for a move on purpose, or a pan over budget."""
    if isinstance(view, dict) and view.get("move") is True:
        return True
    return map_needs_redraw(ids.MAP, mapview.as_relayout(view), filter_data, store, budget)


