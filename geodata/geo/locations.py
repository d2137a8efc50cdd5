"""A dataset's own place names, for the place search: its locations, its admin areas, its countries.

An imported dataset names its places in every row (``location``,
``admin1``..``admin3``) but has no ``places.csv``; without these the search
would find nothing, not even a name in its own ``location`` column. Built
with vectorised grouping (factorised keys, one pandas group-by), never a
Python loop over rows: a million incidents take well under a second.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.geo import geonames

#: What the search answer calls each kind of source.
ORIGIN_DATASET = "dataset places"
ORIGIN_LOCATION = "dataset locations"
ORIGIN_ADMIN = "dataset admin names"
ORIGIN_BOUNDARIES = "boundaries"
ORIGIN_DISPLACEMENT = "displacement figures"
ORIGIN_GEONAMES = "GeoNames"
#: Geo-precision codes whose coordinates stand for the named place itself (exact, or within a few km).
PLACE_PRECISION = (1, 2)
#: A country lends its GeoNames places when it holds at least this share of the points.
MIN_COUNTRY_SHARE = 0.001
#: Most points whose countries are looked up: above it, evenly spaced rows (the rows are in date order, so
#: every period counts); a country's share is then known to a few hundredths of itself at the threshold.
COUNTRY_SAMPLE = 1_000_000
COLUMNS = ["place_id", "name", "name_ar", "aliases", "kind", "latitude", "longitude", "origin"]


def _codes(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Integer codes of a text column (-1: missing or blank), equal for cells equal once stripped.
    Factorised first, so the text work is done once per distinct value, not per row."""
    if column not in frame:
        return np.full(len(frame), -1, dtype=np.int64)
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    cleaned = pd.Series(np.asarray(uniques, dtype=object)).astype("string").str.strip()
    merged, _ = pd.factorize(cleaned.mask(cleaned == ""), use_na_sentinel=True)
    lookup = np.append(merged.astype(np.int64), -1)  # codes of -1 index the appended -1
    return lookup[codes]


def _text_at(frame: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """The stripped text of ``column`` at ``rows`` (``None`` where missing or blank)."""
    if column not in frame:
        return np.full(len(rows), None, dtype=object)
    values = frame[column].iloc[rows].astype("string").str.strip().reset_index(drop=True)
    return values.mask(values == "").astype(object).where(values.notna() & (values != ""), None).to_numpy()


def _group_medians(keys: list[np.ndarray], rows: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> pd.DataFrame:
    """One row per distinct combination of the ``keys`` codes at ``rows``: the first row's position
    and the median coordinates of its rows."""
    combined = np.zeros(len(rows), dtype=np.int64)
    for key in keys:
        codes = key[rows]
        combined = combined * (int(codes.max(initial=-1)) + 2) + (codes + 1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    medians = pd.DataFrame({"g": inverse, "lat": lat[rows], "lon": lon[rows]}).groupby("g", sort=True).median()
    return pd.DataFrame({"row": rows[first], "latitude": medians["lat"].to_numpy(),
                         "longitude": medians["lon"].to_numpy()})


def location_places(incidents: pd.DataFrame) -> pd.DataFrame:
    """Each distinct ``location`` (with its admin1 and admin2) at the median of its incidents'
    coordinates, from rows whose geo-precision is 1 or 2 only: an area-coded row's point is an
    admin centroid, not the named place."""
    if incidents.empty or "location" not in incidents:
        return pd.DataFrame(columns=COLUMNS)
    names = _codes(incidents, "location")
    precision = pd.to_numeric(incidents["geo_precision"], errors="coerce").to_numpy(dtype="float64")
    rows = np.flatnonzero((names >= 0) & np.isin(precision, PLACE_PRECISION))
    lat = incidents["latitude"].to_numpy(dtype="float64")
    lon = incidents["longitude"].to_numpy(dtype="float64")
    rows = rows[np.isfinite(lat[rows]) & np.isfinite(lon[rows])]
    if not len(rows):
        return pd.DataFrame(columns=COLUMNS)
    groups = _group_medians([names, _codes(incidents, "admin1"), _codes(incidents, "admin2")], rows, lat, lon)
    first = groups["row"].to_numpy()
    kind = ["location" + (f" in {a2 or a1}" if a2 or a1 else "")
            for a2, a1 in zip(_text_at(incidents, "admin2", first), _text_at(incidents, "admin1", first), strict=True)]
    return pd.DataFrame({
        "place_id": [f"location:{i}" for i in range(len(groups))],
        "name": _text_at(incidents, "location", first), "name_ar": None, "aliases": None,
        "kind": kind, "latitude": groups["latitude"], "longitude": groups["longitude"], "origin": ORIGIN_LOCATION,
    }, columns=COLUMNS)


def admin_places(incidents: pd.DataFrame) -> pd.DataFrame:
    """Each admin1/2/3 name (with its parent's name) at the median of all its incidents."""
    if incidents.empty:
        return pd.DataFrame(columns=COLUMNS)
    lat = incidents["latitude"].to_numpy(dtype="float64")
    lon = incidents["longitude"].to_numpy(dtype="float64")
    finite = np.isfinite(lat) & np.isfinite(lon)
    parts = []
    codes = {level: _codes(incidents, f"admin{level}") for level in (1, 2, 3)}
    codes[0] = np.full(len(incidents), -1, dtype=np.int64)
    for level in (1, 2, 3):
        names, parent = codes[level], codes[level - 1]
        rows = np.flatnonzero((names >= 0) & finite)
        if not len(rows):
            continue
        groups = _group_medians([names, parent], rows, lat, lon)
        parts.append(pd.DataFrame({
            "place_id": [f"admin{level}:{i}" for i in range(len(groups))],
            "name": _text_at(incidents, f"admin{level}", groups["row"].to_numpy()), "name_ar": None, "aliases": None,
            "kind": f"admin {level} area (centre of its incidents)",
            "latitude": groups["latitude"], "longitude": groups["longitude"], "origin": ORIGIN_ADMIN,
        }, columns=COLUMNS))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def boundary_places(labels: pd.DataFrame | None) -> pd.DataFrame:
    """Stored boundaries' names (``pcode``, ``name``, optional ``name_ar``, ``admin_level``, and a
    point inside each area as ``latitude``/``longitude``)."""
    if labels is None or labels.empty:
        return pd.DataFrame(columns=COLUMNS)
    level = labels["admin_level"] if "admin_level" in labels else pd.Series("", index=labels.index)
    return pd.DataFrame({
        "place_id": "boundary:" + labels["pcode"].astype(str), "name": labels["name"].astype(str),
        "name_ar": labels["name_ar"] if "name_ar" in labels else None, "aliases": None,
        "kind": "admin " + level.astype(str) + " area " + labels["pcode"].astype(str),
        "latitude": labels["latitude"].astype("float64"), "longitude": labels["longitude"].astype("float64"),
        "origin": ORIGIN_BOUNDARIES,
    }, columns=COLUMNS)


def geonames_search_places(cities: pd.DataFrame) -> pd.DataFrame:
    """GeoNames places (see :func:`geodata.geo.geonames.cities`) as search rows, most populous first."""
    if cities.empty:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame({
        "place_id": cities["place_id"], "name": cities["name"], "name_ar": cities["name_ar"],
        "aliases": cities["aliases"], "kind": "populated place, " + cities["country"].astype(str),
        "latitude": cities["latitude"], "longitude": cities["longitude"], "origin": ORIGIN_GEONAMES,
    }, columns=COLUMNS)


def dataset_countries(incidents: pd.DataFrame, places: pd.DataFrame | None = None,
                      displacement: pd.DataFrame | None = None) -> list[str]:
    """ISO alpha-2 codes of the countries of a dataset: from an ``iso``/``country_code``/``country``
    column when one names known countries, else the countries whose outlines hold its points."""
    from geodata.geo.countries import countries_at, country_code

    for column in ("iso", "iso3", "country_code", "country"):
        if column in incidents and not incidents.empty:
            values = pd.unique(incidents[column].dropna().astype(str))
            codes = {country_code(v) for v in values[:500]}
            codes.discard(None)
            if codes:
                return sorted(c for c in codes if c)
    frames = [f for f in (incidents, places, displacement)
              if f is not None and not f.empty and {"latitude", "longitude"} <= set(f.columns)]
    if not frames:
        return []
    step = -(-sum(len(f) for f in frames) // COUNTRY_SAMPLE)  # 10^7 points: 1.3 s -> 0.1 s

    def coordinate(frame: pd.DataFrame, column: str) -> np.ndarray:
        return pd.to_numeric(frame[column].iloc[::step], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    lat = np.concatenate([coordinate(f, "latitude") for f in frames])
    lon = np.concatenate([coordinate(f, "longitude") for f in frames])
    ok = np.isfinite(lat) & np.isfinite(lon)
    # One test per ~10 km spot (a million points are a few thousand spots), weighted by its points.
    key = (np.rint(lon[ok] * 10).astype(np.int64) + 1800) * 4000 + (np.rint(lat[ok] * 10).astype(np.int64) + 900)
    spots, counts = np.unique(key, return_counts=True)
    where = countries_at((spots // 4000 - 1800) / 10.0, (spots % 4000 - 900) / 10.0)
    found = pd.Series(counts).groupby(pd.Series(where, dtype=object)).sum()
    return sorted(str(c) for c, n in found.items() if isinstance(c, str) and n >= MIN_COUNTRY_SHARE * ok.sum())


def dataset_geonames(incidents: pd.DataFrame, places: pd.DataFrame | None = None,
                     displacement: pd.DataFrame | None = None) -> pd.DataFrame:
    """GeoNames populated places of the dataset's countries (:func:`dataset_countries`)."""
    return geonames.cities(dataset_countries(incidents, places, displacement))


def displacement_places(displacement: pd.DataFrame | None) -> pd.DataFrame:
    """The places displacement figures name (``place``), each at the median of its figures' points."""
    if displacement is None or displacement.empty or not {"place", "latitude", "longitude"} <= set(displacement):
        return pd.DataFrame(columns=COLUMNS)
    lat = pd.to_numeric(displacement["latitude"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lon = pd.to_numeric(displacement["longitude"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    names = _codes(displacement, "place")
    rows = np.flatnonzero((names >= 0) & np.isfinite(lat) & np.isfinite(lon))
    if not len(rows):
        return pd.DataFrame(columns=COLUMNS)
    groups = _group_medians([names], rows, lat, lon)
    return pd.DataFrame({
        "place_id": [f"displacement:{i}" for i in range(len(groups))],
        "name": _text_at(displacement, "place", groups["row"].to_numpy()), "name_ar": None, "aliases": None,
        "kind": "place of displacement figures", "latitude": groups["latitude"], "longitude": groups["longitude"],
        "origin": ORIGIN_DISPLACEMENT,
    }, columns=COLUMNS)


def search_places(places: pd.DataFrame, incidents: pd.DataFrame, cities: pd.DataFrame,
                  boundaries: pd.DataFrame | None = None, displacement: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every searchable place of a dataset, in the order the search prefers them: the dataset's
    own places table, its locations, the stored boundaries, its admin names, GeoNames."""
    own = places.reindex(columns=COLUMNS).assign(origin=ORIGIN_DATASET) if not places.empty else None
    parts = [own, location_places(incidents), boundary_places(boundaries), displacement_places(displacement),
             admin_places(incidents),
             geonames_search_places(cities)]
    return pd.concat([p for p in parts if p is not None and not p.empty] or [pd.DataFrame(columns=COLUMNS)],
                     ignore_index=True)
