"""The headline figures' view-model: incidents, fatalities and people displaced for the filter, each
with its change against the comparison period (the previous period of equal length, or the baseline
the analyst picked)."""
from __future__ import annotations

from typing import Any

from dashboard.figures.headline import Headline, headline
from dashboard.state.url import display_from_dict
from geodata import FilterState, IncidentStore
from geodata.query.change import compare, displaced_before


def update_headline(filter_data: Any, store: IncidentStore, display_data: Any = None) -> Headline:
    """The headline figures for the current filter; ``display_data`` (the ``display`` store) carries the
    baseline, if the analyst picked one."""
    state = FilterState.from_dict(filter_data, store.date_range())
    series = store.dataset.headline
    comparison = compare(store, state, display_from_dict(display_data)["baseline"])
    return headline(store.fatality_totals(state), store.displaced_in_range(state.start, state.end, state.admin_codes),
                    store.dataset.series(series) if series else None, areas=bool(state.admin_codes),
                    comparison=comparison, displaced_before=displaced_before(store, state, comparison))
