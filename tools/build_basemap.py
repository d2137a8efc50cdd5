#!/usr/bin/env python3
"""Build ``assets/basemap/countries.geojson``: country outlines around Syria.

Source: the npm package ``world-atlas`` (Natural Earth admin-0 countries as
TopoJSON, public domain).  The app never fetches it; this script turns it
into a small GeoJSON clipped to the region, which Dash serves from
``assets/`` and the MapLibre style in ``dashboard/basemap.py`` draws.

Usage (build-only deps in tools/requirements.txt; npm only for the data)::

    mkdir -p /tmp/basemapbuild && (cd /tmp/basemapbuild && npm init -y >/dev/null \\
        && npm install world-atlas@2.0.2)
    /tmp/toolsvenv/bin/python tools/build_basemap.py \\
        --topojson /tmp/basemapbuild/node_modules/world-atlas/countries-10m.json

Each output feature is one country (clipped MultiPolygon/Polygon) with
properties ``name`` (English short name, from Natural Earth via
world-atlas), ``iso_a3`` (ISO 3166-1 alpha-3, mapped from world-atlas's
numeric ``id``; ``null`` for areas without one such as "N. Cyprus") and
``iso_n3`` (the numeric code as a string, or ``null``).  Every country that
intersects the clip box is kept, not only the eight of interest, so that
no land inside the box is drawn as sea.  Coordinates are rounded to 4
decimals (~10 m) with a validity-preserving grid snap.

GDAL's TopoJSON driver decodes the file (through geopandas and pyogrio),
so the build needs no Node at run time.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "assets" / "basemap" / "countries.geojson"
DEFAULT_TOPOJSON = Path("/tmp/basemapbuild/node_modules/world-atlas/countries-10m.json")

#: Clip box (lon_min, lat_min, lon_max, lat_max): NW Syria and neighbours,
#: a little wider than the 33-43 E / 31-38.5 N area of interest so that the
#: data edge is off screen at the dashboard's usual zooms.
BBOX = (32.5, 30.5, 43.5, 39.0)
PRECISION = 1e-4  # degrees

#: world-atlas ids are ISO 3166-1 numeric; alpha-3 for the region.
ISO_A3 = {
    "760": "SYR", "792": "TUR", "422": "LBN", "376": "ISR", "275": "PSE",
    "400": "JOR", "368": "IRQ", "196": "CYP", "818": "EGY", "682": "SAU",
    "364": "IRN", "051": "ARM", "031": "AZE", "268": "GEO",
}


def read_countries(topojson: Path) -> gpd.GeoDataFrame:
    """world-atlas's ``countries`` object: columns ``id`` (ISO numeric, or missing), ``name`` and ``geometry``."""
    return gpd.read_file(topojson, layer="countries", engine="pyogrio")


def _valid_area(geom: BaseGeometry | None) -> BaseGeometry | None:
    """A country's (Multi)Polygon, made valid (clipping an invalid one can fail); None for anything else."""
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return geom if geom.is_valid else shapely.make_valid(geom)


def _text(value: Any) -> str | None:
    """A text field's value, None where it is missing (pandas gives NaN)."""
    return value if isinstance(value, str) else None


def _polygonal(geom):
    """Keep only the polygon parts (clipping can leave stray lines/points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def build(topojson: Path, bbox=BBOX) -> dict:
    clip = box(*bbox)
    features = []
    for country in read_countries(topojson).itertuples():
        shape = _valid_area(country.geometry)
        if shape is None or not shape.intersects(clip):
            continue
        clipped = _polygonal(shapely.set_precision(shape.intersection(clip), PRECISION))
        if clipped is None or clipped.is_empty:
            continue
        iso_n3 = _text(country.id)
        features.append({
            "type": "Feature",
            "properties": {
                "name": country.name,
                "iso_a3": ISO_A3.get(iso_n3) if iso_n3 else None,
                "iso_n3": iso_n3,
            },
            "geometry": mapping(clipped),
        })
    features.sort(key=lambda f: f["properties"]["name"])
    return {
        "type": "FeatureCollection",
        "bbox": list(bbox),
        "features": features,
    }


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topojson", type=Path, default=DEFAULT_TOPOJSON,
                        help="world-atlas countries-10m.json or countries-50m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.topojson.exists():
        parser.error(f"{args.topojson} missing; see the usage in this script's docstring")

    collection = _round(build(args.topojson))
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    names = ", ".join(f["properties"]["name"] for f in collection["features"])
    print(f"{args.out}: {len(text.encode())} bytes, {len(collection['features'])} features: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
