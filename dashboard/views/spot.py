"""The incidents at the selected incident's spot: the map draws them as one disc with a count, the
detail panel lists them all.

"At one spot" means what the map draws at one place: the same float32
coordinates, among the incidents the map draws for the filter. One
vectorised comparison over the filtered positions; no loop per incident.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dashboard.views.detail import SPOT_LIST_LIMIT, incident_detail, spot_list
from dashboard.views.map import drawn_state
from dashboard.views.selection import incident_position
from geodata import FilterState, IncidentStore


def spot_positions(store: IncidentStore, position: int, state: FilterState) -> np.ndarray:
    """Positions (date order) of the incidents the map draws for ``state`` at incident ``position``'s spot."""
    columns = store.columns
    drawn = store.positions(drawn_state(state))
    here = (columns.latitude[drawn] == columns.latitude[position]) & \
           (columns.longitude[drawn] == columns.longitude[position])
    return drawn[here]


def spot_detail(selected: Any, filter_data: Any, store: IncidentStore) -> tuple[list, bool]:
    """(panel content, hidden) for the selected incident: its details and, when the map draws other
    incidents at its spot, the list of them all, the selected one marked."""
    i = incident_position(store, selected)
    if i is None:
        return [], True
    state = FilterState.from_dict(filter_data, store.date_range())
    in_filter = bool(np.isin(i, store.positions(state)))
    children = incident_detail(store.incidents.iloc[i], store.gazetteer, in_filter=in_filter)
    here = spot_positions(store, i, state)
    if len(here) > 1:
        rows = store.incidents.take(here[:SPOT_LIST_LIMIT])
        children.insert(2, spot_list(rows, str(selected), total=len(here)))
    return children, False


def picked_at_spot(trigger: Any, clicks: Any, store: IncidentStore) -> str | None:
    """The event id of the spot list's button that was clicked (``trigger`` its id, ``clicks`` its
    n_clicks), else ``None``: a button that only appeared (no click yet) or an id the store lacks."""
    if not isinstance(trigger, dict) or not isinstance(clicks, int) or isinstance(clicks, bool) or clicks < 1:
        return None
    event_id = trigger.get("index")
    return event_id if incident_position(store, event_id) is not None else None
