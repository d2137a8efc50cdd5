"""Offline MapLibre basemap: a style that only ever talks to the app itself.

Plotly's ``go.Scattermap`` draws with MapLibre.  With no ``style`` (or one
of Plotly's named styles) MapLibre loads tiles, sprites and fonts from
CDNs, which leaks the analysts' viewport and fails offline.  The style
built here uses only files that Dash serves from ``assets/``:

* ``assets/basemap/countries.geojson``: Natural Earth country outlines of
  the whole world (1:50m; a link to ``geodata/geo/data/countries.geojson``,
  which ``tools/build_basemap.py`` builds) and ``country-labels.geojson``,
  one label point per country ranked by size;
* ``assets/glyphs/<fontstack>/<range>.pbf``: SDF glyphs of the DejaVu
  fonts (built by ``tools/build_glyphs.py``).

Usage::

    base = app.get_asset_url("")  # "/assets/"; or an absolute URL, see map_style
    fig.update_layout(map=dict(style=map_style(base, focus=("SY",)), center=..., zoom=7))
    fig.add_trace(go.Scattermap(..., mode="markers+text",
                                textfont=dict(family=GLYPH_FONT)))

Text in traces must use :data:`GLYPH_FONT` or :data:`GLYPH_FONT_BOLD` as
``textfont.family`` (no other fontstack exists; ``textfont.weight`` does not
switch to bold, use ``GLYPH_FONT_BOLD``).  Glyphs cover U+0000-U+01FF,
U+1E00-U+1EFF, U+2000-U+20FF (Latin incl. transliteration marks, dashes,
quotes) and Arabic (U+0600-U+06FF, U+FB00-U+FBFF, U+FE00-U+FEFF); text
needing another 256-codepoint range makes MapLibre request a missing
``.pbf`` (a 404 and console error) and draw that range with a local font.

Nothing here knows a country: the countries a dataset covers are passed
as ``focus`` (ISO alpha-2 codes) and drawn a shade lighter, with a darker
border. :func:`map_style` also builds two opt-in raster basemaps: OpenStreetMap
tiles (an outside request per tile, only when the analyst picks it) and
local tiles the app serves from an MBTiles file (:mod:`dashboard.server.tiles`).
The default, ``"plain"``, is exactly :func:`plain_style`.

This module is pure: no I/O, no Dash imports.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

#: Fontstack names, for ``textfont.family`` of Scattermap traces.
GLYPH_FONT = "DejaVu Sans Regular"
GLYPH_FONT_BOLD = "DejaVu Sans Bold"

#: The app's static files (CSS, scripts, glyphs, outlines), served by Dash and read by the renderer.
ASSETS = Path(__file__).resolve().parents[2] / "assets"
#: Paths under the assets URL.
GLYPHS_PATH = "glyphs/{fontstack}/{range}.pbf"
COUNTRIES_PATH = "basemap/countries.geojson"
COUNTRY_LABELS_PATH = "basemap/country-labels.geojson"
#: The outlines as vector tiles (built by tools/build_basemap.py), served by the app below its assets URL
#: (dashboard.server.tiles): the browser reads the tiles in view, not the whole world, before the first map.
COUNTRY_TILES_PATH = "basemap/countries/{z}/{x}/{y}.pbf"
COUNTRY_TILES_FILE = ASSETS / "basemap" / "countries.mbtiles"
COUNTRY_TILES_MAX_ZOOM = 6
#: Paint changes (a new colour scale, opacity) apply at once: a 300 ms transition is a run of
#: full-canvas frames, each ~0.1-0.25 s on a machine without a GPU.
NO_TRANSITION = {"duration": 0, "delay": 0}

# Quiet palette: light neutrals so that coloured incident markers stand out.
SEA = "#dde5ea"
LAND = "#f1f0ec"
LAND_FOCUS = "#f8f7f4"
BORDER = "#a9a9a3"
BORDER_FOCUS = "#6e6e68"
LABEL = "#8b8b85"
HALO = "rgba(255,255,255,0.85)"

#: A country's name shows from this zoom on, by its size rank (1: the largest 30, 2: the next 60, 3: the rest).
LABEL_MIN_ZOOM = {1: 1.5, 2: 3.5, 3: 5.0}


def _in_focus(focus: tuple[str, ...]) -> list:
    return ["in", ["get", "iso_a2"], ["literal", list(focus)]]


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
              tiles_attribution: str = "", *, focus: tuple[str, ...] = (), outlines: str = "tiles") -> dict:
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
    return plain_style(base_url, focus, outlines=outlines)


def _raster_style(base_url: str, name: str, tiles: list[str], attribution: str, maxzoom: int) -> dict:
    base = base_url if base_url.endswith("/") else base_url + "/"
    source = {"type": "raster", "tiles": list(tiles), "tileSize": 256, "maxzoom": maxzoom}
    if attribution:
        source["attribution"] = attribution
    return {
        "version": 8,
        "name": f"conflict-map {name}",
        "glyphs": base + GLYPHS_PATH,
        "transition": NO_TRANSITION,
        "sources": {"raster-tiles": source},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": SEA}},
            {"id": "raster-tiles", "type": "raster", "source": "raster-tiles"},
        ],
    }


def plain_style(base_url: str, focus: tuple[str, ...] = (), *, outlines: str = "tiles") -> dict:
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

    ``outlines``: ``"tiles"`` (the app's vector tiles, layer ``countries``) or ``"geojson"`` (the whole file:
    for a page that has no app behind it, such as the export's, which puts the data inline).
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    text_size = ["interpolate", ["linear"], ["zoom"], 2, 10, 8, 13, 11, 15]
    labels = [
        {"id": f"country-labels-{rank}", "type": "symbol", "source": "country-labels", "minzoom": zoom,
         "filter": ["==", ["get", "rank"], rank],
         "layout": {"text-field": ["upcase", ["get", "name"]], "text-font": [GLYPH_FONT], "text-size": text_size,
                    "text-letter-spacing": 0.12, "text-max-width": 8},
         "paint": {"text-color": LABEL, "text-halo-color": HALO, "text-halo-width": 1.2}}
        for rank, zoom in LABEL_MIN_ZOOM.items()
    ]
    if outlines == "tiles":
        countries = {"type": "vector", "tiles": [base + COUNTRY_TILES_PATH], "minzoom": 0,
                     "maxzoom": COUNTRY_TILES_MAX_ZOOM}
    else:
        countries = {"type": "geojson", "data": base + COUNTRIES_PATH}
    style: dict[str, Any] = {
        "version": 8,
        "name": "conflict-map offline",
        "glyphs": base + GLYPHS_PATH,
        "transition": NO_TRANSITION,
        "sources": {
            "countries": countries,
            "country-labels": {"type": "geojson", "data": base + COUNTRY_LABELS_PATH},
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": SEA}},
            {"id": "land", "type": "fill", "source": "countries",
             "paint": {"fill-color": ["case", _in_focus(focus), LAND_FOCUS, LAND], "fill-antialias": True}},
            {"id": "borders", "type": "line", "source": "countries", "filter": ["!", _in_focus(focus)],
             "layout": {"line-join": "round"},
             "paint": {"line-color": BORDER,
                       "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.3, 5, 0.5, 10, 1.2]}},
            {"id": "border-focus", "type": "line", "source": "countries", "filter": _in_focus(focus),
             "layout": {"line-join": "round"},
             "paint": {"line-color": BORDER_FOCUS,
                       "line-width": ["interpolate", ["linear"], ["zoom"], 2, 0.6, 5, 1.0, 10, 2.2]}},
            *labels,
        ],
    }
    if outlines == "tiles":
        layers: list[dict] = style["layers"]
        for layer in layers:
            if layer.get("source") == "countries":
                layer["source-layer"] = "countries"
    return style
