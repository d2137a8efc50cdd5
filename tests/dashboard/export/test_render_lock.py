"""The render lock during a playback: an export that waits gets the renderer between two batches of frames
(first come, first served), so a briefing PNG asked for during a playback arrives before the playback ends.
On a Sudanese dataset."""
from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from dashboard.export import render
from dashboard.export.animation import PlaybackOptions, playback_export
from dashboard.export.renderlock import FairLock
from dashboard.export.service import ExportQueue, briefing_export
from dashboard.export.sizes import custom_size
from dashboard.state.mapview import opening_view
from geodata import FilterState
from tests.support import require

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)


def test_a_waiting_thread_gets_the_lock_before_its_holder_takes_it_back():
    lock, order = FairLock(), []
    lock.acquire()
    waiter = threading.Thread(target=lambda: (lock.acquire(), order.append("waiter"), lock.release()))
    waiter.start()
    for _ in range(500):
        if lock.waiting:
            break
        time.sleep(0.01)
    assert lock.waiting == 1
    lock.release()
    assert lock.acquire(timeout=5)  # asked again at once, as a playback does between two batches
    order.append("holder")
    lock.release()
    waiter.join(5)
    assert order == ["waiter", "holder"] and lock.waiting == 0 and not lock.locked()


def test_a_wait_that_times_out_leaves_the_lock_usable():
    lock = FairLock()
    lock.acquire()
    assert not lock.acquire(timeout=0.05) and not lock.acquire(blocking=False)
    assert lock.waiting == 0
    lock.release()
    assert lock.acquire(timeout=1)
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


@pytest.mark.slow
@pytest.mark.browser
def test_a_briefing_asked_for_during_a_playback_arrives_before_the_playback_ends(sudan):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    first = sudan.date_range()[0]
    state = FilterState.from_dict({"start": first.isoformat(), "end": (first + timedelta(days=7)).isoformat()},
                                  sudan.date_range())
    view = opening_view(sudan.dataset.view, sudan.extent)
    queue = ExportQueue(max_waiting=3)  # one briefing at a time, one playback at a time: the app's bounds
    finished: dict[str, float] = {}
    results: dict[str, object] = {}

    def briefing() -> None:
        with queue.ticket():
            results["png"] = briefing_export(sudan, state, view, fmt="png", title="", size=custom_size(640, 360),
                                             app_url="/", generated_at=STAMP).content
        finished["png"] = time.monotonic()

    asked = threading.Thread(target=briefing)

    def progress(done: int, total: int) -> None:
        if done == 2 and not asked.is_alive() and "png" not in finished:
            asked.start()  # two frames in, another analyst asks for a briefing

    with queue.ticket("playback"):
        gif = playback_export(sudan, state, view, fmt="gif", options=PlaybackOptions(step="day"), title="",
                              app_url="/", generated_at=STAMP, progress=progress)
    finished["playback"] = time.monotonic()
    asked.join(120)
    assert Image.open(io.BytesIO(gif.content)).n_frames == 8
    assert Image.open(io.BytesIO(results["png"])).size == (640, 360)  # type: ignore[arg-type]
    assert finished["png"] < finished["playback"]
