"""Points for rows that only name their place, found inside the admin area the row gives.

A place name alone is not an address: "Hole" is a camp in Al-Hasakeh and a
village in Homs. A row that gives its admin area (a p-code, else admin
names matched to the boundaries) is placed by name only *inside* that
area; when the name is not found there (or is found twice), the row is
placed at the area's centroid and marked approximate (geo_precision 3,
with a note saying so). A row whose area cannot be checked (it names one
but no boundaries are loaded, or none of its names or codes is in them)
is left without a point and the reason said: incidents are then
quarantined (a point is required), displacement figures kept, not drawn.
A row that gives no area at all is placed only by a name that matches
exactly one place (in its country, when it names one).
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.geo.gazetteer import Gazetteer, normalise
from geodata.model.schema import CRS, text

#: How the placement of a row is described (``placement`` column).
BY_NAME, CENTROID, UNPLACED = "by name", "area centroid", "not placed"
#: Slack (degrees, ~1 km) for a gazetteer point on the edge of its area.
EDGE = 0.01


@dataclass(frozen=True)
class Area:
    """An admin area a row gives: its p-code, name, level, outline and centroid (a point inside it)."""

    pcode: str
    name: str
    level: int
    shape: shapely.Geometry
    latitude: float
    longitude: float


def _areas(boundaries: gpd.GeoDataFrame | None) -> tuple[dict[str, Area], dict[tuple[int, str], list[str]]]:
    if boundaries is None or not len(boundaries) or "pcode" not in boundaries.columns:
        return {}, {}
    frame = boundaries if boundaries.crs is None or boundaries.crs.equals(CRS) else boundaries.to_crs(CRS)
    shapes = frame.geometry.to_numpy()
    centroids = shapely.centroid(shapes)
    inside = shapely.contains(shapes, centroids)
    points = np.where(inside, centroids, shapely.point_on_surface(shapes))
    by_code: dict[str, Area] = {}
    by_name: dict[tuple[int, str], list[str]] = {}
    levels = pd.to_numeric(frame["admin_level"], errors="coerce").fillna(0).astype(int).to_numpy()
    for code, name, level, shape, point in zip(frame["pcode"].astype(str), frame["name"], levels, shapes, points,
                                               strict=True):
        if shape is None or shape.is_empty:
            continue
        label = str(name) if isinstance(name, str) else code
        by_code[code] = Area(code, label, int(level), shape, float(point.y), float(point.x))
        by_name.setdefault((int(level), normalise(label)), []).append(code)
    return by_code, by_name


def _row_area(row: dict, by_code: dict[str, Area], by_name: dict[tuple[int, str], list[str]]
              ) -> tuple[Area | None, str | None]:
    """The finest area the row gives that the boundaries know, and what the row gave (for messages)."""
    given = None
    for level in (3, 2, 1):
        code = row.get(f"admin{level}_pcode")
        if isinstance(code, str) and code.strip():
            given = given or code.strip()
            if code.strip() in by_code:
                return by_code[code.strip()], given
    for level in (3, 2, 1):
        name = row.get(f"admin{level}")
        if isinstance(name, str) and name.strip():
            given = given or name.strip()
            codes = by_name.get((level, normalise(name)), [])
            if len(codes) == 1:
                return by_code[codes[0]], given
    return None, given


def place_rows(frame: pd.DataFrame, gazetteer: Gazetteer | None, boundaries: gpd.GeoDataFrame | None, *,
               name_column: str, countries: np.ndarray | None = None) -> pd.DataFrame:
    """Fill missing points from the place name, inside the row's admin area (module docstring).

    Only rows with a name and both coordinates blank are touched. Returns a
    copy with ``latitude``/``longitude`` filled (text when the columns are
    text), ``geocoded`` (bool), ``geocode_match`` (what was done, in words)
    and ``placement`` (:data:`BY_NAME`, :data:`CENTROID`, :data:`UNPLACED`
    or missing for rows that had a point); incidents placed at a centroid
    get ``geo_precision`` 3 and a ``geo_precision_note``.
    """
    out = frame.copy()
    names = text(out[name_column].astype("string"))
    blank = text(out["latitude"].astype("string")).isna() & text(out["longitude"].astype("string")).isna()
    todo = np.flatnonzero((blank & names.notna()).to_numpy(dtype=bool))
    n = len(out)
    geocoded = np.zeros(n, dtype=bool)
    match = pd.Series(pd.NA, index=out.index, dtype="string")
    placement = pd.Series(pd.NA, index=out.index, dtype="string")
    numeric = pd.api.types.is_numeric_dtype(out["latitude"].dtype)
    lat = out["latitude"].astype("float64" if numeric else "object").to_numpy(copy=True)
    lon = out["longitude"].astype("float64" if numeric else "object").to_numpy(copy=True)
    precision = out["geo_precision"].astype("object").to_numpy(copy=True) if "geo_precision" in out else None
    note = (out["geo_precision_note"].astype("object").to_numpy(copy=True)
            if "geo_precision_note" in out else np.full(n, None, dtype=object))
    by_code, by_name = _areas(boundaries)
    columns = [c for c in ("admin1", "admin2", "admin3", "admin1_pcode", "admin2_pcode", "admin3_pcode")
               if c in out.columns]
    cells = out[columns].astype("object").where(out[columns].notna(), None) if columns else None
    found: dict[str, list] = {}

    def hits(name: str) -> list:
        if name not in found:
            found[name] = gazetteer.find(name) if gazetteer is not None else []
        return found[name]

    def put(i: int, y: float, x: float) -> None:
        lat[i], lon[i] = (y, x) if numeric else (repr(y), repr(x))
        geocoded[i] = True

    for i in todo.tolist():
        name = str(names.iloc[i])
        row = cells.iloc[i].to_dict() if cells is not None else {}
        area, given = _row_area(row, by_code, by_name)
        places = {h.place_id: h for h in hits(name)}
        country = countries[i] if countries is not None and isinstance(countries[i], str) else None
        if area is None:
            if country is not None and places:
                from geodata.geo.countries import countries_at

                inside = countries_at(np.array([h.longitude for h in places.values()]),
                                      np.array([h.latitude for h in places.values()]))
                places = {k: h for (k, h), c in zip(places.items(), inside, strict=True) if c == country}
            unchecked = ("no boundaries are loaded" if not by_code else "the boundaries do not know it")
            if len(places) == 1 and (given is None or country is not None):
                # A name unique in the row's country (or, for a row that gives no area, in the gazetteer).
                hit = next(iter(places.values()))
                put(i, hit.latitude, hit.longitude)
                placement.iloc[i], match.iloc[i] = BY_NAME, hit.explanation
                if given is not None:
                    match.iloc[i] = (f"{hit.explanation}, the only place of that name in {country}; "
                                     f"its admin area ({given}) not checked: {unchecked}")
            elif given is not None:
                placement.iloc[i] = UNPLACED
                match.iloc[i] = (f"not placed: '{name}' cannot be checked against its admin area ({given}): "
                                 + unchecked + ("" if country else ", and the row names no country"))
            else:
                placement.iloc[i] = UNPLACED
                match.iloc[i] = (f"not placed: '{name}' names {len(places)} places and the row gives no admin area"
                                 if places else f"not placed: '{name}' is not in the gazetteer")
            continue
        shape = area.shape.buffer(EDGE) if EDGE else area.shape
        within = [h for h in places.values() if shape.contains(shapely.Point(h.longitude, h.latitude))]
        if len(within) == 1:
            put(i, within[0].latitude, within[0].longitude)
            placement.iloc[i] = BY_NAME
            match.iloc[i] = f"{within[0].explanation}, inside {area.name} ({area.pcode})"
            continue
        put(i, area.latitude, area.longitude)
        placement.iloc[i] = CENTROID
        why = (f"'{name}' names {len(within)} places inside it" if within else
               f"'{name}' is not found inside it" + (f" (the gazetteer has it elsewhere: {len(places)} place(s))"
                                                     if places else ""))
        said = f"approximate: centroid of {area.name} ({area.pcode}); {why}"
        match.iloc[i] = said
        if precision is not None:
            precision[i], note[i] = "3", said
    out["latitude"], out["longitude"] = lat, lon
    if precision is not None:
        out["geo_precision"] = precision
        out["geo_precision_note"] = note
    out["geocoded"] = geocoded
    out["geocode_match"] = match
    out["placement"] = placement
    return out
