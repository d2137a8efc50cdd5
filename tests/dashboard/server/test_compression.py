"""Responses travel compressed when the browser accepts it, and decompress to the same answer."""
from __future__ import annotations

import gzip
import json

import pytest
from backports import zstd
from test_security import outputs_of

from dashboard.app import create_app
from geodata import FilterState


@pytest.fixture(scope="module")
def client(store):
    return create_app(store).server.test_client()


def map_request(client, store, encoding: str | None):
    spec = next(d for d in json.loads(client.get("/_dash-dependencies").data) if "incident-map.figure" in d["output"])
    state = FilterState.default(store.date_range()).to_dict()
    body = {"output": spec["output"], "outputs": outputs_of(spec["output"]),
            "inputs": [{**i, "value": state if i["id"] == "filter-state" else None} for i in spec["inputs"]],
            "state": [{**i, "value": None} for i in spec.get("state", [])], "changedPropIds": ["filter-state.data"]}
    headers = {"Accept-Encoding": encoding} if encoding else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


def test_callback_answers_are_compressed_and_equal(client, store):
    plain = map_request(client, store, None)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for encoding, decompress in (("gzip", gzip.decompress), ("zstd", zstd.decompress)):
        packed = map_request(client, store, encoding)
        assert packed.headers["Content-Encoding"] == encoding and "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2
        assert json.loads(decompress(packed.data)) == json.loads(plain.data)
        assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]


def test_page_and_scripts_are_compressed(client):
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    html = client.get("/").get_data(as_text=True)
    scripts = [part for part in html.split('"') if "_dash-component-suites" in part and part.endswith(".js")]
    assert scripts, "the page loads Dash's scripts from the app"
    script = client.get(scripts[0], headers={"Accept-Encoding": "zstd"})
    assert script.status_code == 200 and script.headers["Content-Encoding"] == "zstd"
