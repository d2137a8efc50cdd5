"""Is this point where the dataset is? Detecting latitude/longitude given the wrong way round.

A point written as (lon, lat) often still has both values in range, so the
schema cannot see it. The test here: the point as given lies outside the
expected area, and the swapped point lies inside it. The expected area is,
in order of preference, the polygons the caller gives (a country or admin
boundaries: the only way to catch swaps where latitude and longitude are
close, as at Gaziantep, 37.1 N 37.4 E), a bounding box the caller gives, or the
box where the dataset's own points lie (1st to 99th percentile; needs 20
points). With fewer points and no area nothing is flagged: a latitude of
95 is then reported as out of range, not guessed to be a longitude.

:func:`check_points` is what the importer uses: a row that names its country
(ISO code or name) is judged against that country's outline, and a row whose
place the gazetteer knows against its distance from that place, whatever
the file's size; only rows with neither fall back to :func:`looks_swapped`.
A point within :data:`BORDER_KM` of the expected area is never called
swapped (outlines are drawn at 1:50m and sources place border events on
either side).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

#: (min_lon, min_lat, max_lon, max_lat), like ``GeoSeries.total_bounds``.
Box: TypeAlias = tuple[float, float, float, float]
Area: TypeAlias = Box | BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame

#: Fewer located points than this and the data's own box is not trusted.
MIN_POINTS_FOR_BOX = 20
#: A point this close to the expected area (km) is a border point, never a swap.
BORDER_KM = 10.0
#: A swap must move the point at least this far (km): where latitude and longitude are nearly equal
#: (the Syrian coast, 35.6 N 35.8 E) a point just offshore is likelier a coastal event than a swap.
MIN_SWAP_KM = 50.0
#: A swapped point this close to the row's named place (km) is evidence of a swap ...
NEAR_PLACE_KM = 25.0
#: ... when the point as given lies at least this far from it.
FAR_FROM_PLACE_KM = 100.0
_KM_PER_DEGREE = 111.195
#: An odd 64-bit multiplier mixing a point's longitude bits into its latitude bits (one key per point).
_POINT_KEY = np.uint64(0x9E3779B97F4A7C15)


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


def _km_outside(geometry: BaseGeometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Roughly how far (km) each point lies from ``geometry`` (longitudes scaled by the cosine of the latitude)."""
    out = np.zeros(len(x))
    for i in range(len(x)):  # only the few points outside come here
        scale = max(float(np.cos(np.radians(y[i]))), 0.01)
        shape = shapely.affinity.scale(geometry, xfact=scale, yfact=1.0, origin=(0, 0))
        out[i] = shape.distance(shapely.Point(x[i] * scale, y[i])) * _KM_PER_DEGREE
    return out


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
    geometry = _geometry(area)
    area = geometry if geometry is not None else area
    if geometry is None:
        pad = max(pad, BORDER_KM / _KM_PER_DEGREE)
    outside = located & ~_inside(area, lon, lat, pad)
    if geometry is not None and outside.any():
        rows = np.flatnonzero(outside)
        outside[rows] = _km_outside(geometry, lon[rows], lat[rows]) > BORDER_KM
    if not outside.any():
        return outside
    rows = np.flatnonzero(outside)
    flipped = np.zeros_like(outside)
    flipped[rows] = _inside(area, lat[rows], lon[rows])
    return outside & flipped


def km_between(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance (km), element by element."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distinct_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each point's number among the distinct points, each distinct point's first position), for work done
    once a place (sources repeat the same coordinates many times).

    One hash pass over a 64-bit key of each point's bits (np.unique on rows sorts them: ten times slower;
    complex numbers hash at half the speed). Two float32 coordinates make the key exactly; float64 ones are
    mixed into it, and every point is then checked to be its key's first point, so two points sharing a key
    are never taken for one (if any did, the complex numbers decide).
    """
    if x.dtype == np.float32 and y.dtype == np.float32:
        key = (np.ascontiguousarray(x).view(np.uint32).astype(np.uint64) << np.uint64(32)) \
            | np.ascontiguousarray(y).view(np.uint32)
        inverse, _ = pd.factorize(key)
        return inverse, _first_of(inverse)
    x_bits = np.ascontiguousarray(x, dtype="float64").view(np.uint64)
    y_bits = np.ascontiguousarray(y, dtype="float64").view(np.uint64)
    inverse, _ = pd.factorize(x_bits * _POINT_KEY ^ y_bits)
    first = _first_of(inverse)
    if not ((x_bits[first][inverse] == x_bits).all() and (y_bits[first][inverse] == y_bits).all()):
        inverse, _ = pd.factorize(np.asarray(x, dtype="float64") + 1j * np.asarray(y, dtype="float64"),
                                  use_na_sentinel=False)
        first = _first_of(inverse)
    return inverse, first


def _first_of(inverse: np.ndarray) -> np.ndarray:
    """The first position of each number in ``inverse`` (numbers 0..n-1, as pandas.factorize gives them)."""
    first = np.empty(inverse.max() + 1 if len(inverse) else 0, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
    return first


def _distinct_countries_at(countries_at, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``countries_at`` over the distinct points only (:func:`distinct_points`)."""
    if not len(x):
        return np.full(0, None, dtype=object)
    inverse, first = distinct_points(x, y)
    return np.asarray(countries_at(x[first], y[first]), dtype=object)[inverse]


@dataclass(frozen=True)
class RowCountries:
    """The country each row names, numbered: ``number`` per row (-1 where the row names none) and the
    ISO alpha-2 ``codes`` of the numbers (so a whole batch is compared as integers, not as text)."""

    number: np.ndarray
    codes: np.ndarray

    def values(self) -> np.ndarray:
        """The code each row names, ``None`` where it names none (as :func:`check_points` also takes them)."""
        out = np.full(len(self.number), None, dtype=object)
        named = self.number >= 0
        out[named] = self.codes[self.number[named]]
        return out


def _numbered(countries: np.ndarray | RowCountries) -> RowCountries:
    """Codes given one per row as objects (text where the row names a country), numbered."""
    if isinstance(countries, RowCountries):
        return countries
    codes = np.asarray(countries, dtype=object)
    present = pd.notna(codes)  # a Python test per row only when the codes are not all text
    named = present if pd.api.types.infer_dtype(codes[present], skipna=False) == "string" \
        else np.array([isinstance(c, str) for c in codes], dtype=bool)
    number = np.full(len(codes), -1, dtype=np.int64)
    number[named], distinct = pd.factorize(codes[named])
    return RowCountries(number, np.asarray(distinct, dtype=object))


def _km_outside_countries(x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """How far (km) each point lies outside its country's outline (``NaN`` for a code without one).

    Vectorised per country and one-degree latitude band, longitudes scaled by the band's cosine."""
    from geodata.geo.countries import country_outlines

    out = np.full(len(x), np.nan)
    outlines = country_outlines()
    shapes = dict(zip(outlines["iso_a2"], outlines.geometry, strict=True))
    bands = np.floor(y).astype(np.int64) if len(y) else np.zeros(0, dtype=np.int64)
    for code in {c for c in codes if isinstance(c, str)}:
        shape = shapes.get(code)
        if shape is None:
            continue
        of_code = np.array([c == code for c in codes], dtype=bool)
        for band in np.unique(bands[of_code]).tolist():
            rows = np.flatnonzero(of_code & (bands == band))
            scale = max(float(np.cos(np.radians(band + 0.5))), 0.01)
            scaled = shapely.affinity.scale(shape, xfact=scale, yfact=1.0, origin=(0, 0))
            out[rows] = shapely.distance(scaled, shapely.points(x[rows] * scale, y[rows])) * _KM_PER_DEGREE
    return out


@dataclass(frozen=True)
class PointCheck:
    """What :func:`check_points` found: which rows look swapped and which lie outside their country.

    ``swapped`` rows come with the evidence in ``said`` (e.g. "lies in Libya,
    396 km outside Sudan; swapped it lies in Sudan"); ``outside`` rows (not
    swapped, more than :data:`BORDER_KM` outside the row's country) are kept
    and said too. ``decided`` marks the rows judged by country or place.
    """

    swapped: np.ndarray
    outside: np.ndarray
    decided: np.ndarray
    said: dict[int, str]


def check_points(lat: np.ndarray, lon: np.ndarray, *, countries: np.ndarray | RowCountries | None = None,
                 place_lat: np.ndarray | None = None, place_lon: np.ndarray | None = None,
                 area: Area | None = None) -> PointCheck:
    """Judge every point against the row's own country and place, and the rest against ``area``.

    Parameters
    ----------
    lat, lon
        As given in the file (``NaN`` where missing).
    countries
        The ISO alpha-2 code each row names (``None`` where it names none), or the same numbered
        (:class:`RowCountries`).
    place_lat, place_lon
        The gazetteer's point for each row's named place (``NaN`` where unknown).
    area
        For rows with neither: see :func:`looks_swapped`.

    A row naming its country is swapped when its point lies more than
    :data:`BORDER_KM` outside that country and the swapped point inside it,
    at least :data:`MIN_SWAP_KM` away;
    a row whose place is known, when the point lies over
    :data:`FAR_FROM_PLACE_KM` from it and the swapped point within
    :data:`NEAR_PLACE_KM`.
    """
    from geodata.geo.countries import countries_at, country_indexes_at, country_outlines

    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    n = len(lat)
    located = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    swapped, outside, decided = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    said: dict[int, str] = {}
    names = dict(zip(country_outlines()["iso_a2"], country_outlines()["name"], strict=True))
    if countries is not None:
        numbered = _numbered(countries)
        number, codes = numbered.number, numbered.codes
        named = located & (number >= 0)
        decided |= named
        rows = np.flatnonzero(named)
        # the country each point lies in, as the number of its code among the rows' codes (-2: a code no row
        # names or none, -3: no country), so the comparison is of integers
        outline_codes = country_outlines()["iso_a2"].to_numpy(dtype=object)
        numbers = {code: k for k, code in enumerate(codes.tolist())}
        of_outline = np.array([numbers.get(c, -2) if isinstance(c, str) else -2 for c in outline_codes] + [-3],
                              dtype=np.int64)
        found = country_indexes_at(lon[rows], lat[rows])
        wrong = of_outline[found] != number[rows]  # found -1 (no country) reads the last entry, -3
        away = rows[wrong]
        at_away = np.full(len(away), None, dtype=object)
        inside = found[wrong] >= 0
        at_away[inside] = outline_codes[found[wrong][inside]]
        row_codes = codes[number[away]] if len(away) else np.full(0, None, dtype=object)
        km = _km_outside_countries(lon[away], lat[away], row_codes)
        far = km > BORDER_KM  # NaN (a code without an outline) is never far
        away, at_away, km, row_codes = away[far], at_away[far], km[far], row_codes[far]
        flippable = np.abs(lon[away]) <= 90
        flipped = np.full(len(away), None, dtype=object)
        flipped[flippable] = _distinct_countries_at(countries_at, lat[away][flippable], lon[away][flippable])
        for i, at, distance, back, code in zip(away.tolist(), at_away, km.tolist(), flipped, row_codes,
                                               strict=True):
            where = f"lies in {names.get(at, at)}" if isinstance(at, str) else "lies at sea or in no country"
            country = names.get(code, code)
            if back == code and float(km_between(lat[i], lon[i], lon[i], lat[i])) >= MIN_SWAP_KM:
                swapped[i] = True
                said[i] = f"{where}, {distance:,.0f} km outside {country}; swapped it lies in {country}"
            else:
                outside[i] = True
                said[i] = f"{where}, {distance:,.0f} km outside {country} (the row's country); kept as given"
    if place_lat is not None and place_lon is not None:
        plat, plon = np.asarray(place_lat, dtype="float64"), np.asarray(place_lon, dtype="float64")
        known = located & np.isfinite(plat) & np.isfinite(plon) & ~swapped
        decided |= known
        rows = np.flatnonzero(known)
        as_given = km_between(lat[rows], lon[rows], plat[rows], plon[rows])
        once_swapped = km_between(lon[rows], lat[rows], plat[rows], plon[rows])
        hit = (as_given > FAR_FROM_PLACE_KM) & (once_swapped <= NEAR_PLACE_KM) & (np.abs(lon[rows]) <= 90)
        for i, far, near in zip(rows[hit].tolist(), as_given[hit].tolist(), once_swapped[hit].tolist(), strict=True):
            swapped[i], outside[i] = True, False
            said[i] = f"{far:,.0f} km from the named place as given, {near:,.0f} km once swapped"
    rest = np.flatnonzero(~decided)
    if len(rest):
        found = looks_swapped(lat[rest], lon[rest], area)
        swapped[rest[found]] = True
    return PointCheck(swapped=swapped, outside=outside, decided=decided, said=said)
