"""Dash callbacks: registration only. Each callback turns its inputs into view-model calls
(:mod:`dashboard.state`, :mod:`dashboard.views`) and their answers into outputs.

The page's state has one writer: the page callback (:mod:`.page`) reconciles
every control, the timeline brush, playback and the URL, and publishes the
filter store, the display store and the link. The map view has its own
store, written by pans, the place search and the table (:mod:`.map`); the
map, the timeline, the headline, the table and the detail panel
(:mod:`.panels`) follow the stores; the export panel (:mod:`.export`) reads
them when a button is clicked.

Callbacks are registered on one app with its store passed in: no global
registry, no module state, so tests build several apps in one process.
"""
from __future__ import annotations

from dash import Dash

from dashboard.callbacks.export import register_export
from dashboard.callbacks.map import register_map
from dashboard.callbacks.page import register_page
from dashboard.callbacks.panels import register_panels
from dashboard.callbacks.summary import register_summary
from dashboard.server.mapsources import MapSources
from dashboard.state.mapview import opening_view
from dashboard.state.page import page_context
from geodata import IncidentStore
from geodata.query.budget import DEFAULT_POINT_BUDGET

__all__ = ["register_callbacks"]


def register_callbacks(app: Dash, store: IncidentStore, sources: MapSources | None = None,
                       budget: int = DEFAULT_POINT_BUDGET) -> None:
    """Wire every callback of one app to one store (and its optional boundaries and tiles)."""
    sources = sources or MapSources()
    context = page_context(store, sources)
    register_page(app, context)
    register_map(app, store, sources, budget, context.default_view or opening_view(store.dataset.view, store.extent))
    register_panels(app, store)
    register_export(app, store)
    register_summary(app, store, sources)
