"""The render page paints a map's last frame only, and the slide is still plotly's own picture.

render_page.js lets no frame draw before plotly's traces are in (the style-only "load" frame included)
and no held frame draw its stencil masks or sky. A plotly or MapLibre that renamed what it wraps would
quietly bring the cost back (the picture stays right), hence the frame counts; the pictures are compared
with plotly's own page at the slide's device scale, on a fresh tab and on a reused one.
"""
from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from dashboard.export import kaleido_page, render, warm
from dashboard.export.service import briefing_figure
from dashboard.export.sizes import parse_size
from dashboard.state.mapview import opening_view
from geodata import FilterState
from tests.support import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STAMP = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)
SLIDE = parse_size("slide")


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _frames(browser: warm.WarmBrowser) -> dict[str, int]:
    async def read() -> list[dict]:
        answers = [await tab.send_command("Runtime.evaluate", params={
            "expression": "window.conflictMapFrames", "returnByValue": True})
            for tab in browser.session.tabs.values()]
        return [a["result"]["result"].get("value") or {} for a in answers]

    totals: dict[str, int] = {}
    for counts in asyncio.run_coroutine_threadsafe(read(), browser._loop).result(10):
        for kind, n in counts.items():
            totals[kind] = totals.get(kind, 0) + n
    return totals


def test_a_slide_paints_only_the_maps_last_frames_and_is_plotlys_own_picture(sudan, monkeypatch):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    first, last = sudan.date_range()
    state = FilterState.from_dict({**FilterState.default((first, last)).to_dict(),
                                   "start": (first + timedelta(days=7)).isoformat()}, (first, last))
    view = opening_view(sudan.dataset.view, sudan.extent)
    figure = briefing_figure(sudan, state, view, title="Week two on", size=SLIDE, app_url="/",
                             generated_at=STAMP)
    warm.shutdown()
    ours = [render.render_figure(figure, "png", SLIDE) for _ in range(3)]  # the third on a reused tab
    browser = warm.current()
    assert browser is not None
    frames = _frames(browser)
    assert frames.get("beforeTraces", 0) >= 3, frames  # the style-only frames were not painted
    assert 3 <= frames.get("painted", 0) < frames.get("loading", 0), frames
    warm.shutdown()

    monkeypatch.setattr(render, "_session_options", lambda: dict(
        mathjax=False, plotlyjs=kaleido_page.PLOTLY_JS, proxy_server=render.BLACKHOLE_PROXY))
    plain = _pixels(render.render_figure(figure, "png", SLIDE, warm=False))
    assert plain.shape == (1080, 1920, 4)
    for png in ours:
        assert np.array_equal(_pixels(png), plain)
