"""The headline figures' view-model: incidents, fatalities and people displaced for the filter."""
from __future__ import annotations

from typing import Any

from dashboard.figures.headline import Headline, headline
from geodata import FilterState, IncidentStore


def update_headline(filter_data: Any, store: IncidentStore) -> Headline:
    """The headline figures for the current filter."""
    state = FilterState.from_dict(filter_data, store.date_range())
    series = store.dataset.headline
    return headline(store.fatality_totals(state), store.displaced_in_range(state.start, state.end, state.admin_codes),
                    store.dataset.series(series) if series else None, areas=bool(state.admin_codes))


