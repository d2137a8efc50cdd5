"""Areas of control: polygons dated by snapshot (who held what, as of when), shown as of a date.

Analysts keep control maps as a GeoJSON or GeoPackage layer with one
feature per area and snapshot: a date column (``date``, ``as_of``,
``valid_from``…) and a column naming who held it (``controller``,
``control``, ``held_by``…). The map shows, for the end of the date range,
the latest snapshot on or before it. Every feature is checked: a bad date,
an empty or non-polygon shape or a missing holder is reported with the
file, the feature number (``line``), the column and the reason, and the
file is refused; nothing valid is dropped silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.ingest import limits
from geodata.model.errors import Problem, SchemaError, UnreadableFileError
from geodata.model.schema import CRS

#: Column names read as the snapshot's date, and as who held the area (first found, case-insensitive).
DATE_COLUMNS = ("date", "as_of", "valid_from", "snapshot", "event_date")
HOLDER_COLUMNS = ("controller", "control", "held_by", "holder", "side", "actor")


@dataclass(frozen=True)
class ControlAreas:
    """Validated control areas: ``frame`` has ``date`` (datetime64), ``holder`` (text) and polygon
    ``geometry`` in EPSG:4326, sorted by date; ``source`` names the file."""

    frame: gpd.GeoDataFrame
    source: str

    @property
    def dates(self) -> list[date]:
        return sorted({d.date() for d in self.frame["date"]})

    def as_of(self, day: date) -> gpd.GeoDataFrame:
        """The snapshot in force on ``day``: every area of the latest date on or before it (empty before
        the first)."""
        frame = self.frame
        known = frame["date"] <= pd.Timestamp(day)
        if not known.any():
            return frame.iloc[:0]
        latest = frame.loc[known, "date"].max()
        return frame[frame["date"] == latest]

    def holders(self) -> list[str]:
        """Who holds areas, most areas first (ties by name): one colour each."""
        counts = self.frame["holder"].value_counts()
        return sorted(counts.index, key=lambda h: (-int(counts[h]), str(h)))


def _column(frame: pd.DataFrame, wanted: str | None, names: tuple[str, ...], file: str, what: str) -> str:
    columns = {str(c).lower(): str(c) for c in frame.columns if c != "geometry"}
    if wanted is not None:
        if wanted.lower() not in columns:
            raise SchemaError([Problem(file, 1, wanted, f"the {what} column is not in the layer")])
        return columns[wanted.lower()]
    found = next((columns[n] for n in names if n in columns), None)
    if found is None:
        raise SchemaError([Problem(file, 1, names[0], f"no {what} column (one of {', '.join(names)})")])
    return found


def _read(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio  # here: GDAL costs ~30 MB in every worker, and only geographic files need it

    file = str(path)
    if not path.exists():
        raise UnreadableFileError(file, "file not found")
    try:
        features = int(pyogrio.read_info(path, layer=layer).get("features") or 0)
        limits.check(file, "the number of features", features, limits.MAX_BOUNDARY_FEATURES, "MAX_BOUNDARY_FEATURES")
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise UnreadableFileError(file, str(exc).splitlines()[0]) from None
    vertices = int(shapely.get_num_coordinates(frame.geometry.values).sum()) if len(frame) else 0
    limits.check(file, "the number of vertices", vertices, limits.MAX_BOUNDARY_VERTICES, "MAX_BOUNDARY_VERTICES")
    return frame


def _polygonal(shape: shapely.Geometry) -> shapely.Geometry:
    """``shape`` made valid, keeping its polygons (a repaired bow-tie may come back as a collection)."""
    fixed = shapely.make_valid(shape)
    if fixed.geom_type in ("Polygon", "MultiPolygon"):
        return fixed
    parts = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def read_control_areas(path: str | Path, *, layer: str | None = None, date_column: str | None = None,
                       holder_column: str | None = None) -> ControlAreas:
    """Read and check a control-areas layer (GeoJSON, GeoPackage, shapefile: what GDAL reads).

    Raises :class:`SchemaError` listing every bad feature (file, feature number, column, reason),
    :class:`UnreadableFileError` or a limit error; invalid polygons are repaired (``make_valid``).
    """
    path = Path(path)
    file = str(path)
    frame = _read(path, layer)
    when = _column(frame, date_column, DATE_COLUMNS, file, "date")
    who = _column(frame, holder_column, HOLDER_COLUMNS, file, "holder")
    if frame.crs is None:
        frame = frame.set_crs(CRS)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(CRS)
    raw = frame[when]
    dates = pd.to_datetime(raw.astype("string").str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    holders = frame[who].astype("string").str.strip()
    problems: list[Problem] = []
    for i, (text, day, holder, shape) in enumerate(zip(raw, dates, holders, frame.geometry, strict=True), start=1):
        if pd.isna(day):
            problems.append(Problem(file, i, when, "expected a date YYYY-MM-DD", None if pd.isna(text) else str(text)))
        if pd.isna(holder) or holder == "":
            problems.append(Problem(file, i, who, "who held the area is missing"))
        if shape is None or shape.is_empty:
            problems.append(Problem(file, i, "geometry", "the feature has no shape"))
        elif shape.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(file, i, "geometry", f"expected a polygon (got a {shape.geom_type})"))
    if problems:
        raise SchemaError(problems)
    if len(frame) == 0:
        raise SchemaError([Problem(file, None, None, "the layer has no features")])
    geometry = gpd.GeoSeries([_polygonal(shape) for shape in frame.geometry], crs=CRS)
    out = gpd.GeoDataFrame({"date": dates.dt.normalize().to_numpy(), "holder": holders.astype(str).to_numpy()},
                           geometry=geometry.values, crs=CRS)
    return ControlAreas(out.sort_values("date", kind="stable").reset_index(drop=True), source=path.name)
