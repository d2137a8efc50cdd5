"""The selection callback takes a wildcard input (the spot list's buttons): the body check lets a real
click through, as Dash sends it, and still refuses what does not fit the pattern."""
from __future__ import annotations

import json

import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.server.validation import check_callback_body


@pytest.fixture(scope="module")
def select(store):
    app = create_app(store)
    output = next(k for k in app.callback_map if f"{ids.SELECTED}.data" in k)
    return app.callback_map, output


def body(callbacks, output, buttons, changed=None):
    spec = callbacks[output]
    inputs = []
    for entry in spec["inputs"]:
        if entry["id"].startswith("{"):  # the wildcard: one item per button on the page
            inputs.append([{"id": {"index": event_id, "type": ids.SPOT_ITEM}, "property": "n_clicks", "value": n}
                           for event_id, n in buttons])
        else:
            inputs.append({"id": entry["id"], "property": entry["property"], "value": None})
    outputs = [{"id": i, "property": p} for i, p in (part.rsplit(".", 1) for part in output.strip(".").split("..."))]
    return {"output": output, "outputs": outputs, "inputs": inputs,
            "state": [{"id": e["id"], "property": e["property"], "value": None} for e in spec["state"]],
            "changedPropIds": changed or []}


def test_a_click_on_a_spot_button_passes_the_body_check(select):
    callbacks, output = select
    clicked = json.dumps({"index": "NWS-E01", "type": ids.SPOT_ITEM}, separators=(",", ":")) + ".n_clicks"
    assert check_callback_body(body(callbacks, output, [("NWS-E01", 1), ("NWS-E02", 0)], [clicked]), callbacks) is None
    assert check_callback_body(body(callbacks, output, []), callbacks) is None  # no list on the page


def test_what_does_not_fit_the_pattern_is_refused(select):
    callbacks, output = select
    assert check_callback_body(body(callbacks, output, [("x" * 500, 1)]), callbacks)  # an id too long
    wrong = body(callbacks, output, [("NWS-E01", 1)])
    spot = next(i for i, item in enumerate(wrong["inputs"]) if isinstance(item, list))
    wrong["inputs"][spot][0]["id"]["extra"] = "key"
    assert check_callback_body(wrong, callbacks)
    many = body(callbacks, output, [(f"E{i}", 0) for i in range(1000)])
    assert check_callback_body(many, callbacks)
