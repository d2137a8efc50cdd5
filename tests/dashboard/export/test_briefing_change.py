"""The briefing prints each headline figure's change as the screen says it: against the previous period
of equal length, or the baseline kept in the display store (issue 15), on an imported Sudanese dataset."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.export.service import briefing_figure
from dashboard.export.sizes import custom_size
from dashboard.figures.headline import MINUS
from dashboard.state.mapview import opening_view
from dashboard.state.url import PageState
from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.support import REPO

WINDOW = FilterState(date(2024, 5, 14), date(2024, 6, 11))  # 29 days


@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv", "acled", catalog, dataset="sudan-2024")
    return IncidentStore(catalog.load("sudan-2024"))


def _texts(store, display=None):
    figure = briefing_figure(store, WINDOW, opening_view(store.dataset.view, store.extent), title="",
                             size=custom_size(960, 540), app_url="http://127.0.0.1:8050/",
                             generated_at=datetime(2026, 5, 4, tzinfo=UTC), display=display)
    return {a.name: a.text.replace("<br>", " ") for a in figure.layout.annotations if a.name}


def test_the_briefing_says_the_change_the_screen_says(sudan):
    texts = _texts(sudan)
    assert texts["headline-incidents-change"] == f"Incidents: {MINUS}3 ({MINUS}27%) vs previous 29 days"
    assert texts["headline-fatalities-change"] == f"Fatalities: {MINUS}29 ({MINUS}43%) vs previous 29 days"
    assert "headline-displaced-change" not in texts  # no displacement figures here: nothing to compare
    display = PageState(WINDOW, baseline=(date(2024, 4, 21), date(2024, 5, 4))).display()
    texts = _texts(sudan, display)
    assert texts["headline-incidents-change"] == "Incidents: +4 (+100%) vs 21 Apr – 4 May 2024 (14 days)"
    assert "bstart=2024-04-21" in texts["link"] and "bend=2024-05-04" in texts["link"]
