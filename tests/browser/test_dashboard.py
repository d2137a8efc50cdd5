"""End to end in headless Chromium: what an analyst sees and does on the scenario."""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE

pytestmark = pytest.mark.browser

#: Event ids of the incidents drawn on the map, read from the plotly graph in the page.
MAP_EVENT_IDS = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const ids = [];
  for (const trace of gd._fullData) {  // _fullData: typed arrays decoded, as drawn
    if (trace.meta !== 'incidents' || !trace.visible) continue;
    if (Array.from(trace.lat || []).every(v => v === null)) continue;  // an empty type: drawn as nothing
    const rows = trace.customdata || [];
    if (trace._length !== rows.length) return null;  // one hover row per drawn point
    for (const row of rows) ids.push(row[7]);
  }
  return ids.sort();
}"""


def map_event_ids(page):
    return page.evaluate(MAP_EVENT_IDS)


def wait_for_map_count(page, count):
    """Wait until the map draws ``count`` incidents (the map callback may land after the headline)."""
    page.wait_for_function(f"() => {{ const ids = ({MAP_EVENT_IDS})(); return ids && ids.length === {count}; }}",
                           timeout=60000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")


def wait_for_text(page, element_id, expected, timeout=60000):
    page.wait_for_function(
        "([id, expected]) => document.getElementById(id).textContent === expected", arg=[element_id, expected],
        timeout=timeout)


def wait_for_headline(page, expected):
    wait_for_text(page, "headline-incidents", expected)


def set_dates(page, start, end):
    """Type both dates into the date picker, as an analyst would."""
    for selector, text in (("#date-range-picker", start), ("#date-range-picker-end-date", end)):  # not the baseline's
        box = page.locator(selector)
        box.click()
        box.fill(text)
        box.press("Enter")
    page.keyboard.press("Escape")


def test_page_loads_offline_with_both_layers(app_page, store):
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    assert len(map_event_ids(page)) == len(store.incidents)
    layers = page.evaluate("""() => document.querySelector('#incident-map .js-plotly-plot')
                                     .data.map(t => t.meta)""")
    assert {"incidents", "displacement", "context"} <= set(layers)
    # The glyphs and outlines came from the app itself.
    assert any("/assets/glyphs/" in url for url in log.requests)
    outline_tiles = [url for url in log.requests if "/assets/basemap/countries/" in url and url.endswith(".pbf")]
    assert 1 <= len(outline_tiles) <= 16  # the tiles in view, not the world's outlines
    assert not any("countries.geojson" in url for url in log.requests)
    # ... and the land is drawn from them (MapLibre fetches vector tiles from a worker: absolute URLs).
    assert page.evaluate("""() => document.querySelector('#incident-map .js-plotly-plot')._fullLayout.map._subplot
                                  .map.queryRenderedFeatures({layers: ['land']}).length""") > 0
    assert log.outside_hosts() == set(), log.requests
    assert log.errors == []


def test_narrowing_to_27_february_leaves_that_day(app_page, store):
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    set_dates(page, "27 Feb 2020", "27 Feb 2020")
    wait_for_headline(page, "2")
    wait_for_map_count(page, 2)
    assert map_event_ids(page) == ["NWS-E15", "NWS-E16"]  # Saraqeb retaken; the Balyun strike
    assert page.text_content("#headline-fatalities") == "95"
    assert "33–34" not in page.text_content("#headline-fatalities-what")  # sums, not one event
    assert "94–95" in page.text_content("#headline-fatalities-what")
    assert page.text_content("#headline-displaced") == "more than 948,000"  # the source's own words
    assert "as of 23 Feb 2020" in page.text_content("#headline-displaced-what")
    # The slider followed the picker: both handles on 27 Feb (day 88 of the period).
    values = page.eval_on_selector_all("#date-range-slider [role=slider]", "els => els.map(e => e.getAttribute('aria-valuenow'))")
    assert values == ["88", "88"]
    assert log.outside_hosts() == set() and log.errors == []


def test_slider_by_keyboard_moves_the_picker_and_the_map(app_page, store):
    page, _ = app_page
    wait_for_headline(page, str(len(store.incidents)))
    end = page.locator("#date-range-slider [role=slider]").nth(1)
    end.focus()
    for _ in range(10):  # PageDown moves a week: from 10 Mar back to 31 Dec 2019
        before = int(end.get_attribute("aria-valuenow"))
        end.press("PageDown")  # one step at a time, as a person reads the date between presses
        page.wait_for_function(
            "(want) => document.querySelectorAll('#date-range-slider [role=slider]')[1]"
            ".getAttribute('aria-valuenow') === String(want)", arg=before - 7, timeout=30000)
    page.wait_for_function(
        "() => document.querySelector('input.dash-datepicker-end-date').value === '31 Dec 2019'", timeout=60000)
    wait_for_text(page, "range-label", "1 Dec 2019 – 31 Dec 2019 (31 days)")
    wait_for_text(page, "headline-displaced", "some 284,000")  # OCHA's figure as of 29 Dec
    wait_for_headline(page, "1")
    wait_for_map_count(page, 1)
    assert map_event_ids(page) == ["NWS-E01"]


def test_event_type_filter_and_layer_toggle(app_page, store):
    page, _ = app_page
    wait_for_headline(page, str(len(store.incidents)))
    page.get_by_label("Battles").uncheck()
    expected = int((store.incidents["event_type"] != "Battles").sum())
    wait_for_headline(page, str(expected))
    wait_for_map_count(page, expected)
    legend = page.evaluate("""() => document.querySelector('#incident-map .js-plotly-plot')
                               .data.filter(t => t.meta === 'incidents' && t.showlegend !== false).map(t => t.name)""")
    assert "B · Battles" not in legend and "E · Explosions/Remote violence" in legend  # entries: mark · type
    page.get_by_label("Displacement figures").uncheck()
    page.wait_for_function("""() => !document.querySelector('#incident-map .js-plotly-plot')
                                    .data.some(t => t.meta === 'displacement')""", timeout=60000)


def test_a_map_update_while_the_style_loads_waits_and_lands(app_page, store):
    """An update that arrives while MapLibre loads the map's style would be lost with an error
    ("Style is not done loading"): assets/map_ready.js holds it until the style is there."""
    page, log = app_page
    wait_for_headline(page, str(len(store.incidents)))
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    before, waiting, after = page.evaluate("""async () => {
        const gd = document.querySelector('#incident-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const before = gd.data.map(t => t.name).join('|');
        map.style._loaded = false;  // as while plotly's map loads its style
        const done = Plotly.react(gd, gd.data.map(t => Object.assign({}, t, {name: t.name + ' *'})), gd.layout);
        await new Promise(resolve => setTimeout(resolve, 400));
        const waiting = gd.data.map(t => t.name).join('|');
        map.style._loaded = true;
        await done;
        return [before, waiting, gd.data.map(t => t.name).join('|')];
    }""")
    assert waiting == before and after != before and all(name.endswith(" *") for name in after.split("|"))
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    # The same for a relayout (dcc.Graph resizing the map as the page reflows ends in one).
    zooms = page.evaluate("""async () => {
        const gd = document.querySelector('#incident-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        map.style._loaded = false;
        const done = Plotly.relayout(gd, {'map.zoom': 8.5});
        await new Promise(resolve => setTimeout(resolve, 400));
        const waiting = gd.layout.map.zoom;
        map.style._loaded = true;
        await done;
        return [waiting, gd.layout.map.zoom];
    }""")
    assert zooms[0] != 8.5 and zooms[1] == 8.5
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    assert log.outside_hosts() == set() and log.errors == []
