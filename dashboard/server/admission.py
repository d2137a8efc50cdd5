"""Admission of callback requests: a bounded number computed at once per process, a short queue,
then a quick ``503`` — counted only once a request's body has fully arrived.

Stock Dash computes every callback request it is sent, however many arrive
at once: under overload every answer slows down together until clients
time out. Here each process computes at most a few callbacks at a time
(:class:`InflightLimit`); a request finding no free slot waits in a short
bounded queue, and beyond that is refused at once with ``503`` and
``Retry-After`` by a WSGI middleware in front of Flask (:class:`Admission`).

Why the body first: a client trickling its body at a byte a second would
otherwise hold a slot while the server waits for it, and four such clients
starve every other user. :class:`Admission` reads the whole body (bounded
in size, and in the pause allowed between two pieces of it) before it asks
for a slot. Callbacks with their own lane (exports, see
:func:`use_own_lane`) take no slot at all; their own bounded queue is in
:mod:`dashboard.export.service`.
"""
from __future__ import annotations

import io
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable

from flask import has_request_context, request

from dashboard.server.headers import ERROR_HEADERS
from dashboard.server.validation import parse_body

log = logging.getLogger(__name__)

CALLBACK_PATH = "_dash-update-component"


#: Requests a browser sends at once to one host over HTTP/1.1.
BROWSER_CONNECTIONS = 6


class InflightLimit:
    """A per-process bound on callback requests being computed at once, with a short, managed queue.

    Why: callbacks are CPU-bound and hold the GIL, so computing more of them
    at once in one process gains no throughput and makes every one slower;
    and a queue that only grows turns overload into timeouts for everyone.

    A request takes a slot if one is free. Otherwise it waits in the queue,
    unless the queue is full (``max_queued``) or *standing*: as in CoDel,
    the queue is judged by the shortest wait of the requests that got a slot
    in the last ``interval`` seconds. Bursts (several users' page loads at
    once) drain, some request gets a slot at once and that shortest wait
    stays near zero; under sustained overload even the shortest wait
    exceeds ``target``, and then the surplus beyond ``protected`` waiting
    requests is refused at once, in milliseconds, so the queue stays short.
    ``protected`` defaults to what one browser can queue by itself (it sends
    at most six requests at once to a host, less those that take a slot), so
    a user alone is never refused, however slow the callbacks. ``wait`` is only a
    safety net (a slot held for ever). Thread-safe.

    Parameters
    ----------
    limit
        slots (requests computed at once); must be at least 1.
    max_queued
        most requests waiting for a slot; 0 refuses whenever every slot is taken.
    wait
        longest wait for a slot, in seconds (0: never wait).
    target
        shortest wait, in seconds, above which the queue counts as standing (0: never).
    interval
        seconds over which that shortest wait is taken.
    protected
        requests always let into the queue (up to ``max_queued``), standing or not;
        default ``BROWSER_CONNECTIONS - limit``.
    """

    def __init__(self, limit: int, max_queued: int = 0, wait: float = 0.0, *, target: float = 0.0,
                 interval: float = 0.5, protected: int | None = None,
                 clock: Callable[[], float] = time.monotonic):
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit, self.max_queued, self.wait = limit, max_queued, wait
        self.target, self.interval, self._clock = target, interval, clock
        self.protected = max(0, BROWSER_CONNECTIONS - limit) if protected is None else protected
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._waiting = 0
        self._busy = 0
        self._window_start = clock()
        self._window_min = math.inf
        self._standing = False
        self.refused = 0
        self._refused_since_log = 0
        self._last_log = -math.inf

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return self._waiting

    @property
    def busy(self) -> int:
        """Slots taken now."""
        return self._busy

    @property
    def standing(self) -> bool:
        """Whether the queue counted as standing at the end of the last interval (new arrivals refused)."""
        return self._standing

    def _roll(self, now: float) -> None:
        # Under the lock. An interval in which no request got a slot says nothing: not standing.
        if now - self._window_start >= self.interval:
            self._standing = self.target > 0 and self._window_min != math.inf and self._window_min > self.target
            self._window_start, self._window_min = now, math.inf

    def acquire(self) -> bool:
        """Take a slot (after waiting in the queue if need be); False if the request must be refused."""
        arrived = self._clock()
        taken = self._slots.acquire(blocking=False)
        if not taken and self.wait > 0:
            with self._lock:
                self._roll(arrived)
                queued = self._waiting < self.max_queued and (
                    self._waiting < self.protected or not self._standing)
                self._waiting += queued
            if queued:
                try:
                    # The deadline is the injected clock's (tests move theirs by hand); the wait itself is real.
                    deadline = arrived + self.wait
                    while not taken and (left := deadline - self._clock()) > 0:
                        taken = self._slots.acquire(timeout=left)
                finally:
                    with self._lock:
                        self._waiting -= 1
        with self._lock:
            if taken:
                self._busy += 1
                now = self._clock()
                self._roll(now)
                self._window_min = min(self._window_min, now - arrived)
            else:
                self.refused += 1
                self._refused_since_log += 1
        if not taken:
            self._log_refusals()
        return taken

    def release(self) -> None:
        """Give back a slot taken by :meth:`acquire`."""
        with self._lock:
            self._busy -= 1
        self._slots.release()

    def _log_refusals(self, every: float = 10.0) -> None:
        # One warning per interval, not one per refusal: logging must not add to the overload.
        now = self._clock()
        with self._lock:
            if now - self._last_log < every:
                return
            count, self._refused_since_log, self._last_log = self._refused_since_log, 0, now
        log.warning("overload: refused %d callback request(s) (busy %d/%d, %d waiting%s); answered 503",
                    count, self._busy, self.limit, self._waiting, ", queue standing" if self._standing else "")


#: Seconds a refused client is told to wait before retrying.
RETRY_AFTER_SECONDS = 1
_BUSY_BODY = b'{"error": "server busy: too many requests at once; retry in a moment"}\n'
_BUSY_HEADERS = [
    ("Content-Type", "application/json"), ("Content-Length", str(len(_BUSY_BODY))),
    ("Retry-After", str(RETRY_AFTER_SECONDS)), *ERROR_HEADERS,
]

#: Where :func:`install_security` keeps the limiter (``server.extensions``) and a request its slot (the WSGI environ).
LIMIT_KEY = "conflict_map_inflight"
SLOT_KEY = "conflict_map.slot"
#: The body :class:`Admission` read (the WSGI environ) and the callbacks with their own lane (``server.extensions``).
RAW_KEY = "conflict_map.body"
OWN_LANE_KEY = "conflict_map_own_lane"


class Admission:
    """WSGI middleware in front of Flask: read a callback request's body, then take a slot or answer 503.

    Why in front of Flask: under overload most requests are refused, and a
    refusal must cost next to nothing (no request context, no hooks, a
    fixed body), or refusing becomes the new bottleneck. The body is read
    first (at most ``max_bytes``; a client pausing longer than
    ``body_timeout`` seconds gets a 408), so a slow client holds a thread
    but never a slot. A body naming a callback in ``own_lane`` (exports)
    takes no slot. The page, assets and every other request pass untouched.
    The slot is given back when the app has produced the response (or
    earlier, through :func:`release_callback_slot`).
    """

    def __init__(self, app: Callable, limit: InflightLimit | None, path_suffix: str = CALLBACK_PATH, *,
                 max_bytes: int = 2_000_000, body_timeout: float = 10.0, own_lane: set[str] | None = None):
        self.app, self.limit, self.path_suffix = app, limit, path_suffix
        self.max_bytes, self.body_timeout = max_bytes, body_timeout
        self.own_lane = own_lane if own_lane is not None else set()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not environ.get("PATH_INFO", "").endswith(self.path_suffix):
            return self.app(environ, start_response)
        problem = read_body(environ, self.max_bytes, self.body_timeout)
        if problem is not None:
            return _answer(start_response, *problem)
        if self.limit is None or self._in_own_lane(environ):
            return self.app(environ, start_response)
        if not self.limit.acquire():
            start_response("503 Service Unavailable", list(_BUSY_HEADERS))
            return [_BUSY_BODY]
        environ[SLOT_KEY] = self.limit
        try:
            return self.app(environ, start_response)
        finally:
            release_slot(environ)

    def _in_own_lane(self, environ: dict) -> bool:
        if not self.own_lane:
            return False
        body, _ = parse_body(environ[RAW_KEY])
        output = body.get("output") if isinstance(body, dict) else None
        return isinstance(output, str) and output in self.own_lane


def read_body(environ: dict, max_bytes: int, timeout: float) -> tuple[str, bytes] | None:
    """Read the request body into memory (``environ[RAW_KEY]`` and a fresh ``wsgi.input``).

    Returns ``(status, message)`` for a body too large or too slow, else None.
    Under gunicorn the socket gets ``timeout`` for every read meanwhile.
    """
    length = environ.get("CONTENT_LENGTH") or ""
    declared = int(length) if length.isdigit() else None
    if declared is not None and declared > max_bytes:
        return "413 Request Entity Too Large", b"request too large"
    sock = environ.get("gunicorn.socket")
    old = sock.gettimeout() if sock is not None else None
    try:
        if sock is not None:
            sock.settimeout(timeout)
        stream = environ["wsgi.input"]
        want = declared if declared is not None else max_bytes + 1
        chunks, got = [], 0
        while got < want:
            chunk = stream.read(min(65536, want - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError:  # socket.timeout included: the client stopped sending
        return "408 Request Timeout", b"the request body did not arrive in time"
    finally:
        if sock is not None:
            try:
                sock.settimeout(old)
            except OSError:
                pass
    raw = b"".join(chunks)
    if len(raw) > max_bytes:
        return "413 Request Entity Too Large", b"request too large"
    environ[RAW_KEY] = raw
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True
    return None


def _answer(start_response: Callable, status: str, message: bytes) -> list[bytes]:
    body = b'{"error": "' + message + b'"}\n'
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            *ERROR_HEADERS, ("Connection", "close")])
    return [body]


def use_own_lane(extensions: dict, output: str) -> None:
    """Let the callback ``output`` (a Dash callback key) skip the slots: it is bounded by its own queue."""
    extensions.setdefault(OWN_LANE_KEY, set()).add(output)


def release_slot(environ: dict) -> None:
    """Give back the slot the request of ``environ`` holds, if it still holds one (idempotent)."""
    limit = environ.pop(SLOT_KEY, None)
    if limit is not None:
        limit.release()


def release_callback_slot() -> None:
    """Give back the current request's slot before the callback returns.

    For a callback that then waits on something other than Python for long
    (a briefing render waits on Chromium): holding the slot meanwhile would
    hold up other users' callbacks. Does nothing outside a request, without
    a limiter, or when the slot was already given back.
    """
    if has_request_context():
        release_slot(request.environ)


