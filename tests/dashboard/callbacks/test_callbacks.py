"""The callback functions, called directly as Dash would call them."""
from __future__ import annotations

import json

import numpy as np
from dash._utils import to_json

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks.map import map_patch
from dashboard.figures import plain
from dashboard.views.headline import update_headline
from dashboard.views.map import map_figure, update_map
from dashboard.views.timeline import update_timeline
from geodata import FilterState
from tests.dashboard.support import drawn, sync_controls

BASE = "http://127.0.0.1:8050/assets/"


def test_picker_change_moves_slider_and_filter(store):
    start, end, slider, state, label = sync_controls(
        ids.DATE_PICKER, "2020-02-27", "2020-02-27", [0, 100], None, ["incidents"], store)
    assert (start, end) == ("2020-02-27", "2020-02-27")
    assert slider == [88, 88]  # 1 Dec 2019 + 88 days
    assert state["start"] == state["end"] == "2020-02-27"
    assert "27 Feb 2020 – 27 Feb 2020 (1 day)" == label


def test_slider_change_moves_picker(store):
    start, end, slider, state, _ = sync_controls(
        ids.DATE_SLIDER, "2019-12-01", "2020-03-10", [62, 88], store.event_types(), None, store)
    assert (start, end) == ("2020-02-01", "2020-02-27") and slider == [62, 88]
    assert state["event_types"] is None  # every type ticked = no type filter


def test_unticking_every_type_shows_nothing(store):
    *_, state, _ = sync_controls(ids.EVENT_TYPES, "2019-12-01", "2020-03-10", [0, 100], [], None, store)
    figure = update_map(state, store, BASE)
    assert sum(drawn(t) for t in figure.data if t.meta == "incidents") == 0


def test_tampered_inputs_fall_back_to_the_whole_period(store):
    start, end, slider, state, _ = sync_controls(
        ids.DATE_SLIDER, {"x": 1}, None, ["a", None], "Battles", 7, store)
    assert (start, end) == ("2019-12-01", "2020-03-10") and slider == [0, 100]
    figure = update_map({"start": "<script>", "end": 12}, store, BASE)
    assert sum(drawn(t) for t in figure.data if t.meta == "incidents") == len(store.incidents)


def test_figures_follow_one_filter(store):
    state = {"start": "2020-02-27", "end": "2020-02-27", "event_types": None, "layers": ["incidents"]}
    figure = update_map(state, store, BASE)
    ids_on_map = {row[7] for t in figure.data if t.meta == "incidents" and drawn(t) for row in t.customdata}
    assert ids_on_map == {"NWS-E15", "NWS-E16"}
    assert update_headline(state, store).incidents == "2"
    timeline = update_timeline(state, store)
    assert str(timeline.layout.shapes[0].x0).startswith("2020-02-27")


def test_several_apps_in_one_process(store):
    first, second = create_app(store), create_app(store)
    assert first.callback_map and first.callback_map.keys() == second.callback_map.keys()


def test_a_filter_change_patches_only_the_traces_and_status_line(store):

    figure = map_figure(FilterState.default(store.date_range()).to_dict(), store, "/assets/")
    operations = json.loads(to_json(map_patch(plain.encoded(figure))))["operations"]
    assert [op["location"] for op in operations] == [["data"], ["layout", "annotations"], ["layout", "shapes"]]
    data = operations[0]["params"]["value"]
    assert [t["meta"] for t in data] == [t["meta"] for t in figure["data"]]
    incidents = [t for t in data if t["meta"] == "incidents"]
    assert all(isinstance(t["lat"], dict) and t["lat"]["dtype"] == "f4" for t in incidents if t["lat"])  # typed arrays
    status = [a for a in operations[1]["params"]["value"] if a.get("name") == "status"]
    assert status and "incidents" in status[0]["text"]


def test_a_date_change_sends_the_timeline_only_its_new_shading(store):
    from datetime import date

    from dashboard.callbacks.map import timeline_output

    whole = FilterState.default(store.date_range())
    figure, key = timeline_output(whole.to_dict(), "", store)
    assert isinstance(figure, dict) and figure["data"] and key
    narrower = FilterState(date(2020, 2, 1), date(2020, 2, 27)).to_dict()
    patch, same = timeline_output(narrower, key, store)
    assert same == key
    operations = json.loads(to_json(patch))["operations"]
    changed = {op["location"][1]: op["params"]["value"] for op in operations}
    assert set(changed) == {"title", "shapes", "selectionrevision", "selections"}
    assert changed["title"]["text"] == "Selected: 1 Feb 2020 – 27 Feb 2020"
    assert changed["shapes"][0]["x0"] == "2020-02-01" and changed["shapes"][0]["x1"] == "2020-02-28"
    battles = {**narrower, "event_types": ["Battles"]}
    redrawn, other = timeline_output(battles, key, store)
    assert other != key and isinstance(redrawn, dict)
    assert {t["name"] for t in redrawn["data"] if t["type"] == "bar"} == {"Battles"}


def test_figures_are_cached_by_everything_they_depend_on():
    from dashboard.server.cache import MemoryCache
    from dashboard.views.cached import cached_figure

    cache, built = MemoryCache(1 << 20), []

    def build():
        built.append(1)
        return {"data": [{"type": "scattermap", "lat": np.array([1.5, 2.5], dtype=np.float32)}], "layout": {}}

    first = cached_figure(cache, ("map", "v1", "syn", {"start": "2020-01-01"}), build)
    again = cached_figure(cache, ("map", "v1", "syn", {"start": "2020-01-01"}), build)
    assert len(built) == 1 and again == first and first["data"][0]["lat"]["dtype"] == "f4"
    cached_figure(cache, ("map", "v1", "syn", {"start": "2020-01-02"}), build)  # another filter
    cached_figure(cache, ("map", "v2", "syn", {"start": "2020-01-01"}), build)  # a re-imported dataset
    assert len(built) == 3
    cached_figure(cache, ("map", None, "csv", {}), build)  # no version: never cached
    cached_figure(cache, ("map", None, "csv", {}), build)
    cached_figure(cache, ("map", "v1", "syn", {"zoom": float("nan")}), build)  # no key for NaN: computed
    assert len(built) == 6


def test_map_and_headline_displacement_follow_the_area_filter(store):
    state = {**FilterState.default(store.date_range()).to_dict(), "admin_codes": ["SY02"]}
    places = {place for t in map_figure(state, store, "/assets/")["data"] if t["meta"] == "displacement"
              and "customdata" in t for place in t["customdata"][:, 0]}  # an empty series: one null point
    assert places == {"Aleppo governorate"}
    h = update_headline(state, store)
    assert h.displaced == "–" and "selected areas" in h.displaced_detail
    assert update_headline({**state, "admin_codes": ["SY07"]}, store).displaced == "almost 1,000,000"


def test_the_map_gets_a_patch_only_when_its_layout_is_the_one_drawn(store):
    from dashboard.callbacks.map import map_output
    from dashboard.views.map import map_layout_key

    state = FilterState.default(store.date_range()).to_dict()
    figure = map_figure(state, store, "/assets/")
    key = map_layout_key(store, {"basemap": "plain"}, None)
    figure = plain.encoded(figure)
    first, drawn = map_output(figure, "", key)  # a new page: the whole figure
    assert first is figure and drawn == key
    again, _ = map_output(figure, drawn, key)  # same layout in the browser: traces and status line only
    assert [op["location"] for op in json.loads(to_json(again))["operations"]] == [["data"], ["layout", "annotations"], ["layout", "shapes"]]
    osm = map_layout_key(store, {"basemap": "osm"}, None)
    moved = map_layout_key(store, {"basemap": "plain"}, {"lat": 35.7, "lon": 36.5, "zoom": 11, "move": True, "rev": 3})
    assert len({key, osm, moved}) == 3
    assert map_output(figure, drawn, osm)[0] is figure  # another basemap: the whole figure again
