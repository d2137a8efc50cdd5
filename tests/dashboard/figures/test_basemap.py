"""The offline basemap: style, assets it points at, and the no-outside-URL rule."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from dashboard.figures.basemap import (
    COUNTRIES_PATH,
    COUNTRY_TILES_FILE,
    COUNTRY_TILES_MAX_ZOOM,
    COUNTRY_TILES_PATH,
    GLYPH_FONT,
    GLYPH_FONT_BOLD,
    map_style,
)
from tests.dashboard.support import assert_offline
from tests.support import REPO

ASSETS = REPO / "assets"
ORIGIN = "http://127.0.0.1:8050"
BASE = ORIGIN + "/assets/"
FONTSTACKS = (GLYPH_FONT, GLYPH_FONT_BOLD)
#: Ranges built by tools/build_glyphs.py (Latin, transliteration, punctuation, Arabic).
GLYPH_RANGES = ("0-255", "256-511", "7680-7935", "8192-8447", "1536-1791", "64256-64511",
                "65024-65279")


@pytest.fixture
def style() -> dict:
    return map_style(BASE)


def _asset_path(url: str) -> Path:
    """The file under assets/ that Dash serves for an absolute assets URL."""
    path = unquote(urlsplit(url).path)
    assert path.startswith("/assets/"), url
    return ASSETS / path[len("/assets/"):]


def _text_fonts(style: dict) -> set[str]:
    fonts = set()
    for layer in style["layers"]:
        for name in layer.get("layout", {}).get("text-font", []):
            fonts.add(name)
    return fonts


# ------------------------------------------------------------------ style
def test_style_is_a_maplibre_v8_style(style):
    assert style["version"] == 8
    assert "{fontstack}" in style["glyphs"] and "{range}" in style["glyphs"]
    assert "sprite" not in style
    ids = [layer["id"] for layer in style["layers"]]
    assert len(ids) == len(set(ids))
    assert style["layers"][0]["type"] == "background"
    for layer in style["layers"]:
        if layer["type"] != "background":
            assert layer["source"] in style["sources"], layer["id"]
    assert {layer["type"] for layer in style["layers"]} >= {"background", "fill", "line", "symbol"}
    assert _text_fonts(style) <= set(FONTSTACKS)


@pytest.mark.parametrize("basemap", ["plain", "osm", "local"])
def test_paint_changes_apply_at_once(basemap):
    # Each frame of a 300 ms transition repaints the whole canvas: ~0.1-0.25 s a frame without a GPU.
    style = map_style(BASE, basemap=basemap, tiles_url="/tiles/{z}/{x}/{y}.png")
    assert style["transition"] == {"duration": 0, "delay": 0}


def test_style_is_fresh_and_slash_tolerant():
    a, b = map_style(BASE), map_style(BASE.rstrip("/"))
    assert a == b
    assert a is not b and a["sources"] is not b["sources"]


def test_plotly_accepts_the_style(style):
    go = pytest.importorskip("plotly.graph_objects")
    fig = go.Figure(go.Scattermap(lat=[35.929], lon=[36.635], text=["Idlib"], mode="markers+text",
                                  textfont=dict(family=GLYPH_FONT)))
    fig.update_layout(map=dict(style=style, center=dict(lat=35.9, lon=36.7), zoom=7))
    assert fig.layout.map.style["glyphs"] == style["glyphs"]


# ------------------------------------------------------------- offline URLs
def test_every_url_is_under_the_app_origin(style):
    assert_offline(style, ORIGIN)
    assert_offline(style, BASE)
    text = json.dumps(style)
    assert text.count("://") == 3  # glyphs, outlines and country labels, nothing else
    for url in (style["glyphs"], *style["sources"]["countries"]["tiles"], style["sources"]["country-labels"]["data"]):
        assert url.startswith(BASE)


def test_outlines_are_vector_tiles_of_the_app_or_the_whole_file():
    # The app's page reads the outline tiles in view; a page without the app (the export's) the whole file.
    tiled = map_style(BASE)
    assert tiled["sources"]["countries"] == {"type": "vector", "tiles": [BASE + COUNTRY_TILES_PATH],
                                             "minzoom": 0, "maxzoom": COUNTRY_TILES_MAX_ZOOM}
    drawn = [layer for layer in tiled["layers"] if layer.get("source") == "countries"]
    assert [layer["id"] for layer in drawn] == ["land", "borders", "border-focus"]
    assert all(layer["source-layer"] == "countries" for layer in drawn)
    whole = map_style(BASE, outlines="geojson")
    assert whole["sources"]["countries"] == {"type": "geojson", "data": BASE + COUNTRIES_PATH}
    assert not any("source-layer" in layer for layer in whole["layers"])
    assert (REPO / "assets" / COUNTRIES_PATH).exists() and COUNTRY_TILES_FILE.exists()


@pytest.mark.parametrize("mutate", [
    lambda s: s.update(glyphs="https://demotiles.maplibre.org/font/{fontstack}/{range}.pbf"),
    lambda s: s.update(sprite="https://example.org/sprite"),
    lambda s: s.update(sprite=[{"id": "x", "url": "//cdn.example.org/sprite"}]),
    lambda s: s["sources"].update(t={"type": "raster", "tiles": ["https://tile.example.org/{z}/{x}/{y}.png"]}),
    lambda s: s["sources"].update(v={"type": "vector", "url": "https://example.org/tiles.json"}),
    lambda s: s["sources"]["countries"].update(tiles=["http://127.0.0.1:9999/assets/{z}/{x}/{y}.pbf"]),
    lambda s: s["sources"]["countries"].update(tiles=["/assets/{z}/{x}/{y}.pbf"]),  # relative: not provable
    lambda s: s["sources"]["country-labels"].update(data="/assets/x.geojson"),
    lambda s: s["layers"].append({"id": "img", "type": "raster",
                                  "paint": {"raster-opacity": 1}, "source": "https://evil.example"}),
])
def test_assert_offline_rejects_outside_urls(style, mutate):
    bad = copy.deepcopy(style)
    mutate(bad)
    with pytest.raises(ValueError):
        assert_offline(bad, ORIGIN)


def test_assert_offline_respects_a_path_prefix(style):
    with pytest.raises(ValueError):
        assert_offline(style, ORIGIN + "/other/")


def test_root_relative_style_passes_only_when_allowed():
    relative = map_style("/assets/")
    assert relative["glyphs"].startswith("/assets/")
    assert_offline(relative, ORIGIN + "/assets/", allow_relative=True)
    with pytest.raises(ValueError):
        assert_offline(relative, ORIGIN)
    with pytest.raises(ValueError):
        assert_offline(map_style("/other/"), ORIGIN + "/assets/", allow_relative=True)
    for sneaky in ("//cdn.example.org/assets/", "assets/"):
        with pytest.raises(ValueError):
            assert_offline(map_style(sneaky), ORIGIN, allow_relative=True)


# ---------------------------------------------------------------- glyphs
def test_glyph_files_exist_for_every_fontstack(style):
    for fontstack in FONTSTACKS:
        for glyph_range in GLYPH_RANGES:
            url = style["glyphs"].replace("{fontstack}", fontstack.replace(" ", "%20")).replace(
                "{range}", glyph_range)
            path = _asset_path(url)
            assert path.is_file(), path
            assert 0 < path.stat().st_size < 400_000


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(buf: bytes):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i:i + size], i + size
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield field, value


def decode_glyphs(buf: bytes) -> list[dict]:
    """Decode a MapLibre glyphs PBF: a list of {name, range, glyphs: {id: glyph}}."""
    def zigzag(n):
        return (n >> 1) ^ -(n & 1)

    stacks = []
    for field, stack_buf in _fields(buf):
        assert field == 1
        stack = {"glyphs": {}}
        for f, value in _fields(stack_buf):
            if f == 1:
                stack["name"] = value.decode()
            elif f == 2:
                stack["range"] = value.decode()
            elif f == 3:
                raw = dict(_fields(value))
                stack["glyphs"][raw[1]] = {
                    "bitmap": raw.get(2, b""), "width": raw.get(3, 0), "height": raw.get(4, 0),
                    "left": zigzag(raw.get(5, 0)), "top": zigzag(raw.get(6, 0)),
                    "advance": raw.get(7, 0),
                }
        stacks.append(stack)
    return stacks


@pytest.mark.parametrize("fontstack", FONTSTACKS)
def test_glyph_pbf_decodes_with_ascii(fontstack):
    stacks = decode_glyphs((ASSETS / "glyphs" / fontstack / "0-255.pbf").read_bytes())
    assert len(stacks) == 1
    stack = stacks[0]
    assert stack["name"] == fontstack and stack["range"] == "0-255"
    glyphs = stack["glyphs"]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    for ch in letters + "-.,()'":
        g = glyphs[ord(ch)]
        assert g["width"] > 0 and g["height"] > 0, ch
        assert len(g["bitmap"]) == (g["width"] + 6) * (g["height"] + 6), ch  # 3 px border
        assert 0 < g["advance"] <= 30, ch
    assert glyphs[ord(" ")]["advance"] > 0 and glyphs[ord(" ")]["bitmap"] == b""
    # Baseline convention: top = glyph top above baseline - 25 (caps ~17-18 px at 24 px).
    assert -9 <= glyphs[ord("H")]["top"] <= -6
    assert glyphs[ord("x")]["top"] < glyphs[ord("H")]["top"]
    assert glyphs[ord("g")]["height"] > glyphs[ord("a")]["height"]  # descender
    # SDF: the outline sits at ~192; inside the stem of "l" is above, the border is 0-ish.
    g = glyphs[ord("l")]
    w, h = g["width"] + 6, g["height"] + 6
    bitmap = g["bitmap"]
    assert bitmap[(h // 2) * w + w // 2] > 192
    assert max(bitmap[0], bitmap[w - 1], bitmap[-1]) < 192 - 3 * 32 + 32  # >= 2 px outside


@pytest.mark.parametrize("glyph_range, codepoints", [
    ("8192-8447", (0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026)),  # – — ‘ ’ “ ” …
    ("256-511", (0x0101, 0x012B, 0x016B, 0x015F, 0x011F)),  # ā ī ū ş ğ
    ("7680-7935", (0x1E24, 0x1E25, 0x1E63, 0x1E6D, 0x1E0D)),  # Ḥ ḥ ṣ ṭ ḍ
    ("65024-65279", (0xFE8D, 0xFEDF, 0xFEE0)),  # Arabic presentation forms
])
def test_extra_ranges_have_their_glyphs(glyph_range, codepoints):
    for fontstack in FONTSTACKS:
        stack = decode_glyphs((ASSETS / "glyphs" / fontstack / f"{glyph_range}.pbf").read_bytes())[0]
        assert stack["range"] == glyph_range
        for cp in codepoints:
            assert stack["glyphs"][cp]["width"] > 0, (fontstack, hex(cp))


# ------------------------------------------------------------- countries
@pytest.fixture(scope="module")
def countries() -> dict:
    path = ASSETS / "basemap" / "countries.geojson"
    assert path.stat().st_size < 2_500_000  # the whole world at 1:50m; ~0.6 MB compressed on the wire
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def labels() -> dict:
    return json.loads((ASSETS / "basemap" / "country-labels.geojson").read_text(encoding="utf-8"))


def test_the_outlines_cover_the_world_with_iso_codes(countries):
    whole = map_style(BASE, outlines="geojson")
    assert _asset_path(whole["sources"]["countries"]["data"]) == ASSETS / "basemap" / "countries.geojson"
    assert countries["type"] == "FeatureCollection" and len(countries["features"]) > 200
    codes = {f["properties"]["iso_a2"] for f in countries["features"]}
    assert {"SY", "MM", "CO", "SD", "UA", "CD", "AF", "BR", "AU"} <= codes
    for feature in countries["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon"), feature["properties"]["name"]


def test_the_outline_tiles_hold_every_country_of_the_file_with_its_codes(countries):
    pyogrio = pytest.importorskip("pyogrio")
    assert pyogrio.list_layers(COUNTRY_TILES_FILE).tolist() == [["countries", "MultiPolygon"]]
    tiles = pyogrio.read_dataframe(COUNTRY_TILES_FILE, layer="countries", ZOOM_LEVEL=str(COUNTRY_TILES_MAX_ZOOM))
    def codes(rows):
        return {(row["name"], row["iso_a2"] or None, row["iso_a3"] or None) for row in rows}
    assert codes(tiles[["name", "iso_a2", "iso_a3"]].replace({float("nan"): None}).to_dict("records")) == codes(
        feature["properties"] for feature in countries["features"])


def test_every_country_label_sits_inside_its_country(countries, labels):
    shapely_geometry = pytest.importorskip("shapely.geometry")
    shapes = {f["properties"]["name"]: shapely_geometry.shape(f["geometry"]) for f in countries["features"]}
    assert len(labels["features"]) == len(shapes)
    for label in labels["features"]:
        name = label["properties"]["name"]
        assert label["properties"]["rank"] in (1, 2, 3)
        assert shapes[name].contains(shapely_geometry.shape(label["geometry"])), name


def test_the_datas_countries_are_drawn_in_focus_and_no_country_is_written_into_the_style():
    plain = map_style(BASE)
    focused = map_style(BASE, focus=("MM",))
    assert "SYR" not in json.dumps(plain) and "Syria" not in json.dumps(plain)
    land = next(layer for layer in focused["layers"] if layer["id"] == "land")
    assert ["in", ["get", "iso_a2"], ["literal", ["MM"]]] == land["paint"]["fill-color"][1]
    border = next(layer for layer in focused["layers"] if layer["id"] == "border-focus")
    assert border["filter"] == ["in", ["get", "iso_a2"], ["literal", ["MM"]]]


# ------------------------------------------------------------- basemap modes
def test_default_mode_is_the_plain_style_unchanged():
    from dashboard.figures.basemap import plain_style
    assert map_style(BASE) == map_style(BASE, "plain") == plain_style(BASE)
    assert map_style(BASE, "no-such-mode") == plain_style(BASE)
    assert map_style(BASE, "local") == plain_style(BASE)  # no tile file: stays offline


def test_openstreetmap_is_an_opt_in_raster_source_with_attribution():
    from dashboard.figures.basemap import OSM_TILES
    style = map_style(BASE, "osm")
    source = style["sources"]["raster-tiles"]
    assert source["type"] == "raster" and source["tiles"] == [OSM_TILES]
    assert "OpenStreetMap" in source["attribution"]
    assert style["glyphs"].startswith(BASE)  # trace labels keep their local glyphs
    with pytest.raises(ValueError):
        assert_offline(style, ORIGIN)  # it does leave the app: that is why it is opt-in


def test_local_tiles_stay_on_the_app():
    style = map_style("/assets/", "local", "/tiles/{z}/{x}/{y}.png", "Own tiles")
    assert style["sources"]["raster-tiles"]["tiles"] == ["/tiles/{z}/{x}/{y}.png"]
    assert style["sources"]["raster-tiles"]["attribution"] == "Own tiles"
    assert_offline(style, ORIGIN + "/", allow_relative=True)
