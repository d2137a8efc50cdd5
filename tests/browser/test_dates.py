"""In the browser: picking days — the slider's tooltips and keys say and step dates, and the date boxes
and the range label never disagree (issue 14)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser


def _day(d) -> str:
    return f"{d.day} {d:%b %Y}"


@pytest.fixture
def page_log(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    yield page, log
    context.close()


def test_slider_keys_step_a_day_a_week_and_a_month_and_say_the_date(page_log, store):
    page, log = page_log
    start, end = store.date_range()
    thumbs = page.locator("#date-slider-wrap [role=slider]")
    thumbs.nth(1).focus()
    tooltip = page.locator("#date-slider-wrap [class*=tooltip]")
    for key, days in (("ArrowLeft", 1), ("PageDown", 7), ("Shift+PageDown", 30), ("PageUp", 7)):
        page.keyboard.press(key)
        end = end - timedelta(days=days) if "Down" in key or "Left" in key else end + timedelta(days=days)
        page.wait_for_function(f"() => document.getElementById('range-label').textContent.startsWith("
                               f"'{_day(start)} – {_day(end)}')", timeout=30000)
        assert thumbs.nth(1).get_attribute("aria-valuetext") == _day(end)
        assert page.input_value("#date-range-picker-end-date") == _day(end)
        assert _day(end) in tooltip.all_text_contents()
    assert log.errors == [], log.errors


def test_an_end_date_left_empty_shows_the_date_the_filter_keeps(page_log, store):
    page, log = page_log
    start, end = store.date_range()
    later = start + timedelta(days=20)
    page.click("#date-range-picker")
    page.keyboard.press("Control+A")
    page.keyboard.type(_day(later))
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.getElementById('range-label').textContent.startsWith("
                           f"'{_day(later)} – {_day(end)}')", timeout=30000)
    page.wait_for_timeout(1000)  # the emptied box has been sent and written back
    assert page.input_value("#date-range-picker-end-date") == _day(end)
    assert page.input_value("#date-range-picker") == _day(later)
    assert page.text_content("#range-label").startswith(f"{_day(later)} – {_day(end)}")
    assert log.errors == [], log.errors


def test_typing_an_end_date_right_after_a_start_date_keeps_both(page_log, store):
    page, log = page_log
    start, _end = store.date_range()
    first, last = start + timedelta(days=10), start + timedelta(days=40)
    page.click("#date-range-picker")
    page.keyboard.press("Control+A")
    page.keyboard.type(_day(first))
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(_day(last))
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.getElementById('range-label').textContent.startsWith("
                           f"'{_day(first)} – {_day(last)}')", timeout=30000)
    page.keyboard.press("Tab")
    page.wait_for_timeout(500)
    assert page.input_value("#date-range-picker") == _day(first)
    assert page.input_value("#date-range-picker-end-date") == _day(last)
    assert log.errors == [], log.errors
