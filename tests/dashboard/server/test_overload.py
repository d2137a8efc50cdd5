"""Overload protection: a bounded number of callbacks computed at once, a short queue, then a quick 503.

What a user (or a load balancer) sees: under a burst the server keeps
answering, the surplus gets ``503`` with ``Retry-After`` in milliseconds
rather than waiting for a timeout, the page and assets are never refused,
and once the burst is over everything is served again.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from dash import Input, Output
from test_security import outputs_of

from dashboard.app import create_app
from dashboard.config import Config
from dashboard.server.security import InflightLimit, release_callback_slot

#: Longest a held callback keeps its slot if the test never lets go (a safety net: the tests let go).
HOLD_SECONDS = 10


# ------------------------------------------------------------------ the limiter alone
class FakeClock:
    """A clock the test moves by hand (the limiter judges waits by it; the threads still block for real)."""

    def __init__(self):
        self.now = 0.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until(predicate, timeout: float = 5.0) -> bool:
    """Poll until ``predicate()`` holds: only to meet another thread, never to let time pass for the limiter."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def refused_at_once(limit: InflightLimit) -> bool:
    """Whether ``limit.acquire()`` says no without waiting, while the fake clock stands still.

    In a thread, so that a request wrongly queued (which a clock that stands still never times out)
    fails the test instead of hanging it.
    """
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(limit.acquire()), daemon=True)
    thread.start()
    thread.join(5)
    return result == [False]


def _start_waiter(limit: InflightLimit, results: list[bool]) -> threading.Thread:
    before = limit.waiting
    thread = threading.Thread(target=lambda: results.append(limit.acquire()))
    thread.start()
    wait_until(lambda: limit.waiting != before)
    assert limit.waiting == before + 1
    return thread


def test_slots_then_refusal_without_a_queue():
    limit = InflightLimit(2, clock=FakeClock())
    assert limit.acquire() and limit.acquire()
    assert limit.busy == 2
    assert refused_at_once(limit), "a refusal must not wait"
    assert limit.refused == 1
    limit.release()
    assert limit.acquire()


def test_a_queued_request_gets_the_next_free_slot():
    limit = InflightLimit(1, max_queued=1, wait=5.0, clock=FakeClock())  # the clock stands still: no wait runs out
    assert limit.acquire()
    got: list[bool] = []
    waiter = _start_waiter(limit, got)
    assert limit.waiting == 1
    limit.release()
    waiter.join(5)
    assert got == [True] and limit.waiting == 0 and limit.busy == 1


def test_a_full_queue_refuses_at_once_and_a_wait_is_bounded():
    clock = FakeClock()
    limit = InflightLimit(1, max_queued=1, wait=0.3, clock=clock)
    assert limit.acquire()
    results: list[tuple[bool, float]] = []

    def timed_acquire():
        arrived = clock.now
        results.append((limit.acquire(), clock.now - arrived))

    waiter = threading.Thread(target=timed_acquire)
    waiter.start()
    assert wait_until(lambda: limit.waiting == 1)
    assert refused_at_once(limit), "the queue is full: refused at once"
    clock.advance(0.29)
    reads = clock.reads
    assert wait_until(lambda: clock.reads >= reads + 2), "a queued request judges its wait by the clock"
    assert waiter.is_alive() and limit.waiting == 1, "not given up before its 0.3 s"
    clock.advance(0.02)
    waiter.join(5)
    [(queued_ok, queued_wait)] = results
    assert not queued_ok and 0.3 <= queued_wait < 2.0  # waited its 0.3 s (and not for ever)
    assert limit.refused == 2 and limit.waiting == 0


def test_refusals_are_logged_at_most_once_per_ten_seconds_of_the_clock(caplog):
    clock = FakeClock()
    limit = InflightLimit(1, clock=clock)
    assert limit.acquire()
    with caplog.at_level(logging.WARNING, logger="dashboard.server.security"):
        for _ in range(3):
            assert not limit.acquire()
        clock.advance(9.9)
        assert not limit.acquire()
        clock.advance(0.1)
        assert not limit.acquire()
    logged = [record.getMessage() for record in caplog.records if "overload" in record.getMessage()]
    assert len(logged) == 2 and "refused 1 " in logged[0] and "refused 4 " in logged[1], logged


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
    assert refused_at_once(limit), "beyond the protected place, a standing queue refuses at once"

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
def held_server(store, serve):
    """A real threaded server whose extra callback holds its slot until the test sets ``let_go``; 2 slots,
    2 queued, 0.2 s wait. Yields (base URL, let_go)."""
    app = create_app(store, config=Config(max_inflight=2, max_queued=2, queue_wait_ms=200))
    let_go = threading.Event()

    @app.callback(Output("slow-output", "children"), Input("slow-input", "n_clicks"))
    def _slow(clicks):
        let_go.wait(HOLD_SECONDS)
        return str(clicks)

    yield serve(app.server), let_go
    let_go.set()


def test_a_burst_gets_quick_503s_and_the_server_recovers(held_server):
    base, let_go = held_server
    body = {"output": "slow-output.children", "outputs": {"id": "slow-output", "property": "children"},
            "inputs": [{"id": "slow-input", "property": "n_clicks", "value": 1}], "state": [],
            "changedPropIds": ["slow-input.n_clicks"]}

    def call() -> tuple[int, str | None]:
        request = urllib.request.Request(f"{base}/_dash-update-component", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=HOLD_SECONDS + 10) as response:
                response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
        return status, headers.get("Retry-After")

    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(call) for _ in range(12)]
        try:
            # Both slots stay taken until the surplus has its answers: refused at once or after the
            # 0.2 s queue wait, never after waiting for a slow callback to finish.
            answered_while_held = wait_until(lambda: sum(future.done() for future in futures) == 10, HOLD_SECONDS)
            early = [future.result() for future in futures if future.done()]
            # The page is served during the burst.
            with urllib.request.urlopen(base + "/", timeout=10) as page:
                assert page.status == 200
        finally:
            let_go.set()
        results = [future.result() for future in futures]
    assert answered_while_held and [status for status, _ in early] == [503] * 10, early
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 2, "the slots were used"
    refused = [retry for status, retry in results if status == 503]
    assert len(refused) >= 6, statuses
    assert all(retry == "1" for retry in refused)
    # Every callback is served again once the burst is over.
    assert [call()[0] for _ in range(3)] == [200, 200, 200]
