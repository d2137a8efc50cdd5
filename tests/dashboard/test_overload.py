"""Overload protection: a bounded number of callbacks computed at once, a short queue, then a quick 503.

What a user (or a load balancer) sees: under a burst the server keeps
answering, the surplus gets ``503`` with ``Retry-After`` in milliseconds
rather than waiting for a timeout, the page and assets are never refused,
and once the burst is over everything is served again.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from dash import Input, Output
from test_security import outputs_of
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.config import Config
from dashboard.server.security import InflightLimit, release_callback_slot

SLOW_SECONDS = 0.5


# ------------------------------------------------------------------ the limiter alone
def test_slots_then_refusal_without_a_queue():
    limit = InflightLimit(2)
    assert limit.acquire() and limit.acquire()
    assert limit.busy == 2
    started = time.perf_counter()
    assert not limit.acquire()
    assert time.perf_counter() - started < 0.2, "a refusal must not wait"
    assert limit.refused == 1
    limit.release()
    assert limit.acquire()


def test_a_queued_request_gets_the_next_free_slot():
    limit = InflightLimit(1, max_queued=1, wait=5.0)
    assert limit.acquire()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(limit.acquire()))
    waiter.start()
    deadline = time.monotonic() + 2
    while limit.waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert limit.waiting == 1
    limit.release()
    waiter.join(2)
    assert got == [True] and limit.waiting == 0 and limit.busy == 1


def test_a_full_queue_refuses_at_once_and_a_wait_is_bounded():
    limit = InflightLimit(1, max_queued=1, wait=0.3)
    assert limit.acquire()
    results: list[tuple[bool, float]] = []

    def timed_acquire():
        t = time.perf_counter()
        results.append((limit.acquire(), time.perf_counter() - t))

    waiter = threading.Thread(target=timed_acquire)
    waiter.start()
    while limit.waiting == 0:
        time.sleep(0.005)
    timed_acquire()  # the queue is full: refused at once
    waiter.join(2)
    (late_ok, late_wait), (queued_ok, queued_wait) = results[0], results[1]
    assert not late_ok and late_wait < 0.2
    assert not queued_ok and 0.25 < queued_wait < 2.0  # waited its 0.3 s (and not for ever)
    assert limit.refused == 2 and limit.waiting == 0


class FakeClock:
    """A clock the test moves by hand (the limiter judges waits by it; the threads still block for real)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _start_waiter(limit: InflightLimit, results: list[bool]) -> threading.Thread:
    before = limit.waiting
    thread = threading.Thread(target=lambda: results.append(limit.acquire()))
    thread.start()
    deadline = time.monotonic() + 5
    while limit.waiting == before and time.monotonic() < deadline:
        time.sleep(0.002)
    assert limit.waiting == before + 1
    return thread


def test_a_standing_queue_refuses_new_arrivals_at_once_then_recovers():
    clock = FakeClock()
    limit = InflightLimit(1, max_queued=10, wait=5.0, target=0.05, interval=0.25, protected=1, clock=clock)
    got: list[bool] = []
    assert limit.acquire()
    first = _start_waiter(limit, got)
    clock.now = 1.0
    limit.release()  # the waiter gets the slot after a (fake) second in the queue
    first.join(5)
    assert got == [True]

    clock.now = 1.3  # a new interval, after one in which even the shortest wait was a second
    second = _start_waiter(limit, got)  # the protected place is still open
    assert limit.standing
    started = time.perf_counter()
    assert not limit.acquire(), "beyond the protected place, a standing queue refuses"
    assert time.perf_counter() - started < 0.2

    clock.now = 2.0  # the load stops: the queue drains
    limit.release()
    second.join(5)
    assert got == [True, True] and not limit.standing
    clock.now = 2.1
    third = _start_waiter(limit, got)  # queued again, not refused
    limit.release()
    third.join(5)
    assert got == [True, True, True]


def test_a_queue_that_drains_is_not_standing():
    clock = FakeClock()
    limit = InflightLimit(1, max_queued=10, wait=5.0, target=0.05, interval=0.25, protected=0, clock=clock)
    got: list[bool] = []
    for step in range(6):  # a request waits 0.2 s each time, but another gets the slot at once
        clock.now = step * 0.3
        assert limit.acquire()
        waiter = _start_waiter(limit, got)
        clock.now += 0.2
        limit.release()
        waiter.join(5)
        limit.release()
        assert not limit.standing
    assert got == [True] * 6


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        InflightLimit(0)


def test_configuration_from_environment():
    config = Config.from_env({"CONFLICT_MAP_MAX_INFLIGHT": "3", "CONFLICT_MAP_MAX_QUEUED": "0",
                              "CONFLICT_MAP_QUEUE_WAIT_MS": "250", "CONFLICT_MAP_QUEUE_TARGET_MS": "0"})
    assert (config.max_inflight, config.max_queued, config.queue_wait_ms, config.queue_target_ms) == (3, 0, 250, 0)
    defaults = Config.from_env({})
    assert defaults.max_inflight >= 1 and defaults.max_queued >= 1 and defaults.queue_wait_ms > 0


# ------------------------------------------------------------------ through the Flask app
def callback_body(app, output: str = "..incident-map.figure...map-drawn.data..") -> dict:
    spec = app.callback_map[output]

    def item(entry):
        return {"id": entry["id"], "property": entry["property"], "value": None}
    return {"output": output, "outputs": outputs_of(output),
            "inputs": [item(e) for e in spec["inputs"]], "state": [item(e) for e in spec.get("state", [])],
            "changedPropIds": []}


def test_a_full_server_answers_503_with_retry_after_but_serves_the_page(store):
    app = create_app(store, config=Config(max_inflight=1, max_queued=0))
    client = app.server.test_client()
    limit = app.server.extensions["conflict_map_inflight"]
    body = json.dumps(callback_body(app))
    assert client.post("/_dash-update-component", data=body, content_type="application/json").status_code == 200
    assert limit.busy == 0, "the slot is given back after each request"

    assert limit.acquire()  # another request is being computed
    response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "busy" in response.get_json()["error"]
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/assets/style.css"):
        assert client.get(path).status_code == 200, path
    limit.release()
    assert client.post("/_dash-update-component", data=body, content_type="application/json").status_code == 200


def test_a_failing_callback_still_gives_back_its_slot(store):
    app = create_app(store, config=Config(max_inflight=1, max_queued=0))
    client = app.server.test_client()
    bad = callback_body(app)
    bad["inputs"][0]["value"] = 7  # refused by the body check, after the slot was taken
    for _ in range(3):
        assert client.post("/_dash-update-component", json=bad).status_code == 400
    assert app.server.extensions["conflict_map_inflight"].busy == 0
    assert client.post("/_dash-update-component", json=callback_body(app)).status_code == 200


def test_a_long_callback_can_give_back_its_slot_early(store):
    app = create_app(store, config=Config(max_inflight=1, max_queued=0))
    limit = app.server.extensions["conflict_map_inflight"]
    seen: list[int] = []

    @app.callback(Output("early-output", "children"), Input("early-input", "n_clicks"))
    def _early(clicks):
        seen.append(limit.busy)
        release_callback_slot()
        release_callback_slot()  # twice is harmless
        seen.append(limit.busy)
        return "done"

    body = {"output": "early-output.children", "outputs": {"id": "early-output", "property": "children"},
            "inputs": [{"id": "early-input", "property": "n_clicks", "value": 1}], "state": [],
            "changedPropIds": ["early-input.n_clicks"]}
    client = app.server.test_client()
    assert client.post("/_dash-update-component", json=body).status_code == 200
    assert seen == [1, 0] and limit.busy == 0
    release_callback_slot()  # outside a request: nothing to do


def test_a_browser_alone_is_never_refused():
    assert InflightLimit(1).protected == 5 and InflightLimit(2).protected == 4 and InflightLimit(8).protected == 0


def test_no_limit_when_switched_off(store):
    app = create_app(store, config=Config(max_inflight=0))
    assert "conflict_map_inflight" not in app.server.extensions


@pytest.fixture
def slow_server(store):
    """A real threaded server whose extra callback takes SLOW_SECONDS; 2 slots, 2 queued, 0.2 s wait."""
    app = create_app(store, config=Config(max_inflight=2, max_queued=2, queue_wait_ms=200))

    @app.callback(Output("slow-output", "children"), Input("slow-input", "n_clicks"))
    def _slow(clicks):
        time.sleep(SLOW_SECONDS)
        return str(clicks)

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_burst_gets_quick_503s_and_the_server_recovers(slow_server):
    body = {"output": "slow-output.children", "outputs": {"id": "slow-output", "property": "children"},
            "inputs": [{"id": "slow-input", "property": "n_clicks", "value": 1}], "state": [],
            "changedPropIds": ["slow-input.n_clicks"]}

    def call() -> tuple[int, float, str | None]:
        started = time.perf_counter()
        request = urllib.request.Request(f"{slow_server}/_dash-update-component", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
        return status, time.perf_counter() - started, headers.get("Retry-After")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda _: call(), range(12)))
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 2, "the slots were used"
    refused = [(took, retry) for status, took, retry in results if status == 503]
    assert len(refused) >= 6, statuses
    assert all(retry == "1" for _, retry in refused)
    # Refused at once or after the 0.2 s queue wait: well before the slow callback would have finished twice.
    assert max(took for took, _ in refused) < SLOW_SECONDS * 2, refused
    # The page is served during a burst and every callback again once it is over.
    with urllib.request.urlopen(slow_server + "/", timeout=10) as page:
        assert page.status == 200
    assert [call()[0] for _ in range(3)] == [200, 200, 200]
