"""Two of Dash's scripts replaced by lighter ones at the same addresses (built by ``tools/page_scripts``).

Why: before the first map or timeline can be drawn the browser parses and runs every script of the page.
- plotly.js (4.8 MB) becomes a partial bundle (``vendor/plotly.min.js``, ~3 MB): plotly's core, scatter,
  bar and the three MapLibre traces, the trace types the dashboard draws. Served only while it is the
  same plotly.js version as the Python plotly's (``vendor/bundle.json`` says which); otherwise Dash's full
  file, with a warning, so an upgrade of plotly never runs figures against an older plotly.js.
- @babel/polyfill (core-js for old browsers) becomes regenerator-runtime, the one part Dash's compiled
  scripts use. core-js also replaced working built-ins such as ``String.prototype.trim`` with slower
  script that every redraw called. The app needs WebGL 2 (MapLibre), so no browser it runs in lacks what
  core-js added.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request, send_file

VENDOR = Path(__file__).resolve().parent / "vendor"
#: Where Dash's component suites are served, below the app's routes prefix.
SUITES = "_dash-component-suites/"
PLOTLY = "plotly/package_data/plotly.min.js"
POLYFILL = "dash/deps/polyfill@7.12.1.min.js"

log = logging.getLogger(__name__)


def bundle_manifest() -> dict:
    """The vendored scripts' versions and the partial bundle's trace types (tools/page_scripts/build.js)."""
    return json.loads((VENDOR / "bundle.json").read_text())


def plotly_js_version() -> str:
    """The plotly.js version the Python plotly package was built for (its figures' schema)."""
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def replacements() -> dict[str, Path]:
    """Dash's script (path below the suites) -> the file served instead."""
    served = {POLYFILL: VENDOR / "regenerator-runtime.js"}
    bundled, expected = bundle_manifest()["plotly.js"], plotly_js_version()
    if bundled == expected:
        served[PLOTLY] = VENDOR / "plotly.min.js"
    else:
        log.warning("plotly.js partial bundle is %s, plotly needs %s: serving the full plotly.js "
                    "(rebuild with tools/page_scripts/build.js)", bundled, expected)
    return served


def serve_vendored_scripts(app: Dash) -> dict[str, Path]:
    """Serve :func:`replacements` for ``app``; returns them. Register after the authentication check:
    it answers before Dash's route."""
    served = replacements()
    prefix = (app.config.routes_pathname_prefix or "/") + SUITES

    @app.server.before_request
    def _vendored() -> Response | None:
        if not request.path.startswith(prefix) or request.method not in ("GET", "HEAD"):
            return None
        script = served.get(check_fingerprint(request.path[len(prefix):])[0])
        if script is None:
            return None
        # An ETag of the file, not Dash's year-long cache: a rebuilt file keeps the package's fingerprint.
        return send_file(script, mimetype="application/javascript", conditional=True, etag=True, max_age=0)

    return served
