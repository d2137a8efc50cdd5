"""What the analyst picks: a place typed in the search box, an incident clicked on the map or in
the table, and the detail panel of the one selected.

Plain functions of (browser values, store); browser values are never
trusted. ``None`` means "nothing to change".
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dashboard.server.mapsources import MapSources
from dashboard.state import mapview
from dashboard.state.mapview import MapView
from dashboard.views.detail import incident_detail
from geodata import FilterState, Gazetteer, IncidentStore, Match


# ------------------------------------------------------------ view, table, details
def boundary_names(sources: MapSources | None) -> pd.DataFrame | None:
    """The boundaries' names for the place search: one point inside each area, with ``name_ar``
    when the boundaries file has it."""
    if sources is None or sources.labels.empty:
        return None
    labels = sources.labels
    areas = sources.boundaries
    if areas is not None and "name_ar" in areas.columns:
        arabic = pd.Series(areas["name_ar"].to_numpy(), index=areas["pcode"].astype(str).to_numpy())
        arabic = arabic[~arabic.index.duplicated()]
        labels = labels.assign(name_ar=labels["pcode"].astype(str).map(arabic))
    return labels


def search_gazetteer(store: IncidentStore, sources: MapSources | None) -> Gazetteer:
    """The store's place-search gazetteer with this app's boundaries."""
    return store.search_gazetteer(boundary_names(sources))


def _distinct(matches: list[Match], within_km: float = 5.0) -> list[Match]:
    """One match per place: a match within ``within_km`` of one already listed (another source's
    point for the same place, e.g. Kafr Nabl and GeoNames' Kafranbel) is left out."""
    out: list[Match] = []
    for m in matches:
        scale = math.cos(math.radians(m.latitude))
        if all(math.hypot(m.latitude - k.latitude, (m.longitude - k.longitude) * scale) * 111.2 > within_km
               for k in out):
            out.append(m)
    return out


def said(match: Match) -> str:
    """The place found, and the spelling that matched when it differs by more than its case or spaces:
    never "X is another name for X"."""
    same = " ".join(match.matched.split()).casefold() == " ".join(match.name.split()).casefold()
    text = match.name if same else f"{match.name} — matched '{match.matched}'"
    return f"{text} ({match.origin})" if match.origin else text


def place_search(query: Any, store: IncidentStore, view: Any,
                 sources: MapSources | None = None) -> tuple[dict | None, str]:
    """(new view store or ``None``, message) for a place typed in the search box.

    The view store keeps the place found (``place``: its id in the gazetteer and the name that
    matched) so the map marks it; the answer names the matched spelling and its source.
    """
    if not isinstance(query, str) or not query.strip():
        return None, ""
    query = query.strip()[:100]
    matches = _distinct(search_gazetteer(store, sources).find(query, limit=12))[:5]
    if not matches:
        return None, f"No place matching '{query}' in this dataset's places, boundaries or GeoNames."
    first = matches[0]
    message = said(first) + f" ({abs(first.latitude):.2f} {'N' if first.latitude >= 0 else 'S'}, " \
                             f"{abs(first.longitude):.2f} {'E' if first.longitude >= 0 else 'W'})"
    if len(matches) > 1:
        message += ". Also: " + ", ".join(f"{m.name} ({m.origin})" if m.origin else m.name for m in matches[1:])
    moved = mapview.move_to(view, MapView(first.latitude, first.longitude, mapview.PLACE_ZOOM))
    moved["place"] = {"id": first.place_id, "matched": first.matched[:200]}
    return moved, message


def found_place(view: Any, store: IncidentStore, sources: MapSources | None) -> tuple[Match, str] | None:
    """(the place the view store names, the name that matched) when the gazetteer has it, else
    ``None``: the marker is only ever drawn at a gazetteer point, whatever the browser sends."""
    place = view.get("place") if isinstance(view, dict) else None
    if not isinstance(place, dict) or not isinstance(place.get("id"), str) or len(place["id"]) > 200:
        return None
    found = search_gazetteer(store, sources).place(place["id"])
    if found is None:
        return None
    matched = place.get("matched")
    return found, (matched[:200] if isinstance(matched, str) and matched else found.name)


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
