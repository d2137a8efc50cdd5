"""The timeline's view-model: incidents per day (or week) by type under the displacement line,
the filter's dates shaded. It is also a control: dragging across it picks dates."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.figures import plain
from dashboard.figures.style import category_colours
from dashboard.figures.timeline import timeline_figure
from dashboard.server.cache import cache_key
from geodata import FilterState, IncidentStore


def timeline(filter_data: Any, store: IncidentStore) -> dict:
    """The timeline for the current filter as a plain figure dict: every filter but the dates,
    the range shaded.

    It is also a control: dragging across it (box select along x) picks the
    dates. ``selectionrevision`` follows the dates, so a brush drawn earlier
    disappears once the dates change by any control.
    """
    state = FilterState.from_dict(filter_data, store.date_range())
    series = store.dataset.headline
    types = store.event_types()
    figure = timeline_figure(store.daily_counts(state), store.displacement_series(state.admin_codes),
                             state.start, state.end, store.date_range(),
                             store.dataset.series(series) if series else None,
                             colours=dict(zip(types, category_colours(types), strict=True)))  # the map's
    figure["layout"].update(dragmode="select", selectdirection="h")
    return figure


def timeline_bars_key(filter_data: Any, store: IncidentStore) -> str:
    """What the timeline's bars depend on: the dataset's version and every filter but the dates
    (a short digest)."""
    state = FilterState.from_dict(filter_data, store.date_range()).to_dict()
    kept = {k: v for k, v in state.items() if k not in ("start", "end", "layers", "show_approximate")}
    return cache_key(store.dataset.version, kept)[:16]


def update_timeline(filter_data: Any, store: IncidentStore) -> go.Figure:
    """:func:`timeline` as a plotly figure object, for code that reads it (the export, tests)."""
    return plain.as_figure(timeline(filter_data, store))


