"""Offline MapLibre basemap: a style that only ever talks to the app itself.

Plotly's ``go.Scattermap`` draws with MapLibre.  With no ``style`` (or one
of Plotly's named styles) MapLibre loads tiles, sprites and fonts from
CDNs, which leaks the analysts' viewport and fails offline.  The style
built here uses only files that Dash serves from ``assets/``:

* ``assets/basemap/countries.geojson``: Natural Earth country outlines,
  clipped to :data:`BOUNDS` (built by ``tools/build_basemap.py``);
* ``assets/glyphs/<fontstack>/<range>.pbf``: SDF glyphs of the DejaVu
  fonts (built by ``tools/build_glyphs.py``).

Usage::

    base = app.get_asset_url("")  # "/assets/"; or an absolute URL, see map_style
    fig.update_layout(map=dict(style=map_style(base), bounds=BOUNDS, center=..., zoom=7))
    fig.add_trace(go.Scattermap(..., mode="markers+text",
                                textfont=dict(family=GLYPH_FONT)))

Text in traces must use :data:`GLYPH_FONT` or :data:`GLYPH_FONT_BOLD` as
``textfont.family`` (no other fontstack exists; ``textfont.weight`` does not
switch to bold, use ``GLYPH_FONT_BOLD``).  Glyphs cover U+0000-U+01FF,
U+1E00-U+1EFF, U+2000-U+20FF (Latin incl. transliteration marks, dashes,
quotes) and Arabic (U+0600-U+06FF, U+FB00-U+FBFF, U+FE00-U+FEFF); text
needing another 256-codepoint range makes MapLibre request a missing
``.pbf`` (a 404 and console error) and draw that range with a local font.

:func:`map_style` also builds two opt-in raster basemaps: OpenStreetMap
tiles (an outside request per tile, only when the analyst picks it) and
local tiles the app serves from an MBTiles file (:mod:`dashboard.server.tiles`).
The default, ``"plain"``, is exactly :func:`plain_style`.

This module is pure: no I/O, no Dash imports.
"""
from __future__ import annotations

from pathlib import Path

#: Fontstack names, for ``textfont.family`` of Scattermap traces.
GLYPH_FONT = "DejaVu Sans Regular"
GLYPH_FONT_BOLD = "DejaVu Sans Bold"

#: Extent of the outline data (lon/lat); suits ``layout.map.bounds`` so that
#: nobody pans or zooms out past the edge of the basemap.
BOUNDS = {"west": 32.5, "east": 43.5, "south": 30.5, "north": 39.0}

#: The app's static files (CSS, scripts, glyphs, outlines), served by Dash and read by the renderer.
ASSETS = Path(__file__).resolve().parents[2] / "assets"
#: Paths under the assets URL.
GLYPHS_PATH = "glyphs/{fontstack}/{range}.pbf"
COUNTRIES_PATH = "basemap/countries.geojson"

# Quiet palette: light neutrals so that coloured incident markers stand out.
SEA = "#dde5ea"
LAND = "#f1f0ec"
LAND_SYRIA = "#f8f7f4"
BORDER = "#a9a9a3"
BORDER_SYRIA = "#6e6e68"
LABEL = "#8b8b85"
LABEL_SEA = "#8ea2b0"
HALO = "rgba(255,255,255,0.85)"

#: Zoom at which labels switch from the regional overview to positions
#: tuned for the dashboard's usual view (NW Syria, centre ~35.9 N 36.75 E).
DETAIL_ZOOM = 7.5

#: Hand-placed labels (name, lon, lat, tier): tier "overview" shows below
#: DETAIL_ZOOM, "detail" from it on, "all" at every zoom.  Each point lies
#: inside its country (checked by the tests) and clear of the Idlib-Aleppo
#: area.  Labels on the polygons themselves would repeat in every GeoJSON tile.
COUNTRY_LABELS = (
    ("Syria", 38.6, 35.0, "overview"),
    ("Syria", 37.85, 35.3, "detail"),
    ("Turkey", 38.3, 37.3, "overview"),
    ("Turkey", 36.3, 36.5, "detail"),
    ("Lebanon", 35.9, 34.2, "overview"),
    ("Lebanon", 36.1, 34.5, "detail"),
    ("Israel", 34.95, 31.25, "all"),
    ("Palestine", 35.25, 31.85, "all"),
    ("Jordan", 36.95, 31.35, "all"),
    ("Iraq", 42.2, 33.9, "all"),
    ("Cyprus", 33.0, 34.95, "all"),
    ("Egypt", 33.4, 30.75, "all"),
    ("Saudi Arabia", 40.2, 30.85, "all"),
)
SEA_LABELS = (
    ("Mediterranean Sea", 34.7, 34.5, "overview"),
    ("Mediterranean Sea", 35.3, 35.45, "detail"),
)


def _points(labels: tuple[tuple[str, float, float, str], ...]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name, "tier": tier},
             "geometry": {"type": "Point", "coordinates": [lon, lat]}}
            for name, lon, lat, tier in labels
        ],
    }


def _label_layers(name: str, source: str, layout: dict, paint: dict) -> list[dict]:
    """The overview and detail symbol layers of one label source."""
    return [
        {"id": f"{name}-overview", "type": "symbol", "source": source,
         "maxzoom": DETAIL_ZOOM, "filter": ["in", ["get", "tier"], ["literal", ["all", "overview"]]],
         "layout": dict(layout), "paint": dict(paint)},
        {"id": f"{name}-detail", "type": "symbol", "source": source,
         "minzoom": DETAIL_ZOOM, "filter": ["in", ["get", "tier"], ["literal", ["all", "detail"]]],
         "layout": dict(layout), "paint": dict(paint)},
    ]


def _is_syria() -> list:
    return ["==", ["get", "iso_a3"], "SYR"]


#: Basemaps the analyst can pick. Only ``plain`` is offline by construction;
#: ``osm`` loads tiles from openstreetmap.org (opt-in, the UI says so);
#: ``local`` loads raster tiles the app serves from an MBTiles file.
BASEMAPS = ("plain", "osm", "local")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
ATTRIBUTIONS = {
    "plain": "Base: Natural Earth · no external tiles",
    "osm": "Base: © OpenStreetMap contributors (tiles from tile.openstreetmap.org)",
    "local": "Base: local tiles",
}


def map_style(base_url: str, basemap: str = "plain", tiles_url: str | None = None,
              tiles_attribution: str = "") -> dict:
    """MapLibre style for ``basemap``: ``"plain"`` (default), ``"osm"`` or ``"local"``.

    ``"plain"`` is :func:`plain_style` unchanged. ``"osm"`` draws the
    OpenStreetMap raster tiles (a request to tile.openstreetmap.org per tile:
    only on the analyst's explicit choice). ``"local"`` draws the raster tiles
    at ``tiles_url`` (a ``{z}/{x}/{y}`` template served by the app, see
    :mod:`dashboard.server.tiles`); without ``tiles_url`` it falls back to plain.
    Glyphs always come from ``base_url``, so trace labels keep working.
    """
    if basemap == "osm":
        return _raster_style(base_url, "OpenStreetMap", [OSM_TILES], OSM_ATTRIBUTION, maxzoom=19)
    if basemap == "local" and tiles_url:
        return _raster_style(base_url, "local tiles", [tiles_url], tiles_attribution, maxzoom=22)
    return plain_style(base_url)


def _raster_style(base_url: str, name: str, tiles: list[str], attribution: str, maxzoom: int) -> dict:
    base = base_url if base_url.endswith("/") else base_url + "/"
    source = {"type": "raster", "tiles": list(tiles), "tileSize": 256, "maxzoom": maxzoom}
    if attribution:
        source["attribution"] = attribution
    return {
        "version": 8,
        "name": f"conflict-map {name}",
        "glyphs": base + GLYPHS_PATH,
        "sources": {"raster-tiles": source},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": SEA}},
            {"id": "raster-tiles", "type": "raster", "source": "raster-tiles"},
        ],
    }


def plain_style(base_url: str) -> dict:
    """MapLibre style (spec version 8) over the app's own assets.

    ``base_url`` is the URL of the Dash assets folder as the browser sees it:
    absolute (``flask.request.host_url.rstrip("/") + app.get_asset_url("")``,
    e.g. ``"http://127.0.0.1:8050/assets/"``) or root-relative
    (``app.get_asset_url("")``, i.e. ``"/assets/"`` behind any path prefix).
    Both were checked in Chromium with the MapLibre 6.9.0 bundled in
    plotly.js 4.1.1: MapLibre resolves the GeoJSON URL against the page on
    the main thread before its worker fetches it, and loads glyphs on the
    main thread.  Do not use a bare relative ``"assets/"`` (it would resolve
    against the page path).  The result is a fresh dict on each call.
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    text_size = ["interpolate", ["linear"], ["zoom"], 5, 10, 8, 13, 11, 15]
    return {
        "version": 8,
        "name": "conflict-map offline",
        "glyphs": base + GLYPHS_PATH,
        "sources": {
            "countries": {"type": "geojson", "data": base + COUNTRIES_PATH},
            "country-labels": {"type": "geojson", "data": _points(COUNTRY_LABELS)},
            "sea-labels": {"type": "geojson", "data": _points(SEA_LABELS)},
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": SEA}},
            {"id": "land", "type": "fill", "source": "countries",
             "paint": {"fill-color": ["case", _is_syria(), LAND_SYRIA, LAND],
                       "fill-antialias": True}},
            {"id": "borders", "type": "line", "source": "countries",
             "filter": ["!", _is_syria()],
             "layout": {"line-join": "round"},
             "paint": {"line-color": BORDER,
                       "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.5, 10, 1.2]}},
            {"id": "border-syria", "type": "line", "source": "countries",
             "filter": _is_syria(),
             "layout": {"line-join": "round"},
             "paint": {"line-color": BORDER_SYRIA,
                       "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.0, 10, 2.2]}},
            *_label_layers(
                "sea-labels", "sea-labels",
                {"text-field": ["get", "name"], "text-font": [GLYPH_FONT],
                 "text-size": text_size, "text-letter-spacing": 0.15},
                {"text-color": LABEL_SEA, "text-halo-color": SEA, "text-halo-width": 1}),
            *_label_layers(
                "country-labels", "country-labels",
                {"text-field": ["upcase", ["get", "name"]], "text-font": [GLYPH_FONT],
                 "text-size": text_size, "text-letter-spacing": 0.12, "text-max-width": 8},
                {"text-color": LABEL, "text-halo-color": HALO, "text-halo-width": 1.2}),
        ],
    }
