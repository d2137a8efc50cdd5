"""Incidents above the point budget as fine grid cells or H3 hexagons, weighted by incidents or fatalities.

The coarse 40-pixel grid of :mod:`geodata.query.budget` hides where fighting
concentrates (77 cells for a year of 10^6 incidents). Here the cells are a
few pixels wide, cover the viewport (widened a quarter for panning room) and
are capped so the answer stays under the point budget's byte limit; they are
sums, so they add up to the filtered incidents (or fatalities) in the area
they cover. Hexagons are H3 cells at the resolution closest to the zoom, each counting
every incident in it; a state of dates and types sums them from tables per block of rows
(:mod:`geodata.query.hexblocks`), as squares come from the pyramid's.
"""
from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np

from geodata.geo.coordinates import distinct_points
from geodata.query import hexblocks
from geodata.query.budget import DEFAULT_POINT_BUDGET, WORLD_PIXELS_AT_ZOOM_0, Viewport
from geodata.query.columns import HotColumns
from geodata.query.pyramid import pyramid_of
from geodata.query.span import Span

#: What a cell sums: the number of incidents, or their reported fatalities (not reported adds 0).
WEIGHTS = ("incidents", "fatalities")

#: Edge of a density cell on screen, in pixels; and of a square of the coarse grid option.
DENSITY_PIXELS = 6.0
SQUARE_PIXELS = 40.0
#: Width of a hexagon on screen (two edges), in pixels, that picks the H3 resolution.
HEX_PIXELS = 36.0
HEX_RESOLUTIONS = range(0, 11)

#: Bytes a raw point may cost on the wire; the point budget times this is the byte limit of a map answer.
BYTES_PER_POINT = 20
#: Bytes a density cell costs (latitude, longitude, colour and hover value: float32 typed arrays, base64).
BYTES_PER_CELL = 22
#: Bytes a square or hexagon costs as a GeoJSON feature with its id, colour and hover value (measured:
#: ~210 a square, ~245 a hexagon, coordinates to 4 decimals).
BYTES_PER_POLYGON = 250

#: Screen width assumed when no viewport is known yet (the first answer): the data's extent fills it.
ASSUMED_SCREEN_PIXELS = 1024.0
#: Above this many incidents, hexagon ids come from a per-resolution index of every row, built once (and a
#: state of dates and types sums that index's tables per block of rows).
HEX_DIRECT_LIMIT = 150_000

_KM_PER_DEGREE = 111.32
_EARTH_METRES = 40_075_016.686


def byte_limit(budget: int = DEFAULT_POINT_BUDGET) -> int:
    """The most bytes the map's incident layer may send: what ``budget`` raw points would cost."""
    return budget * BYTES_PER_POINT


@dataclass(frozen=True)
class Cells:
    """Non-empty square cells: centres, values, and the grid they belong to.

    ``values`` are incidents or fatalities per cell (``weight``); cells summing
    to 0 are omitted. ``incidents`` counts the filtered incidents inside
    ``bounds`` (west, south, east, north), ``total`` the sum of ``values``.
    Cells are ``cell_degrees`` of longitude wide and ``cell_degrees_lat``
    high: square on screen at the grid's middle latitude.
    """

    longitude: np.ndarray
    latitude: np.ndarray
    values: np.ndarray
    weight: str
    cell_degrees: float
    cell_degrees_lat: float
    cell_km: float
    pixels: float
    bounds: tuple[float, float, float, float]
    incidents: int
    total: float


@dataclass(frozen=True)
class HexCells:
    """Non-empty H3 cells at ``resolution``: ids, values and outlines (lists of (lon, lat) rings)."""

    cells: np.ndarray
    values: np.ndarray
    rings: list[list[tuple[float, float]]]
    weight: str
    resolution: int
    area_km2: float
    bounds: tuple[float, float, float, float]
    incidents: int
    total: float


def _rows(positions: np.ndarray) -> np.ndarray | slice:
    """``positions`` as a slice when they are one unbroken run: views, not copies."""
    if len(positions) and int(positions[-1]) - int(positions[0]) + 1 == len(positions):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def _weights(columns: HotColumns, rows: np.ndarray | slice, weight: str,
             inside: np.ndarray | None = None) -> np.ndarray | None:
    """Fatalities of ``rows`` (those ``inside`` only, when given) for a fatality weight, else ``None``."""
    if weight != "fatalities":
        return None
    deaths = columns.fatalities[rows]
    deaths = deaths[inside] if inside is not None else deaths
    return np.nan_to_num(deaths, nan=0.0).astype(np.float64)


def _area(columns: HotColumns, positions: np.ndarray, view: Viewport | None) -> tuple[float, float, float, float]:
    """The area the cells cover: the viewport widened a quarter, or the points' extent when none is known."""
    if view is not None:
        wide = view.widened()
        return (max(wide.west, -180.0), max(wide.south, -85.06), min(wide.east, 180.0), min(wide.north, 85.06))
    rows = _rows(positions)
    lon, lat = columns.longitude[rows], columns.latitude[rows]
    if len(positions) == 0 or np.isnan(lon).all():
        return (0.0, 0.0, 0.0, 0.0)
    return (float(np.nanmin(lon)), float(np.nanmin(lat)), float(np.nanmax(lon)), float(np.nanmax(lat)))


def _empty(weight: str, degrees: float, pixels: float, bounds: tuple[float, float, float, float]) -> Cells:
    none = np.empty(0, np.float32)
    return Cells(none, none, none, weight, degrees, degrees, degrees * _KM_PER_DEGREE, pixels, bounds, 0, 0.0)


def _pyramid_cells(columns: HotColumns, positions: np.ndarray | None, view: Viewport, *, weight: str,
                   cell_pixels: float, limit: int, span: Span | None) -> Cells:
    """:func:`square_cells` with a view: cells of the data's fixed grid (:mod:`geodata.query.pyramid`), the
    level nearest ``cell_pixels`` at the zoom (at most √2 off), summed from its tables for a ``span``."""
    pyramid = pyramid_of(columns)
    area = _area(columns, np.empty(0, np.int64), view)
    west, south, east, north = area
    degrees = 360.0 * cell_pixels / (WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** min(max(view.zoom, 0.0), 22.0))
    middle = math.cos(math.radians(min(max((south + north) / 2, -85.0), 85.0)))
    window = pyramid.window(area, degrees, middle, limit) if east > west and north >= south else None
    if window is None or (span is None and (positions is None or len(positions) == 0)):
        return _empty(weight, degrees, cell_pixels, area)
    if span is not None:
        counts, sums = pyramid.sums(span, window, weight == "fatalities")
    else:
        assert positions is not None
        counts, sums = pyramid.row_sums(_rows(positions), window, weight == "fatalities")
    cells = np.flatnonzero(sums)
    lon, lat = pyramid.centres(window, cells)
    step_x, step_y = pyramid.steps(window)
    return Cells(
        longitude=lon.astype(np.float32), latitude=lat.astype(np.float32),
        values=sums[cells].astype(np.float32), weight=weight, cell_degrees=step_x, cell_degrees_lat=step_y,
        cell_km=step_x * _KM_PER_DEGREE * middle, pixels=cell_pixels * step_x / degrees,
        bounds=pyramid.cell_box(window), incidents=int(counts.sum()), total=float(sums.sum()),
    )


def square_cells(columns: HotColumns, positions: np.ndarray | None, view: Viewport | None, *,
                 weight: str = "incidents", cell_pixels: float = DENSITY_PIXELS,
                 max_cells: int | None = None, span: Span | None = None) -> Cells:
    """Sum incidents (or fatalities) over ``positions`` per square cell of ``cell_pixels`` in the view.

    The cell grows when the view would need more than ``max_cells`` cells
    (every cell of the view may be non-empty). With a view the cells are
    the data's fixed power-of-two grid (:mod:`geodata.query.pyramid`: fixed
    while panning, at most √2 off ``cell_pixels``); a ``span`` (dates and
    types only, the same rows as ``positions``, which may then be ``None``)
    sums its pre-aggregated tables instead of the rows. Zoomed in past the
    grid's finest cell (extent / 32,768), and without a view (the points'
    extent then fills :data:`ASSUMED_SCREEN_PIXELS`), cells are exactly
    ``cell_pixels``, aligned to the area's south-west corner, from the rows.
    """
    weight = weight if weight in WEIGHTS else "incidents"
    limit = max_cells if max_cells is not None else byte_limit() // BYTES_PER_CELL
    pyramid = pyramid_of(columns)
    if view is not None and not pyramid.empty:
        zoom = min(max(view.zoom, 0.0), 22.0)
        asked = 360.0 * cell_pixels / (WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** zoom)
        if math.log2(asked / pyramid.step_x) >= -0.5:  # the grid has a level within √2 of the cell asked for
            return _pyramid_cells(columns, positions, view, weight=weight, cell_pixels=cell_pixels, limit=limit,
                                  span=span)
        if positions is None and span is not None:  # finer than the grid (zoomed far in): the rows near the view
            positions = np.sort(pyramid.span_rows(span, _area(columns, np.empty(0, np.int64), view)))
    if positions is None:
        raise ValueError("square cells without a view need the positions")
    west, south, east, north = bounds = _area(columns, positions, view)
    if view is not None:
        degrees = 360.0 * cell_pixels / (WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** min(max(view.zoom, 0.0), 22.0))
    else:
        degrees = max(east - west, north - south, 1e-4) * cell_pixels / ASSUMED_SCREEN_PIXELS
    middle = math.cos(math.radians(min(max((south + north) / 2, -85.0), 85.0)))
    width = max(int(math.ceil((east - west) / degrees)), 1)
    height = max(int(math.ceil((north - south) / (degrees * middle))), 1)
    pixels = cell_pixels
    while width * height > limit:  # a long thin area may need a few rounds (a cell is at least 1 x 1)
        grow = math.sqrt(width * height / max(limit, 1)) * 1.001
        degrees, pixels = degrees * grow, pixels * grow
        width = max(int(math.ceil((east - west) / degrees)), 1)
        height = max(int(math.ceil((north - south) / (degrees * middle))), 1)
    if len(positions) == 0 or east <= west or north < south:
        return _empty(weight, degrees, pixels, bounds)
    rows = _rows(positions)
    lon, lat = columns.longitude[rows], columns.latitude[rows]
    inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    step_lat = degrees * middle
    ix = np.minimum(((lon[inside] - np.float32(west)) * np.float32(1.0 / degrees)).astype(np.int32), width - 1)
    iy = np.minimum(((lat[inside] - np.float32(south)) * np.float32(1.0 / step_lat)).astype(np.int32), height - 1)
    key = ix * np.int32(height) + iy
    sums = np.bincount(key, weights=_weights(columns, rows, weight, inside), minlength=width * height)
    cells = np.flatnonzero(sums)
    return Cells(
        longitude=(west + (cells // height + 0.5) * degrees).astype(np.float32),
        latitude=(south + (cells % height + 0.5) * step_lat).astype(np.float32),
        values=sums[cells].astype(np.float32),
        weight=weight, cell_degrees=degrees, cell_degrees_lat=step_lat,
        cell_km=degrees * _KM_PER_DEGREE * middle, pixels=pixels, bounds=bounds,
        incidents=int(np.count_nonzero(inside)), total=float(sums.sum()),
    )


def density_cells(columns: HotColumns, positions: np.ndarray | None, view: Viewport | None, *,
                  weight: str = "incidents", budget: int = DEFAULT_POINT_BUDGET, span: Span | None = None) -> Cells:
    """Fine cells (:data:`DENSITY_PIXELS`) for a density surface, capped to the budget's byte limit."""
    return square_cells(columns, positions, view, weight=weight, cell_pixels=DENSITY_PIXELS,
                        max_cells=byte_limit(budget) // BYTES_PER_CELL, span=span)


def coarse_squares(columns: HotColumns, positions: np.ndarray | None, view: Viewport | None, *,
                   weight: str = "incidents", budget: int = DEFAULT_POINT_BUDGET, span: Span | None = None) -> Cells:
    """Coarse squares (:data:`SQUARE_PIXELS`) drawn as polygons, capped to the budget's byte limit."""
    return square_cells(columns, positions, view, weight=weight, cell_pixels=SQUARE_PIXELS,
                        max_cells=byte_limit(budget) // BYTES_PER_POLYGON, span=span)


def hex_resolution(zoom: float, latitude: float = 0.0, pixels: float = HEX_PIXELS) -> int:
    """The H3 resolution whose hexagons are closest to ``pixels`` wide on screen at ``zoom``."""
    import h3

    metres_per_pixel = _EARTH_METRES * math.cos(math.radians(min(abs(latitude), 85.0))) / (
        WORLD_PIXELS_AT_ZOOM_0 * 2.0 ** min(max(zoom, 0.0), 22.0))
    return min(HEX_RESOLUTIONS, key=lambda r: abs(math.log(
        2000.0 * h3.average_hexagon_edge_length(r, "km") / metres_per_pixel / pixels)))


def _cell_ids(latitude: np.ndarray, longitude: np.ndarray, resolution: int) -> np.ndarray:
    """H3 ids (uint64; 0 where a coordinate is missing): one C call per point, ~0.8 s per 10^6."""
    from h3.api import basic_int

    to_cell = basic_int.latlng_to_cell
    ids = np.zeros(len(latitude), dtype=np.uint64)
    known = ~(np.isnan(latitude) | np.isnan(longitude))
    lat, lon = latitude[known].astype(np.float64).tolist(), longitude[known].astype(np.float64).tolist()
    ids[known] = np.fromiter((to_cell(a, b, resolution) for a, b in zip(lat, lon, strict=True)),
                             dtype=np.uint64, count=len(lat))
    return ids


@dataclass(frozen=True)
class _HexIndex:
    """Every row's H3 cell at one resolution: ``codes`` (int32, -1 = no coordinates) into ``cells``, and
    each cell's centre."""

    codes: np.ndarray
    cells: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray


_INDEX: dict[tuple[int, int], _HexIndex] = {}
_POINTS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray] | None] = {}
_INDEX_LOCK = threading.Lock()


def _centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each H3 cell's centre."""
    from h3.api import basic_int

    centres = np.array([basic_int.cell_to_latlng(c) for c in cells.tolist()], dtype=np.float64).reshape(-1, 2)
    return centres[:, 0], centres[:, 1]


def _distinct_points(columns: HotColumns) -> tuple[np.ndarray, np.ndarray] | None:
    """(each row's point, each point's first row): the same places repeat in real data, and a row index
    then costs one H3 call per place, not per row. (Not cells of a finer resolution's parents: H3 is not
    exactly nested, a point near an edge is in another parent.) Kept with the columns; caller locks."""
    key = (id(columns.latitude), -1)
    if key in _POINTS:
        return _POINTS[key]
    rows, first = distinct_points(columns.latitude, columns.longitude)
    found = None  # mostly distinct points: per row, nothing kept
    if len(first) <= len(rows) // 2:
        found = (rows.astype(np.int32), first)
    _POINTS[key] = found
    weakref.finalize(columns.latitude, _POINTS.pop, key, None)
    return found


def _hex_index(columns: HotColumns, resolution: int) -> _HexIndex:
    """The row index for ``columns`` at ``resolution``, built on first use and dropped with the columns."""
    key = (id(columns.latitude), resolution)
    with _INDEX_LOCK:
        found = _INDEX.get(key)
        if found is None:
            points = _distinct_points(columns)
            if points is None:
                cells, codes = np.unique(_cell_ids(columns.latitude, columns.longitude, resolution),
                                         return_inverse=True)
                codes = codes.ravel().astype(np.int32)
            else:
                rows, first = points
                cells, of_point = np.unique(_cell_ids(columns.latitude[first], columns.longitude[first], resolution),
                                            return_inverse=True)
                codes = of_point.ravel().astype(np.int32)[rows]
            if len(cells) and cells[0] == 0:  # rows without coordinates
                cells, codes = cells[1:], codes - 1
            found = _INDEX[key] = _HexIndex(codes, cells, *_centres(cells))
            weakref.finalize(columns.latitude, _INDEX.pop, key, None)
        return found


def _hex_sums(columns: HotColumns, positions: np.ndarray | None, span: Span | None, resolution: int,
              fatalities: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(cell ids, incidents, weights, centre latitudes, centre longitudes) of the cells holding any of the
    rows: ``positions``, or those of ``span`` (dates and types) from the tables per block of rows."""
    if span is None and positions is not None and len(positions) <= HEX_DIRECT_LIMIT:
        ids = _cell_ids(columns.latitude[positions], columns.longitude[positions], resolution)
        cells, codes = np.unique(ids, return_inverse=True)
        located = codes >= 0 if len(cells) == 0 or cells[0] != 0 else codes > 0  # id 0: no coordinates
        counts = np.bincount(codes[located].ravel(), minlength=len(cells))
        weights = np.bincount(codes[located].ravel(), weights=_weights(columns, positions, "fatalities", located),
                              minlength=len(cells)) if fatalities else counts.astype(np.float64)
        kept = np.flatnonzero(counts)
        return (cells[kept], counts[kept], weights[kept], *_centres(cells[kept]))
    index = _hex_index(columns, resolution)
    if span is not None:
        counts, weights = hexblocks.span_sums(columns, index.codes, len(index.cells), resolution, span, fatalities)
    else:
        assert positions is not None
        counts, weights = hexblocks.row_sums(columns, index.codes, len(index.cells), _rows(positions), fatalities)
    kept = np.flatnonzero(counts)
    return index.cells[kept], counts[kept], weights[kept], index.latitude[kept], index.longitude[kept]


def hexagon_cells(columns: HotColumns, positions: np.ndarray | None, view: Viewport | None, *,
                  weight: str = "incidents", budget: int = DEFAULT_POINT_BUDGET, span: Span | None = None) -> HexCells:
    """Sum incidents (or fatalities) per H3 hexagon, at the resolution the zoom calls for, coarser while the
    outlines would pass the budget's byte limit.

    Each hexagon counts every selected incident in it (the rows' own H3 cells); with a view, the hexagons
    drawn are those whose centre lies in the view widened a quarter (``incidents``: the incidents in them).
    A ``span`` (dates and types only, the same rows as ``positions``, which may then be ``None``; a view
    needed) sums tables per block of rows (:mod:`geodata.query.hexblocks`) instead of the rows.
    """
    import h3
    from h3.api import basic_int

    weight = weight if weight in WEIGHTS else "incidents"
    if span is not None and view is None:
        raise ValueError("hexagons of a span need a view")
    if positions is None and span is None:
        raise ValueError("hexagons need the positions or a span")
    west, south, east, north = bounds = _area(columns, positions if positions is not None else
                                              np.empty(0, np.int64), view)
    if view is not None:
        resolution = hex_resolution(view.zoom, (south + north) / 2)
    else:
        zoom = math.log2(ASSUMED_SCREEN_PIXELS * 360.0 / WORLD_PIXELS_AT_ZOOM_0 / max(east - west, 1e-4))
        resolution = hex_resolution(zoom, (south + north) / 2)
    limit = byte_limit(budget) // BYTES_PER_POLYGON
    fatalities = weight == "fatalities"
    while True:
        cells, counts, sums, lat, lon = _hex_sums(columns, positions, span, resolution, fatalities)
        if view is not None:  # the hexagons centred in the area (no view: every one)
            inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
            cells, counts, sums = cells[inside], counts[inside], sums[inside]
        shown = np.flatnonzero(sums)
        if len(shown) <= limit or resolution == 0:
            break
        resolution -= 1
    incidents = int(counts.sum())
    cells, sums = cells[shown], sums[shown]
    rings = [[(lng, la) for la, lng in basic_int.cell_to_boundary(int(c))] for c in cells]
    return HexCells(cells=cells, values=sums.astype(np.float32), rings=rings, weight=weight, resolution=resolution,
                    area_km2=float(h3.average_hexagon_area(resolution, "km^2")), bounds=bounds,
                    incidents=incidents, total=float(sums.sum()))
