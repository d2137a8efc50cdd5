"""The map view an export reproduces (centre and zoom), and the map scale it implies.

:class:`MapView` and the parsing of what the browser reports live in
:mod:`dashboard.state.mapview`. The briefing is always drawn
north up (bearing 0, pitch 0), which the north arrow and scale bar assume.

Scale: Web Mercator at zoom ``z`` spans ``256 * 2**z`` px for 256-px tiles,
so one pixel covers ``156543.03392 * cos(lat) / 2**z`` metres. MapLibre
(plotly's ``map`` subplots) uses 512-px tiles: the same zoom shows twice
the pixels, so a CSS pixel covers half that. ``test_export_render`` checks
this against a rendered map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dashboard.state.mapview import REFERENCE_SCREEN_MAP, MapView, parse_corners, world_px

#: Metres per pixel at the equator, zoom 0, 256-px tiles (WGS 84 semi-major axis * 2 pi / 256).
EQUATOR_M_PER_PX_256 = 156543.03392
#: MapLibre's tiles are 512 px: one zoom level "earlier" than 256-px tiles.
MAPLIBRE_TILE_FACTOR = 0.5


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground metres covered by one CSS pixel of a MapLibre map at ``lat`` and ``zoom``."""
    return EQUATOR_M_PER_PX_256 * math.cos(math.radians(lat)) / 2 ** zoom * MAPLIBRE_TILE_FACTOR


def screen_size(view: MapView, corners: Any) -> tuple[float, float] | None:
    """The on-screen size (CSS px) of the map whose visible ``corners`` (``[[lon, lat]] * 4``, as
    plotly's ``map._derived.coordinates``) were reported at ``view``; ``None`` if unusable."""
    parsed = parse_corners(corners)
    if parsed is None:
        return None
    points = [world_px(lon, lat, view.zoom) for lon, lat in parsed]
    width = max(p[0] for p in points) - min(p[0] for p in points)
    height = max(p[1] for p in points) - min(p[1] for p in points)
    return (width, height) if 50 <= width <= 20000 and 50 <= height <= 20000 else None


def fit_view(view: MapView, screen: tuple[float, float] | None, box: tuple[float, float]) -> MapView:
    """``view`` re-zoomed so that what a ``screen``-sized map showed fills a ``box``-sized one.

    The briefing's map is rarely the size of the analyst's: keeping the zoom
    would crop a small page and pad a large one. The centre stays; the scale
    bar is drawn for the zoom returned.
    """
    width, height = screen or REFERENCE_SCREEN_MAP
    zoom = view.zoom + math.log2(min(box[0] / width, box[1] / height))
    return MapView(view.lat, view.lon, round(min(max(zoom, 0.0), 22.0), 3))


def visible_corners(view: MapView, width: float, height: float) -> list[list[float]]:
    """The four corners ``[lon, lat]`` of a ``width`` x ``height`` px map (as plotly's
    ``map._derived.coordinates``: top-left, top-right, bottom-right, bottom-left)."""
    world = 512 * 2 ** view.zoom

    def to_lonlat(x: float, y: float) -> list[float]:
        lon = x / world * 360 - 180
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world))))
        return [max(min(lon, 180.0), -180.0), lat]

    cx, cy = world_px(view.lon, view.lat, view.zoom)
    left, right, top, bottom = cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2
    return [to_lonlat(left, top), to_lonlat(right, top), to_lonlat(right, bottom), to_lonlat(left, bottom)]


def relayout_for(view: MapView, width: float, height: float) -> dict[str, Any]:
    """A ``relayoutData``-shaped dict for ``view`` on a ``width`` x ``height`` px map.

    The map builder uses the viewport to choose what to draw for large data;
    the briefing passes the viewport it will actually show.
    """
    return {
        "map.center": {"lat": view.lat, "lon": view.lon}, "map.zoom": view.zoom,
        "map.bearing": 0, "map.pitch": 0,
        "map._derived": {"coordinates": visible_corners(view, width, height)},
    }


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar: its length on the ground, on the map in CSS px, and its label."""

    metres: float
    pixels: float
    label: str


def scale_bar(lat: float, zoom: float, max_pixels: float) -> ScaleBar:
    """The longest round length (1, 2 or 5 times a power of ten) that fits in ``max_pixels``."""
    mpp = metres_per_pixel(lat, zoom)
    limit = max_pixels * mpp
    exponent = math.floor(math.log10(limit))
    metres = max(m * 10 ** exponent for m in (1, 2, 5) if m * 10 ** exponent <= limit)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return ScaleBar(metres=metres, pixels=metres / mpp, label=label)
