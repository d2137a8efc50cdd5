"""plotly.js with only the trace types the dashboard draws, served where Dash serves the full file.

Why: the browser parses and runs all of plotly.js (4.8 MB) before it can draw the first map or timeline;
the partial bundle (``plotly_bundle/plotly.min.js``, ~3 MB, built by ``tools/plotly_bundle``) has plotly's
core, scatter, bar and the three MapLibre traces, and starts ~40 % sooner. It is served only while it is
the same plotly.js version as the Python plotly's (``bundle.json`` says which); otherwise Dash's full file
is served, with a warning, so an upgrade of plotly never runs figures against an older plotly.js.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request, send_file

BUNDLE = Path(__file__).resolve().parent / "plotly_bundle"
#: Where Dash's component suites serve plotly.js, below the app's routes prefix.
DASH_PATH = "_dash-component-suites/plotly/"
DASH_FILE = "package_data/plotly.min.js"

log = logging.getLogger(__name__)


def bundle_manifest() -> dict:
    """The partial bundle's plotly.js version and trace types (written by tools/plotly_bundle/build.js)."""
    return json.loads((BUNDLE / "bundle.json").read_text())


def plotly_js_version() -> str:
    """The plotly.js version the Python plotly package was built for (its figures' schema)."""
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def serve_plotly_bundle(app: Dash) -> bool:
    """Serve the partial bundle in place of Dash's plotly.js for ``app``; False (full file kept) on a
    version mismatch. Register after the authentication check: it answers before Dash's route."""
    bundled, expected = bundle_manifest()["plotly.js"], plotly_js_version()
    if bundled != expected:
        log.warning("plotly.js partial bundle is %s, plotly needs %s: serving the full plotly.js "
                    "(rebuild with tools/plotly_bundle/build.js)", bundled, expected)
        return False
    prefix = (app.config.routes_pathname_prefix or "/") + DASH_PATH
    script = BUNDLE / "plotly.min.js"

    @app.server.before_request
    def _partial_plotly() -> Response | None:
        if not request.path.startswith(prefix) or request.method not in ("GET", "HEAD"):
            return None
        path, _ = check_fingerprint(request.path[len(prefix):])
        if path != DASH_FILE:
            return None
        # An ETag of the file, not Dash's year-long cache: a rebuilt bundle keeps the version's fingerprint.
        return send_file(script, mimetype="application/javascript", conditional=True, etag=True, max_age=0)

    return True
