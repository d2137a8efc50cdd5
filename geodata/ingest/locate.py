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

from geodata.geo.coordinates import RowCountries
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.readers.base import SourceTable
from geodata.model.errors import Problem
from geodata.model.schema import text

#: Columns that name a row's country, most specific first.
COUNTRY_COLUMNS = ("iso", "country_code", "iso3", "iso_a3", "iso2", "country")


def row_countries(frame: pd.DataFrame) -> np.ndarray | None:
    """The ISO alpha-2 code each row names (``None`` where it names none); ``None`` when no column names one."""
    numbered = row_country_numbers(frame)
    return numbered.values() if numbered is not None else None


def row_country_numbers(frame: pd.DataFrame) -> RowCountries | None:
    """:func:`row_countries` numbered (what :func:`~geodata.geo.coordinates.check_points` compares as
    integers); ``None`` when no column names a country."""
    from geodata.geo.countries import country_code

    present = [c for c in COUNTRY_COLUMNS if c in frame.columns]
    if not present:
        return None
    numbers: dict[str, int] = {}
    number = np.full(len(frame), -1, dtype=np.int64)
    for column in present:
        todo = number < 0  # where no column has named a country yet
        if not todo.any():
            break
        # the distinct cells stripped (the same as stripping every cell, a million times fewer strips)
        codes, uniques = pd.factorize(frame[column].astype("string"), use_na_sentinel=True)
        cells = text(pd.Series(uniques, dtype="string"))
        found = [None if pd.isna(v) else country_code(v) for v in cells] + [None]
        table = np.array([-1 if c is None else numbers.setdefault(c, len(numbers)) for c in found], dtype=np.int64)
        at = np.where(codes >= 0, codes, len(uniques))
        if todo.all():
            number = table[at]
        else:
            number[todo] = table[at[todo]]
    return RowCountries(number, np.array(list(numbers), dtype=object))


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


def place_by_name(source: SourceTable, frame: pd.DataFrame, gazetteer: Gazetteer | None, area: object,
                  lines: np.ndarray) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Rows without a point placed by name inside their admin area (:func:`geodata.geo.placement.place_rows`).

    Returns the frame, the warnings (each row placed, each at a centroid, a
    count of each kind) and the problems: an incident left without a point is
    quarantined with the reason; a displacement figure is kept, not drawn.
    """
    import geopandas as gpd

    from geodata.geo.placement import BY_NAME, CENTROID, UNPLACED, place_rows

    name_column = "location" if "location" in frame.columns else "place" if "place" in frame.columns else None
    if name_column is None:
        return frame, [], []
    boundaries = area if isinstance(area, gpd.GeoDataFrame) and "pcode" in area.columns else None
    if gazetteer is None and boundaries is None:
        return frame, [], []
    out = place_rows(frame, gazetteer, boundaries, name_column=name_column, countries=row_countries(frame))
    file, column = source.file, dict(source.source_columns).get("latitude", "latitude")
    how = out["placement"]
    if not how.notna().any():
        return out.drop(columns="placement"), [], []
    warnings: list[Problem] = []
    problems: list[Problem] = []
    required = any(c.name == "latitude" and not c.nullable for c in source.schema.columns)
    for i in np.flatnonzero(how.notna().to_numpy(dtype=bool)).tolist():
        said, line = str(out["geocode_match"].iloc[i]), int(lines[i])
        if how.iloc[i] == BY_NAME:
            warnings.append(Problem(file, line, column, f"coordinates taken from the gazetteer ({said})"))
        elif how.iloc[i] == CENTROID:
            warnings.append(Problem(file, line, column, f"placed at its admin area's centroid ({said})"))
        elif required:
            problems.append(Problem(file, line, column, said))
        else:
            warnings.append(Problem(file, line, column, f"kept without a point ({said})"))
    counts = how.value_counts()
    warnings.insert(0, Problem(file, None, None, "rows without coordinates, placed by name: "
                               f"{counts.get(BY_NAME, 0)} inside their own admin area or country, "
                               f"{counts.get(CENTROID, 0)} at their admin area's centroid (approximate), "
                               f"{counts.get(UNPLACED, 0)} left without a point"))
    if "drawable" in out.columns:
        out["drawable"] = out["drawable"].astype(bool).to_numpy() | out["geocoded"].to_numpy(dtype=bool)
    if "location_basis" in out.columns:
        basis = how.map({BY_NAME: "place name, inside its admin area (gazetteer)",
                         CENTROID: "admin area centroid (approximate)"}).astype("string")
        out["location_basis"] = out["location_basis"].astype("string").fillna(basis)
    return out.drop(columns="placement"), warnings, problems


def file_gazetteer(frame: pd.DataFrame, boundaries: object, shipped: pd.DataFrame) -> Gazetteer:
    """The gazetteer an import places and checks names with: ``shipped`` places (the scenario's,
    hand-checked) plus GeoNames towns of the countries the file's rows name, or else of the countries
    its boundaries lie in. No country known: the shipped places alone."""
    import geopandas as gpd

    from geodata.geo.countries import countries_at
    from geodata.geo.geonames import cities
    from geodata.geo.places import merge_places

    named = row_countries(frame)
    codes = {c for c in named if isinstance(c, str)} if named is not None else set()
    if not codes and isinstance(boundaries, gpd.GeoDataFrame) and len(boundaries):
        points = boundaries.to_crs("EPSG:4326").geometry.representative_point()
        codes = {c for c in countries_at(points.x.to_numpy(), points.y.to_numpy()) if isinstance(c, str)}
    towns = cities(sorted(codes)) if codes else pd.DataFrame()
    return Gazetteer(merge_places(shipped, towns) if len(towns) else shipped)
