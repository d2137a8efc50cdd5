"""In the browser: each headline figure says how it changed against the previous period of equal length,
on the shipped scenario and on an imported Sudanese dataset; a baseline picked in "Compare with" changes
the wording and lands in the link (issue 15)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.figures.headline import MINUS
from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import REPO

pytestmark = pytest.mark.browser

SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"


@pytest.fixture(scope="module")
def sudan_url(serve, tmp_path_factory):
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return serve(Site(catalog=catalog)) + "/datasets/sudan-2024/"


def _page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return context, page, log


def _wait_text(page, element_id, expected, timeout=30000):
    page.wait_for_function("([id, want]) => document.getElementById(id).textContent === want",
                           arg=[element_id, expected], timeout=timeout)


def test_a_29_day_window_on_the_scenario_and_a_baseline_picked_in_the_control(browser, live_server):
    context, page, log = _page(browser, live_server + "/?start=2020-02-10&end=2020-03-09")
    # 10 Feb – 9 Mar 2020 against 12 Jan – 9 Feb: 14 incidents against 7, 174 fatalities against 48
    _wait_text(page, "headline-incidents-change", "+7 (+100%) vs previous 29 days")
    assert page.text_content("#headline-fatalities-change") == "+126 (+262%) vs previous 29 days"
    assert page.text_content("#headline-displaced") == "almost 1,000,000"
    assert page.text_content("#headline-displaced-change") == "up from some 586,000 on 2 Feb 2020"
    for box, day in (("#baseline-picker", "1 Jan 2020"), ("#baseline-picker-end-date", "14 Jan 2020")):
        page.click(box)
        page.keyboard.press("Control+A")
        page.keyboard.type(day)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _wait_text(page, "headline-incidents-change", "+13 (+1300%) vs 1 – 14 Jan 2020 (14 days)")
    assert page.text_content("#headline-fatalities-change") == "+174 vs 1 – 14 Jan 2020 (14 days)"  # from none
    page.wait_for_function("() => location.search.includes('bend=')", timeout=30000)
    query = parse_qs(urlsplit(page.url).query)
    assert query["bstart"] == ["2020-01-01"] and query["bend"] == ["2020-01-14"]
    assert query["start"] == ["2020-02-10"] and query["end"] == ["2020-03-09"]
    page.reload(wait_until="networkidle")  # the link restores the baseline and its wording
    _wait_text(page, "headline-incidents-change", "+13 (+1300%) vs 1 – 14 Jan 2020 (14 days)")
    assert log.errors == [], log.errors
    context.close()


def test_a_29_day_window_on_a_sudanese_dataset(browser, sudan_url):
    context, page, log = _page(browser, sudan_url + "?start=2024-05-14&end=2024-06-11")
    # 14 May – 11 Jun 2024 against 15 Apr – 13 May: 8 incidents against 11, 38 fatalities against 67
    _wait_text(page, "headline-incidents-change", f"{MINUS}3 ({MINUS}27%) vs previous 29 days")
    assert page.text_content("#headline-fatalities-change") == f"{MINUS}29 ({MINUS}43%) vs previous 29 days"
    assert page.text_content("#headline-displaced-change") == ""
    page.click("#quick-range-all")
    _wait_text(page, "headline-incidents-change", "no earlier data")
    assert log.errors == [], log.errors
    context.close()
