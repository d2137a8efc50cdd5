"""The render page: plotly.js without its 500 ms wait for maps, and a map painted once, giving the very
pixels plotly's own page gives (the speed-up changes nothing a reader sees). On a Sudanese dataset."""
from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from dashboard.export import kaleido_page, render, warm
from dashboard.export.service import briefing_figure
from dashboard.export.sizes import custom_size
from dashboard.state.mapview import opening_view
from geodata import FilterState
from tests.support import require

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
SIZE = custom_size(960, 540)


def test_the_installed_plotly_loses_its_wait_for_maps_only():
    source = kaleido_page.PLOTLY_JS.read_text(encoding="utf-8")
    patched = kaleido_page.without_map_delay(source)
    assert patched is not None, "plotly.js changed: re-check its getDelay (maps would wait 500 ms again)"
    assert kaleido_page.DELAY_FOR_MAPS not in patched and patched.count(kaleido_page.DELAY_FOR_3D) == 1
    assert len(patched) == len(source) - len(kaleido_page.DELAY_FOR_MAPS) + len(kaleido_page.DELAY_FOR_3D)


def test_an_unexpected_plotly_is_left_as_it_is():
    assert kaleido_page.without_map_delay("function(){return 1}") is None
    twice = kaleido_page.DELAY_FOR_MAPS * 2
    assert kaleido_page.without_map_delay(twice) is None


def _plain_options() -> dict:
    return dict(mathjax=False, plotlyjs=kaleido_page.PLOTLY_JS, proxy_server=render.BLACKHOLE_PROXY)


def _digest(png: bytes) -> str:
    return hashlib.sha256(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).tobytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.browser
def test_a_briefing_is_the_same_picture_as_on_plotlys_own_page_with_its_map_painted_once(sudan, monkeypatch):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    state = FilterState.default(sudan.date_range())
    view = opening_view(sudan.dataset.view, sudan.extent)
    figure = briefing_figure(sudan, state, view, title="", size=SIZE, app_url="/", generated_at=STAMP)
    warm.shutdown()
    ours = render.render_figure(figure, "png", SIZE)
    browser = warm.current()
    assert browser is not None

    async def held() -> list[int]:
        answers = [await tab.send_command("Runtime.evaluate", params={
            "expression": "window.conflictMapHeldMaps", "returnByValue": True})
            for tab in browser.session.tabs.values()]
        return [a["result"]["result"].get("value") or 0 for a in answers]

    assert sum(asyncio.run_coroutine_threadsafe(held(), browser._loop).result(10)) == 1  # the map was held
    warm.shutdown()
    monkeypatch.setattr(render, "_session_options", _plain_options)
    plain = render.render_figure(figure, "png", SIZE, warm=False)
    assert _digest(ours) == _digest(plain)
