"""The warm renderer: one Chromium kept for the process's renders, faster than a cold start, recycled
after its render budget, after a crash and after a timeout, closed on shutdown, not inherited by a fork."""
from __future__ import annotations

import io
import multiprocessing
import os
import signal
import statistics
import time

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboard.export import render, warm
from dashboard.export.sizes import custom_size
from tests.support import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZE = custom_size(640, 360)


@pytest.fixture(autouse=True)
def fresh():
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    warm.shutdown()
    yield
    warm.shutdown()


def figure(colour: str = "#d55e00") -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2], marker_color=colour),
                     layout=dict(width=640, height=360, margin=dict(l=0, r=0, t=0, b=0)))


def chromium_pid() -> int:
    browser = warm.current()
    assert browser is not None and browser.is_open
    return browser.session.subprocess.pid


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def red_share(png: bytes) -> float:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float(((rgb[..., 0] > 180) & (rgb[..., 1] < 120) & (rgb[..., 2] < 60)).mean())


def test_renders_share_one_browser_and_a_warm_render_beats_a_cold_one():
    began = time.monotonic()
    render.render_figure(figure(), "png", SIZE, warm=False)
    cold = time.monotonic() - began
    assert warm.current() is None  # a cold render leaves no browser behind

    first = render.render_figure(figure(), "png", SIZE)
    pid = chromium_pid()
    times = []
    for _ in range(3):
        began = time.monotonic()
        png = render.render_figure(figure(), "png", SIZE)
        times.append(time.monotonic() - began)
        assert chromium_pid() == pid  # the same Chromium each time
    assert Image.open(io.BytesIO(png)).size == (640, 360) and red_share(png) > 0.05 and red_share(first) > 0.05
    assert warm.current().renders == 4
    assert statistics.median(times) < cold, (times, cold)


def test_the_browser_is_replaced_after_its_render_budget(monkeypatch):
    monkeypatch.setattr(warm, "MAX_RENDERS", 2)
    render.render_figure(figure(), "png", SIZE)
    pid = chromium_pid()
    render.render_figure(figure(), "png", SIZE)
    assert chromium_pid() == pid
    render.render_figure(figure(), "png", SIZE)  # the budget is spent: a new browser
    assert chromium_pid() != pid
    assert not alive(pid)


def test_a_crashed_browser_is_replaced_and_the_render_still_succeeds():
    render.render_figure(figure(), "png", SIZE)
    pid = chromium_pid()
    os.killpg(pid, signal.SIGKILL)
    time.sleep(0.5)
    png = render.render_figure(figure("#0072b2"), "png", SIZE)
    assert Image.open(io.BytesIO(png)).size == (640, 360)
    assert chromium_pid() != pid


def test_a_timeout_kills_the_browser_and_the_next_render_works():
    render.render_figure(figure(), "png", SIZE)
    pid = chromium_pid()
    with pytest.raises(render.RenderTimeout, match="longer than 0.001 s"):
        render.render_figure(figure(), "png", SIZE, timeout=0.001)
    assert not warm.current().is_open and not alive(pid)
    assert red_share(render.render_figure(figure(), "png", SIZE)) > 0.05


def test_shutdown_closes_chromium():
    render.render_figure(figure(), "png", SIZE)
    pid = chromium_pid()
    warm.shutdown()
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid) and warm.current() is None


def _child(queue) -> None:
    queue.put(warm.current() is None)


def test_a_forked_worker_does_not_inherit_the_browser():
    render.render_figure(figure(), "png", SIZE)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue,))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) is True
    assert warm.current() is not None and warm.current().is_open  # the parent keeps its own


def test_frames_render_in_order_with_progress():
    colours = ["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00"]
    done: list[int] = []
    pngs = render.render_frames((figure(c) for c in colours), SIZE, on_frame=done.append)
    assert sorted(done) == [1, 2, 3, 4, 5]
    assert [Image.open(io.BytesIO(p)).convert("RGB").getpixel((100, 300)) for p in pngs] == [
        tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours]
