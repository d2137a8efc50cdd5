"""Every part of a callback request is checked: one test per class of malformed body, each a short 400.

And the other side of the line: once a body is well-formed, an exception in the callback is the
server's bug, answered 500 with one line (the traceback only in the log), never blamed on the client.
"""
from __future__ import annotations

import copy
import json
import logging
import time

import pytest
from hostile_support import HEADLINE, MAP, callback_body, headline_count, import_colombia

from dashboard import ids
from dashboard.app import create_app
from dashboard.server.validation import MAX_JSON_DEPTH, json_too_deep
from geodata import IncidentStore

PATH = "/_dash-update-component"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    catalog = import_colombia(tmp_path_factory.mktemp("validation") / "data", 25)
    return create_app(IncidentStore(catalog.load("antioquia")))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def post(client, body) -> tuple[int, str]:
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(PATH, data=data, content_type="application/json")
    return response.status_code, response.get_data(as_text=True)


def refused(client, body, why: str) -> None:
    status, text = post(client, body)
    assert status == 400, (status, text[:300])
    assert why in text, text[:300]
    assert "Traceback" not in text and "/work/" not in text and len(text) < 300


def test_the_well_formed_bodies_are_answered(app, client):
    status, text = post(client, callback_body(app.callback_map, HEADLINE))
    assert status == 200 and headline_count(json.loads(text)) == "25"
    assert post(client, callback_body(app.callback_map, MAP))[0] == 200


@pytest.mark.parametrize("outputs", [
    pytest.param("drop", id="missing"),
    pytest.param([], id="empty list"),
    pytest.param("swap", id="swapped"),
    pytest.param("dict-ids", id="dict ids"),
    pytest.param("headline-incidents.children", id="a string"),
    pytest.param({"id": ids.HEADLINE_INCIDENTS, "property": "children"}, id="one object for several"),
    pytest.param("short", id="one output too few"),
    pytest.param("numbers", id="numbers for ids"),
    pytest.param("property", id="another property"),
])
def test_outputs_must_be_the_callbacks_own(app, client, outputs):
    body = callback_body(app.callback_map, HEADLINE)
    declared = body["outputs"]
    if outputs == "drop":
        del body["outputs"]
    elif outputs == "swap":
        body["outputs"] = [declared[1], declared[0], *declared[2:]]
    elif outputs == "dict-ids":
        body["outputs"] = [{**o, "id": {"type": o["id"], "index": 0}} for o in declared]
    elif outputs == "short":
        body["outputs"] = declared[:-1]
    elif outputs == "numbers":
        body["outputs"] = [{**o, "id": 7} for o in declared]
    elif outputs == "property":
        body["outputs"] = [{**declared[0], "property": "style"}, *declared[1:]]
    else:
        body["outputs"] = outputs
    refused(client, body, "outputs")


def test_a_single_output_callback_wants_one_object(app, client):
    key = next(k for k, spec in app.callback_map.items() if not k.startswith("..") and "callback" in spec)
    body = callback_body(app.callback_map, key)
    body["outputs"] = [body["outputs"]]
    refused(client, body, "outputs")


@pytest.mark.parametrize("where", ["inputs", "state"])
def test_an_item_wrapped_in_a_list_is_checked_like_the_others(app, client, where):
    body = callback_body(app.callback_map, MAP)
    items = body[where]
    body[where] = [[items[0]], *items[1:]]
    refused(client, body, where)
    # and a wrapped item with a wrong id or value is no way around the checks either
    body[where] = [[{**items[0], "id": "evil", "value": 10**12}], *items[1:]]
    refused(client, body, where)


def test_json_nested_a_thousand_deep_is_refused_before_parsing(app, client):
    for depth in (MAX_JSON_DEPTH + 1, 1000, 100_000):
        body = callback_body(app.callback_map, HEADLINE)
        raw = json.dumps(body).replace('"value": null', '"value": ' + "[" * depth + "]" * depth, 1).encode()
        started = time.perf_counter()
        refused(client, raw, "nested deeper")
        assert time.perf_counter() - started < 2.0
    # the same brackets inside a string are text, not nesting
    body = callback_body(app.callback_map, HEADLINE, {"start": "[" * 500})
    assert post(client, body)[0] == 200
    assert not json_too_deep(json.dumps({"a": "[" * 5000, "b": [[1]]}).encode())
    assert json_too_deep(b'{"a": "\\"", "b": ' + b"[" * 70 + b"]" * 70 + b"}")


@pytest.mark.parametrize("case, why", [
    ("unknown component", "do not match"),
    ("value of the wrong type", "invalid value"),
    ("changed prop of another component", "changedPropIds"),
    ("state swapped with an input", "do not match"),
])
def test_inputs_state_and_changed_props_must_match(app, client, case, why):
    body = callback_body(app.callback_map, MAP)
    if case == "unknown component":
        body["inputs"][0]["id"] = "evil"
    elif case == "value of the wrong type":
        body["inputs"][0]["value"] = 12345
    elif case == "changed prop of another component":
        body["changedPropIds"] = ["export-csv.n_clicks"]
    else:
        body["inputs"][0], body["state"][0] = body["state"][0], body["inputs"][0]
    refused(client, body, why)


def test_a_browser_side_callback_is_not_run_on_the_server(app, client):
    key = f"{ids.CAMERA_NAME}.data"
    assert "callback" not in app.callback_map[key]
    refused(client, callback_body(app.callback_map, key), "no such callback")


def test_a_server_bug_in_a_callback_is_a_500_not_the_clients_fault(app, client, monkeypatch, caplog):
    import dashboard.callbacks.panels as panels

    def broken(*args, **kwargs):
        return {"incidents": 1}["missing"]  # a KeyError in the server's own code

    monkeypatch.setattr(panels, "update_headline", broken)
    body = callback_body(app.callback_map, HEADLINE)
    with caplog.at_level(logging.ERROR):
        status, text = post(client, copy.deepcopy(body))
    assert status == 500, text
    assert json.loads(text) == {"error": "internal error; the server log has details"}
    assert "KeyError" in caplog.text and "Traceback" in caplog.text  # the operator has the traceback


def test_the_depth_check_costs_little_on_an_upload_sized_body():
    upload = json.dumps({"inputs": [{"id": "import-upload", "property": "contents",
                                     "value": "data:text/csv;base64," + "QUJD" * 5_000_000}]}).encode()
    started = time.perf_counter()
    assert not json_too_deep(upload)
    assert time.perf_counter() - started < 0.5
    escaped = json.dumps({"a": ["[[[\\\"[[[" * 20] * 40, "b": [[[1]]]}).encode()  # escaped quotes inside strings
    assert not json_too_deep(escaped)
    assert json_too_deep(escaped.replace(b'"b": [[[1]]]', b'"b": ' + b"[" * 65 + b"]" * 65))
