"""Tampered and malformed requests get a short 4xx, never a 500 or a traceback; headers and auth."""
from __future__ import annotations

import copy
import json

import pytest

from dashboard.app import create_app
from dashboard.config import Config, ConfigError

MAP_OUTPUT = "..incident-map.figure...map-drawn.data.."  # the map callback: figure and layout key


@pytest.fixture(scope="module")
def app(store):
    return create_app(store)


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def outputs_of(key: str) -> dict | list[dict]:
    """Dash's ``outputs`` field for a callback key (``a.b``, or ``..a.b...c.d..`` for several)."""
    pairs = [{"id": i, "property": p} for i, p in (k.rsplit(".", 1) for k in key.strip(".").split("..."))]
    return pairs if key.startswith("..") else pairs[0]


def valid_body(app, output=MAP_OUTPUT):
    spec = app.callback_map[output]
    def item(entry):
        value = {"start": "2020-02-27", "end": "2020-02-27"} if entry["property"] == "data" else None
        return {"id": entry["id"], "property": entry["property"], "value": value}
    return {
        "output": output, "outputs": outputs_of(output),
        "inputs": [item(e) for e in spec["inputs"]], "state": [item(e) for e in spec.get("state", [])],
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }


def post(client, body, raw=False):
    data = body if raw else json.dumps(body)
    return client.post("/_dash-update-component", data=data, content_type="application/json")


def test_a_valid_callback_request_works(app, client):
    response = post(client, valid_body(app))
    assert response.status_code == 200
    assert "incident-map" in response.get_data(as_text=True)


def tampered(app):
    body = valid_body(app)
    cases = {
        "not json": b"{not json",
        "empty body": b"",
        "json array": [1, 2, 3],
        "json string": "hello",
        "null": None,
        "unknown output": {**body, "output": "no-such.figure"},
        "output not a string": {**body, "output": ["incident-map.figure"]},
        "huge output id": {**body, "output": "x" * 5000},
        "inputs missing": {k: v for k, v in body.items() if k != "inputs"},
        "inputs not a list": {**body, "inputs": {"id": "filter-state"}},
        "input item a number": {**body, "inputs": [1] * len(body["inputs"])},
        "input without property": {**body, "inputs": [{"id": i["id"]} for i in body["inputs"]]},
        "input id a number": {**body, "inputs": [{**i, "id": 7} for i in body["inputs"]]},
        "unknown component id": {**body, "inputs": [{**i, "id": "evil"} for i in body["inputs"]]},
        "too few inputs": {**body, "inputs": body["inputs"][:-1]},
        "too many inputs": {**body, "inputs": body["inputs"] + body["inputs"]},
        "wrong state count": {**body, "state": [{"id": "x", "property": "data", "value": None}] * 5},
        "changedPropIds not a list": {**body, "changedPropIds": "filter-state.data"},
        "changedPropIds numbers": {**body, "changedPropIds": [1, 2]},
        "filter state a number": {**body, "inputs": [
            {**i, "value": 12345} if i["property"] == "data" else i for i in body["inputs"]]},
        "filter state a long script string": {**body, "inputs": [
            {**i, "value": "<script>alert(1)</script>" * 200} if i["property"] == "data" else i
            for i in body["inputs"]]},
        "duplicated inputs": {**body, "inputs": body["inputs"] * 2},
        "deeply nested inputs": {**body, "inputs": [[[[[]]]]] * len(body["inputs"])},
        "oversized body": b"[" + b"1," * 1_500_000 + b"1]",
    }
    return cases


def test_tampered_payloads_get_4xx_without_traceback(app, client):
    cases = tampered(app)
    assert len(cases) >= 20
    for name, payload in cases.items():
        raw = isinstance(payload, bytes)
        response = post(client, payload, raw=raw)
        text = response.get_data(as_text=True)
        assert 400 <= response.status_code < 500, (name, response.status_code, text[:200])
        assert "Traceback" not in text and "File \"" not in text, name
        assert len(text) < 300, name


def test_wrong_value_types_are_refused(app, client):
    body = valid_body(app, MAP_OUTPUT)
    bad = copy.deepcopy(body)
    bad["inputs"][0]["value"] = 10_000
    response = post(client, bad)
    assert response.status_code == 400 and "invalid value" in response.get_json()["error"]


def test_other_callbacks_with_bad_values(app, client):
    outputs = [o for o in app.callback_map if not o.startswith("..")][:10]
    for output in outputs:
        body = valid_body(app, output)
        for item in body["inputs"]:
            item["value"] = {"$where": "1", "n": [None] * 3}
        response = post(client, body)
        assert response.status_code < 500, (output, response.get_data(as_text=True)[:200])
        assert "Traceback" not in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    for path in ("/", "/_dash-layout", "/assets/style.css", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_basic_auth_protects_pages_and_callbacks(store):
    app = create_app(store, config=Config(auth="basic", user="analyst", password="s3cret"))
    client = app.server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/").headers["WWW-Authenticate"].startswith("Basic")
    assert post(client, valid_body(app)).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic YW5hbHlzdDp3cm9uZw=="}).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic YW5hbHlzdDpzM2NyZXQ="}).status_code == 200


def test_trusted_proxy_header(store):
    app = create_app(store, config=Config(auth="header", auth_header="X-Remote-User"))
    client = app.server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"X-Remote-User": "analyst"}).status_code == 200


def test_config_from_environment():
    config = Config.from_env({"CONFLICT_MAP_PORT": "9000", "CONFLICT_MAP_POINT_BUDGET": "1000"})
    assert config.port == 9000 and config.point_budget == 1000 and config.auth == "none" and not config.debug
    with pytest.raises(ConfigError, match="CONFLICT_MAP_PORT"):
        Config.from_env({"CONFLICT_MAP_PORT": "eighty"})
    with pytest.raises(ConfigError, match="needs CONFLICT_MAP_USER"):
        Config.from_env({"CONFLICT_MAP_AUTH": "basic"})
