"""Administrative boundaries (admin levels 1-3) as one canonical GeoDataFrame.

OCHA's COD-AB layers name their columns by level (``adm2_pcode``,
``adm2_name``, ``adm2_name1`` for the Arabic name...); other files may
already use the canonical columns. :func:`read_boundaries` turns either into
``pcode, name, name_ar, admin_level, parent_pcode, geometry`` in
:data:`geodata.schema.CRS`; :func:`web_geojson` simplifies one level for the
browser. Names stay as the file gives them (callers escape them for display).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import pandas as pd
import shapely

from .errors import UnreadableFileError
from .schema import CRS

COLUMNS = ("pcode", "name", "name_ar", "admin_level", "parent_pcode", "geometry")
LEVELS = (1, 2, 3)
#: Simplification per level (degrees; 0.002 deg is about 200 m): fine enough for the zooms each is shown at.
TOLERANCE = {1: 0.003, 2: 0.002, 3: 0.0015}
_COD = re.compile(r"^adm([0-4])_pcode$", re.IGNORECASE)


def _cod_level(columns: Iterable[str]) -> int | None:
    levels = [int(m.group(1)) for c in columns if (m := _COD.match(c))]
    return max(levels) if levels else None


def normalise(frame: gpd.GeoDataFrame, *, file: str = "") -> gpd.GeoDataFrame:
    """One layer's columns as the canonical ones (COD-AB ``admN_*`` or already canonical).

    Raises
    ------
    UnreadableFileError
        the layer has neither canonical nor COD-AB p-code columns.
    """
    if frame.crs is not None and frame.crs != CRS:
        frame = frame.to_crs(CRS)
    lower = {c.lower(): c for c in frame.columns}
    if {"pcode", "name", "admin_level"} <= set(lower):
        out = pd.DataFrame({
            "pcode": frame[lower["pcode"]].astype("string"),
            "name": frame[lower["name"]].astype("string"),
            "name_ar": frame[lower["name_ar"]].astype("string") if "name_ar" in lower else pd.NA,
            "admin_level": pd.to_numeric(frame[lower["admin_level"]], errors="coerce").astype("Int64"),
            "parent_pcode": frame[lower["parent_pcode"]].astype("string") if "parent_pcode" in lower else pd.NA,
        })
    else:
        level = _cod_level(lower)
        if level is None:
            raise UnreadableFileError(file or "boundaries", "no 'pcode' or 'admN_pcode' column")
        col = lambda suffix, n=level: lower.get(f"adm{n}_{suffix}")  # noqa: E731
        out = pd.DataFrame({
            "pcode": frame[col("pcode")].astype("string"),
            "name": frame[col("name") or col("pcode")].astype("string"),
            "name_ar": frame[col("name1")].astype("string") if col("name1") else pd.NA,
            "admin_level": level,
            "parent_pcode": frame[col("pcode", level - 1)].astype("string") if col("pcode", level - 1) else pd.NA,
        })
    out["admin_level"] = out["admin_level"].astype("Int64")
    out["name_ar"] = out["name_ar"].astype("string")
    out["parent_pcode"] = out["parent_pcode"].astype("string")
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=frame.crs or CRS)
    return result[result["pcode"].notna() & result.geometry.notna()].reset_index(drop=True)


def read_boundaries(paths: Iterable[str | Path]) -> gpd.GeoDataFrame:
    """Read and normalise boundary files (GeoJSON, shapefile, GeoPackage...), all levels in one frame.

    Duplicate p-codes keep their first occurrence. Raises
    :class:`~geodata.errors.UnreadableFileError` for a missing or unreadable file.
    """
    frames = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise UnreadableFileError(str(path), "file not found")
        try:
            raw = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
            raise UnreadableFileError(str(path), str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        frames.append(normalise(raw, file=str(path)))
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[], crs=CRS)
    whole = pd.concat(frames, ignore_index=True)
    whole = whole.drop_duplicates(subset="pcode", keep="first").reset_index(drop=True)
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
        for code, name, shape in zip(rows["pcode"], rows["name"], shapes) if shape is not None and not shape.is_empty
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
