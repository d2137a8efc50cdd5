"""Incidents as a density surface, coarse squares or H3 hexagons, each with a scale that says what a cell is.

Pure builders: cells in (:mod:`geodata.query.density`), plain trace dicts
out. Colours follow the square root of a cell's value, so one crowded
cell (a town whose incidents are coded to its centre) does not wash out
the rest; the colour bar is labelled in the real values, and hover gives
the cell's own figure.
"""
from __future__ import annotations

import math

import numpy as np

from dashboard.figures import plain
from dashboard.figures.style import esc
from geodata.query.density import Cells, HexCells

#: Transparent where nothing happened, then light to dark (sequential; readable in greyscale).
DENSITY_SCALE = [[0.0, "rgba(255,255,204,0)"], [0.08, "rgba(255,237,160,0.55)"], [0.3, "rgba(254,178,76,0.8)"],
                 [0.6, "rgba(240,59,32,0.88)"], [1.0, "rgba(128,0,38,0.95)"]]
CELL_SCALE = [[0.0, "#ffffcc"], [0.25, "#fed976"], [0.5, "#fd8d3c"], [0.75, "#e31a1c"], [1.0, "#800026"]]

#: Where each colour bar sits (inside the map, on its left): the aggregate above, the density layer below.
COLORBAR_Y = {"incidents-aggregate": 0.72, "density": 0.3}


def cell_size_words(km: float) -> str:
    """A cell's edge on the ground in round words: ``~0.4 km``, ``~2 km``, ``~30 km``."""
    if km < 1:
        return f"~{km:.1f} km"
    return f"~{km:.0f} km" if km < 10 else f"~{round(km, -1 if km < 100 else -2):,.0f} km"


def what_a_cell_is(weight: str, cell: str) -> str:
    """The scale's title: ``Incidents per ~2 km cell``, ``Fatalities per hexagon (res 6, ~36 km²)``."""
    return f"{'Fatalities' if weight == 'fatalities' else 'Incidents'} per {cell}"


def hexagon_words(resolution: int, area_km2: float) -> str:
    area = f"{area_km2:,.1f}" if area_km2 < 10 else f"{area_km2:,.0f}"
    return f"hexagon (res {resolution}, ~{area} km²)"


def _ticks(largest: float, gap: float = 0.08) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at 0, round values (1, 2, 5 × 10^k) and ``largest``, placed on the square-root
    scale, none closer to another than ``gap`` of the bar (a crowd of small values would overprint)."""
    if largest <= 0:
        return [0.0], ["0"]
    top = math.sqrt(largest)
    candidates = sorted({step * 10 ** k for k in range(0, int(math.log10(largest)) + 1) for step in (1, 2, 5)
                         if step * 10 ** k < largest})
    kept = [0.0]
    for value in candidates:
        place = math.sqrt(value) / top
        if place - math.sqrt(kept[-1]) / top >= gap and 1.0 - place >= gap:
            kept.append(value)
    kept.append(largest)
    return [math.sqrt(v) for v in kept], [f"{v:,.0f}" for v in kept]


def _colorbar(title: str, largest: float, meta: str) -> dict:
    tickvals, ticktext = _ticks(largest)
    return dict(title=dict(text=esc(title), side="right", font=dict(size=11)), tickvals=tickvals, ticktext=ticktext,
                x=0.005, xanchor="left", y=COLORBAR_Y.get(meta, 0.5), yanchor="middle", len=0.4, thickness=10,
                bgcolor="rgba(255,255,255,0.85)", outlinewidth=0, tickfont=dict(size=10))


def density_layer(cells: Cells, *, meta: str = "density") -> list[dict]:
    """A Densitymap of the cells: one kernel per cell, ~1.5 cells wide, coloured by the cell's value."""
    title = what_a_cell_is(cells.weight, f"{cell_size_words(cells.cell_km)} cell")
    values = cells.values.astype(np.float32)
    largest = float(values.max()) if len(values) else 0.0
    unit = "fatalities" if cells.weight == "fatalities" else "incidents"
    return [plain.trace(
        "densitymap", name=title, meta=meta, legendgroup=meta, showlegend=False,
        lat=cells.latitude, lon=cells.longitude, z=np.sqrt(values),
        zmin=0.0, zmax=math.sqrt(largest) if largest else 1.0, zauto=False,
        radius=max(int(round(cells.pixels * 1.5)), 2), colorscale=DENSITY_SCALE, showscale=True,
        colorbar=_colorbar(title, largest, meta), customdata=values,
        hovertemplate=f"%{{customdata:,.0f}} {unit} in this {esc(cell_size_words(cells.cell_km))} cell"
                      "<extra></extra>",
    )]


#: Decimal places of polygon coordinates: ~10 m, a fraction of the smallest cell drawn.
PLACES = 4


def _round(values: np.ndarray) -> list[float]:
    return np.round(values.astype(np.float64), PLACES).tolist()


def _polygons_layer(rings: list[list[list[float]]], values: np.ndarray, weight: str, cell: str, meta: str) -> dict:
    """A Choroplethmap of closed rings ((lon, lat) lists), one feature per cell, coloured by value."""
    title = what_a_cell_is(weight, cell)
    values = values.astype(np.float32)
    largest = float(values.max()) if len(values) else 0.0
    ids = [str(i) for i in range(len(rings))]
    geojson = plain.Ready({"type": "FeatureCollection", "features": [  # plain floats: nothing to encode
        {"type": "Feature", "id": i, "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for i, ring in zip(ids, rings, strict=True)]})
    unit = "fatalities" if weight == "fatalities" else "incidents"
    return plain.trace(
        "choroplethmap", name=title, meta=meta, legendgroup=meta, showlegend=False,
        geojson=geojson, locations=ids, z=np.sqrt(values), zmin=0.0, zmax=math.sqrt(largest) if largest else 1.0,
        zauto=False, colorscale=CELL_SCALE, showscale=True, colorbar=_colorbar(title, largest, meta),
        marker=dict(opacity=0.62, line=dict(width=0.4, color="rgba(255,255,255,0.8)")),
        customdata=values, hovertemplate=f"%{{customdata:,.0f}} {unit} in this {esc(cell)}<extra></extra>",
    )


def square_layer(cells: Cells, *, meta: str = "incidents-aggregate") -> list[dict]:
    """The cells as filled squares on the map (their edges in degrees), coloured by value."""
    lon, lat = cells.longitude.astype(np.float64), cells.latitude.astype(np.float64)
    dx, dy = cells.cell_degrees / 2, cells.cell_degrees_lat / 2
    west, east, south, north = _round(lon - dx), _round(lon + dx), _round(lat - dy), _round(lat + dy)
    rings = [[[w, s], [e, s], [e, n], [w, n], [w, s]] for w, e, s, n in zip(west, east, south, north, strict=True)]
    return [_polygons_layer(rings, cells.values, cells.weight, f"{cell_size_words(cells.cell_km)} square", meta)]


def _closed_rings(rings: list[list[tuple[float, float]]]) -> list[list[list[float]]]:
    """The rings closed and rounded, one numpy pass per ring length (hexagons; H3's odd pentagon): half the
    time of rounding each coordinate in Python, which was most of a zoomed-in hexagon map's callback."""
    closed: list[list[list[float]]] = [[] for _ in rings]
    by_length: dict[int, list[int]] = {}
    for i, ring in enumerate(rings):
        by_length.setdefault(len(ring), []).append(i)
    for where in by_length.values():
        corners = np.asarray([rings[i] for i in where], dtype=np.float64).reshape(len(where), -1, 2)
        for i, ring in zip(where, np.round(np.concatenate([corners, corners[:, :1]], axis=1), PLACES).tolist(),
                           strict=True):
            closed[i] = ring
    return closed


def hexagon_layer(hexes: HexCells, *, meta: str = "incidents-aggregate") -> list[dict]:
    """The H3 cells as filled hexagons, coloured by value."""
    return [_polygons_layer(_closed_rings(hexes.rings), hexes.values, hexes.weight,
                            hexagon_words(hexes.resolution, hexes.area_km2), meta)]


def aggregate_status(total: int, shown: Cells | HexCells, how: str, budget: int, off: str = "") -> str:
    """The status line over budget: what the map shows instead of points, and how to get points (short:
    the briefing prints it across the map's foot)."""
    if isinstance(shown, HexCells):
        drawn = f"{len(shown.cells):,} hexagons (H3 res {shown.resolution}, ~{shown.area_km2:,.0f} km²"
    elif how == "squares":
        drawn = f"{len(shown.values):,} squares ({cell_size_words(shown.cell_km)}"
    else:
        drawn = f"a density surface ({cell_size_words(shown.cell_km)} cells"
    weight = "fatalities" if shown.weight == "fatalities" else "incidents"
    around = f"; {shown.incidents:,} in and around the view" if shown.incidents != total else ""
    return (f"{total:,} incidents drawn as {drawn}, by {weight}{around}); "
            f"zoom in or filter for points (point budget {budget:,}){off}")
