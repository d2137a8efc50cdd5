"""Send the render browser only the country outlines near the map's view.

Why: the offline style inlines the world's outlines (about 2 MB of GeoJSON),
and MapLibre parses and tiles all of them for every render, though a
briefing's map shows a few countries. Keeping the outlines whose bounding
box meets a generous area around the view (twice the view each way) draws
the same pixels for a fraction of the work. Views that are not plain
(rotated, tilted, wider than the world or across the antimeridian) keep
every outline.
"""
from __future__ import annotations

import math
from typing import Any

#: MapLibre's world is 512 px wide at zoom 0.
TILE = 512.0
#: How far beyond the view (in views) the outlines kept may reach.
MARGIN = 1.0
_bounds_cache: dict[int, tuple[dict, list[tuple[float, float, float, float] | None]]] = {}


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.05), -85.05)
    return (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _latitude(y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


def view_bounds(map_layout: dict, width: float, height: float) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the view widened by :data:`MARGIN` views each way, or ``None``
    when the view is rotated, tilted, or wider than the world."""
    center, zoom = map_layout.get("center") or {}, map_layout.get("zoom")
    if map_layout.get("bearing") or map_layout.get("pitch") or not isinstance(zoom, (int, float)):
        return None
    try:
        lat, lon = float(center["lat"]), float(center["lon"])
        domain = map_layout.get("domain") or {}
        x0, x1 = domain.get("x", [0, 1])
        y0, y1 = domain.get("y", [0, 1])
        pixels_x, pixels_y = (x1 - x0) * width, (y1 - y0) * height
    except (KeyError, TypeError, ValueError):
        return None
    world = TILE * 2 ** zoom
    half_x = pixels_x / world * (0.5 + MARGIN)  # in world fractions
    half_y = pixels_y / world * (0.5 + MARGIN)
    west, east = lon - half_x * 360, lon + half_x * 360
    if west < -180 or east > 180:
        return None
    y = _mercator_y(lat)
    return west, _latitude(min(y + half_y, 1.0)), east, _latitude(max(y - half_y, 0.0))


def _box(geometry: Any) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []

    def walk(node: Any) -> None:
        if node and isinstance(node[0], (int, float)):
            xs.append(node[0])
            ys.append(node[1])
        else:
            for item in node:
                walk(item)

    try:
        walk(geometry["coordinates"])
    except (KeyError, TypeError, IndexError):
        return None
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _feature_bounds(data: dict) -> list[tuple[float, float, float, float] | None]:
    """Each feature's bounding box (``None``: unknown, always kept); cached while the same dict is used."""
    cached = _bounds_cache.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    bounds = [_box(feature.get("geometry") or {}) for feature in data.get("features", [])]
    if len(_bounds_cache) >= 4:
        _bounds_cache.clear()
    _bounds_cache[id(data)] = (data, bounds)  # the dict is held, so its id cannot be reused meanwhile
    return bounds


def clip_outlines(spec: dict, source: str = "countries") -> dict:
    """``spec`` with each map's inline ``source`` outlines cut to those near its view (a new dict where
    anything changes; the caller's dicts, often shared between frames, are never modified)."""
    layout = spec.get("layout") or {}
    width, height = layout.get("width"), layout.get("height")
    if not isinstance(width, (int, float)) or not isinstance(height, (int, float)):
        return spec
    changed = {}
    for key, subplot in layout.items():
        if not (key.startswith("map") and isinstance(subplot, dict) and isinstance(subplot.get("style"), dict)):
            continue
        style = subplot["style"]
        outlines = (style.get("sources") or {}).get(source)
        data = outlines.get("data") if isinstance(outlines, dict) else None
        near = view_bounds(subplot, width, height)
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or near is None:
            continue
        west, south, east, north = near
        kept = [feature for feature, box in zip(data["features"], _feature_bounds(data), strict=True)
                if box is None or (box[0] <= east and box[2] >= west and box[1] <= north and box[3] >= south)]
        assert isinstance(outlines, dict)
        sources = dict(style["sources"], **{source: dict(outlines, data=dict(data, features=kept))})
        changed[key] = dict(subplot, style=dict(style, sources=sources))
    return dict(spec, layout=dict(layout, **changed)) if changed else spec
