"""In the browser: the Summary tab ranks the admin areas of the selection, sorts, downloads its CSV, and a
click on a row filters every view (map, headline, link) by that area (issue 15)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard.server.site import Site
from geodata import FilterState
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FEBRUARY = "/?start=2020-02-01&end=2020-02-29"
SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"
SHOTS = Path("/tmp/shots")
MAP_STATUS = """() => {
    const gd = document.querySelector('#incident-map .js-plotly-plot');
    const status = (gd.layout.annotations || []).find(a => a.name === 'status');
    return status ? status.text : null;
}"""


@pytest.fixture(scope="module")
def sudan_url(serve, tmp_path_factory):
    """An imported ACLED file for Sudan, May 2024: its states are named by the source, without p-codes."""
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return serve(Site(catalog=catalog)) + "/datasets/sudan-2024/"


def _open_summary(browser, url, width=1440, height=900, note="3 Jan 2020"):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    log = PageLog(page)
    page.goto(url if "?" in url else url + FEBRUARY, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.click("#bottom-tabs-summary")
    page.locator("#summary-panel").wait_for(state="visible", timeout=10000)
    page.wait_for_selector("#summary-table td[data-dash-column=label]", timeout=30000)
    # The table first follows the page's opening filter, then the link's dates.
    page.wait_for_function("(text) => document.getElementById('summary-note').textContent.includes(text)",
                           arg=note, timeout=30000)
    return context, page, log


def _serious(page) -> list[str]:
    """What axe-core finds serious or critical on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def _labels(page) -> list[str]:
    return [t.strip() for t in page.locator("#summary-table td[data-dash-column=label]").all_text_contents()]


def _headline(page, expected: int) -> None:
    page.wait_for_function("(n) => document.getElementById('headline-incidents').textContent === n",
                           arg=f"{expected:,}", timeout=30000)


def test_summary_ranks_idleb_first_for_february_2020_and_sorts(browser, live_server, store):
    context, page, log = _open_summary(browser, live_server)
    idleb = len(store.positions(FilterState(date(2020, 2, 1), date(2020, 2, 29), admin_codes=("SY07",))))
    labels = _labels(page)
    assert labels[0] == "Idleb" and len(labels) >= 2
    first = page.locator("#summary-table tr:has(td)").first
    assert first.locator("td[data-dash-column=incidents]").text_content().strip() == str(idleb)
    assert first.locator("td[data-dash-column=incidents_change_pct]").text_content().strip().startswith("+")
    assert "Changes against the previous 29 days, 3 Jan 2020 – 31 Jan 2020." in page.text_content("#summary-note")
    assert "Displaced since 1 Dec 2019" in page.locator("#summary-table th[data-dash-column=displaced]").last.text_content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "summary-1440x900.png"))
    assert _serious(page) == []
    # Sorting by incidents (ascending, then descending) puts Idleb last, then first again.
    sort = page.locator("#summary-table th[data-dash-column=incidents] .column-header--sort").last
    sort.click()
    page.wait_for_function("() => { const c = document.querySelectorAll("
                           "'#summary-table td[data-dash-column=label]'); return c[c.length - 1].textContent.trim()"
                           " === 'Idleb'; }", timeout=10000)
    sort.click()
    page.wait_for_function("() => document.querySelector('#summary-table td[data-dash-column=label]')"
                           ".textContent.trim() === 'Idleb'", timeout=10000)
    # Another grouping: event types, each with its own row.
    page.locator("#summary-by").get_by_role("radio", name="Event type").check()
    page.wait_for_function("() => [...document.querySelectorAll('#summary-table td[data-dash-column=label]')]"
                           ".some(td => td.textContent.trim() === 'Battles')", timeout=30000)
    # The download is the plain CSV of what the tab shows.
    with page.expect_download() as download:
        page.click("#summary-csv-button")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode()) and download.value.suggested_filename.endswith("_summary-event_type.csv")
    assert raw.decode("utf-8-sig").splitlines()[0].startswith("group,key,name,incidents,")
    assert log.errors == [], log.errors
    assert log.outside_hosts() == set()
    context.close()


def test_clicking_a_row_filters_every_view(browser, live_server, store):
    context, page, log = _open_summary(browser, live_server)
    february = len(store.positions(FilterState(date(2020, 2, 1), date(2020, 2, 29))))
    idleb = len(store.positions(FilterState(date(2020, 2, 1), date(2020, 2, 29), admin_codes=("SY07",))))
    assert idleb < february
    _headline(page, february)
    page.locator("#summary-table td[data-dash-column=label]", has_text="Idleb").first.click()
    _headline(page, idleb)
    page.wait_for_function("(n) => (MAP)() === n + ' incidents shown as points'".replace("MAP", MAP_STATUS),
                           arg=str(idleb), timeout=30000)
    page.wait_for_function("() => window.location.search.includes('admin=SY07')", timeout=10000)
    # The area filter on the left says so too, and the summary now shows the area alone.
    assert "Idleb" in page.text_content("#admin-area-filter")
    page.wait_for_function("() => document.querySelectorAll('#summary-table td[data-dash-column=label]').length"
                           " === 1", timeout=30000)
    # A second click on the row clears the filter.
    page.locator("#summary-table td[data-dash-column=label]", has_text="Idleb").first.click()
    _headline(page, february)
    page.wait_for_function("() => !window.location.search.includes('admin=')", timeout=10000)
    assert log.errors == [], log.errors
    context.close()


def test_summary_on_a_phone(browser, live_server):
    context, page, log = _open_summary(browser, live_server, 390, 844)
    assert _labels(page)[0] == "Idleb"
    page.locator("#summary-panel").scroll_into_view_if_needed()
    box = page.locator("#summary-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1  # scrolls inside, not the page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "summary-390x844.png"), full_page=True)
    assert _serious(page) == []
    assert log.errors == [], log.errors
    context.close()


def test_a_foreign_dataset_ranks_its_states_and_filters_by_an_actor(browser, sudan_url):
    # 20 incidents; North Darfur 7, Khartoum 4; the Sudanese army is named in 9 (counted from the file)
    context, page, log = _open_summary(browser, sudan_url + "?", note="no earlier day")  # the whole period
    _headline(page, 20)
    assert _labels(page)[:2] == ["North Darfur", "Khartoum"]
    first = page.locator("#summary-table tr:has(td)").first
    assert first.locator("td[data-dash-column=incidents]").text_content().strip() == "7"
    # A state named only by the source has no p-code to filter on: a click changes nothing.
    first.locator("td[data-dash-column=label]").click()
    page.wait_for_timeout(1000)
    _headline(page, 20)
    page.locator("#summary-by").get_by_role("radio", name="Actor").check()
    page.wait_for_function("() => document.querySelector('#summary-table td[data-dash-column=label]')"
                           ".textContent.trim() === 'Rapid Support Forces'", timeout=30000)
    page.locator("#summary-table td[data-dash-column=label]", has_text="Military Forces of Sudan").first.click()
    _headline(page, 9)
    page.wait_for_function("() => decodeURIComponent(window.location.search.replace(/\\+/g, ' '))"
                           ".includes('actor=Military Forces of Sudan (2019-)')", timeout=10000)
    assert log.errors == [], log.errors
    context.close()
