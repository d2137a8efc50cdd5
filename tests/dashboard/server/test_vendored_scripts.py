"""The vendored scripts: the partial plotly.js current and complete for the figures the dashboard makes,
regenerator-runtime for babel's polyfill, both served at Dash's addresses."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.server import vendored
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
    manifest = vendored.bundle_manifest()
    assert manifest["plotly.js"] == vendored.plotly_js_version(), "rebuild: tools/page_scripts/build.js"
    head = (vendored.VENDOR / "plotly.min.js").read_text()[:200]
    assert f"plotly.js v{manifest['plotly.js']}" in head


def test_bundle_has_every_trace_type_the_dashboard_draws():
    kinds = _trace_types_in_code()
    assert {"scattermap", "densitymap", "choroplethmap", "bar", "scatter"} <= kinds  # the scan found them
    missing = kinds - set(vendored.bundle_manifest()["traces"])
    assert not missing, f"add {sorted(missing)} to tools/page_scripts/entry.js and rebuild"


@pytest.fixture(scope="module")
def client(store):
    return create_app(store).server.test_client()


def test_app_serves_the_partial_bundle_where_dash_serves_plotly(client):
    bundle = (vendored.VENDOR / "plotly.min.js").read_bytes()
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
    monkeypatch.setattr(vendored, "bundle_manifest", lambda: {"plotly.js": "0.0.1", "traces": []})
    client = create_app(store).server.test_client()
    served = client.get(PATH)
    full = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
    assert served.status_code == 200 and served.data == full.read_bytes()
    assert "serving the full plotly.js" in caplog.text


def test_babel_polyfill_is_replaced_by_the_generator_runtime_alone(client):
    page = client.get("/").data.decode()
    polyfill = next(src for src in re.findall(r'src="([^"]+)"', page) if "polyfill@7" in src)  # Dash's tag
    served = client.get(polyfill)
    assert served.status_code == 200 and served.mimetype == "application/javascript"
    assert served.data == (vendored.VENDOR / "regenerator-runtime.js").read_bytes()
    assert b"regeneratorRuntime" in served.data and b"core-js" not in served.data
    manifest = vendored.bundle_manifest()
    assert f"regenerator-runtime v{manifest['regenerator-runtime']}".encode() in served.data[:200]
    # Dash's own scripts ask for the global it defines.
    renderer = next(src for src in re.findall(r'src="([^"]+)"', page) if "dash_renderer" in src)
    assert b"regeneratorRuntime" in client.get(renderer).data
