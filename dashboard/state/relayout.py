"""Where the analyst is looking: the map viewport from plotly's ``relayoutData``.

The point budget needs the viewport (to send only the points in view) and
the zoom (to size grid cells). Plotly reports them after every pan/zoom as
``map.center``, ``map.zoom`` and ``map._derived.coordinates`` (the four
corners). Client data is untrusted: anything malformed gives ``None``.
"""
from __future__ import annotations

import math
from typing import Any

from geodata.query.budget import Viewport


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def viewport_from_relayout(data: Any) -> Viewport | None:
    """The viewport described by ``relayoutData``, or ``None`` if it says nothing usable."""
    if not isinstance(data, dict):
        return None
    zoom = _number(data.get("map.zoom"))
    derived = data.get("map._derived")
    corners = derived.get("coordinates") if isinstance(derived, dict) else None
    if zoom is None or not isinstance(corners, list) or len(corners) != 4:
        return None
    lons, lats = [], []
    for corner in corners:
        if not isinstance(corner, list) or len(corner) != 2:
            return None
        lon, lat = _number(corner[0]), _number(corner[1])
        if lon is None or lat is None:
            return None
        lons.append(lon)
        lats.append(lat)
    return Viewport(west=max(min(lons), -180.0), south=max(min(lats), -90.0),
                    east=min(max(lons), 180.0), north=min(max(lats), 90.0), zoom=min(max(zoom, 0.0), 22.0))


def is_view_change(data: Any) -> bool:
    """True when ``relayoutData`` reports a pan or zoom (not, say, a legend click)."""
    return isinstance(data, dict) and any(str(key).startswith("map.") for key in data)
