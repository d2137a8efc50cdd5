"""The analyst's workflow end to end in headless Chromium: brush, play, find, share, pick."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from test_dashboard import (
    map_event_ids,
    wait_for_headline,
    wait_for_map_count,
    wait_for_text,
)

from dashboard.app import create_app
from geodata import FilterState
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import SHARED, require

pytestmark = pytest.mark.browser

BOUNDARIES = SHARED / "data" / "boundaries" / "syr_adm1_ocha_cod_v02.geojson"

MAP_VIEW = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const c = map.getCenter();
  return {lat: c.lat, lon: c.lng, zoom: map.getZoom()};
}"""

TRACES = """(meta) => document.querySelector('#incident-map .js-plotly-plot')._fullData
  .filter(t => t.meta === meta).map(t => ({type: t.type, lat: Array.from(t.lat || []), lon: Array.from(t.lon || []),
                                          locations: Array.from(t.locations || [])}))"""


def count(store, start, end, **filters) -> int:
    return len(store.select(replace(FilterState(start, end), **filters)))


def picker_dates(page) -> tuple[str, str]:
    return (page.input_value("input.dash-datepicker-start-date"), page.input_value("input.dash-datepicker-end-date"))


def wait_for_view(page, lat, lon, zoom=None, tolerance=0.01):
    page.wait_for_function(
        f"""() => {{ const v = ({MAP_VIEW})(); return Math.abs(v.lat - {lat}) < {tolerance}
              && Math.abs(v.lon - {lon}) < {tolerance} {'' if zoom is None else f'&& Math.abs(v.zoom - {zoom}) < 0.05'}; }}""",
        timeout=60000)


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return context, page, log


def test_brushing_the_timeline_sets_the_dates(app_page, store):
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    box = page.evaluate("""() => {
      const gd = document.querySelector('#timeline .js-plotly-plot');
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
      const x = d => r.left + xa._offset + xa.l2p(new Date(d).getTime());
      return {x0: x('2020-02-10T12:00:00Z'), x1: x('2020-02-20T12:00:00Z'), y: r.top + ya._offset + ya._length / 2};
    }""")
    page.mouse.move(box["x0"], box["y"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=4)
    page.mouse.move(box["x1"], box["y"], steps=4)
    page.mouse.up()
    expected = count(store, date(2020, 2, 11), date(2020, 2, 20))
    wait_for_text(page, "range-label", "11 Feb 2020 – 20 Feb 2020 (10 days)")
    wait_for_map_count(page, expected)
    assert picker_dates(page) == ("11 Feb 2020", "20 Feb 2020")
    sliders = page.eval_on_selector_all("#date-range-slider [role=slider]", "els => els.map(e => e.getAttribute('aria-valuenow'))")
    assert sliders == ["72", "81"]
    assert page.text_content("#headline-incidents") == str(expected)
    query = parse_qs(urlsplit(page.url).query)
    assert (query["start"], query["end"]) == (["2020-02-11"], ["2020-02-20"])
    # The brush box is gone once the dates are applied: the shaded range is the only selection shown.
    assert page.evaluate("() => (document.querySelector('#timeline .js-plotly-plot').layout.selections || []).length") == 0
    assert log.outside_hosts() == set() and log.errors == []


def test_playback_moves_the_window_and_the_map(browser, live_server, store):
    context, page, log = open_page(browser, live_server + "/?start=2019-12-03&end=2019-12-16")
    start_count = count(store, date(2019, 12, 3), date(2019, 12, 16))
    wait_for_headline(page, str(start_count))
    page.get_by_label("4×").check()
    page.click("#play-button")
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Pause')")
    # Three steps or more, until the 14-day window reaches 19 Dec (slider day 18), the first incident's day.
    page.wait_for_function("""() => Number(document.querySelectorAll('#date-range-slider [role=slider]')[1]
                                           .getAttribute('aria-valuenow')) >= 18""", timeout=30000)
    page.click("#play-button")
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')")
    page.wait_for_timeout(600)  # a tick already on its way lands (or is dropped) now
    start, end = (date.fromisoformat(d) for d in page.evaluate(
        "() => [...document.querySelectorAll('#date-range-slider [role=slider]')].map("
        "e => new Date(Date.UTC(2019, 11, 1 + Number(e.getAttribute('aria-valuenow')))).toISOString().slice(0, 10))"))
    assert (end - start).days == 13 and date(2019, 12, 19) <= end < date(2020, 1, 2)  # a moving 14-day window
    expected = count(store, start, end)
    assert expected != start_count
    wait_for_map_count(page, expected)
    wait_for_headline(page, str(expected))
    # Paused: the link now holds the window shown.
    page.wait_for_function(f"() => location.search.includes('end={end.isoformat()}')", timeout=60000)
    assert log.outside_hosts() == set() and log.errors == []
    context.close()


def test_place_search_finds_behun_and_zooms_to_balyun(app_page, store):
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    page.fill("#place-search", "Behun")
    page.press("#place-search", "Enter")
    page.wait_for_function("() => document.getElementById('place-search-result').textContent"
                           ".startsWith(\"Balyun — matched 'Behun'\")", timeout=60000)
    wait_for_view(page, 35.70, 36.50, zoom=11)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.fill("#place-search", "سراقب")
    page.press("#place-search", "Enter")
    page.wait_for_function("() => document.getElementById('place-search-result').textContent.includes('Saraqib')",
                           timeout=60000)
    wait_for_view(page, 35.8611, 36.8061)
    assert log.outside_hosts() == set() and log.errors == []


def test_a_shared_link_restores_every_control_and_the_view(browser, live_server, store):
    link = (live_server + "/?start=2020-02-01&end=2020-02-29&type=Battles&type=Explosions%2FRemote+violence"
            "&sub=Armed+clash&sub=Air%2Fdrone+strike&actor=Military+Forces+of+Syria+%282000-%29&admin=SY07"
            "&fmin=1&fmax=50&prec=1&prec=2&q=strike&layer=displacement&layer=incidents&approx=0"
            "&lat=35.8&lon=36.6&zoom=9.5&ds=nw_syria_2020&v=an-older-version")
    context, page, log = open_page(browser, link)
    state = FilterState.from_dict({
        "start": "2020-02-01", "end": "2020-02-29", "event_types": ["Battles", "Explosions/Remote violence"],
        "sub_event_types": ["Armed clash", "Air/drone strike"], "actors": ["Military Forces of Syria (2000-)"],
        "admin_codes": ["SY07"], "fatalities_min": 1, "fatalities_max": 50, "precision": [1, 2], "text": "strike",
        "layers": ["displacement", "incidents"], "show_approximate": False}, store.date_range())
    expected = sorted(store.select(state)["event_id"])
    wait_for_headline(page, str(len(expected)))
    wait_for_map_count(page, len(expected))
    assert map_event_ids(page) == expected
    wait_for_view(page, 35.8, 36.6, zoom=9.5)
    assert picker_dates(page) == ("1 Feb 2020", "29 Feb 2020")
    checked = "els => els.filter(e => e.checked).map(e => e.value)"
    assert page.eval_on_selector_all("#event-type-filter input", checked) == ["Battles", "Explosions/Remote violence"]
    assert page.eval_on_selector_all("#precision-filter input", checked) == ["1", "2"]
    assert page.eval_on_selector_all("#layer-toggle input", checked) == ["incidents", "displacement"]
    assert page.eval_on_selector_all("#basemap-select input", checked) == ["plain"]
    assert "Armed clash" in page.text_content("#sub-type-filter") and "Air/drone strike" in page.text_content("#sub-type-filter")
    assert "Military Forces of Syria (2000-)" in page.text_content("#actor-filter")
    assert "SY07" in page.text_content("#admin-area-filter")
    assert (page.input_value("#fatalities-min"), page.input_value("#fatalities-max")) == ("1", "50")
    assert page.input_value("#notes-search") == "strike"
    notice = page.text_content("#link-notice")
    assert "an-older-version" in notice and page.is_visible("#link-notice")
    assert page.url == link  # opening a link does not rewrite it
    # Back and forward step through views: a new filter is a new history entry, Back restores the link.
    page.get_by_label("Battles", exact=True).uncheck()
    page.wait_for_function("() => !location.search.includes('type=Battles')", timeout=60000)
    page.go_back()
    page.wait_for_function("() => location.search.includes('type=Battles')", timeout=60000)
    page.wait_for_function("() => document.querySelector('#event-type-filter input[value=\"Battles\"]').checked",
                           timeout=60000)
    wait_for_map_count(page, len(expected))
    assert log.outside_hosts() == set() and log.errors == []
    context.close()


def test_clicking_a_table_row_shows_and_highlights_it(app_page, store):
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    page.click("#bottom-tabs-table")
    cell = page.locator("#incident-table td[data-dash-column=location]", has_text="Khan Tuman")
    if not cell.count():
        page.locator("#incident-table .next-page").click()
        cell = page.locator("#incident-table td[data-dash-column=location]", has_text="Khan Tuman")
    cell.first.click()
    row = store.incidents.set_index("event_id").loc["NWS-E21"]
    page.wait_for_function(f"() => ({TRACES})('highlight').length === 1", timeout=60000)
    highlight = page.evaluate(TRACES, "highlight")[0]
    assert highlight["lat"] == pytest.approx([row.latitude], abs=1e-6)
    assert highlight["lon"] == pytest.approx([row.longitude], abs=1e-6)
    wait_for_view(page, row.latitude, row.longitude)
    assert page.is_visible("#incident-detail")
    detail = page.text_content("#incident-detail-body")
    assert "Khan Tuman" in detail and "NWS-E21" in detail and "acleddata.com" in detail
    link = page.locator("#incident-detail-body a").first
    assert link.get_attribute("href").startswith("https://") and link.get_attribute("rel") == "noopener noreferrer"
    assert "Khan Tuman" in page.text_content("#incident-table tr:has(td[data-dash-column=location]) >> nth=-1") \
        or page.locator("#incident-table td", has_text="Khan Tuman").count()
    # Clicking another point on the map picks it: the detail follows.
    page.click("#incident-detail-close")
    page.wait_for_function("() => document.getElementById('incident-detail').hidden", timeout=60000)
    assert page.evaluate(TRACES, "highlight") == [] or page.wait_for_function(
        f"() => ({TRACES})('highlight').length === 0", timeout=60000)
    assert log.outside_hosts() == set() and log.errors == []


@pytest.fixture(scope="module")
def boundaries_server(serve, store):
    require(BOUNDARIES.exists(), f"{BOUNDARIES} is not on this machine")
    return serve(create_app(store, boundaries=str(BOUNDARIES)).server)


def test_boundaries_choropleth_and_clicking_an_area(browser, boundaries_server, store):
    context, page, log = open_page(browser, boundaries_server + "/?start=2020-01-05&end=2020-01-20"
                                   "&layer=boundaries&layer=choropleth&layer=incidents")
    page.wait_for_function(f"() => ({TRACES})('boundaries').length === 2", timeout=60000)
    outline = page.evaluate(TRACES, "boundaries")[0]
    assert outline["type"] == "choroplethmap" and "SY07" in outline["locations"] and len(outline["locations"]) == 14
    choropleth = page.evaluate(TRACES, "choropleth")
    assert choropleth and sorted(choropleth[0]["locations"]) == ["SY02", "SY07"]
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    assert any("/boundaries/adm1.geojson" in url for url in log.requests)
    # Click inside Idleb governorate, away from any point: the admin filter takes SY07.
    point = page.evaluate("""() => { const gd = document.querySelector('#incident-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map, r = map.getContainer().getBoundingClientRect();
        const p = map.project([36.9, 35.55]); return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.move(*point)
    page.mouse.click(*point)
    page.wait_for_function("() => document.getElementById('admin-area-filter').textContent.includes('SY07')",
                           timeout=60000)
    expected = count(store, date(2020, 1, 5), date(2020, 1, 20), admin_codes=("SY07",))
    wait_for_headline(page, str(expected))
    assert "admin=SY07" in page.url
    assert log.outside_hosts() == set() and log.errors == []
    context.close()
