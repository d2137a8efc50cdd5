"""Where the map looks: :class:`MapView`, the map view store, and plotly's ``relayoutData``.

One ``dcc.Store`` holds ``{"lat", "lon", "zoom", "rev", "move", "moved",
"corners"}``. A pan or zoom by the analyst (plotly's ``relayoutData``)
updates the centre, zoom and corners with ``move`` false: the map is
already there. A move on purpose (a place found, a table row clicked, a
link opened) bumps ``rev`` and sets ``move``: the map figure then takes
``map.uirevision = "view-<rev>"``, and plotly, seeing a new uirevision,
applies the figure's centre and zoom instead of keeping the user's.
``moved`` says the view differs from the dataset's default (and belongs
in the link).

Plotly reports a view as ``map.center``, ``map.zoom`` and
``map._derived.coordinates`` (the four visible corners), flat or nested
under ``map``; :func:`read_relayout` is the one parser of that shape. Pure
functions; client data is validated, never trusted: anything malformed
gives ``None``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geodata.query.budget import Viewport

MAX_LAT = 85.0511
MIN_ZOOM, MAX_ZOOM = 0.0, 22.0
PLACE_ZOOM = 11.0
INCIDENT_ZOOM = 10.0


def _number(value: Any) -> float | None:
    """A finite number from a JSON number or a short numeric string (as in a URL), else ``None``."""
    if isinstance(value, str):
        if len(value) > 32:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _json_number(value: Any) -> float | None:
    """A finite JSON number (a string is not a number in a browser's report), else ``None``."""
    return None if isinstance(value, str) else _number(value)


@dataclass(frozen=True)
class MapView:
    """Where the map looks: centre (WGS 84 degrees) and MapLibre zoom."""

    lat: float
    lon: float
    zoom: float

    @classmethod
    def parse(cls, lat: Any, lon: Any, zoom: Any) -> MapView | None:
        """A validated view (numbers or numeric strings in range), else ``None``."""
        lat, lon, zoom = _number(lat), _number(lon), _number(zoom)
        if lat is None or lon is None or zoom is None:
            return None
        if not (-MAX_LAT <= lat <= MAX_LAT and -180.0 <= lon <= 180.0 and MIN_ZOOM <= zoom <= MAX_ZOOM):
            return None
        return cls(round(lat, 5), round(lon, 5), round(zoom, 2))

    @classmethod
    def from_dict(cls, data: Any) -> MapView | None:
        if not isinstance(data, dict):
            return None
        return cls.parse(data.get("lat"), data.get("lon"), data.get("zoom"))

    @classmethod
    def from_json(cls, lat: Any, lon: Any, zoom: Any) -> MapView | None:
        """A view from JSON numbers only (what a browser reports), in range, else ``None``."""
        if any(_json_number(v) is None for v in (lat, lon, zoom)):
            return None
        return cls.parse(lat, lon, zoom)

    def to_dict(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon, "zoom": self.zoom}


#: The view of a dataset without a single point (nothing to fit): the whole world.
WORLD_VIEW = MapView(20.0, 0.0, 1.0)
#: The map's size (CSS px) in the dashboard on a 1280x800 window: what an opening view is fitted to,
#: and the extent a view link shows when the screen's own extent is unknown.
REFERENCE_SCREEN_MAP = (950.0, 440.0)
#: Zoom of an opening view around a single place (one town's worth of incidents).
MAX_FIT_ZOOM = 11.0


def world_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at ``zoom`` (512-px tiles, as MapLibre)."""
    world = 512 * 2 ** zoom
    s = math.sin(math.radians(max(min(lat, MAX_LAT), -MAX_LAT)))
    return (lon + 180) / 360 * world, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world


def fit_box(west: float, south: float, east: float, north: float,
            screen: tuple[float, float] = REFERENCE_SCREEN_MAP, padding: float = 0.08) -> MapView:
    """The view that shows the box (degrees) on a ``screen``-sized map, with ``padding`` on each side."""
    x0, y1 = world_px(west, south, 0.0)
    x1, y0 = world_px(east, north, 0.0)
    width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    usable = (screen[0] * (1 - 2 * padding), screen[1] * (1 - 2 * padding))
    zoom = min(max(math.log2(min(usable[0] / width, usable[1] / height)), MIN_ZOOM), MAX_FIT_ZOOM)
    centre_x, centre_y = (x0 + x1) / 2 / 512, (y0 + y1) / 2 / 512
    lon = centre_x * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * centre_y))))
    return MapView(round(lat, 5), round(lon, 5), round(zoom, 2))


def opening_view(view: Any, extent: Any = None) -> MapView:
    """Where a dataset opens: the view its metadata gives (``dataset.json``'s ``view``), else the
    view that fits its data (``extent``: west, south, east, north attributes), else the world."""
    given = MapView.from_dict(view)
    if given is not None:
        return given
    if extent is not None:
        return fit_box(extent.west, extent.south, extent.east, extent.north)
    return WORLD_VIEW


# ------------------------------------------------------------ plotly's relayoutData
def parse_corners(value: Any) -> list[list[float]] | None:
    """Four ``[lon, lat]`` corners of finite numbers (``map._derived.coordinates``), else ``None``."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    out = []
    for corner in value:
        if not isinstance(corner, (list, tuple)) or len(corner) != 2:
            return None
        lon, lat = _json_number(corner[0]), _json_number(corner[1])
        if lon is None or lat is None:
            return None
        out.append([lon, lat])
    return out


def read_relayout(data: Any) -> tuple[MapView | None, list[list[float]] | None]:
    """(view, visible corners) reported by ``relayoutData``, flat (``"map.center"``) or nested
    (``{"map": {...}}``); either is ``None`` when the report does not give it."""
    if not isinstance(data, dict):
        return None, None
    nested = data.get("map")
    if isinstance(nested, dict):
        center, zoom, derived = nested.get("center"), nested.get("zoom"), nested.get("_derived")
    else:
        center, zoom, derived = data.get("map.center"), data.get("map.zoom"), data.get("map._derived")
    view = MapView.from_json(center.get("lat"), center.get("lon"), zoom) if isinstance(center, dict) else None
    corners = parse_corners(derived.get("coordinates")) if isinstance(derived, dict) else None
    return view, corners


def view_from_relayout(data: Any) -> MapView | None:
    """The view in plotly's ``relayoutData``, or ``None``."""
    return read_relayout(data)[0]


def viewport_from_relayout(data: Any) -> Viewport | None:
    """The viewport (visible box and zoom) described by ``relayoutData``, or ``None`` if it says
    nothing usable; the point budget needs it to send only the points in view and to size grid cells."""
    if not isinstance(data, dict):
        return None
    zoom = _json_number(data.get("map.zoom"))
    derived = data.get("map._derived")
    corners = parse_corners(derived.get("coordinates")) if isinstance(derived, dict) else None
    if zoom is None or corners is None:
        return None
    lons = [c[0] for c in corners]
    lats = [c[1] for c in corners]
    return Viewport(west=max(min(lons), -180.0), south=max(min(lats), -90.0),
                    east=min(max(lons), 180.0), north=min(max(lats), 90.0), zoom=min(max(zoom, 0.0), 22.0))


def is_view_change(data: Any) -> bool:
    """True when ``relayoutData`` reports a pan or zoom (not, say, a legend click)."""
    return isinstance(data, dict) and any(str(key).startswith("map.") for key in data)


def view_from_figure(figure: Any) -> MapView | None:
    """The view in a figure dict's ``layout.map`` (what the server last sent)."""
    layout = figure.get("layout") if isinstance(figure, dict) else None
    subplot = layout.get("map") if isinstance(layout, dict) else None
    if not isinstance(subplot, dict) or not isinstance(subplot.get("center"), dict):
        return None
    return MapView.from_json(subplot["center"].get("lat"), subplot["center"].get("lon"), subplot.get("zoom"))


def view_on_screen(relayout: Any, figure: Any, default: MapView) -> MapView:
    """The view on screen: the last pan/zoom, else the figure's view, else ``default``."""
    return view_from_relayout(relayout) or view_from_figure(figure) or default


# ------------------------------------------------------------ the view store
def initial(default: MapView) -> dict:
    return {**default.to_dict(), "rev": 0, "move": False, "moved": False, "corners": None}


def _rev(current: Any) -> int:
    rev = current.get("rev") if isinstance(current, dict) else None
    return rev if isinstance(rev, int) and not isinstance(rev, bool) and 0 <= rev < 10**9 else 0


def view_from_store(current: Any) -> MapView | None:
    """The view kept in a store (``{"lat", "lon", "zoom"}``, JSON numbers), else ``None``."""
    if not isinstance(current, dict):
        return None
    return MapView.from_json(current.get("lat"), current.get("lon"), current.get("zoom"))


def current_view(current: Any, default: MapView) -> MapView:
    return MapView.from_dict(current) or default


def uirevision(current: Any) -> str:
    """The map's ``uirevision`` for this view store (changes only on purposeful moves)."""
    return f"view-{_rev(current)}"


def after_pan(relayout: Any, current: Any) -> dict | None:
    """The store after the analyst panned or zoomed (``None``: relayoutData says no view change)."""
    if not isinstance(relayout, dict) or not isinstance(relayout.get("map.center"), dict):
        return None
    view, corners = read_relayout(relayout)
    if view is None:
        return None
    place = current.get("place") if isinstance(current, dict) else None  # a place found stays marked
    return {**view.to_dict(), "rev": _rev(current), "move": False, "moved": True, "corners": corners,
            **({"place": place} if place is not None else {})}


def move_to(current: Any, view: MapView, *, moved: bool = True) -> dict:
    """The store after the app moves the map to ``view`` on purpose."""
    return {**view.to_dict(), "rev": _rev(current) + 1, "move": True, "moved": moved, "corners": None}


def as_relayout(current: Any) -> dict | None:
    """The view as plotly ``relayoutData`` keys (for code that reads a viewport from them)."""
    if not isinstance(current, dict):
        return None
    view = MapView.from_dict(current)
    if view is None:
        return None
    out: dict = {"map.center": {"lat": view.lat, "lon": view.lon}, "map.zoom": view.zoom}
    corners = parse_corners(current.get("corners"))
    if corners is not None:
        out["map._derived"] = {"coordinates": corners}
    return out


def link_view(current: Any) -> MapView | None:
    """The view to put in the link: only once the analyst (or the app) moved the map."""
    if not isinstance(current, dict) or current.get("moved") is not True:
        return None
    return MapView.from_dict(current)
