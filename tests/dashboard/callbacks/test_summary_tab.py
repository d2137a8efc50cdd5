"""The Summary tab counts only while it is open: the first page and every drag of the dates leave it alone
(its rows come when the tab opens), through the app's own callback endpoint; on Colombian incidents."""
from __future__ import annotations

import json

import pytest

from dashboard import ids
from dashboard.app import create_app
from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.server.hostile_support import callback_body


@pytest.fixture(scope="module")
def colombia() -> IncidentStore:
    frame = synthetic_incidents(400, seed=9)
    frame["admin1"] = ["Antioquia"] * 250 + ["Cauca"] * 150
    frame["latitude"], frame["longitude"] = 6.2 + (frame["latitude"] - 35.75), -75.6 + (frame["longitude"] - 36.75)
    return IncidentStore(dataset_from_incidents(frame, name="colombia", title="Colombia (test)"))


def _summary(app, state: FilterState, hidden: object):
    output = next(key for key in app.callback_map if f"{ids.SUMMARY_TABLE}.data" in key)
    body = callback_body(app.callback_map, output, state.to_dict())
    for item in body["inputs"]:
        if (item["id"], item["property"]) == (ids.SUMMARY_PANEL, "hidden"):
            item["value"] = hidden
    body["changedPropIds"] = [f"{ids.SUMMARY_PANEL}.hidden"]
    return app.server.test_client().post("/_dash-update-component", data=json.dumps(body),
                                         content_type="application/json")


def test_the_summary_is_counted_only_while_its_tab_is_open(colombia):
    app = create_app(colombia)
    state = FilterState.default(colombia.date_range())
    for hidden in (True, None, "no"):  # the page opens on the timeline; anything but false is not open
        assert _summary(app, state, hidden).status_code == 204  # no update: nothing counted, nothing sent
    answer = _summary(app, state, False)
    assert answer.status_code == 200
    rows = answer.get_json()["response"][ids.SUMMARY_TABLE]["data"]
    assert [(r["label"], r["incidents"]) for r in rows] == [("Antioquia", 250), ("Cauca", 150)]
