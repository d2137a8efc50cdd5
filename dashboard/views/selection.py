"""What the analyst picks: a place typed in the search box, an incident clicked on the map or in
the table, and the detail panel of the one selected.

Plain functions of (browser values, store); browser values are never
trusted. ``None`` means "nothing to change".
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dashboard.state import mapview
from dashboard.state.mapview import MapView
from dashboard.views.detail import incident_detail
from geodata import FilterState, IncidentStore


# ------------------------------------------------------------ view, table, details
def place_search(query: Any, store: IncidentStore, view: Any) -> tuple[dict | None, str]:
    """(new view store or ``None``, message) for a place typed in the search box."""
    if not isinstance(query, str) or not query.strip():
        return None, ""
    query = query.strip()[:100]
    matches = store.gazetteer.find(query, limit=5)
    if not matches:
        return None, f"No place matching '{query}' in this dataset's gazetteer."
    first = matches[0]
    message = first.explanation + f" ({first.latitude:.2f} N, {first.longitude:.2f} E)"
    if len(matches) > 1:
        message += ". Also: " + ", ".join(m.name for m in matches[1:])
    return mapview.move_to(view, MapView(first.latitude, first.longitude, mapview.PLACE_ZOOM)), message


def incident_position(store: IncidentStore, event_id: Any) -> int | None:
    if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
        return None
    return store.position_of(event_id)  # one vectorised comparison, no million Python strings


#: How close (degrees) a clicked point must be to an incident to pick it (~10 m).
CLICK_TOLERANCE = 1e-4


def clicked_incident(click: Any, store: IncidentStore, state: FilterState | None = None) -> str | None:
    """The event id of the incident clicked on the map.

    An incident point names itself in its hover data. A click that lands on
    another layer's point at the same place (a town label, a ring) picks the
    incident there, the latest one in ``state`` when several share the spot.
    """
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    point = points[0]
    data = point.get("customdata")
    if isinstance(data, list) and len(data) >= 8 and isinstance(data[7], str):
        event_id = data[7]
        if incident_position(store, event_id) is not None:
            return event_id
    lat, lon = point.get("lat"), point.get("lon")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (lat, lon)):
        return None
    positions = store.positions(state) if state is not None else np.arange(len(store.incidents))
    frame = store.incidents
    near = positions[(np.abs(frame["latitude"].to_numpy()[positions] - lat) < CLICK_TOLERANCE)
                     & (np.abs(frame["longitude"].to_numpy()[positions] - lon) < CLICK_TOLERANCE)]
    return str(frame["event_id"].iloc[int(near[-1])]) if len(near) else None


def focus_incident(event_id: str, store: IncidentStore, view: Any) -> dict | None:
    """A view centred on the incident (zoomed in to at least street level of detail)."""
    i = incident_position(store, event_id)
    if i is None:
        return None
    current = MapView.from_dict(view)
    zoom = max(current.zoom if current else 0.0, mapview.INCIDENT_ZOOM)
    row = store.incidents.iloc[i]
    target = MapView.parse(float(row["latitude"]), float(row["longitude"]), zoom)
    return mapview.move_to(view, target) if target is not None else None


def update_detail(selected: Any, filter_data: Any, store: IncidentStore) -> tuple[list, bool]:
    """(panel content, hidden) for the selected incident."""
    i = incident_position(store, selected)
    if i is None:
        return [], True
    state = FilterState.from_dict(filter_data, store.date_range())
    in_filter = bool(np.isin(i, store.positions(state)))
    return incident_detail(store.incidents.iloc[i], store.gazetteer, in_filter=in_filter), False
