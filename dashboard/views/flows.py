"""The flows layer's view-model: the store's flows for the filter, placed, as map traces.

Shared by the map callback and the briefing export (through
:func:`dashboard.views.map.map_figure`). The ends are placed once per
store and boundaries (:class:`geodata.query.flows.Locator`), since only the
dates and areas change between calls.
"""
from __future__ import annotations

import threading
import weakref

from dashboard.figures.flows import flow_layer
from dashboard.server.mapsources import MapSources
from geodata import FilterState, IncidentStore
from geodata.query.flows import Locator, PlacedFlows, flow_series, placed_flows

#: Per store: the boundaries' identity, their locator, and the traces built per (dates, areas).
_KEPT: weakref.WeakKeyDictionary[IncidentStore, tuple[int, Locator, dict]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
NO_FLOWS = "none in this dataset (an HNAP workbook's origin-destination table brings them)"
#: Traces kept per store (date ranges and areas seen), least recently built out first.
MAX_KEPT = 256


def _kept(store: IncidentStore, sources: MapSources) -> tuple[Locator, dict]:
    with _LOCK:
        kept = _KEPT.get(store)
        if kept is not None and kept[0] == id(sources.labels):
            return kept[1], kept[2]
    found = Locator(sources.labels, store.displacement, store.gazetteer)
    traces: dict = {}
    with _LOCK:
        _KEPT[store] = (id(sources.labels), found, traces)
    return found, traces


def locator(store: IncidentStore, sources: MapSources) -> Locator:
    """The store's end locator for these boundaries (built on first use, kept while the store lives)."""
    return _kept(store, sources)[0]


def flows_for(store: IncidentStore, state: FilterState, sources: MapSources) -> PlacedFlows:
    """The flows of the filter's dates and areas, placed (see :func:`geodata.query.flows.placed_flows`)."""
    return placed_flows(store.dataset.flows, state.start, state.end, locator(store, sources), state.admin_codes)


def flow_traces(store: IncidentStore, state: FilterState, sources: MapSources) -> list[dict]:
    """The flows layer's traces when it is switched on and the dataset has flows; else none. Built
    once per date range and areas (a few ms of pandas work), then shared: never change them."""
    if "flows" not in state.layers:
        return []
    if store.dataset.flows.empty:  # switched on for a dataset without any: say so in the legend
        return flow_layer(store.dataset.flows, lambda movement, source: flow_series({}, movement, source),
                          NO_FLOWS)
    found, kept = _kept(store, sources)
    key = (state.start, state.end, tuple(state.admin_codes))
    with _LOCK:
        traces = kept.get(key)
    if traces is None:
        placed = placed_flows(store.dataset.flows, state.start, state.end, found, state.admin_codes)
        series = store.dataset.map_series
        traces = flow_layer(placed.flows, lambda movement, source: flow_series(series, movement, source),
                            placed.note)
        with _LOCK:
            if len(kept) >= MAX_KEPT:
                kept.pop(next(iter(kept)))
            kept[key] = traces
    return traces
