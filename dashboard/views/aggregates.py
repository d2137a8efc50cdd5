"""The map's density, squares, hexagons and territory layers: store queries in, traces and status out.

Above the point budget the incidents are drawn as the display's
``aggregate`` (a density surface by default, coarse squares or H3
hexagons), weighted by its ``weight``; the "density" layer draws the same
surface under the points whatever the budget; the "territory" layer the
territory changes of the filter's range. :mod:`dashboard.views.map` splices
these into the map it composes.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from dashboard.figures.density import aggregate_status, density_layer, hexagon_layer, square_layer
from dashboard.figures.map import with_uids
from dashboard.figures.style import format_day
from dashboard.figures.territory import control_layer, territory_layer
from dashboard.state.mapview import MapView, current_view, opening_view
from dashboard.state.url import AGGREGATES, WEIGHTS
from geodata import FilterState, IncidentStore
from geodata.geo.control import ControlAreas
from geodata.query.budget import (
    DEFAULT_POINT_BUDGET,
    WORLD_PIXELS_AT_ZOOM_0,
    GridCells,
    PointSelection,
    Viewport,
    in_viewport,
    plan_points,
)
from geodata.query.columns import HotColumns
from geodata.query.density import Cells, HexCells, coarse_squares, density_cells, hexagon_cells
from geodata.query.pyramid import pyramid_of
from geodata.query.span import Span, complement_span, date_type_span
from geodata.query.territory import territory_changes

#: Most territory changes drawn (the latest of the range): each carries its hover text.
TERRITORY_LIMIT = 5_000
AGGREGATE_META = "incidents-aggregate"


#: The map's size assumed when only its centre and zoom are known (the app moved it; no corners yet).
ASSUMED_MAP_PIXELS = (1280.0, 800.0)


def cells_view(viewport: Viewport | None, centre: MapView) -> Viewport:
    """The viewport the cells cover: the map's own, else one of :data:`ASSUMED_MAP_PIXELS` around its centre
    at its zoom (so cells follow a move the app made, whose corners the browser has not reported)."""
    if viewport is not None:
        return viewport
    width, height = ASSUMED_MAP_PIXELS
    half_lon = 180.0 * width / (WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** min(max(centre.zoom, 0.0), 22.0))
    half_lat = half_lon * height / width * math.cos(math.radians(min(abs(centre.lat), 85.0)))
    return Viewport(max(centre.lon - half_lon, -180.0), max(centre.lat - half_lat, -85.0),
                    min(centre.lon + half_lon, 180.0), min(centre.lat + half_lat, 85.0), centre.zoom)


def opening_cells(store: IncidentStore, precision: tuple[int, ...] | None = None) -> Cells:
    """The density cells of the default filter (with ``precision``, if given) at the opening view: what the
    warm-up builds so the pyramid level most filter changes draw at is ready (:mod:`geodata.query.warmup`)."""
    state = replace(FilterState.default(store.date_range()), precision=precision)
    view = cells_view(None, current_view(None, opening_view(store.dataset.view, store.extent)))
    span = date_type_span(store.columns, state)
    positions = None if span is not None else store.positions(state)
    span = span if span is not None else complement_span(store.columns, store.indexes, state)
    return density_cells(store.columns, positions, view, span=span)


def warm_up_steps(store: IncidentStore) -> list[tuple[str, Callable[[], object]]]:
    """The map's own warm-up steps: the opening view's cells, then those of its commonest precision alone
    (the other precisions' tables of that level)."""
    def commonest() -> Cells | None:
        index = store.indexes._index("precision")
        sizes = np.diff(index.offsets)  # rows of codes -1 .. size - 1
        code = int(np.argmax(sizes)) - 1 if len(sizes) else -1
        return opening_cells(store, (code,)) if code >= 0 else None

    return [("opening view's cells", lambda: opening_cells(store)),
            ("opening view's cells, commonest precision", commonest)]


def _choice(display: Any, key: str, choices: tuple[str, ...]) -> str:
    value = display.get(key) if isinstance(display, dict) else None
    return value if value in choices else choices[0]


def plan(columns: HotColumns, positions: np.ndarray, view: Viewport | None,
         budget: int = DEFAULT_POINT_BUDGET) -> PointSelection | GridCells:
    """:func:`geodata.query.budget.plan_points` without its coarse grid: every point, the points in the
    widened view, or (above the budget) an empty :class:`GridCells` with the total, whose cells
    :func:`aggregate_traces` draws instead."""
    return plan_points(columns, positions, view, budget, grid=False)


def state_plan(store: IncidentStore, state: FilterState, view: Viewport | None,
               budget: int = DEFAULT_POINT_BUDGET) -> PointSelection | GridCells:
    """:func:`plan` for ``state``; a state of dates and types too many for the budget, with no view to cut
    them to or surely too many in the widened view, is counted from the pyramid (no positions of up to
    every row, no scan of them)."""
    span = date_type_span(store.columns, state)
    if span is not None:
        pyramid = pyramid_of(store.columns)
        total = pyramid.count(span)
        if total > budget:
            wide = view.widened() if view is not None else None
            bounds = None if wide is None else pyramid.count_bounds(span, (wide.west, wide.south, wide.east,
                                                                           wide.north))
            empty = np.empty(0, np.float32)
            if wide is None or (bounds is not None and bounds[0] > budget):
                return GridCells(empty, empty, np.empty(0, np.int64), empty, 0.0, total)
            near = pyramid.rows_near(span, (wide.west, wide.south, wide.east, wide.north))
            if near is not None:  # a small box: its rows from the index, tested as plan_points does
                visible = np.sort(in_viewport(store.columns, near, wide))
                if len(visible) <= budget:
                    return PointSelection(visible, total, clipped_to_view=True)
                return GridCells(empty, empty, np.empty(0, np.int64), empty, 0.0, total)
    return plan(store.columns, store.positions(state), view, budget)


def aggregate_cells(store: IncidentStore, positions: np.ndarray | None, view: Viewport | None, display: Any,
                    budget: int = DEFAULT_POINT_BUDGET, span: Span | None = None) -> tuple[str, Cells | HexCells]:
    """(how, cells): the display's aggregate of ``positions`` for ``view``, weighted as it says; with a
    ``span`` (the same rows, a state of dates and types) squares come from the pyramid's tables and
    hexagons from theirs per block of rows."""
    how, weight = _choice(display, "aggregate", AGGREGATES), _choice(display, "weight", WEIGHTS)
    columns = store.columns
    if how == "hexagons":
        return how, hexagon_cells(columns, positions, view, weight=weight, budget=budget, span=span)
    if how == "squares":
        return how, coarse_squares(columns, positions, view, weight=weight, budget=budget, span=span)
    return how, density_cells(columns, positions, view, weight=weight, budget=budget, span=span)


def aggregate_traces(how: str, cells: Cells | HexCells, meta: str = AGGREGATE_META) -> list[dict]:
    if isinstance(cells, HexCells):
        return hexagon_layer(cells, meta=meta)
    return square_layer(cells, meta=meta) if how == "squares" else density_layer(cells, meta=meta)


def density_overlay(store: IncidentStore, state: FilterState, view: Viewport | None, display: Any,
                    budget: int = DEFAULT_POINT_BUDGET, plan: PointSelection | GridCells | None = None) -> list[dict]:
    """The "density" layer (under the points): the density surface of the drawn incidents, weighted
    as the display says, whatever the budget; none when the incidents over the budget (``plan``)
    are drawn as that surface already."""
    if "density" not in state.layers:
        return []
    if (isinstance(plan, GridCells) and "incidents" in state.layers
            and _choice(display, "aggregate", AGGREGATES) == "density"):
        return []
    weight = _choice(display, "weight", WEIGHTS)
    span = date_type_span(store.columns, state) if view is not None else None
    positions = None if span is not None else store.positions(state)
    span = span if span is not None or view is None else complement_span(store.columns, store.indexes, state)
    return density_layer(density_cells(store.columns, positions, view, weight=weight, budget=budget, span=span))


def territory_overlay(store: IncidentStore, state: FilterState) -> list[dict]:
    """The "territory" layer: the filter's territory changes, the latest :data:`TERRITORY_LIMIT`, faded by age."""
    if "territory" not in state.layers:
        return []
    changes = territory_changes(store.columns, store.positions(state))
    total = len(changes)
    if total > TERRITORY_LIMIT:
        changes = territory_changes(store.columns, changes.positions[-TERRITORY_LIMIT:])
    first = int(np.datetime64(state.start, "D").astype(np.int64))
    last = int(np.datetime64(state.end, "D").astype(np.int64))
    return territory_layer(changes, first, last, total=total)


def control_overlay(state: FilterState, control: ControlAreas | None) -> list[dict]:
    """With the "territory" layer, the areas of control in force at the range's end (a loaded file's)."""
    if control is None or "territory" not in state.layers:
        return []
    return control_layer(control.as_of(state.end), control.holders(), format_day(state.end), control.source)


def with_aggregate(figure: dict, store: IncidentStore, state: FilterState, view: Viewport | None, display: Any,
                   budget: int = DEFAULT_POINT_BUDGET, hidden: int = 0) -> dict:
    """``figure`` (over the budget: its incident layer an empty grid) with the display's aggregate in the
    grid's place and a status line saying what it shows (``hidden``: area-coded incidents whose layer is
    off, counted but not drawn). The figure's lists are replaced, not changed."""
    data = figure["data"]
    at = [i for i, t in enumerate(data) if t.get("meta") == AGGREGATE_META]
    if not at:
        return figure
    span = date_type_span(store.columns, state) if view is not None else None  # dates and types: the pyramid
    positions = None if span is not None else store.positions(state)
    if span is None and view is not None:  # one small-code filter: every row's tables less the fewer rows left out
        span = complement_span(store.columns, store.indexes, state)
    how, cells = aggregate_cells(store, positions, view, display, budget, span)
    traces = with_uids(aggregate_traces(how, cells))
    figure["data"] = data[:at[0]] + traces + [t for i, t in enumerate(data[at[0]:], at[0]) if i not in at]
    off = f"; {hidden:,} area-coded not drawn (their layer is off)" if hidden else ""
    total = len(positions) if positions is not None else pyramid_of(store.columns).count(span) if span else 0
    text = aggregate_status(total + hidden, cells, how, budget, off)
    layout = figure["layout"]
    layout["annotations"] = [{**a, "text": text} if a.get("name") == "status" else a
                             for a in layout.get("annotations", [])]
    return figure
