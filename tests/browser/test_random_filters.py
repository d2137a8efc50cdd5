"""In the browser: long random sequences of filter actions, the map checked against the headline after each.

A new seed every run, printed (and named in any failure) so a failing
sequence can be replayed: ``CONFLICT_MAP_SEED=<seed> pytest tests/browser/test_random_filters.py``.
"""
from __future__ import annotations

import os
import random

import pytest

from dashboard import ids
from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEPS = 24
#: The map's status line and the headline, once both have answered the last action.
STATE = """() => {
    const gd = document.querySelector('#incident-map .js-plotly-plot');
    const status = gd && gd.layout && (gd.layout.annotations || []).find(a => a.name === 'status');
    return {status: status ? status.text : '', visible: status ? status.visible !== false : false,
            headline: document.querySelector('#headline-incidents').textContent};
}"""


def _actions(page):
    """What an analyst does, by name: each clicks or types like a person would."""
    def toggle_type(index):
        return lambda: page.locator(f"#{ids.EVENT_TYPES} input").nth(index).click()

    kinds = page.eval_on_selector_all(f"#{ids.EVENT_TYPES} input", "els => els.map(e => e.value)")
    actions = {f"toggle {kind}": toggle_type(i) for i, kind in enumerate(kinds)}
    actions.update({f"quick {key}": (lambda b=button: page.click(f"#{b}")) for key, button in ids.QUICK_RANGES.items()})
    actions["step back"] = lambda: page.click(f"#{ids.STEP_BACK}")
    actions["step forward"] = lambda: page.click(f"#{ids.STEP_FORWARD}")
    actions["toggle area-coded"] = lambda: page.get_by_label("Area-coded incidents (approximate location)").click()
    actions["toggle incidents layer"] = lambda: page.locator(f"#{ids.LAYERS} input[value=incidents]").click()
    actions["toggle displacement layer"] = lambda: page.locator(f"#{ids.LAYERS} input[value=displacement]").click()
    actions["clear all"] = lambda: page.click(f"#{ids.CLEAR_ALL}")
    actions["fatalities ≥ 1"] = lambda: (page.fill(f"#{ids.FATALITIES_MIN}", "1"), page.keyboard.press("Tab"))
    actions["fatalities any"] = lambda: (page.fill(f"#{ids.FATALITIES_MIN}", ""), page.keyboard.press("Tab"))
    return actions


def _agree(page, timeout_ms: int = 20000) -> dict:
    """Wait until the map's count (the first number of its status line) equals the headline's."""
    page.wait_for_function(f"""() => {{
        const s = ({STATE})();
        const n = (s.status.match(/^[0-9,]+/) || [''])[0].replace(/,/g, '');
        // With the incidents layer off the map draws no incident and shows no count: nothing to compare.
        return s.headline !== '' && (n === s.headline || (!s.visible && s.status === ''));
    }}""", timeout=timeout_ms)
    return page.evaluate(STATE)


def test_random_filter_sequences_keep_the_map_and_the_headline_in_step(browser, live_server):
    seed = int(os.environ.get("CONFLICT_MAP_SEED") or random.randrange(2**32))
    print(f"random filter sequence, seed {seed}")
    rng = random.Random(seed)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    actions = _actions(page)
    done: list[str] = []
    for _ in range(STEPS):
        name = rng.choice(sorted(actions))
        actions[name]()
        done.append(name)
        try:
            _agree(page)
        except Exception as error:  # noqa: BLE001 (any timeout: report the sequence and the seed)
            pytest.fail(f"seed {seed}: after {done}: map and headline disagree: {page.evaluate(STATE)} ({error})")
        assert log.errors == [], f"seed {seed}: after {done}: {log.errors}"
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    context.close()
