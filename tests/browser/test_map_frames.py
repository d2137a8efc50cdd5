"""In the browser: the map paints finished pictures only, and never holds a frame while it moves (assets/map_frames.js).

Without a GPU each painted frame costs the whole canvas; the half-loaded frames of a first load or a date
change used to be most of the wait before the map showed its data.
"""
from __future__ import annotations

import pytest

from tests.browser.support import WAIT_MAP_IDLE, open_map_page

pytestmark = pytest.mark.browser

FRAMES = """() => { const f = window.conflictMapFrames;
    return {painted: f.painted, held: f.loading + f.beforeTraces}; }"""
UNTIMED = "window.conflictMapFramePolicy = {holdMs: null, whileMoving: true};"
MAP = "document.querySelector('#incident-map .js-plotly-plot')._fullLayout.map._subplot.map"
STATUS = """() => {
    const gd = document.querySelector('#incident-map .js-plotly-plot');
    const status = (gd.layout.annotations || []).find(a => a.name === 'status');
    return status ? status.text : null;
}"""


@pytest.fixture
def map_page(browser, live_server):
    # No time limit on holding: a loaded machine must not make the counts depend on the clock.
    context, page, log = open_map_page(browser, live_server + "/?start=2020-02-01&end=2020-02-29",
                                       init_script=UNTIMED)
    yield page, log
    context.close()


def test_first_load_paints_only_the_finished_map_without_fading(map_page):
    page, log = map_page
    # 'idle' can come before the loaded frame is drawn: wait for that frame.
    page.wait_for_function("() => window.conflictMapFrames.painted >= 1", timeout=10000)
    frames = page.evaluate(FRAMES)
    # The style, the traces' sources and the glyphs each asked for a frame; those were held, and the
    # picture was painted once everything had loaded (a frame or two more: MapLibre repaints once
    # after placing symbols).
    assert frames["held"] >= 2, frames
    assert frames["painted"] <= 4, frames
    assert page.evaluate(f"() => {MAP}._fadeDuration") == 0
    assert page.evaluate(f"() => {MAP}.style.stylesheet.transition") == {"duration": 0, "delay": 0}
    # The painted picture is the map with the data: incidents drawn, the map idle and loaded.
    assert page.evaluate(STATUS).endswith("shown as points")
    assert page.evaluate(f"() => {MAP}.loaded()")
    assert log.errors == [], log.errors


def test_dragging_paints_every_frame(map_page):
    page, _ = map_page
    box = page.locator("#incident-map .js-plotly-plot").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = page.evaluate(FRAMES)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + 25 * step, y + 10 * step)
        page.wait_for_timeout(40)
        moving = page.evaluate(FRAMES)
        # While the map moves, nothing is held (new tiles of the traces load as the view moves).
        assert moving["held"] == before["held"] or page.evaluate(f"() => {MAP}.loaded()"), (before, moving)
    page.mouse.up()
    after = page.evaluate(FRAMES)
    assert after["painted"] - before["painted"] >= 4, (before, after)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")


def test_a_date_change_paints_the_new_map_in_a_few_frames(map_page):
    page, log = map_page
    first = page.evaluate(STATUS)
    before = page.evaluate(FRAMES)
    handle = page.locator("#date-range-slider [role=slider]").nth(1)
    handle.focus()
    handle.press("PageDown")
    page.wait_for_function(f"() => ({STATUS})() !== {first!r}", timeout=30000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.wait_for_function(f"() => window.conflictMapFrames.painted > {before['painted']}", timeout=10000)
    after = page.evaluate(FRAMES)
    assert after["painted"] - before["painted"] <= 4, (before, after)
    assert log.errors == [], log.errors


def test_a_source_that_never_finishes_still_shows_what_has_arrived(browser, live_server):
    # The glyphs never arrive: the map never counts as loaded; after the hold, it paints what it has.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/assets/glyphs/**", lambda route: None)  # never answered
    page.goto(live_server + "/?start=2020-02-01&end=2020-02-29")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    page.wait_for_function(f"() => {{ try {{ return !!{MAP}; }} catch (e) {{ return false; }} }}", timeout=30000)
    page.wait_for_function("() => window.conflictMapFrames.painted >= 1", timeout=10000)
    assert page.evaluate(f"() => {MAP}.loaded()") is False
    context.close()
