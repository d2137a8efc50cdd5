"""The partial plotly.js bundle: current, complete for the figures the dashboard makes, served in Dash's place."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.server import plotlyjs
from tests.support import REPO

PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def _trace_types_in_code() -> set[str]:
    """Every trace type dashboard/ builds: ``plain.trace("kind", ...)`` calls and ``go.<Trace>(...)`` objects."""
    kinds = set()
    for path in (REPO / "dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "plain" and node.func.attr == "trace":
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: trace kind not a literal"
                kinds.add(first.value)
            elif isinstance(owner, ast.Name) and owner.id == "go" and node.func.attr not in ("Figure", "Layout"):
                kinds.add(node.func.attr.lower())
    return kinds


def test_bundle_is_the_version_plotly_draws_with():
    manifest = plotlyjs.bundle_manifest()
    assert manifest["plotly.js"] == plotlyjs.plotly_js_version(), "rebuild: tools/plotly_bundle/build.js"
    head = (plotlyjs.BUNDLE / "plotly.min.js").read_text()[:200]
    assert f"plotly.js v{manifest['plotly.js']}" in head


def test_bundle_has_every_trace_type_the_dashboard_draws():
    kinds = _trace_types_in_code()
    assert {"scattermap", "densitymap", "choroplethmap", "bar", "scatter"} <= kinds  # the scan found them
    missing = kinds - set(plotlyjs.bundle_manifest()["traces"])
    assert not missing, f"add {sorted(missing)} to tools/plotly_bundle/entry.js and rebuild"


@pytest.fixture(scope="module")
def client(store):
    return create_app(store).server.test_client()


def test_app_serves_the_partial_bundle_where_dash_serves_plotly(client):
    bundle = (plotlyjs.BUNDLE / "plotly.min.js").read_bytes()
    plain = client.get(PATH)
    assert plain.status_code == 200 and plain.data == bundle
    assert plain.mimetype == "application/javascript"
    fingerprinted = client.get(PATH.replace("plotly.min.js", "plotly.v7_1_0m1700000000.min.js"))
    assert fingerprinted.data == bundle
    again = client.get(PATH, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    # Security headers still apply; other files of the suite are Dash's.
    assert "Content-Security-Policy" in plain.headers
    full = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
    assert len(full.read_bytes()) > len(bundle) * 1.4


def test_a_bundle_of_another_version_is_not_served(store, monkeypatch, caplog):
    monkeypatch.setattr(plotlyjs, "bundle_manifest", lambda: {"plotly.js": "0.0.1", "traces": []})
    client = create_app(store).server.test_client()
    served = client.get(PATH)
    full = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
    assert served.status_code == 200 and served.data == full.read_bytes()
    assert "serving the full plotly.js" in caplog.text
