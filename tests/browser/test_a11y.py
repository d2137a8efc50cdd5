"""In the browser: a keyboard user reaches every part of the dashboard, and axe-core finds no serious
or critical accessibility problem at desktop and phone sizes (issue 14)."""
from __future__ import annotations

import pytest

from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

#: The focused element, numbered the first time it is focused (so a revisit shows as a smaller number).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    if (!el.dataset.walk) { window.walkCount = (window.walkCount || 0) + 1; el.dataset.walk = window.walkCount; }
    const owner = el.closest('[id]');
    return {n: Number(el.dataset.walk), id: el.id, owner: owner ? owner.id : '', tag: el.tagName};
}"""


def _open(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    return context, page, log


def _wait_for_map(page) -> None:
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def test_tab_walks_every_part_of_the_page_once_then_wraps(browser, live_server):
    context, page, log = _open(browser, live_server, 1440, 900)
    _wait_for_map(page)
    page.click("#bottom-tabs-table")  # the table's own controls are in the walk too
    page.wait_for_selector("#incident-table td")
    page.focus(".skip-link")  # the top of the page
    walk = [page.evaluate(FOCUSED)]
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is not None:
            walk.append(focused)
    numbers = [f["n"] for f in walk]
    assert 1 in numbers[1:], f"Tab never came back to the top of the page: {walk[-20:]}"
    lap = walk[:numbers.index(1, 1)]
    assert [f["n"] for f in lap] == list(range(1, len(lap) + 1)), \
        f"Tab went back to an element it had already visited (a loop): {[(f['id'], f['owner']) for f in lap]}"

    def first(predicate) -> int:
        found = [i for i, f in enumerate(lap) if predicate(f)]
        assert found, f"Tab never reached it: {[(f['id'], f['owner'], f['tag']) for f in lap]}"
        return found[0]

    order = [
        first(lambda f: f["id"] == "place-search"),
        first(lambda f: f["owner"] == "layer-toggle" and f["tag"] == "INPUT"),
        first(lambda f: f["id"] == "export-briefing-png"),
        first(lambda f: f["id"] == "export-csv"),
        first(lambda f: f["id"] == "map-region"),
        first(lambda f: f["id"] == "bottom-tabs-timeline"),
        first(lambda f: f["owner"] == "incident-table" or f["id"] == "incident-table"),
    ]
    assert order == sorted(order), f"the Tab order is not top-to-bottom: {order}"
    assert log.errors == [], log.errors
    context.close()


def test_the_map_shows_a_focus_ring(browser, live_server):
    context, page, _log = _open(browser, live_server, 1440, 900)
    _wait_for_map(page)
    page.focus("#place-search")
    while page.evaluate("document.activeElement.id") != "map-region":
        page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.getElementById('map-region')).outlineStyle")
    width = page.evaluate("parseFloat(getComputedStyle(document.getElementById('map-region')).outlineWidth)")
    assert outline == "solid" and width >= 2
    context.close()


def test_escape_closes_the_detail_panel(browser, live_server):
    context, page, log = _open(browser, live_server, 1440, 900)
    _wait_for_map(page)
    page.click("#bottom-tabs-table")
    page.locator("#incident-table td[data-dash-column=location]").first.click()
    page.wait_for_function("() => !document.getElementById('incident-detail').hidden", timeout=30000)
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('incident-detail').hidden", timeout=30000)
    assert not page.is_visible("#incident-detail")
    assert log.errors == [], log.errors
    context.close()


def test_page_language_and_title_name_the_dataset(browser, live_server, store):
    context, page, _log = _open(browser, live_server, 1440, 900)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title().startswith(store.dataset.title)
    slider = page.locator("#date-slider-wrap [role=slider]")
    assert slider.nth(0).get_attribute("aria-label") == "Start date"
    start, end = store.date_range()
    assert slider.nth(0).get_attribute("aria-valuetext") == f"{start.day} {start:%b %Y}"
    assert slider.nth(1).get_attribute("aria-valuetext") == f"{end.day} {end:%b %Y}"
    missing = page.evaluate("""() => [...document.querySelectorAll('[aria-labelledby]')].flatMap(
        el => el.getAttribute('aria-labelledby').split(/\\s+/).filter(id => id && !document.getElementById(id)))""")
    assert missing == []
    context.close()


@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_axe_finds_nothing_serious_on_the_dashboard(browser, live_server, width, height):
    context, page, log = _open(browser, live_server, width, height)
    _wait_for_map(page)
    assert _serious(page) == []
    if width < 800:  # the filters drawer, open
        page.click("#filters-toggle")
        page.wait_for_selector("#controls-column", state="visible")
        assert _serious(page) == []
    assert log.outside_hosts() == set(), log.requests  # axe-core is bundled: no request leaves the machine
    context.close()


@pytest.mark.slow
def test_axe_finds_nothing_serious_on_the_import_page(browser, serve, tmp_path):
    url = serve(Site(catalog=DataDirectory(tmp_path / "data")))
    context, page, log = _open(browser, url + "/import/", 1440, 900)
    assert _serious(page) == []
    assert log.outside_hosts() == set(), log.requests
    context.close()
