"""Administrative boundaries (admin levels 1-3) as one canonical GeoDataFrame.

:func:`read_boundaries` reads COD-AB style files through
:mod:`geodata.ingest.readers.boundaries` into ``pcode, name, name_ar, admin_level,
parent_pcode, geometry`` in :data:`geodata.model.schema.CRS`, every level in one
frame; :func:`web_geojson` simplifies one level for the browser. Names stay
as the file gives them (callers escape them for display).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.ingest.readers import boundaries as reader
from geodata.model.schema import CRS

COLUMNS = ("pcode", "name", "name_ar", "admin_level", "parent_pcode", "geometry")
LEVELS = (1, 2, 3)
#: Simplification per level (degrees; 0.002 deg is about 200 m): fine enough for the zooms each is shown at.
TOLERANCE = {1: 0.003, 2: 0.002, 3: 0.0015}
def read_boundaries(paths: Iterable[str | Path]) -> gpd.GeoDataFrame:
    """Read boundary files with :func:`geodata.ingest.readers.boundaries.read_boundaries`, all levels in one frame.

    Features the reader quarantines (empty or non-polygon shapes) are left
    out; duplicate p-codes keep their first occurrence. Raises what the
    reader raises (:class:`~geodata.model.errors.UnreadableFileError`,
    :class:`~geodata.model.errors.SchemaError`) for a file that cannot be used.
    """
    frames = []
    for path in paths:
        table = reader.read_boundaries(path)
        bad = {p.line for p in table.problems if p.line is not None}
        keep = ~np.isin(table.lines, list(bad)) if bad else np.ones(len(table.frame), dtype=bool)
        frames.append(table.frame[keep])
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[], crs=CRS)
    whole = pd.concat(frames, ignore_index=True)
    whole = whole[whole["pcode"].notna()].drop_duplicates(subset="pcode", keep="first").reset_index(drop=True)
    return gpd.GeoDataFrame(whole, geometry="geometry", crs=CRS)


def boundary_files(spec: str | Path) -> list[Path]:
    """The files named by ``spec``: one file, a folder (its admin 1-3 layers), or paths joined by ``os.pathsep``."""
    parts = [Path(p) for p in str(spec).split(os.pathsep) if p.strip()]
    files: list[Path] = []
    for part in parts:
        if part.is_dir():
            found = sorted(p for p in part.iterdir()
                           if p.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp")
                           and re.search(r"adm(in)?[_-]?[123](?!\d)", p.stem, re.IGNORECASE))
            files += found
        else:
            files.append(part)
    return files


def load_boundaries(spec: str | Path | None) -> gpd.GeoDataFrame | None:
    """The boundaries named by ``spec`` (see :func:`boundary_files`), or ``None`` for no spec."""
    if spec is None or not str(spec).strip():
        return None
    return read_boundaries(boundary_files(spec))


def levels(boundaries: gpd.GeoDataFrame | None) -> list[int]:
    """Admin levels (1-3) present in ``boundaries``."""
    if boundaries is None or boundaries.empty:
        return []
    present = set(int(v) for v in boundaries["admin_level"].dropna())
    return [level for level in LEVELS if level in present]


def web_geojson(boundaries: gpd.GeoDataFrame, level: int) -> str:
    """One level as compact GeoJSON text for the browser: simplified, coordinates to ~10 m.

    Each feature's properties are ``pcode`` and ``name`` (plotly matches
    ``properties.pcode``).
    """
    rows = boundaries[boundaries["admin_level"] == level]
    shapes = shapely.set_precision(
        shapely.simplify(rows.geometry.values, TOLERANCE.get(level, 0.002), preserve_topology=True), 0.0001)
    features = [
        {"type": "Feature", "properties": {"pcode": str(code), "name": str(name)},
         "geometry": shapely.geometry.mapping(shape)}
        for code, name, shape in zip(rows["pcode"], rows["name"], shapes, strict=True)
        if shape is not None and not shape.is_empty
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"),
                      ensure_ascii=False)


def label_points(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point inside each area (for its label): ``pcode, name, admin_level, latitude, longitude``."""
    points = shapely.point_on_surface(boundaries.geometry.values)
    return pd.DataFrame({
        "pcode": boundaries["pcode"].to_numpy(), "name": boundaries["name"].to_numpy(),
        "admin_level": boundaries["admin_level"].to_numpy(),
        "latitude": shapely.get_y(points), "longitude": shapely.get_x(points),
    })
