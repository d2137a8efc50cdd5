"""Admin boundaries (levels 0-4) in the ``boundaries`` table: one layer for all datasets.

Why here: workers that share the database can then join incidents to
areas in SQL (the table has a GiST index on ``geom``), and the dashboard
processes need not each read the boundary files. Geometries are stored as
``MultiPolygon`` in EPSG:4326, whatever mix of polygons and multipolygons
the reader produced, so every row has one type.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from geodata.model import schema
from geodata.model.errors import GeodataError

_POLYGON, _MULTIPOLYGON = 3, 6


def boundary_rows(boundaries: gpd.GeoDataFrame) -> list[list]:
    """Rows for COPY: the :data:`geodata.model.schema.BOUNDARIES` columns then hex EWKB MultiPolygons.

    Frames in another CRS are transformed to EPSG:4326; absent optional
    columns are stored as nulls.

    Raises
    ------
    GeodataError
        the frame has no CRS, or a geometry is empty or not a polygon.
    """
    if boundaries.crs is None:
        raise GeodataError("boundaries have no CRS: set it (EPSG:4326 for longitude/latitude) before saving")
    frame = boundaries.to_crs(schema.CRS) if boundaries.crs != schema.CRS else boundaries
    geoms = frame.geometry.to_numpy()
    if not np.isin(shapely.get_type_id(geoms), (_POLYGON, _MULTIPOLYGON)).all() or shapely.is_empty(geoms).any():
        raise GeodataError("boundaries must be polygons or multipolygons (no empty or other shapes)")
    parts, index = shapely.get_parts(geoms, return_index=True)
    multi = shapely.multipolygons(parts, indices=index)
    wkb = shapely.to_wkb(shapely.set_srid(multi, 4326), hex=True, include_srid=True)
    columns = schema.BOUNDARIES.names
    values = pd.DataFrame({c: frame[c].to_numpy() if c in frame.columns else None for c in columns})
    values["admin_level"] = values["admin_level"].astype("Int64")
    return [[None if pd.isna(v) else v for v in record] + [shape]
            for record, shape in zip(values.itertuples(index=False), wkb, strict=False)]


def write_boundaries(cur: psycopg.Cursor, rows: list[list]) -> None:
    """Replace the table's content with ``rows`` (inside the caller's transaction)."""
    cur.execute("DELETE FROM boundaries")
    with cur.copy("COPY boundaries (pcode, name, name_ar, admin_level, parent_pcode, geom) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def read_boundaries(cur: psycopg.Cursor, admin_level: int | None = None) -> gpd.GeoDataFrame:
    """The stored boundaries (one level, or all), ordered by level and p-code, in EPSG:4326."""
    condition, params = ("admin_level = %s", [admin_level]) if admin_level is not None else ("true", [])
    rows = cur.execute(sql.SQL(
        "SELECT pcode, name, name_ar, admin_level, parent_pcode, ST_AsBinary(geom) FROM boundaries "
        "WHERE {} ORDER BY admin_level, pcode").format(sql.SQL(condition)), params).fetchall()
    columns = schema.BOUNDARIES.names
    frame = pd.DataFrame([r[:5] for r in rows], columns=columns).astype(
        {c: "string" for c in columns if c != "admin_level"} | {"admin_level": "Int64"})
    geometry = shapely.from_wkb([bytes(r[5]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=schema.CRS), crs=schema.CRS)
