"""HTTP hardening of the Flask server under Dash: headers, size limits, authentication,
overload protection, and short 4xx answers (never a traceback) to malformed callback requests.

Stock Dash answers a malformed ``/_dash-update-component`` body with a 500
and has no request-size limit; here the body is checked against the
registered callbacks before Dash sees it, and errors become short JSON.

Stock Dash also computes every callback request it is sent, however many
arrive at once: under overload every answer slows down together until
clients time out. Here each process computes at most a few callbacks at a
time (:class:`InflightLimit`); a request finding no free slot waits in a
short bounded queue, and beyond that is refused at once with ``503`` and
``Retry-After`` by a WSGI middleware in front of Flask (:class:`Admission`),
so the server keeps answering quickly and recovers as soon as the load
drops. The page and static assets are never limited.
"""
from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from dash import Dash
from flask import Response, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.config import Config

log = logging.getLogger(__name__)

CALLBACK_PATH = "_dash-update-component"
OSM_TILES = "https://tile.openstreetmap.org"
MAX_CALLBACK_ITEMS = 100


def content_security_policy(app: Dash) -> str:
    """Only the app's own origin; inline scripts only by the hashes Dash computes for them."""
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",  # plotly and Dash components set inline styles
        # OpenStreetMap tiles only when the analyst picks that basemap (the UI says it is an outside server).
        f"img-src 'self' data: blob: {OSM_TILES}",
        "font-src 'self' data:",
        f"connect-src 'self' {OSM_TILES}",
        "worker-src 'self' blob:",  # MapLibre's workers
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _ids(items: Any) -> list[tuple[str, str]] | None:
    """(id, property) pairs of a callback's inputs/state, or None if they are malformed."""
    if not isinstance(items, list) or len(items) > MAX_CALLBACK_ITEMS:
        return None
    pairs = []
    for item in items:
        if isinstance(item, list):  # wildcard callbacks send lists of dicts
            nested = _ids(item)
            if nested is None:
                return None
            pairs += nested
            continue
        if not isinstance(item, dict) or not isinstance(item.get("property"), str) or "id" not in item:
            return None
        if not isinstance(item["id"], (str, dict)):
            return None
        pairs.append((str(item["id"]), item["property"]))
    return pairs


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


#: What a value of each kind of property may be (None is always allowed: "not set yet").
PROPERTY_RULES = {
    "n_clicks": lambda v: _is_int(v) and 0 <= v < 10**9,
    "n_intervals": lambda v: _is_int(v) and 0 <= v < 10**9,
    "start_date": lambda v: isinstance(v, str) and len(v) <= 32,
    "end_date": lambda v: isinstance(v, str) and len(v) <= 32,
    "search": lambda v: isinstance(v, str) and len(v) <= 8000,
    "pathname": lambda v: isinstance(v, str) and len(v) <= 2000,
    "disabled": lambda v: isinstance(v, bool),
    "data": lambda v: isinstance(v, (dict, list)) or (isinstance(v, str) and len(v) <= 2000),
    "relayoutData": lambda v: isinstance(v, dict) and len(v) <= 200,
    "clickData": lambda v: isinstance(v, dict),
    "selectedData": lambda v: isinstance(v, dict),
    "hoverData": lambda v: isinstance(v, dict),
    "active_cell": lambda v: isinstance(v, dict),
    "page_current": lambda v: _is_int(v) and 0 <= v < 10**9,
    "page_size": lambda v: _is_int(v) and 0 < v <= 1000,
    "sort_by": lambda v: isinstance(v, list) and len(v) <= 20,
    "contents": lambda v: isinstance(v, str),
    "filename": lambda v: isinstance(v, str) and len(v) <= 500,
    "value": lambda v: (isinstance(v, (str, int, float, bool)) and (not isinstance(v, str) or len(v) <= 2000))
    or (isinstance(v, list) and len(v) <= MAX_CALLBACK_ITEMS * 10
        and all(isinstance(x, (str, int, float)) and (not isinstance(x, str) or len(x) <= 2000) for x in v)),
}


def _declared(items: list) -> list[tuple[str, str]]:
    return [(str(item["id"]), item["property"]) for item in items]


def _values_ok(items: list) -> str | None:
    for item in items:
        if isinstance(item, list):
            reason = _values_ok(item)
            if reason:
                return reason
            continue
        value, prop = item.get("value"), item["property"]
        rule = PROPERTY_RULES.get(prop)
        if value is not None and rule is not None and not rule(value):
            return f"invalid value for {item['id']}.{prop}"
    return None


def check_callback_body(body: Any, callbacks: dict) -> str | None:
    """Why a callback request body is malformed or unknown, or None when it is well-formed."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or len(output) > 2000:
        return "'output' must be a string"
    if output not in callbacks:
        return "no such callback"
    for key in ("inputs", "state"):
        if key in body and _ids(body[key]) is None:
            return f"'{key}' must be a list of {{id, property, value}} objects"
    if "inputs" not in body:
        return "'inputs' is missing"
    expected = callbacks[output]
    if len(body["inputs"]) != len(expected.get("inputs", [])):
        return "wrong number of inputs for this callback"
    if len(body.get("state", [])) != len(expected.get("state", [])):
        return "wrong number of state values for this callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    for key in ("inputs", "state"):
        sent = body.get(key, [])
        if all(isinstance(item, dict) for item in sent) and _ids(sent) != _declared(expected.get(key, [])):
            return f"'{key}' do not match this callback's components"
        reason = _values_ok(sent)
        if reason:
            return reason
    return None


def _problem(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


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
    ("Retry-After", str(RETRY_AFTER_SECONDS)), ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]

#: Where :func:`install_security` keeps the limiter (``server.extensions``) and a request its slot (the WSGI environ).
LIMIT_KEY = "conflict_map_inflight"
SLOT_KEY = "conflict_map.slot"


class Admission:
    """WSGI middleware in front of Flask: a callback request takes a slot of ``limit`` or gets a 503.

    Why in front of Flask: under overload most requests are refused, and a
    refusal must cost next to nothing (no request context, no hooks, a
    fixed body), or refusing becomes the new bottleneck: every step of a
    refusal waits for the GIL that the callbacks being computed hold. The
    page, assets and every other request pass untouched. The slot is given
    back when the app has produced the response (or earlier, through
    :func:`release_callback_slot`).
    """

    def __init__(self, app: Callable, limit: InflightLimit, path_suffix: str = CALLBACK_PATH):
        self.app, self.limit, self.path_suffix = app, limit, path_suffix

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not environ.get("PATH_INFO", "").endswith(self.path_suffix):
            return self.app(environ, start_response)
        if not self.limit.acquire():
            start_response("503 Service Unavailable", list(_BUSY_HEADERS))
            return [_BUSY_BODY]
        environ[SLOT_KEY] = self.limit
        try:
            return self.app(environ, start_response)
        finally:
            release_slot(environ)


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


def _is_callback() -> bool:
    return request.method == "POST" and request.path.endswith(CALLBACK_PATH)


def install_security(app: Dash, config: Config, *, max_request_bytes: int | None = None) -> None:
    """Attach limits, authentication, header and error handling to ``app.server``.

    ``max_request_bytes`` overrides the configured body limit for this app
    (the import page accepts uploads larger than any callback needs).
    """
    server = app.server
    body_limit = max_request_bytes or config.max_request_bytes
    server.config["MAX_CONTENT_LENGTH"] = body_limit
    policy: dict[str, str] = {}

    @server.before_request
    def _authenticate():
        if config.auth == "basic":
            given = request.authorization
            ok = (given is not None and given.type == "basic"
                  and hmac.compare_digest((given.username or "").encode(), (config.user or "").encode())
                  and hmac.compare_digest((given.password or "").encode(), (config.password or "").encode()))
            if not ok:
                response = _problem(401, "authentication required")
                response.headers["WWW-Authenticate"] = 'Basic realm="conflict-map", charset="UTF-8"'
                return response
        elif config.auth == "header" and not request.headers.get(config.auth_header):
            return _problem(401, "authentication required (through the reverse proxy)")
        return None

    if config.max_inflight > 0:
        inflight = InflightLimit(config.max_inflight, config.max_queued, config.queue_wait_ms / 1000,
                                 target=config.queue_target_ms / 1000)
        server.extensions[LIMIT_KEY] = inflight
        server.wsgi_app = Admission(server.wsgi_app, inflight)

    @server.before_request
    def _check_callback():
        if not _is_callback():
            return None
        if request.content_length is not None and request.content_length > body_limit:
            return _problem(413, "request too large")
        body = request.get_json(silent=True)
        reason = check_callback_body(body, app.callback_map)
        if reason:
            return _problem(400, f"malformed callback request: {reason}")
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        if "csp" not in policy:
            policy["csp"] = content_security_policy(app)
        response.headers.setdefault("Content-Security-Policy", policy["csp"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response

    @server.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _problem(error.code or 400, error.description or error.name)

    @server.errorhandler(Exception)
    def _unexpected(error: Exception):
        # Logged in full for the operator; the client gets one line and no traceback.
        log.exception("unhandled error on %s", request.path)
        if request.path.endswith(CALLBACK_PATH) and isinstance(error, (KeyError, TypeError, ValueError, IndexError)):
            return _problem(400, "malformed callback request")
        return _problem(500, "internal error; the server log has details")
