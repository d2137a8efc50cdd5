"""Exports have their own bounded queue: they never take the callback slots, and past the bound the analyst
reads "busy, try again" at once instead of every thread of the server waiting on the renderer."""
from __future__ import annotations

import json
import threading
import time

import pytest
from hostile_support import HEADLINE, callback_body, headline_count, http, import_colombia

from dashboard import ids
from dashboard.app import create_app
from dashboard.config import Config
from dashboard.export.render import ExportBusy
from dashboard.export.service import BUSY_MESSAGE, ExportQueue, export_queue
from geodata import IncidentStore

EXPORT = f"..{ids.EXPORT_DOWNLOAD}.data...{ids.EXPORT_STATUS}.children.."


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_queue_bounds_waiting_exports_and_refuses_the_rest_at_once():
    queue = ExportQueue(max_waiting=2, wait=30)
    release = threading.Event()
    done: list[str] = []

    def export(name: str) -> None:
        with queue.ticket():
            release.wait(30)
            done.append(name)

    first = threading.Thread(target=export, args=("first",))
    first.start()
    waiters = [threading.Thread(target=export, args=(f"waiting {i}",)) for i in range(2)]
    for waiter in waiters:
        waiter.start()
    assert wait_until(lambda: queue.waiting == 2)
    started = time.perf_counter()
    with pytest.raises(ExportBusy, match="try again"), queue.ticket():
        pass
    assert time.perf_counter() - started < 0.5 and queue.refused == 1
    release.set()
    for thread in (first, *waiters):
        thread.join(30)
    assert sorted(done) == ["first", "waiting 0", "waiting 1"]


def test_a_wait_in_the_queue_is_bounded():
    queue = ExportQueue(max_waiting=1, wait=0.2)
    with queue.ticket():
        started = time.perf_counter()
        with pytest.raises(ExportBusy), queue.ticket():
            pass
        assert 0.2 <= time.perf_counter() - started < 2


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve):
    """One callback slot, no callback queue, one export waiting at most: the tightest bounds."""
    catalog = import_colombia(tmp_path_factory.mktemp("exports") / "data", 40)
    config = Config(max_inflight=1, max_queued=0, export_queue=1)
    app = create_app(IncidentStore(catalog.load("antioquia")), config=config)
    return serve(app.server), app, export_queue(1)


def export_body(app) -> bytes:
    body = callback_body(app.callback_map, EXPORT)
    for item in body["inputs"]:
        if item["id"] == ids.EXPORT_CSV:
            item["value"] = 1
    body["changedPropIds"] = [f"{ids.EXPORT_CSV}.n_clicks"]
    return json.dumps(body).encode()


def test_exports_wait_in_their_own_queue_not_in_the_callback_slots(site):
    url, app, queue = site
    answers: list[tuple[int, bytes]] = []
    with queue.ticket():  # the renderer is busy with someone else's briefing
        waiting = threading.Thread(target=lambda: answers.append(http(url + "/_dash-update-component",
                                                                      export_body(app))[::2]))
        waiting.start()
        assert wait_until(lambda: queue.waiting == 1), "the export did not queue"
        # Past the bound: an answer at once, that says so.
        started = time.perf_counter()
        status, _, data = http(url + "/_dash-update-component", export_body(app))
        assert status == 200 and time.perf_counter() - started < 2
        assert json.loads(data)["response"][ids.EXPORT_STATUS]["children"] == BUSY_MESSAGE
        # Meanwhile filter callbacks get the one callback slot: the waiting export holds none.
        for _ in range(3):
            status, _, data = http(url + "/_dash-update-component",
                                   json.dumps(callback_body(app.callback_map, HEADLINE)).encode())
            assert status == 200, data[:200]
            assert headline_count(json.loads(data)) == "40"
    waiting.join(30)
    [(status, data)] = answers
    answer = json.loads(data)["response"]
    assert status == 200 and answer[ids.EXPORT_STATUS]["children"].startswith("Downloaded antioquia_")
