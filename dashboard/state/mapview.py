"""The map view store: where the map looks, and whether the app moved it on purpose.

One ``dcc.Store`` holds ``{"lat", "lon", "zoom", "rev", "move", "moved",
"corners"}``. A pan or zoom by the analyst (plotly's ``relayoutData``)
updates the centre, zoom and corners with ``move`` false: the map is
already there. A move on purpose (a place found, a table row clicked, a
link opened) bumps ``rev`` and sets ``move``: the map figure then takes
``map.uirevision = "view-<rev>"``, and plotly, seeing a new uirevision,
applies the figure's centre and zoom instead of keeping the user's.
``moved`` says the view differs from the dataset's default (and belongs
in the link). Pure functions; client data is validated, never trusted.
"""
from __future__ import annotations

import math
from typing import Any

from dashboard.state.url import MapView

PLACE_ZOOM = 11.0
INCIDENT_ZOOM = 10.0


def initial(default: MapView) -> dict:
    return {**default.to_dict(), "rev": 0, "move": False, "moved": False, "corners": None}


def _rev(current: Any) -> int:
    rev = current.get("rev") if isinstance(current, dict) else None
    return rev if isinstance(rev, int) and not isinstance(rev, bool) and 0 <= rev < 10**9 else 0


def current_view(current: Any, default: MapView) -> MapView:
    return MapView.from_dict(current) or default


def uirevision(current: Any) -> str:
    """The map's ``uirevision`` for this view store (changes only on purposeful moves)."""
    return f"view-{_rev(current)}"


def _corners(value: Any) -> list | None:
    if not isinstance(value, list) or len(value) != 4:
        return None
    out = []
    for corner in value:
        if not isinstance(corner, (list, tuple)) or len(corner) != 2:
            return None
        lon, lat = corner
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in (lon, lat)):
            return None
        out.append([float(lon), float(lat)])
    return out


def after_pan(relayout: Any, current: Any, default: MapView) -> dict | None:
    """The store after the analyst panned or zoomed (``None``: relayoutData says no view change)."""
    if not isinstance(relayout, dict):
        return None
    center = relayout.get("map.center")
    zoom = relayout.get("map.zoom")
    if not isinstance(center, dict) or zoom is None:
        return None
    view = MapView.parse(center.get("lat"), center.get("lon"), zoom)
    if view is None:
        return None
    derived = relayout.get("map._derived")
    corners = _corners(derived.get("coordinates")) if isinstance(derived, dict) else None
    return {**view.to_dict(), "rev": _rev(current), "move": False, "moved": True, "corners": corners}


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
    corners = _corners(current.get("corners"))
    if corners is not None:
        out["map._derived"] = {"coordinates": corners}
    return out


def link_view(current: Any) -> MapView | None:
    """The view to put in the link: only once the analyst (or the app) moved the map."""
    if not isinstance(current, dict) or current.get("moved") is not True:
        return None
    return MapView.from_dict(current)
