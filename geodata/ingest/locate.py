"""What a row says about where it is, besides its point: its country and its named place.

The importer checks every point against these (:func:`geodata.geo.coordinates.check_points`):
a source names the country of each row (ACLED ``iso`` numeric and
``country``; UCDP ``country``; HXL ``#country+code``; a mapped table's
``country_code``/``iso3``/``country``) and usually a place the gazetteer may
know. Each distinct value is looked up once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.geo.gazetteer import Gazetteer
from geodata.model.schema import text

#: Columns that name a row's country, most specific first.
COUNTRY_COLUMNS = ("iso", "country_code", "iso3", "iso_a3", "iso2", "country")


def row_countries(frame: pd.DataFrame) -> np.ndarray | None:
    """The ISO alpha-2 code each row names (``None`` where it names none); ``None`` when no column names one."""
    from geodata.geo.countries import country_code

    present = [c for c in COUNTRY_COLUMNS if c in frame.columns]
    if not present:
        return None
    out = np.full(len(frame), None, dtype=object)
    for column in present:
        codes, uniques = pd.factorize(text(frame[column].astype("string")), use_na_sentinel=True)
        table = np.array([country_code(v) for v in uniques] + [None], dtype=object)
        found = table[np.where(codes >= 0, codes, len(uniques))]
        todo = np.array([c is None for c in out], dtype=bool)
        out[todo] = found[todo]
    return out


def place_points(frame: pd.DataFrame, gazetteer: Gazetteer | None,
                 countries: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The gazetteer's point for each row's named place, where exactly one place has that name
    (and, when the row names its country, lies in it); ``NaN`` elsewhere."""
    column = "location" if "location" in frame.columns else "place" if "place" in frame.columns else None
    if gazetteer is None or column is None:
        return None, None
    from geodata.geo.countries import countries_at

    codes, uniques = pd.factorize(text(frame[column].astype("string")), use_na_sentinel=True)
    lat = np.full(len(uniques) + 1, np.nan)
    lon = np.full(len(uniques) + 1, np.nan)
    for k, name in enumerate(uniques):
        hits = gazetteer.find(name)
        if len({h.place_id for h in hits}) == 1:
            lat[k], lon[k] = hits[0].latitude, hits[0].longitude
    at = np.where(codes >= 0, codes, len(uniques))
    out_lat, out_lon = lat[at], lon[at]
    if countries is not None:
        rows = np.flatnonzero(np.isfinite(out_lat) & np.array([isinstance(c, str) for c in countries], dtype=bool))
        elsewhere = rows[countries_at(out_lon[rows], out_lat[rows]) != countries[rows]]
        out_lat[elsewhere], out_lon[elsewhere] = np.nan, np.nan
    return out_lat, out_lon
