"""Slow clients against the real deployment: gunicorn with the shipped gunicorn.conf.py, alone and behind the
shipped nginx (deploy/nginx/), on free loopback ports.

What a user sees while attackers trickle bytes: a map update still answers within a second or two, the
page still loads. Without the proxy the app reads a body before it takes a callback slot, so four
bodies trickled at a byte a second hold no slot; behind nginx, gunicorn never sees a slow client at all.
"""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from hostile_support import MAP, callback_body, http, import_colombia, start_gunicorn, start_nginx, stop

from dashboard.app import create_app
from geodata import IncidentStore

pytestmark = pytest.mark.slow

#: How long an attack runs, and the longest a normal map update may take meanwhile.
ATTACK_SECONDS = 8.0
FAST_ENOUGH = 2.5
#: The app's own limit on a pause in a request body (CONFLICT_MAP_BODY_TIMEOUT), short for the test.
BODY_TIMEOUT = 3


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """(gunicorn's URL, nginx's URL, the map body) over a dataset in Colombia; both stopped afterwards."""
    root = tmp_path_factory.mktemp("proxy")
    catalog = import_colombia(root / "data", 400)
    body = callback_body(create_app(IncidentStore(catalog.load("antioquia"))).callback_map, MAP)
    gunicorn, app_url = start_gunicorn(root / "data", root / "gunicorn.log", workers=2,
                                       CONFLICT_MAP_BODY_TIMEOUT=str(BODY_TIMEOUT))
    try:
        nginx, proxy_url = start_nginx(root / "nginx", app_url.removeprefix("http://"))
        try:
            yield app_url, proxy_url, json.dumps(body).encode()
        finally:
            stop(nginx)
    finally:
        stop(gunicorn)


class Trickler:
    """Connections that send a request a byte at a time (``every`` seconds), until stopped."""

    def __init__(self, url: str, head: bytes, rest: bytes, connections: int, every: float = 1.0):
        host, port = url.removeprefix("http://").split(":")
        self.sockets = [socket.create_connection((host, int(port))) for _ in range(connections)]
        self.head, self.rest, self.every = head, rest, every
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(s,), daemon=True) for s in self.sockets]

    def _run(self, sock: socket.socket) -> None:
        try:
            sock.sendall(self.head)
            for byte in self.rest:
                if self.done.wait(self.every):
                    return
                sock.sendall(bytes([byte]))
        except OSError:
            pass  # dropped by the server: what a timeout should do

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1.5)  # every connection has sent its first bytes and holds whatever it can
        return self

    def __exit__(self, *exc):
        self.done.set()
        for sock in self.sockets:
            sock.close()


def slow_bodies(url: str, body: bytes, connections: int = 4) -> Trickler:
    head = (f"POST /datasets/antioquia/_dash-update-component HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body[:1]
    return Trickler(url, head, body[1:], connections)


def slow_headers(url: str, connections: int = 30) -> Trickler:
    return Trickler(url, b"GET /datasets/antioquia/ HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200 + b"\r\n\r\n",
                    connections, every=1.0)


def map_update_seconds(url: str, body: bytes) -> float:
    """Seconds a normal map update takes (it must succeed)."""
    started = time.perf_counter()
    status, _, data = http(url + "/datasets/antioquia/_dash-update-component", body, timeout=30)
    elapsed = time.perf_counter() - started
    assert status == 200 and b"incident-map" in data, (status, data[:200])
    return elapsed


def during(attack: Trickler, url: str, body: bytes) -> list[float]:
    """Map-update latencies measured while ``attack`` runs (for ATTACK_SECONDS)."""
    times = []
    with attack:
        end = time.monotonic() + ATTACK_SECONDS
        while time.monotonic() < end:
            times.append(map_update_seconds(url, body))
            time.sleep(0.5)
    return times


def test_slow_bodies_hold_no_callback_slot_even_without_the_proxy(deployment):
    app_url, _, body = deployment
    quiet = map_update_seconds(app_url, body)
    times = during(slow_bodies(app_url, body, 4), app_url, body)
    print(f"\ngunicorn alone, 4 bodies at 1 byte/s: map update {max(times):.2f} s at worst "
          f"({len(times)} updates; {quiet:.2f} s without the attack)")
    assert max(times) < FAST_ENOUGH


def test_behind_the_proxy_slow_bodies_and_slow_headers_starve_no_one(deployment):
    _, proxy_url, body = deployment
    quiet = map_update_seconds(proxy_url, body)
    with slow_headers(proxy_url, 30):
        times = during(slow_bodies(proxy_url, body, 4), proxy_url, body)
        status, headers, page = http(proxy_url + "/datasets/antioquia/", timeout=10)
        assert status == 200 and b"dash_renderer" in page, page[:200]
        assert headers["X-Frame-Options"] == "DENY" and "nginx/" not in headers.get("Server", "")
    print(f"\nbehind nginx, 4 bodies at 1 byte/s and 30 slow headers: map update {max(times):.2f} s at worst "
          f"({len(times)} updates; {quiet:.2f} s without the attack)")
    assert max(times) < FAST_ENOUGH


def test_the_proxy_drops_a_client_that_stops_sending(deployment):
    _, proxy_url, _ = deployment
    answer, waited = stalled_body(proxy_url)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert 8 <= waited < 20, f"dropped after {waited:.1f} s (client_body_timeout is 10 s)"


def stalled_body(url: str, timeout: float = 30) -> tuple[bytes, float]:
    """(what the server answered, seconds it waited) to a client that sends one byte of its body and stops."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /datasets/antioquia/_dash-update-component HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
        sock.settimeout(timeout)
        started = time.monotonic()
        chunks = []
        try:
            while chunk := sock.recv(4096):
                chunks.append(chunk)
        except ConnectionResetError:  # reset_timedout_connection: dropped without a goodbye
            pass
        return b"".join(chunks), time.monotonic() - started


def test_without_the_proxy_the_app_drops_a_body_that_stops(deployment):
    app_url, _, _ = deployment
    answer, waited = stalled_body(app_url)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"X-Frame-Options: DENY" in answer and b"Cache-Control: no-store" in answer
    assert BODY_TIMEOUT <= waited < BODY_TIMEOUT + 3
