"""Where a dataset's points are: the box that holds them, and the countries they fall in.

The dashboard opens every dataset on its data (not on a view written into
the code), so it needs the data's extent. A few stray points (a mistyped
coordinate, one event abroad) would widen the box to a continent and shrink
the bulk of the data to a dot; :func:`data_extent` then keeps the box that
holds the densest share of the points instead, and says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geodata.geo.countries import countries_at

#: Most points sampled for the extent and the countries (quantiles and shares converge long before).
SAMPLE = 200_000
#: When the whole box is this many times wider or taller than the box of the densest share, the
#: outliers would shrink the data to nothing: use the densest share's box.
OUTLIER_RATIO = 4.0


@dataclass(frozen=True)
class Extent:
    """A box in degrees (west, south, east, north), and whether outliers were left out of it."""

    west: float
    south: float
    east: float
    north: float
    trimmed: bool = False


def _sample(longitude: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points with both coordinates, at most :data:`SAMPLE` of them, as float64; only the sample is
    converted (not float64 copies of 10^7 float32 coordinates at start-up)."""
    lon, lat = np.asarray(longitude), np.asarray(latitude)
    if lon.dtype.kind != "f" or lat.dtype.kind != "f":
        lon, lat = lon.astype("float64"), lat.astype("float64")
    keep = np.isfinite(lon) & np.isfinite(lat)
    count = int(np.count_nonzero(keep))
    rows: np.ndarray | slice = slice(None) if count == len(lon) else np.flatnonzero(keep)
    if count > SAMPLE:  # evenly spaced, deterministic: the rows are in date order, so all periods count
        index = (np.arange(SAMPLE) * (count / SAMPLE)).astype(np.int64)
        rows = index if isinstance(rows, slice) else rows[index]
    return lon[rows].astype("float64"), lat[rows].astype("float64")


def data_extent(longitude: np.ndarray, latitude: np.ndarray, share: float = 0.98) -> Extent | None:
    """The box of all points, or of the central ``share`` of them on each axis when a few outliers
    would make the whole box :data:`OUTLIER_RATIO` times wider or taller; ``None`` without points."""
    lon, lat = _sample(longitude, latitude)
    if not len(lon):
        return None
    whole = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    tail = (1.0 - share) / 2
    west, east = (float(v) for v in np.quantile(lon, [tail, 1.0 - tail]))
    south, north = (float(v) for v in np.quantile(lat, [tail, 1.0 - tail]))
    dense_width, dense_height = max(east - west, 1e-3), max(north - south, 1e-3)
    if (whole[2] - whole[0]) > OUTLIER_RATIO * dense_width or (whole[3] - whole[1]) > OUTLIER_RATIO * dense_height:
        return Extent(west, south, east, north, trimmed=True)
    return Extent(*whole)


def main_countries(longitude: np.ndarray, latitude: np.ndarray, min_share: float = 0.01) -> tuple[str, ...]:
    """ISO alpha-2 codes of the countries holding at least ``min_share`` of the points, most first."""
    lon, lat = _sample(longitude, latitude)
    if not len(lon):
        return ()
    codes = countries_at(lon, lat)
    found = codes[codes != None]  # noqa: E711 (elementwise on an object array)
    if not len(found):
        return ()
    names, counts = np.unique(found.astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return tuple(str(names[i]) for i in order if counts[i] >= min_share * len(lon))
