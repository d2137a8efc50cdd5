"""Is this point where the dataset is? Detecting latitude/longitude given the wrong way round.

A Syrian point written as (lon, lat) still has both values in range, so the
schema cannot see it. The test here: the point as given lies outside the
expected area, and the swapped point lies inside it. The expected area is,
in order of preference, the polygons the caller gives (a country or admin
boundaries: the only way to catch swaps where latitude and longitude are
close, as in Idlib, 35.9 N 36.6 E), a bounding box the caller gives, or the
box where the dataset's own points lie (1st to 99th percentile; needs 20
points). With fewer points and no area nothing is flagged: a latitude of
95 is then reported as out of range, not guessed to be a longitude.
"""
from __future__ import annotations

from typing import TypeAlias

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: (min_lon, min_lat, max_lon, max_lat), like ``GeoSeries.total_bounds``.
Box: TypeAlias = tuple[float, float, float, float]
Area: TypeAlias = Box | BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame

#: Fewer located points than this and the data's own box is not trusted.
MIN_POINTS_FOR_BOX = 20


def data_box(lat: np.ndarray, lon: np.ndarray) -> Box | None:
    """The box holding the middle 98% of the points, or ``None`` for too few points."""
    located = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if located.sum() < MIN_POINTS_FOR_BOX:
        return None
    lo_lat, hi_lat = np.quantile(lat[located], [0.01, 0.99])
    lo_lon, hi_lon = np.quantile(lon[located], [0.01, 0.99])
    return (float(lo_lon), float(lo_lat), float(hi_lon), float(hi_lat))


def _geometry(area: Area) -> BaseGeometry | None:
    if isinstance(area, BaseGeometry):
        return area
    if isinstance(area, (gpd.GeoSeries, gpd.GeoDataFrame)):
        frame = area
        if isinstance(area, gpd.GeoDataFrame) and "admin_level" in area.columns and len(area):
            frame = area[area["admin_level"] == area["admin_level"].min()]
        geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        if geometry.crs is not None and not geometry.crs.equals("EPSG:4326"):
            geometry = geometry.to_crs("EPSG:4326")
        return shapely.union_all(shapely.make_valid(geometry.dropna().to_numpy()))
    return None


def _inside(area: Area, x: np.ndarray, y: np.ndarray, pad: float = 0.0) -> np.ndarray:
    """Mask of the points (x = lon, y = lat) inside ``area`` (a box may be padded)."""
    geometry = _geometry(area)
    box = geometry.bounds if geometry is not None else area
    min_x, min_y, max_x, max_y = box
    mask = (x >= min_x - pad) & (x <= max_x + pad) & (y >= min_y - pad) & (y <= max_y + pad)
    if geometry is not None and mask.any():
        shapely.prepare(geometry)
        rows = np.flatnonzero(mask)
        mask[rows] = shapely.contains_xy(geometry, x[rows], y[rows])
    return mask


def looks_swapped(lat: np.ndarray, lon: np.ndarray, area: Area | None = None) -> np.ndarray:
    """Mask of the points whose latitude and longitude look swapped.

    Parameters
    ----------
    lat, lon
        Floats (``NaN`` where missing), as given in the file.
    area
        Polygons (GeoSeries/GeoDataFrame in any CRS, or a shapely geometry),
        or a ``(min_lon, min_lat, max_lon, max_lat)`` box; ``None`` to use
        the data's own box (see the module docstring).

    Guarantees: vectorised; a point inside the area is never flagged; with
    the data's own box, a point must lie outside it by 5% of its span and
    land inside it once swapped, which keeps genuine outliers unflagged.
    """
    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    located = np.isfinite(lat) & np.isfinite(lon)
    pad = 0.0
    if area is None:
        area = data_box(lat, lon)
        if area is None:
            return np.zeros(len(lat), dtype=bool)
        pad = 0.05 * max(area[2] - area[0], area[3] - area[1])
    outside = located & ~_inside(area, lon, lat, pad)
    if not outside.any():
        return outside
    rows = np.flatnonzero(outside)
    flipped = np.zeros_like(outside)
    flipped[rows] = _inside(area, lat[rows], lon[rows])
    return outside & flipped
