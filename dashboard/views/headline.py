"""The headline figures' view-model: incidents, fatalities and people displaced for the filter."""
from __future__ import annotations

from typing import Any

from dashboard.figures.headline import Headline, headline
from geodata import FilterState, IncidentStore


def update_headline(filter_data: Any, store: IncidentStore) -> Headline:
    """The headline figures for the current filter."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return headline(store.fatality_totals(state), store.displaced_as_of(state.end, state.admin_codes),
                    areas=bool(state.admin_codes))


