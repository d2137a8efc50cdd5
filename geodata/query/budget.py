"""Keep the map under a point budget: raw points when they fit, grid cells when they do not.

A browser draws ~10^5 WebGL markers in seconds and chokes on 10^6, so the
server decides what to send: every matching incident if they fit the
budget; else only those in (and around) the viewport if those fit; else a
grid aggregate whose cell size follows the zoom. The aggregate's counts
always add up to the number of matching incidents.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geodata.query.columns import HotColumns

DEFAULT_POINT_BUDGET = 50_000

#: Grid cell edge on screen, in pixels, whatever the zoom.
CELL_PIXELS = 40.0

#: MapLibre draws the world 512 px wide at zoom 0.
WORLD_PIXELS_AT_ZOOM_0 = 512.0


@dataclass(frozen=True)
class Viewport:
    """What the map shows: its bounds (degrees) and zoom."""

    west: float
    south: float
    east: float
    north: float
    zoom: float

    def widened(self, factor: float = 0.25) -> Viewport:
        """The viewport grown by ``factor`` of its size on every side (room to pan)."""
        dx = (self.east - self.west) * factor
        dy = (self.north - self.south) * factor
        return Viewport(self.west - dx, self.south - dy, self.east + dx, self.north + dy, self.zoom)


@dataclass(frozen=True)
class PointSelection:
    """Raw points to draw: row positions (date order) and whether they were cut to the viewport."""

    positions: np.ndarray
    total: int
    clipped_to_view: bool = False


@dataclass(frozen=True)
class GridCells:
    """Grid aggregate: cell centres, incident counts and summed fatalities per non-empty cell."""

    longitude: np.ndarray
    latitude: np.ndarray
    counts: np.ndarray
    fatalities: np.ndarray
    cell_degrees: float
    total: int


def cell_degrees(zoom: float, cell_pixels: float = CELL_PIXELS) -> float:
    """Edge of a grid cell in degrees of longitude, so that it spans ``cell_pixels`` at ``zoom``."""
    zoom = float(min(max(zoom, 0.0), 22.0))
    return 360.0 * cell_pixels / (WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** zoom)


def _rows(positions: np.ndarray) -> np.ndarray | slice:
    """``positions`` as a slice when they are one unbroken run (a date range with no other filter):
    indexing with it takes views, not copies of a million values."""
    if len(positions) and int(positions[-1]) - int(positions[0]) + 1 == len(positions):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def in_viewport(columns: HotColumns, positions: np.ndarray, view: Viewport) -> np.ndarray:
    """The positions whose point lies inside ``view`` (inclusive edges)."""
    rows = _rows(positions)
    lon = columns.longitude[rows]
    lat = columns.latitude[rows]
    inside = (lon >= view.west) & (lon <= view.east) & (lat >= view.south) & (lat <= view.north)
    return positions[inside]


def grid_cells(columns: HotColumns, positions: np.ndarray, degrees: float) -> GridCells:
    """Count incidents (and sum fatalities) per square cell of ``degrees``; empty cells omitted.

    Uses a dense ``bincount`` over the occupied extent when it is small
    enough (linear time), otherwise ``np.unique`` on cell keys. Works on
    float32 and int32 (the hot columns' own types), on views where it can.
    """
    if len(positions) == 0:
        empty = np.empty(0)
        return GridCells(empty, empty, np.empty(0, np.int64), empty, degrees, 0)
    rows = _rows(positions)
    scale = np.float32(1.0 / degrees)
    ix = np.floor(columns.longitude[rows] * scale).astype(np.int32)
    iy = np.floor(columns.latitude[rows] * scale).astype(np.int32)
    x0, y0 = int(ix.min()), int(iy.min())
    width = int(ix.max()) - x0 + 1
    height = int(iy.max()) - y0 + 1
    ix -= x0
    iy -= y0
    key = ix.astype(np.int64) * height + iy if width * height >= 2**31 else ix * np.int32(height) + iy
    deaths = columns.fatalities[rows]
    deaths = np.where(np.isnan(deaths), np.float32(0), deaths).astype(np.float64)  # not reported: adds 0
    if width * height <= 4_000_000:
        counts = np.bincount(key, minlength=width * height)
        sums = np.bincount(key, weights=deaths, minlength=width * height)
        cells = np.flatnonzero(counts)
        counts, sums = counts[cells], sums[cells]
    else:
        cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=deaths, minlength=len(cells))
    cx = cells // height + x0
    cy = cells % height + y0
    return GridCells(
        longitude=((cx + 0.5) * degrees).astype(np.float32),
        latitude=((cy + 0.5) * degrees).astype(np.float32),
        counts=counts.astype(np.int64),
        fatalities=sums,
        cell_degrees=degrees,
        total=len(positions),
    )


def plan_points(columns: HotColumns, positions: np.ndarray, view: Viewport | None,
                budget: int = DEFAULT_POINT_BUDGET, *, grid: bool = True) -> PointSelection | GridCells:
    """Decide what the map receives for the matching ``positions``; never more than ``budget`` points.

    1. all of them fit: every point (the map can pan freely without asking again);
    2. those in the viewport widened by a quarter fit: those points only;
    3. otherwise: grid cells sized to the zoom (``view.zoom``, or zoom 7 when unknown); with
       ``grid`` false, no cells but their total (the caller aggregates in its own way).
    """
    total = len(positions)
    if total <= budget:
        return PointSelection(positions, total)
    if view is not None:
        visible = in_viewport(columns, positions, view.widened())
        if len(visible) <= budget:
            return PointSelection(visible, total, clipped_to_view=True)
    if not grid:
        empty = np.empty(0, np.float32)
        return GridCells(empty, empty, np.empty(0, np.int64), empty, 0.0, total)
    zoom = view.zoom if view is not None else 7.0
    return grid_cells(columns, positions, cell_degrees(zoom))
