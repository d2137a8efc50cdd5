"""Admin p-codes for points, by point-in-polygon against loaded boundaries.

Sources name their admin areas in their own spellings ("Kharkiv Oblast",
"Kharkivska", "Kharkov"); p-codes make them comparable. :func:`assign_admin_codes`
finds the polygon of each level that holds each point and writes its
p-code; the source's own admin names are left as they are. Points in no
polygon (outside the country, in the sea, in a gap between polygons) are
flagged, never dropped.
"""
from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.model.schema import CRS

#: The column that flags points outside every polygon given.
OUTSIDE = "outside_boundaries"


def _containing(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.Series:
    """The p-code of the polygon holding each point (the first by p-code when a point sits on a shared edge)."""
    ranked = polygons[["pcode", "geometry"]].sort_values("pcode", kind="stable").reset_index(drop=True)
    joined = gpd.sjoin(points, ranked, how="inner", predicate="intersects")
    joined = joined.sort_values("index_right", kind="stable")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["pcode"].reindex(points.index).astype("string")


def assign_admin_codes(frame: pd.DataFrame, boundaries: gpd.GeoDataFrame,
                       levels: Iterable[int] = (1, 2, 3), *, overwrite: bool = False) -> pd.DataFrame:
    """Fill ``admin1_pcode`` ... ``admin3_pcode`` from the boundaries that hold each point.

    Parameters
    ----------
    frame
        Rows with ``latitude`` and ``longitude`` (EPSG:4326); rows missing
        either are left unmatched.
    boundaries
        Normalised boundaries (:func:`geodata.ingest.readers.read_boundaries`:
        ``pcode``, ``admin_level``, ``parent_pcode``, ``geometry``), any CRS.
    levels
        The admin levels to fill.
    overwrite
        ``False`` (default): a p-code the source gives is kept (the source
        knows which area it meant; a label point near a border can fall in
        the neighbour) and only blanks are filled. ``True``: the polygon's
        p-code replaces it wherever a point falls in a polygon.

    Returns
    -------
    pandas.DataFrame
        A copy with ``admin{n}_pcode`` for each level: the polygon's p-code
        where a point falls in one (see ``overwrite``); where the boundaries
        lack a level, the parent of a finer match (an adm3 polygon names its
        adm2); where nothing matches, the source's own p-code. ``outside_boundaries``
        (nullable boolean) is True for located points inside no polygon,
        False for matched points, missing for rows without coordinates.
        Admin names (``admin1`` ...) are untouched. A point that stands for
        a whole area (geo_precision 3) gets the codes of the polygons its
        point falls in; pass ``levels=(1,)`` to keep such rows coarse.
    """
    levels = sorted(set(levels))
    out = frame.copy()
    lat = pd.to_numeric(out["latitude"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lon = pd.to_numeric(out["longitude"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    located = np.isfinite(lat) & np.isfinite(lon)
    index = pd.RangeIndex(len(out))
    points = gpd.GeoDataFrame(index=index[located], geometry=gpd.points_from_xy(lon[located], lat[located]), crs=CRS)
    polygons = boundaries if boundaries.crs is None or boundaries.crs.equals(CRS) else boundaries.to_crs(CRS)
    parent = dict(zip(polygons["pcode"].astype(str), polygons["parent_pcode"].astype("string"), strict=True))
    present = set(pd.to_numeric(polygons["admin_level"]).dropna().astype(int))
    found: dict[int, pd.Series] = {}
    for level in sorted(present):
        codes = pd.Series(pd.NA, index=index, dtype="string")
        if len(points):
            codes.loc[points.index] = _containing(points, polygons[polygons["admin_level"] == level])
        found[level] = codes
    for level in sorted(levels, reverse=True):
        if level not in found:
            finer = [found[f] for f in sorted(found) if f > level]
            codes = pd.Series(pd.NA, index=index, dtype="string")
            if finer:
                codes = finer[0].map(lambda c: c if pd.isna(c) else parent.get(str(c), pd.NA)).astype("string")
                found[level] = codes
    matched = np.zeros(len(out), dtype=bool)
    for level in levels:
        column = f"admin{level}_pcode"
        codes = found.get(level, pd.Series(pd.NA, index=index, dtype="string"))
        own = out[column].astype("string").reset_index(drop=True) if column in out.columns else codes
        merged = codes.fillna(own) if overwrite else own.fillna(codes)
        out[column] = pd.array(merged.to_numpy(), dtype="string")
        matched |= codes.notna().to_numpy()
    for level in present:
        matched |= found[level].notna().to_numpy()
    flag = pd.array(np.where(located, ~matched, False), dtype="boolean")
    flag[~located] = pd.NA
    out[OUTSIDE] = flag
    return out
