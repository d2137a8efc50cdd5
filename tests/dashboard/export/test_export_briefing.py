"""The briefing figure (pure, no browser), map view and scale, links, sizes and the UI callback."""
from __future__ import annotations

import base64
import math
from dataclasses import replace
from datetime import UTC, datetime

import plotly.graph_objects as go
import pytest
from dash import no_update

from dashboard import ids
from dashboard.export import render
from dashboard.export.briefing import clean_title, default_title
from dashboard.export.links import parse_view_link, view_link
from dashboard.export.service import briefing_figure
from dashboard.export.sizes import PRESETS, custom_size, parse_size
from dashboard.export.view import (
    REFERENCE_SCREEN_MAP,
    metres_per_pixel,
    relayout_for,
    scale_bar,
    screen_size,
    visible_corners,
)
from dashboard.layout import MAP_CONFIG
from dashboard.state.mapview import (
    WORLD_VIEW,
    MapView,
    opening_view,
    view_from_figure,
    view_from_relayout,
    view_from_store,
)
from dashboard.views.export import run_export
from dashboard.views.map import update_map
from geodata import FilterState, IncidentStore
from tests.dashboard.support import camera_file_name, incident_point_count

APP = "http://127.0.0.1:8050/"
STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
SMALL = custom_size(960, 540)


def figure_for(store, filters=None, title="", size=SMALL, view=None, screen=None):
    state = FilterState.from_dict(filters or {}, store.date_range())
    view = view or opening_view(store.dataset.view, store.extent)
    return state, briefing_figure(store, state, view, title=title, size=size, app_url=APP, generated_at=STAMP,
                                  screen=screen)


def annotation(figure, name):
    found = [a.text for a in figure.layout.annotations if a.name == name]
    assert found, name
    return found[0]


@pytest.mark.parametrize("filters", [
    {},
    {"start": "2020-02-27", "end": "2020-02-27"},
    {"event_types": ["Battles"]},
    {"layers": ["incidents"]},
    {"event_types": []},
])
def test_map_shows_the_same_incident_points_as_the_screen(store, filters):
    state, figure = figure_for(store, filters)
    screen = update_map(state.to_dict(), store, "/assets/")
    assert incident_point_count(figure) == incident_point_count(screen)
    assert incident_point_count(figure) == len(store.select(state)) or len(store.select(state)) == 0
    drawn = sorted(row[7] for t in figure.data if t.meta == "incidents" for row in (t.customdata if t.customdata is not None else ()))
    assert drawn == sorted(row[7] for t in screen.data if t.meta == "incidents" for row in (t.customdata if t.customdata is not None else ()))
    assert {t.meta for t in figure.data if t.type == "scattermap"} == \
        {t.meta for t in screen.data if t.type == "scattermap"}


def test_page_has_title_subtitle_headline_sources_stamp_and_link(store):
    state, figure = figure_for(store, {"start": "2020-02-27", "end": "2020-02-27"})
    assert figure.layout.width == 960 and figure.layout.height == 540
    assert annotation(figure, "title") == "<b>North-west Syria: incidents and displacement</b>"
    subtitle = annotation(figure, "subtitle")
    assert "27 Feb 2020 (1 day)" in subtitle and "all event types" in subtitle
    assert annotation(figure, "headline-incidents") == "<b>2</b>"
    assert annotation(figure, "headline-fatalities") == "<b>95</b>"
    assert annotation(figure, "headline-displaced") == "<b>more than 948,000</b>"
    sources = annotation(figure, "sources")
    assert "Incidents: North-west Syria: the Idlib offensive" in sources and "as of 10 Mar 2020" in sources
    assert "Displacement:" in sources and "(as of 23 Feb 2020)" in sources  # the figure in force on 27 Feb
    assert "Natural Earth" in sources
    generated = annotation(figure, "generated").replace("<br>", "")
    assert "Generated 2026-05-04 13:02 UTC" in generated
    link = annotation(figure, "link").replace("<br>", "")
    assert "start=2020-02-27&amp;end=2020-02-27" in link and "ds=nw_syria_2020" in link
    names = {s.name for s in figure.layout.shapes}
    assert {"scale-bar", "north-arrow", "map-frame"} <= names
    assert annotation(figure, "north-arrow-label") == "<b>N</b>"
    # The timeline strip: bars per type and the displacement line, the selected day shaded.
    assert {t.meta for t in figure.data if t.type != "scattermap"} >= {"incidents-per-day"}
    assert any(s.xref == "x" and s.yref == "y domain" and str(s.x0).startswith("2020-02-27")
               for s in figure.layout.shapes)


def test_titles_are_plain_text(store):
    _, figure = figure_for(store, title='<a href="javascript:x">Idlib</a> & <b>إدلب</b>')
    text = annotation(figure, "title")
    assert "<a" not in text and "&lt;a href=\"javascript:x\"&gt;Idlib&lt;/a&gt; &amp; &lt;b&gt;إدلب" in text
    assert clean_title("  two\nlines\x00here  ", "fallback") == "two lines here"
    assert clean_title(None, "fallback") == clean_title("   ", "fallback") == "fallback"
    assert len(clean_title("x" * 1000, "f")) == 120
    assert default_title(store) == "North-west Syria: incidents and displacement"


def test_data_text_is_escaped_in_the_page(scenario):
    hostile = IncidentStore(replace(scenario, title="<img src=x onerror=alert(1)>",
                                    attribution='<a href="javascript:alert(1)">x</a>'))
    _, figure = figure_for(hostile)
    text = " ".join(a.text for a in figure.layout.annotations)
    assert "<img" not in text and "<a " not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in annotation(figure, "sources")
    assert "&lt;a href=" in annotation(figure, "sources")


def map_box(figure):
    """The map's box on the page, in CSS px (width, height)."""
    domain = figure.layout.map.domain
    return ((domain.x[1] - domain.x[0]) * figure.layout.width, (domain.y[1] - domain.y[0]) * figure.layout.height)


def test_map_keeps_the_centre_and_shows_the_screens_extent(store):
    view = MapView(36.2, 37.1, 9.0)
    _, figure = figure_for(store, view=view)
    shown = figure.layout.map
    assert (shown.center.lat, shown.center.lon) == (36.2, 37.1) and shown.bearing == 0
    assert shown.bounds.west is None  # no max bounds: MapLibre must not move a static map
    width, height = map_box(figure)
    # Without the screen's size, the extent of the reference dashboard map (1280x800 window) is kept.
    assert shown.zoom == pytest.approx(9.0 + math.log2(min(width / REFERENCE_SCREEN_MAP[0],
                                                             height / REFERENCE_SCREEN_MAP[1])), abs=1e-3)
    # With the screen's corners, exactly that extent: it fits the briefing's map, touching two sides.
    corners = visible_corners(view, 1500, 700)
    _, figure = figure_for(store, view=view, screen=screen_size(view, corners))
    zoom = figure.layout.map.zoom
    mine = visible_corners(MapView(36.2, 37.1, zoom), width, height)
    assert mine[0][0] <= corners[0][0] + 1e-6 and mine[1][0] >= corners[1][0] - 1e-6
    assert mine[0][1] >= corners[0][1] - 1e-6 and mine[2][1] <= corners[2][1] + 1e-6
    assert min(abs(mine[0][0] - corners[0][0]), abs(mine[0][1] - corners[0][1])) < 1e-3


def test_scale_bar_is_drawn_for_the_zoom_shown(store):
    _, figure = figure_for(store, view=MapView(36.2, 37.1, 9.0))
    zoom = figure.layout.map.zoom
    bar = [s for s in figure.layout.shapes if s.name == "scale-bar"]
    width_px = (max(s.x1 for s in bar) - min(s.x0 for s in bar)) * figure.layout.width
    label = [a.text for a in figure.layout.annotations if a.name == "scale-bar-label"][-1]
    metres = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    assert width_px == pytest.approx(metres / metres_per_pixel(36.2, zoom), rel=1e-6)
    assert label == scale_bar(36.2, zoom, width_px + 1e-6).label


def test_metres_per_pixel_and_round_lengths():
    # MapLibre's 512-px tiles: half the classic 256-px figure.
    assert metres_per_pixel(0, 0) == pytest.approx(156543.03392 / 2)
    assert metres_per_pixel(60, 1) == pytest.approx(156543.03392 * 0.5 / 2 / 2)
    bar = scale_bar(35.9, 7.7, 150)
    assert bar.label == "20 km" and bar.pixels <= 150 and bar.metres == 20000
    assert scale_bar(35.9, 16, 100).label in {"50 m", "20 m", "100 m"}
    # Corners: the centre is in the middle, the width spans width * metres per pixel on the ground.
    view = MapView(35.9, 36.75, 7.7)
    corners = visible_corners(view, 600, 400)
    assert (corners[0][0] + corners[1][0]) / 2 == pytest.approx(36.75)
    ground = math.radians(corners[1][0] - corners[0][0]) * 6378137 * math.cos(math.radians(35.9))
    assert ground == pytest.approx(600 * metres_per_pixel(35.9, 7.7), rel=0.01)
    assert relayout_for(view, 600, 400)["map._derived"]["coordinates"] == corners


def test_view_from_the_screen():
    assert view_from_relayout({"map.center": {"lat": 36.0, "lon": 37.0}, "map.zoom": 9,
                               "map.bearing": 0}) == MapView(36.0, 37.0, 9.0)
    assert view_from_relayout({"map": {"center": {"lat": 36.0, "lon": 37.0}, "zoom": 9}}) == MapView(36.0, 37.0, 9)
    for bad in (None, "x", {"autosize": True}, {"map.center": {"lat": "36", "lon": 37}, "map.zoom": 9},
                {"map.center": {"lat": 99, "lon": 37}, "map.zoom": 9}, {"map.center": [1, 2], "map.zoom": 1},
                {"map.center": {"lat": 36, "lon": 37}, "map.zoom": float("nan")}):
        assert view_from_relayout(bad) is None, bad
    assert view_from_figure({"layout": {"map": {"center": {"lat": 35.0, "lon": 36.0}, "zoom": 7}}}) == \
        MapView(35.0, 36.0, 7.0)
    assert view_from_figure({"layout": {}}) is None and view_from_store({"lat": True, "lon": 1, "zoom": 1}) is None
    assert opening_view({"lat": 35.9, "lon": 36.75, "zoom": 7.7}) == MapView(35.9, 36.75, 7.7)
    assert opening_view({"lat": "north"}) == WORLD_VIEW  # no usable view, no data: the world


def test_view_link_round_trip(store):
    bounds = store.date_range()
    state = FilterState.from_dict({"start": "2020-02-01", "end": "2020-02-27",
                                   "event_types": ["Explosions/Remote violence", "Battles"],
                                   "layers": ["incidents"]}, bounds)
    link = view_link("https://example.org/conflict/?old=1#frag", state, MapView(35.7, 36.5, 9.25))
    assert link.startswith("https://example.org/conflict/?start=2020-02-01&end=2020-02-27&type=Battles")
    assert "old=1" not in link and "#" not in link and "Explosions%2FRemote+violence" in link
    page, base = parse_view_link(link, bounds)
    assert page.filter == state and page.view == MapView(35.7, 36.5, 9.25)
    assert base == "https://example.org/conflict/"
    none = FilterState.from_dict({"event_types": []}, bounds)
    assert parse_view_link(view_link(APP, none), bounds)[0].filter.event_types == ()
    for bad in ("ftp://x/", "javascript:alert(1)", "x" * 9000, 42):
        with pytest.raises(ValueError):
            parse_view_link(bad, bounds)


def test_sizes():
    assert PRESETS["slide"].layout == (960, 540) and (PRESETS["slide"].width, PRESETS["slide"].height) == (1920, 1080)
    assert PRESETS["a4"].width == 3508 and PRESETS["a4"].height == 2480
    assert PRESETS["a4"].layout[0] == pytest.approx(297 / 25.4 * 96, abs=0.05)  # 297 mm at 96 px/inch
    assert parse_size(" A4 ") is PRESETS["a4"]
    custom = parse_size("2560x1440")
    assert (custom.width, custom.height) == (2560, 1440) and custom.layout == (1280, 720)
    assert parse_size("640×360").layout == (900, 506.25)
    for bad in ("huge", "10x10", "9000x9000", "8000x7000", "5000x400", "", None, "1e3x500"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_pdf_pages_are_physical_sizes():
    opts, device_scale = render._opts("pdf", PRESETS["a4"])
    assert (opts["width"], opts["height"], opts["scale"]) == (pytest.approx(1122.52, abs=0.05),
                                                              pytest.approx(793.7, abs=0.15), 1)
    assert device_scale == pytest.approx(3.125)  # the map raster at 300 dpi
    opts, device_scale = render._opts("png", PRESETS["a4"])
    assert math.floor(opts["width"] * opts["scale"]) == 3508 and math.floor(opts["height"] * opts["scale"]) == 2480


def test_briefing_style_is_offline(store):
    _, figure = figure_for(store)
    spec = figure.to_plotly_json()
    render.check_offline(spec)  # file:// glyphs inside assets/, outlines inline
    assert spec["layout"]["map"]["style"]["glyphs"].startswith(render.ASSETS.as_uri())
    assert isinstance(spec["layout"]["map"]["style"]["sources"]["countries"]["data"], dict)
    spec["layout"]["map"]["style"]["glyphs"] = "https://tiles.example.com/{fontstack}/{range}.pbf"
    with pytest.raises(render.RenderFailed):
        render.check_offline(spec)
    spec["layout"]["map"]["style"] = "open-street-map"
    with pytest.raises(render.RenderFailed):
        render.check_offline(spec)
    spec["layout"]["map"]["style"] = {"glyphs": render.ASSETS.as_uri() + "/../secret/{range}.pbf"}
    with pytest.raises(render.RenderFailed):
        render.check_offline(spec)


def test_run_export_csv_and_validation(store):
    state = {"start": "2020-02-27", "end": "2020-02-27", "event_types": None}
    data, status = run_export(ids.EXPORT_CSV, state, None, None, "ignored", "slide", store, APP)
    assert data["filename"] == "nw_syria_2020_2020-02-27_2020-02-27_incidents.csv" and data["base64"]
    text = base64.b64decode(data["content"]).decode("utf-8-sig")
    assert "NWS-E15" in text and "NWS-E16" in text and status.startswith("Downloaded nw_syria_2020_")
    assert run_export("not-a-button", state, None, None, "", "slide", store, APP) == (no_update, "")
    assert run_export({"id": ids.EXPORT_CSV}, state, None, None, "", "slide", store, APP) == (no_update, "")
    assert run_export(ids.EXPORT_PNG, state, None, None, "", "../../x", store, APP)[0] is no_update
    # Tampered state falls back to the whole period; the file name never takes user text.
    data, _ = run_export(ids.EXPORT_GEOJSON, {"start": "<script>", "end": 7}, {"lat": "x"}, "junk",
                         "../../etc/passwd", None, store, APP)
    assert data["filename"] == "nw_syria_2020_2019-12-01_2020-03-10_incidents.geojson"


def test_run_export_without_chromium_says_so(store, monkeypatch):
    monkeypatch.setattr(render, "find_chromium", lambda: None)
    data, status = run_export(ids.EXPORT_PDF, None, None, None, "", "a4", store, APP)
    assert data is no_update
    assert status == "Server-side export needs Chromium; the camera button in the map still downloads a PNG"


def test_run_export_uses_the_panned_view(store, monkeypatch):
    seen = {}

    def fake_render(figure, fmt, size, **_):
        seen["figure"], seen["fmt"], seen["size"] = go.Figure(figure), fmt, size  # the renderer gets a dict
        return b"%PDF-1.4 fake"

    monkeypatch.setattr("dashboard.export.service.render_figure", fake_render)
    relayout = {"autosize": True}  # a resize after the pan replaced relayoutData
    panned = MapView(36.1, 37.0, 9.5)
    stored = {**panned.to_dict(), "rev": 0, "move": False, "moved": True,
              "corners": visible_corners(panned, 1000, 500)}  # the view store after a pan
    data, status = run_export(ids.EXPORT_PDF, None, stored, relayout, "My <title>", "a4", store, APP)
    assert data["filename"] == "nw_syria_2020_2019-12-01_2020-03-10_briefing.pdf" and seen["fmt"] == "pdf"
    map_layout = seen["figure"].layout.map
    width, height = map_box(seen["figure"])
    assert (map_layout.center.lat, map_layout.center.lon) == (36.1, 37.0)
    assert map_layout.zoom == pytest.approx(9.5 + math.log2(min(width / 1000, height / 500)), abs=1e-3)
    assert "My &lt;title&gt;" in annotation(seen["figure"], "title")
    data, _ = run_export(ids.EXPORT_PNG, None, None, {"map.center": {"lat": 35.5, "lon": 36.0}, "map.zoom": 8},
                         "", "slide", store, APP)
    center = seen["figure"].layout.map.center
    assert (center.lat, center.lon) == (35.5, 36.0) and seen["size"] is PRESETS["slide"]


def test_camera_button_file_name(store):
    name = camera_file_name({"start": "2020-02-01", "end": "2020-02-27"}, store)
    assert name == "nw_syria_2020_2020-02-01_2020-02-27_map"
    assert MAP_CONFIG["toImageButtonOptions"] == {"format": "png", "scale": 2} and MAP_CONFIG["displaylogo"] is False


def test_the_renderers_dict_is_the_briefing_figure_with_the_same_map_style(sudan):
    """briefing_spec builds the page around a stand-in style (no copy of the world's outlines): the
    renderer must still get exactly the briefing's figure."""
    import json

    from plotly.utils import PlotlyJSONEncoder

    from dashboard.export.service import briefing_spec

    state = FilterState.default(sudan.date_range())
    view = opening_view(sudan.dataset.view, sudan.extent)
    display = {"colour_by": "event_type"}
    made = [build(sudan, state, view, title="Darfur", size=PRESETS["slide"], app_url=APP, generated_at=STAMP,
                  screen=(900.0, 500.0), display=display) for build in (briefing_figure, briefing_spec)]
    figure, spec = made[0].to_plotly_json(), made[1]
    assert spec["layout"]["map"]["style"]["sources"]["countries"]["data"]["features"]  # the outlines are there
    assert json.dumps(spec, cls=PlotlyJSONEncoder, sort_keys=True) == json.dumps(figure, cls=PlotlyJSONEncoder,
                                                                                 sort_keys=True)
