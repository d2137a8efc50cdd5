"""Administrative boundaries (OCHA COD-AB style) from GeoJSON, GeoPackage or shapefiles.

Every layer becomes the same six columns: ``pcode, name, name_ar,
admin_level, parent_pcode, geometry`` in EPSG:4326, whatever the file calls
them (COD-AB: ``adm2_pcode``, ``adm2_name``, ``adm2_name1`` for Arabic,
``adm1_pcode`` as the parent). Geometry is checked here, because only this
reader sees it: empty or missing shapes and non-polygons are reader problems
(the feature is quarantined), invalid polygons (self-intersections, common
in COD-AB files) are repaired with ``shapely.make_valid`` and reported as
warnings, another CRS is reprojected with a warning, and a shapefile without
``.prj`` is refused unless the caller states its CRS.

``line`` in problems and the quarantine is the 1-based feature number.
"""
from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.ingest import limits
from geodata.ingest.readers.base import SourceTable
from geodata.model.errors import Problem, SchemaError, UnreadableFileError
from geodata.model.schema import BOUNDARIES, CRS

COLUMNS = ("pcode", "name", "name_ar", "admin_level", "parent_pcode", "geometry")
_LEVEL = re.compile(r"^adm(\d)_pcode$", re.IGNORECASE)
_ARABIC = re.compile("[\u0600-\u06ff]")


def _read_layers(path: Path, layer: str | None) -> list[tuple[str, gpd.GeoDataFrame]]:
    import pyogrio  # here: GDAL costs ~30 MB in every worker, and only boundary files need it

    file = str(path)
    if not path.exists():
        raise UnreadableFileError(file, "file not found")
    try:
        names = [layer] if layer is not None else [str(n) for n, _ in pyogrio.list_layers(path)]
        # Count before reading: a layer's feature count is in its header, its shapes are not.
        features = sum(int(pyogrio.read_info(path, layer=name).get("features") or 0) for name in names)
        limits.check(file, "the number of features", features, limits.MAX_BOUNDARY_FEATURES,
                     "MAX_BOUNDARY_FEATURES")
        layers = []
        vertices = 0
        for name in names:
            frame = gpd.read_file(path, layer=name, engine="pyogrio")
            vertices += count_vertices(frame)
            limits.check(file, "the number of vertices", vertices, limits.MAX_BOUNDARY_VERTICES,
                         "MAX_BOUNDARY_VERTICES")
            layers.append((name, frame))
        return layers
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise UnreadableFileError(file, str(exc).splitlines()[0]) from None


def count_vertices(frame: gpd.GeoDataFrame) -> int:
    """Coordinates in every shape of ``frame`` (what the map's layout and memory grow with)."""
    return int(shapely.get_num_coordinates(frame.geometry.values).sum()) if len(frame) else 0


def check_size(frame: gpd.GeoDataFrame, file: str) -> None:
    """Refuse boundaries with more features or vertices than :mod:`geodata.ingest.limits` allows."""
    limits.check(file, "the number of features", len(frame), limits.MAX_BOUNDARY_FEATURES, "MAX_BOUNDARY_FEATURES")
    limits.check(file, "the number of vertices", count_vertices(frame), limits.MAX_BOUNDARY_VERTICES,
                 "MAX_BOUNDARY_VERTICES")


def _level(frame: gpd.GeoDataFrame, file: str, level: int | None) -> int:
    levels = sorted(int(m.group(1)) for c in frame.columns if (m := _LEVEL.match(str(c))))
    if level is not None:
        if level not in levels:
            raise SchemaError([Problem(file, 1, f"adm{level}_pcode", "required column is missing from the header")])
        return level
    if not levels:
        raise SchemaError([Problem(file, 1, "admN_pcode", "no p-code column (adm0_pcode ... adm4_pcode) in the layer")])
    return levels[-1]


def _arabic_names(frame: gpd.GeoDataFrame, level: int) -> pd.Series:
    """The ``admN_nameK`` column written in Arabic script (COD-AB puts Arabic in ``_name1``)."""
    for column in [c for c in frame.columns if re.fullmatch(rf"adm{level}_name\d", str(c), re.IGNORECASE)]:
        sample = frame[column].dropna().astype(str).head(20)
        if len(sample) and sample.map(lambda v: bool(_ARABIC.search(v))).mean() > 0.5:
            return frame[column]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _column(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    lower = {str(c).lower(): c for c in frame.columns}
    if name in lower:
        return frame[lower[name]].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def normalise_layer(frame: gpd.GeoDataFrame, file: str, *, level: int | None = None) -> gpd.GeoDataFrame:
    """One COD-AB style layer as ``pcode, name, name_ar, admin_level, parent_pcode, geometry`` (CRS unchanged)."""
    n = _level(frame, file, level)
    return gpd.GeoDataFrame({
        "pcode": _column(frame, f"adm{n}_pcode"),
        "name": _column(frame, f"adm{n}_name") if f"adm{n}_name" in map(str.lower, map(str, frame.columns))
        else _column(frame, f"adm{n}_en"),
        "name_ar": _arabic_names(frame, n).astype("string"),
        "admin_level": pd.Series(n, index=frame.index, dtype="Int64"),
        "parent_pcode": _column(frame, f"adm{n - 1}_pcode"),
    }, geometry=frame.geometry.values, crs=frame.crs)


def check_geometries(frame: gpd.GeoDataFrame, file: str, lines: np.ndarray
                     ) -> tuple[gpd.GeoDataFrame, list[Problem], list[Problem]]:
    """Empty/missing and non-polygon shapes as problems; invalid polygons repaired, as warnings."""
    geometry = frame.geometry.values
    problems: list[Problem] = []
    warnings: list[Problem] = []
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    problems += [Problem(file, int(lines[i]), "geometry", "geometry is empty or missing")
                 for i in np.flatnonzero(empty)]
    kinds = shapely.get_type_id(geometry)
    polygonal = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    for i in np.flatnonzero(~empty & ~polygonal):
        problems.append(Problem(file, int(lines[i]), "geometry", "expected a polygon", geometry[i].geom_type))
    invalid = ~empty & polygonal & ~shapely.is_valid(geometry)
    rows = np.flatnonzero(invalid)
    if len(rows):
        reasons = shapely.is_valid_reason(geometry[rows])
        repaired = shapely.make_valid(geometry[rows], method="structure", keep_collapsed=False)
        geometry = geometry.copy()
        for i, reason, shape in zip(rows, reasons, repaired, strict=True):
            if shape is None or shape.is_empty:
                problems.append(Problem(file, int(lines[i]), "geometry", "invalid polygon that collapses when repaired",
                                        str(reason)))
                continue
            geometry[i] = shape
            warnings.append(Problem(file, int(lines[i]), "geometry",
                                    f"invalid polygon repaired with make_valid ({reason})"))
        frame = frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs))
    return frame, problems, warnings


def read_boundaries(path: str | Path, *, level: int | None = None, layer: str | None = None,
                    crs: str | None = None) -> SourceTable:
    """Read admin boundaries as the canonical ``boundaries`` table (not yet validated).

    Parameters
    ----------
    path
        ``.geojson``, ``.gpkg`` (every layer unless ``layer`` is given),
        ``.shp`` (with its sidecar files) or a ``.zip`` holding a shapefile.
    level
        The admin level to read (default: the finest ``admN_pcode`` present).
    crs
        The CRS of a file that does not state one (a shapefile without
        ``.prj``); ignored when the file states its own.

    Guarantees: geometry in EPSG:4326; ``admin_level`` from the column names;
    ``parent_pcode`` is the next level up when the layer has it.

    Raises
    ------
    UnreadableFileError
        the file cannot be opened, or has no CRS and none was given.
    SchemaError
        a layer has no p-code column.
    """
    path = Path(path)
    file = str(path)
    parts, originals, warnings = [], [], []
    for _name, raw in _read_layers(path, layer):
        if raw.crs is None:
            if crs is None:
                raise UnreadableFileError(file, "the file states no coordinate reference system (a shapefile "
                                                "without its .prj?); pass crs='EPSG:4326' or the right one")
            raw = raw.set_crs(crs)
        frame = normalise_layer(raw, file, level=level)
        if not frame.crs.equals(CRS):
            warnings.append(Problem(file, None, "geometry", f"reprojected from {frame.crs.to_string()} to {CRS}"))
            frame = frame.to_crs(CRS)
        parts.append(frame)
        originals.append(pd.DataFrame(raw).assign(geometry=raw.geometry.values))
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)
    original = pd.concat(originals, ignore_index=True)
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame, problems, repaired = check_geometries(frame, file, lines)
    return SourceTable(file=file, format="boundaries", schema=BOUNDARIES, frame=frame, original=original,
                       lines=lines, problems=tuple(problems), warnings=tuple(warnings + repaired))
