"""In the browser: the incidents table fills its room, shows notes and event ids, and the timeline's
hint is only on the timeline tab (issue 14)."""
from __future__ import annotations

import pytest

from dashboard.views.table import NOTES_CELL
from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser


def test_table_fills_its_room_with_notes_and_event_ids(browser, live_server, store):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.locator("#timeline-hint").wait_for(state="visible", timeout=10000)
    page.click("#bottom-tabs-table")
    page.wait_for_selector("#incident-table td[data-dash-column=event_id]")
    assert not page.is_visible("#timeline-hint")  # dragging is for the timeline only
    rows = page.locator("#incident-table tr:has(td)")
    page.wait_for_function("() => document.querySelectorAll('#incident-table tr:has(td)').length >= 15",
                           timeout=30000)
    shown = rows.count()
    assert 15 <= shown <= len(store.incidents)
    # Every row is on screen, and the map keeps its room above the table.
    last = rows.nth(shown - 1).bounding_box()
    assert last is not None and last["y"] + last["height"] <= 900
    assert page.locator("#incident-map").bounding_box()["height"] >= 250
    headers = page.locator("#incident-table th").all_text_contents()
    assert any("Notes" in h for h in headers) and any("Event id" in h for h in headers)
    ids = page.locator("#incident-table td[data-dash-column=event_id]").all_text_contents()
    assert set(ids) <= set(store.incidents["event_id"]) and len(ids) == shown
    # A long note is cut in its cell and whole in the cell's tooltip.
    notes = page.locator("#incident-table td[data-dash-column=notes]").all_text_contents()
    cut = [i for i, text in enumerate(notes) if text.endswith("…")]
    assert cut, "no note long enough to be cut on the first page"
    cell = page.locator("#incident-table td[data-dash-column=notes]").nth(cut[0])
    assert len(notes[cut[0]]) <= NOTES_CELL
    cell.hover()
    tip = page.locator(".dash-table-tooltip")
    tip.wait_for(state="visible", timeout=10000)
    full = tip.text_content().strip()
    assert full.startswith(notes[cut[0]][:-1].rstrip()) and len(full) > len(notes[cut[0]])
    assert full in set(store.incidents["notes"].astype(str))
    page.click("#bottom-tabs-timeline")
    page.locator("#timeline-hint").wait_for(state="visible", timeout=10000)
    assert log.errors == [], log.errors
    context.close()
