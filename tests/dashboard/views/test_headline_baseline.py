"""The headline view-model on an imported Sudanese dataset: each figure's change against the previous
period of equal length, or against the baseline kept in the ``display`` store (what the page and the
briefing show)."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.figures.headline import MINUS
from dashboard.state.url import PageState, display_from_dict
from dashboard.views.headline import update_headline
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


def test_the_headline_compares_with_the_previous_29_days(sudan):
    h = update_headline(WINDOW.to_dict(), sudan)
    assert (h.incidents, h.fatalities) == ("8", "38")
    assert h.incidents_change == f"{MINUS}3 ({MINUS}27%) vs previous 29 days"
    assert h.fatalities_change == f"{MINUS}29 ({MINUS}43%) vs previous 29 days"
    assert h.displaced_change == ""  # no displacement figures: nothing to compare
    whole = update_headline(FilterState(*sudan.date_range()).to_dict(), sudan)
    assert whole.incidents_change == whole.fatalities_change == "no earlier data"


def test_the_baseline_in_the_display_store_changes_the_wording(sudan):
    display = PageState(WINDOW, baseline=(date(2024, 4, 21), date(2024, 5, 4))).display()
    h = update_headline(WINDOW.to_dict(), sudan, display)
    assert h.incidents_change == "+4 (+100%) vs 21 Apr – 4 May 2024 (14 days)"
    assert h.fatalities_change == "+21 (+124%) vs 21 Apr – 4 May 2024 (14 days)"
    # The export passes the display already parsed (dates, not text): the same words.
    assert update_headline(WINDOW.to_dict(), sudan, display_from_dict(display)) == h
    outside = PageState(WINDOW, baseline=(date(2023, 1, 1), date(2023, 1, 31))).display()
    assert update_headline(WINDOW.to_dict(), sudan, outside).incidents_change == "no data in the baseline"
    for junk in (None, "x", {"baseline": ["2024-13-01", "nope"]}, {"baseline": [1, 2, 3]}):
        assert update_headline(WINDOW.to_dict(), sudan, junk).incidents_change.endswith("vs previous 29 days")
