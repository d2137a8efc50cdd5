"""HTTP hardening of the Flask server under Dash: headers, size limits, authentication,
admission, and short answers (never a traceback, never a file path) to bad requests.

Stock Dash answers a malformed ``/_dash-update-component`` body with a 500
and has no request-size limit; here the body is checked against the
registered callbacks before Dash sees it (:mod:`.validation`) and a bad one
gets a short 400. Once a body has passed, an exception in the callback is
the server's fault: a 500 with one line, the traceback only in the log.
Authentication is :mod:`.auth`'s; admission (bounded callbacks at once,
counted once the body is in) is :mod:`.admission`'s.
"""
from __future__ import annotations

import logging

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.config import Config
from dashboard.server.admission import (  # noqa: F401 (re-exported: callers and tests import them from here)
    CALLBACK_PATH,
    LIMIT_KEY,
    OWN_LANE_KEY,
    RAW_KEY,
    Admission,
    InflightLimit,
    release_callback_slot,
    release_slot,
)
from dashboard.server.auth import refusal
from dashboard.server.headers import SECURITY_HEADERS, STRICT_CSP  # noqa: F401 (STRICT_CSP re-exported)
from dashboard.server.validation import check_callback_body, parse_body

log = logging.getLogger(__name__)

OSM_TILES = "https://tile.openstreetmap.org"
#: Where :func:`install_security` keeps the app's config (``server.extensions``), for callbacks that need it.
CONFIG_KEY = "conflict_map_config"

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


def _problem(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _is_callback() -> bool:
    return request.method == "POST" and request.path.endswith(CALLBACK_PATH)


def _private(response: Response) -> bool:
    """Whether an answer carries data to be kept out of every cache (callback answers, downloads)."""
    return _is_callback() or response.headers.get("Content-Disposition", "").startswith("attachment") \
        or response.mimetype in ("text/csv", "application/geo+json")


def install_security(app: Dash, config: Config, *, max_request_bytes: int | None = None) -> None:
    """Attach limits, authentication, header and error handling to ``app.server``.

    ``max_request_bytes`` overrides the configured body limit for this app
    (the import page accepts uploads larger than any callback needs).
    """
    server = app.server
    body_limit = max_request_bytes or config.max_request_bytes
    server.config["MAX_CONTENT_LENGTH"] = body_limit
    server.extensions[CONFIG_KEY] = config
    policy: dict[str, str] = {}

    @server.before_request
    def _authenticate():
        refused = refusal(request.environ, config)
        if refused is None:
            return None
        response = _problem(401, refused[0])
        response.headers.update(refused[1])
        return response

    inflight = None
    if config.max_inflight > 0:
        inflight = InflightLimit(config.max_inflight, config.max_queued, config.queue_wait_ms / 1000,
                                 target=config.queue_target_ms / 1000)
        server.extensions[LIMIT_KEY] = inflight
    # Always in front: it reads the body before anything waits on it (with or without slots).
    server.wsgi_app = Admission(server.wsgi_app, inflight, max_bytes=body_limit, body_timeout=config.body_timeout,
                                own_lane=server.extensions.setdefault(OWN_LANE_KEY, set()))

    @server.before_request
    def _check_callback():
        if not _is_callback():
            return None
        if request.content_length is not None and request.content_length > body_limit:
            return _problem(413, "request too large")
        raw = request.environ.get(RAW_KEY)
        body, reason = parse_body(raw if isinstance(raw, bytes) else request.get_data(cache=True))
        reason = reason or check_callback_body(body, app.callback_map)
        if reason:
            return _problem(400, f"malformed callback request: {reason}")
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        if "csp" not in policy:
            policy["csp"] = content_security_policy(app)
        response.headers.setdefault("Content-Security-Policy", policy["csp"])
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        if _private(response):
            response.headers["Cache-Control"] = "no-store"
        return response

    @server.errorhandler(DependencyException)
    def _no_such_script(_error: DependencyException):
        # An unknown /_dash-component-suites/ package or file: not found, whatever Dash thinks.
        return _problem(404, "no such script")

    @server.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _problem(error.code or 400, error.description or error.name)

    @server.errorhandler(Exception)
    def _unexpected(_error: Exception):
        # Every body reaching a callback passed validation: an exception now is the server's bug, not the
        # client's. Logged in full for the operator; the client gets one line, no traceback, no path.
        log.exception("unhandled error on %s", request.path)
        return _problem(500, "internal error; the server log has details")
