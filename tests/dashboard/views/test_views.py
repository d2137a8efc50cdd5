"""The workflow callbacks as plain functions: page state, view, map layers, table, details."""
from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from dash import no_update

from dashboard import ids
from dashboard.server.mapsources import MapSources
from dashboard.state import mapview as viewstate
from dashboard.state.controls import CONTROLS, controls_from_page
from dashboard.state.mapview import MapView
from dashboard.state.page import page_context, page_outputs
from dashboard.state.url import PageState
from dashboard.views.detail import incident_detail, source_links
from dashboard.views.map import MapAssets, drawn_state, update_map
from dashboard.views.selection import clicked_incident, focus_incident, place_search, update_detail
from dashboard.views.table import table_page
from dashboard.views.timeline import update_timeline
from geodata import FilterState

BASE = "/assets/"


def values(store, **changes):
    out = controls_from_page(PageState(FilterState.default(store.date_range())), page_context(store))
    out.update(changes)
    return out


def trig(component, prop="value"):
    return [{"prop_id": f"{component}.{prop}", "value": None}]


def metas(figure):
    return [t.meta for t in figure.data]


def incident_ids(figure):
    return sorted(row[7] for t in figure.data if t.meta == "incidents" for row in (t.customdata if t.customdata is not None else ()))


# ------------------------------------------------------------------ page
def test_page_outputs_never_echo_the_moving_control(store):
    out = page_outputs(trig(ids.DATE_SLIDER), "", values(store, slider=[62, 88]), context=page_context(store))
    assert out["slider"] is no_update and out["picker_start"] == "2020-02-01"
    assert out["filter"]["start"] == "2020-02-01" and out["search"].startswith("?start=2020-02-01")
    assert out["label"] == "1 Feb 2020 – 27 Feb 2020 (27 days)"
    unchanged = [name for name in CONTROLS if name not in ("picker_start", "picker_end")]
    assert all(out[name] is no_update for name in unchanged)


def test_page_outputs_from_the_timeline_brush(store):
    selected = {"points": [], "range": {"x": ["2020-02-26 12:00", "2020-02-27 12:00"], "y": [0, 2]}}
    out = page_outputs(trig(ids.TIMELINE, "selectedData"), "", values(store), selected=selected,
                       context=page_context(store))
    assert out["filter"]["start"] == out["filter"]["end"] == "2020-02-27"
    assert out["slider"] == [88, 88]
    assert page_outputs(trig(ids.TIMELINE, "selectedData"), "", values(store), selected=None,
                        context=page_context(store)) == {}
    zoom = {"xaxis.range[0]": "2020-01-31 12:00", "xaxis.range[1]": "2020-02-02 12:00"}
    out = page_outputs(trig(ids.TIMELINE, "relayoutData"), "", values(store), relayout=zoom,
                       context=page_context(store))
    assert (out["filter"]["start"], out["filter"]["end"]) == ("2020-02-01", "2020-02-02")
    assert page_outputs(trig(ids.TIMELINE, "relayoutData"), "", values(store), relayout={"autosize": True},
                        context=page_context(store)) == {}


def test_opening_a_link_moves_the_map_and_says_about_versions(store):
    view = viewstate.initial(MapView(35.9, 36.75, 7.7))
    out = page_outputs([{"prop_id": "url.search"}], "?start=2020-02-27&end=2020-02-27&lat=35.7&lon=36.5&zoom=11"
                       "&ds=nw_syria_2020&v=stale", values(store), view=view, context=page_context(store))
    assert out["view"]["move"] is True and out["view"]["rev"] == 1 and out["view"]["lat"] == 35.7
    assert out["search"] is no_update and not out["notice_hidden"] and "stale" in out["notice"]
    assert out["picker_start"] == "2020-02-27"


def test_playback_stops_at_the_end_of_the_period(store):
    from dashboard.state.controls import Playback
    out = page_outputs(trig(ids.PLAYBACK_INTERVAL, "n_intervals"), "",
                       values(store, picker_start="2020-02-26", picker_end="2020-03-09"),
                       playback=Playback(playing=True), context=page_context(store))
    assert out["filter"]["end"] == "2020-03-10" and out["stop"] is True and out["search"] is no_update


# ------------------------------------------------------------------ view
@pytest.mark.parametrize("query, name, message", [
    ("Behun", "Balyun", "Balyun — matched 'Behun' (dataset places)"),
    ("سراقب", "Saraqib", "Saraqib — matched 'سراقب' (dataset places)"),
    ("saraqeb", "Saraqib", "Saraqib — matched 'Saraqeb' (dataset places)"),
])
def test_place_search_across_spellings_and_scripts(store, query, name, message):
    place = store.dataset.places.set_index("name").loc[name]
    view, text = place_search(query, store, viewstate.initial(MapView(35.9, 36.75, 7.7)))
    assert text.startswith(message)
    assert (view["lat"], view["lon"]) == (round(place.latitude, 5), round(place.longitude, 5))
    assert view["move"] is True and view["zoom"] == viewstate.PLACE_ZOOM


def test_place_search_without_a_match_or_with_junk(store):
    view, text = place_search("Atlantis", store, None)
    assert view is None and "No place matching 'Atlantis'" in text
    for junk in (None, 12, "", "   ", ["Behun"]):
        assert place_search(junk, store, None) == (None, "")


def test_view_store_after_pans_and_moves():
    default = MapView(35.9, 36.75, 7.7)
    start = viewstate.initial(default)
    pan = {"map.center": {"lon": 36.6, "lat": 35.8}, "map.zoom": 9.2, "map.bearing": 0, "map.pitch": 0,
           "map._derived": {"coordinates": [[36.0, 36.0], [37.0, 36.0], [37.0, 35.5], [36.0, 35.5]]}}
    panned = viewstate.after_pan(pan, start)
    assert panned["move"] is False and panned["moved"] is True and panned["rev"] == 0 and panned["corners"]
    assert viewstate.as_relayout(panned)["map._derived"]["coordinates"][0] == [36.0, 36.0]
    assert viewstate.after_pan({"autosize": True}, start) is None
    assert viewstate.after_pan({"map.center": {"lat": "x"}, "map.zoom": 3}, start) is None
    moved = viewstate.move_to(panned, MapView(35.7, 36.5, 11))
    assert moved["rev"] == 1 and moved["move"] and viewstate.uirevision(moved) == "view-1"
    assert viewstate.link_view(start) is None and viewstate.link_view(moved) == MapView(35.7, 36.5, 11)
    assert viewstate.uirevision({"rev": "9; drop"}) == "view-0"


def test_clicks_and_rows_pick_an_incident(store):
    click = {"points": [{"customdata": ["27 Feb 2020", "Balyun", "", "", "", "", "", "NWS-E16"]}]}
    assert clicked_incident(click, store) == "NWS-E16"
    for junk in (None, {"points": []}, {"points": [{"customdata": [1, 2]}]}, {"points": [{"location": "SY07"}]},
                 {"points": [{"customdata": ["", "", "", "", "", "", "", "NWS-X99"]}]}):
        assert clicked_incident(junk, store) is None
    town = {"points": [{"lat": 35.7, "lon": 36.5, "text": "Balyun", "curveNumber": 1}]}  # the town under it
    assert clicked_incident(town, store) == "NWS-E16"
    saraqib = {"points": [{"lat": 35.8611, "lon": 36.8061}]}  # three incidents over time at one place
    assert clicked_incident(saraqib, store) == "NWS-E19"
    assert clicked_incident(saraqib, store, FilterState(date(2020, 2, 1), date(2020, 2, 10))) == "NWS-E06"
    assert clicked_incident({"points": [{"lat": 30.0, "lon": 30.0}]}, store) is None
    assert clicked_incident({"points": [{"lat": True, "lon": "x"}]}, store) is None
    focused = focus_incident("NWS-E16", store, viewstate.initial(MapView(35.9, 36.75, 7.7)))
    assert (focused["lat"], focused["lon"], focused["zoom"]) == (35.7, 36.5, viewstate.INCIDENT_ZOOM)
    assert focus_incident("<script>", store, None) is None


# ------------------------------------------------------------------ map
def test_approximate_incidents_are_drawn_as_rings_and_can_be_hidden(store):
    state = FilterState.default(store.date_range())
    figure = update_map(state.to_dict(), store, BASE)
    approximate = int((store.incidents["geo_precision"] == 3).sum())
    halo, centre = [t for t in figure.data if t.meta == "approximate"]
    assert len(halo.lat) == len(centre.lat) == approximate
    order = metas(figure)
    assert order.index("approximate") < order.index("incidents") < len(order) - 1 - order[::-1].index("approximate")
    assert len(incident_ids(figure)) == len(store.incidents)  # every incident still has its point
    hidden = update_map({**state.to_dict(), "show_approximate": False}, store, BASE)
    assert "approximate" not in metas(hidden) and len(incident_ids(hidden)) == len(store.incidents) - approximate
    assert drawn_state(FilterState.from_dict({"show_approximate": False, "precision": [1, 3]},
                                             store.date_range())).precision == (1,)


def test_the_selected_incident_is_highlighted_and_the_view_revision_kept(store):
    view = viewstate.move_to(viewstate.initial(MapView(35.9, 36.75, 7.7)), MapView(35.7, 36.5, 10))
    figure = update_map(FilterState.default(store.date_range()).to_dict(), store, BASE, view=view,
                        selected="NWS-E16")
    highlight = [t for t in figure.data if t.meta == "highlight"]
    assert len(highlight) == 1 and (highlight[0].lat[0], highlight[0].lon[0]) == (35.7, 36.5)
    assert metas(figure).index("highlight") < metas(figure).index("incidents")  # a ring under the point
    assert figure.layout.map.uirevision == "view-1"
    assert (figure.layout.map.center.lat, figure.layout.map.zoom) == (35.7, 10)
    unknown = update_map(None, store, BASE, selected={"$ne": 1})
    assert "highlight" not in metas(unknown)


def test_boundaries_and_choropleth_layers(store, squares):
    assets = MapAssets(base_url=BASE, sources=MapSources(boundaries=squares), boundary_urls={1: "/b/adm1.geojson"})
    state = FilterState(date(2020, 1, 5), date(2020, 1, 20), layers=frozenset({"incidents", "boundaries", "choropleth"}))
    figure = update_map(state.to_dict(), store, BASE, display={"admin_level": 1}, assets=assets)
    assert metas(figure)[:3] == ["choropleth", "boundaries", "boundaries"]
    choropleth, outline, labels = figure.data[:3]
    assert choropleth.type == "choroplethmap" and choropleth.geojson == "/b/adm1.geojson"
    assert dict(zip(choropleth.locations, choropleth.z, strict=True)) == {"SY07": 320_600, "SY02": 132_600}
    assert outline.featureidkey == "properties.pcode" and set(outline.locations) == {"SY07", "SY02"}
    assert "Aleppo &lt;b&gt;" in [row[0] for row in outline.customdata]  # hover text escaped
    assert list(labels.text) == ["Idleb", "Aleppo <b>"]  # map labels are drawn as plain text
    off = update_map(FilterState.default(store.date_range()).to_dict(), store, BASE, assets=assets)
    assert not {"boundaries", "choropleth"} & set(metas(off))
    without = update_map(state.to_dict(), store, BASE)  # no boundaries loaded: the layers draw nothing
    assert not {"boundaries", "choropleth"} & set(metas(without))


def test_basemap_modes_change_the_style_and_its_credit(store):
    state = FilterState.default(store.date_range()).to_dict()
    plain = update_map(state, store, BASE, display={"basemap": "plain"})
    assert "raster-tiles" not in plain.layout.map.style["sources"]
    osm = update_map(state, store, BASE, display={"basemap": "osm"})
    assert osm.layout.map.style["sources"]["raster-tiles"]["tiles"] == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    assert any("OpenStreetMap" in (a.text or "") for a in osm.layout.annotations)
    local_without_file = update_map(state, store, BASE, display={"basemap": "local"})
    assert local_without_file.layout.map.style == plain.layout.map.style
    tiles = MapAssets(base_url=BASE, tiles_url="/tiles/{z}/{x}/{y}.png")
    local = update_map(state, store, BASE, display={"basemap": "local"}, assets=tiles)
    assert local.layout.map.style["sources"]["raster-tiles"]["tiles"] == ["/tiles/{z}/{x}/{y}.png"]


def test_filters_reach_the_map_the_timeline_and_the_table(store):
    state = FilterState.from_dict({"actors": ["Military Forces of Turkey (2016-)"], "precision": [1, 2]},
                                  store.date_range())
    expected = sorted(store.select(state)["event_id"])
    assert incident_ids(update_map(state.to_dict(), store, BASE)) == expected
    timeline = update_timeline(state.to_dict(), store)
    assert int(sum(np.sum(t.y) for t in timeline.data if t.type == "bar")) == len(expected)
    assert timeline.layout.dragmode == "select" and timeline.layout.selectdirection == "h"
    rows = table_page(store, state, page_size=100)
    assert sorted(r["id"] for r in rows.data) == expected


# ------------------------------------------------------------------ table
def test_table_pages_sorts_and_finds_the_selected_row(store):
    state = FilterState.default(store.date_range())
    first = table_page(store, state, page_size=5)
    assert first.page_count == 5 and len(first.data) == 5 and first.data[0]["date"] == "2019-12-19"
    by_deaths = table_page(store, state, page_size=5, sort_by=[{"column_id": "fatalities", "direction": "desc"}])
    assert [r["id"] for r in by_deaths.data[:2]] == ["NWS-E15", "NWS-E11"]
    assert by_deaths.data[0]["fatalities"] == "61"
    jump = table_page(store, state, page_size=5, selected_id="NWS-E16", jump_to_selected=True)
    assert jump.data[jump.selected_row]["id"] == "NWS-E16" and jump.page_current == 3
    assert next(r for r in jump.data if r["id"] == "NWS-E16")["fatalities"] == "34 (33–34)"
    for page, size, sort in ((-3, 5, None), ("x", "y", "z"), (10**9, 10**9, [{"column_id": "<script>"}]),
                             (True, 0, [["fatalities"]])):
        assert table_page(store, state, page=page, page_size=size, sort_by=sort).data


# ------------------------------------------------------------------ details
def test_detail_shows_range_precision_and_links_as_text(store):
    content, hidden = update_detail("NWS-E16", None, store)
    text = str(content)
    assert not hidden and "Balyun (Behun)" in text and "34 (sources range 33–34)" in text
    assert "near the place (a few km)" in text
    assert update_detail("NWS-nope", None, store) == ([], True)
    _, hidden = update_detail("NWS-E16", {"start": "2020-01-01", "end": "2020-01-02"}, store)
    assert "Outside the current filters" in str(update_detail("NWS-E16", {"start": "2020-01-01",
                                                                         "end": "2020-01-02"}, store)[0])


def test_detail_escapes_hostile_text_and_only_links_http():
    row = pd.Series({"event_id": "X1", "event_date": pd.Timestamp("2020-02-27"), "location": "<img src=x>",
                     "event_type": "Battles", "notes": "<script>alert(1)</script>", "geo_precision": 3,
                     "source": "Somebody (also: javascript:alert(1) and https://example.org/a_(b))",
                     "source_url": "javascript:alert(1)", "fatalities": pd.NA})
    content = incident_detail(row)
    links = [c for c in content if getattr(c, "className", "") == "detail-links"]
    hrefs = [li.children.href for li in links[0].children] if links else []
    assert hrefs == ["https://example.org/a_(b)"]
    heading = content[0]
    assert heading.children == "<img src=x>"  # a text child: React renders it as text, never as HTML
    assert source_links("x", "http://a.example/1") == ["http://a.example/1"]


# ------------------------------------------------------------------ sources
def test_map_sources_from_frames_and_routes_under_a_prefix(store, squares):
    from dashboard.app import create_app
    from dashboard.server.mapsources import load_map_sources
    assert load_map_sources(gpd.GeoDataFrame({"pcode": [], "admin_level": []}, geometry=[], crs="EPSG:4326")).levels == []
    with pytest.raises(ValueError):
        load_map_sources(squares.drop(columns="name"))
    app = create_app(store, boundaries=squares, url_base_pathname="/datasets/x/")
    client = app.server.test_client()
    served = client.get("/datasets/x/boundaries/adm1.geojson")
    assert served.status_code == 200 and served.mimetype == "application/geo+json"
    assert {f["properties"]["pcode"] for f in served.get_json()["features"]} == {"SY07", "SY02"}
    assert client.get("/datasets/x/boundaries/adm3.geojson").status_code == 404
    layout = client.get("/datasets/x/_dash-layout").get_data(as_text=True)
    text = json.dumps(json.loads(layout), ensure_ascii=False)  # however the encoder escaped it
    assert "Level 1 (governorates)" in text and "Idleb (SY07) · admin 1" in text


def test_the_page_says_openstreetmap_is_an_outside_server(store):
    from dashboard.layout import build_layout
    text = str(build_layout(store))
    assert "loads map tiles from tile.openstreetmap.org, an outside server" in text
    assert "Plain (offline, no outside requests)" in text
    assert "Local tiles" not in text  # offered only with an MBTiles file
    assert "no boundaries file loaded" in text
