"""A dataset on disk: a folder of canonical CSV tables plus a small ``dataset.json``.

The shipped scenario is one such folder; imported datasets will be others.
Loading validates every table against :mod:`geodata.model.schema` and fails loudly,
naming the file, line and column, rather than showing a wrong map.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.model import schema
from geodata.model.errors import Problem, SchemaError, UnreadableFileError
from geodata.model.series import STOCK, SeriesInfo, series_map

DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "scenarios" / "nw_syria_2020"


@dataclass(frozen=True)
class Dataset:
    """Validated tables of one dataset and what describes it.

    ``incidents`` follows :data:`geodata.model.schema.INCIDENTS`, sorted by
    ``event_date``: a GeoDataFrame in :data:`geodata.model.schema.CRS` when loaded
    from files, or a plain frame with latitude/longitude (large synthetic or
    database data, where a geometry column would only cost memory).
    ``displacement``, ``places`` and ``highways`` follow their schemas
    (empty frames when the dataset has none); so do ``flows``, origin-to-destination
    movements (:data:`geodata.model.schema.FLOWS`), empty for datasets stored before they were kept.
    """

    name: str
    title: str
    incidents: pd.DataFrame
    displacement: pd.DataFrame
    places: pd.DataFrame
    highways: pd.DataFrame
    period: tuple[date, date]
    view: dict = field(default_factory=dict)
    headline_series: str | None = None
    map_series: dict[str, SeriesInfo] = field(default_factory=dict)  # series -> what it counts
    attribution: str = ""
    #: A title short enough for a slide (briefings use it when the analyst types none); "" = ``title``.
    short_title: str = ""
    version: str = ""  # content hash (geodata.catalog.parquet.content_version); "" until computed
    flows: pd.DataFrame = field(default_factory=lambda: empty_table(schema.FLOWS))

    def __post_init__(self) -> None:
        # Stores and older files give "stock"/"flow" strings or JSON objects: one form from here on.
        object.__setattr__(self, "map_series", series_map(self.map_series))

    @property
    def series_kinds(self) -> dict[str, str]:
        """Series name -> 'stock', 'flow' or 'od'."""
        return {name: info.kind for name, info in self.map_series.items()}

    @property
    def headline(self) -> str | None:
        """The series the headline quotes: the one named, else the first stock drawn, else the first flow."""
        if self.headline_series is not None:
            return self.headline_series
        kinds = self.series_kinds
        return next((s for s, k in kinds.items() if k == STOCK), next((s for s, k in kinds.items() if k != "od"), None))

    def series(self, name: str) -> SeriesInfo:
        """The record of series ``name`` (a plain stock when the dataset does not describe it)."""
        return self.map_series.get(name) or SeriesInfo()


def read_csv_text(path: Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Every cell as text (no type guessing, blank cells missing), so validation sees what the file says.

    Raises :class:`UnreadableFileError` (file not found, or not CSV in ``encoding``).
    """
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding=encoding)
    except FileNotFoundError:
        raise UnreadableFileError(str(path), "file not found") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UnreadableFileError(str(path), str(exc).splitlines()[0]) from None


def read_json(path: Path, *, missing: str = "file not found", damaged: str = "{exc}",
              encoding: str = "utf-8") -> Any:
    """A JSON file's content.

    Raises :class:`UnreadableFileError` naming the file and ``missing`` when
    it does not exist, or ``damaged`` (``{exc}`` is replaced by the parser's
    message) when it is not JSON in ``encoding``.
    """
    try:
        return json.loads(Path(path).read_text(encoding=encoding))
    except FileNotFoundError:
        raise UnreadableFileError(str(path), missing) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(str(path), damaged.format(exc=exc)) from None


def load_table(path: Path, table: schema.TableSchema, *, optional: bool = False) -> pd.DataFrame:
    """Read and validate one canonical table; raise :class:`SchemaError` on any bad cell."""
    if optional and not path.exists():
        return empty_table(table)
    return schema.validate_table(read_csv_text(path), table, file=str(path))


def _date(value: str, file: Path, key: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SchemaError([Problem(str(file), None, key, "expected a date as YYYY-MM-DD", str(value))]) from None


def load_dataset(folder: Path | str = DEFAULT_DATASET) -> Dataset:
    """Load a dataset folder (``dataset.json``, ``incidents.csv`` and optional tables, ``flows.csv`` among them).

    Raises
    ------
    UnreadableFileError
        a file is missing or cannot be parsed.
    SchemaError
        a table breaks its schema; the message names file, line and column.
    """
    folder = Path(folder)
    meta_path = folder / "dataset.json"
    meta = read_json(meta_path)

    incidents = load_table(folder / "incidents.csv", schema.INCIDENTS)
    incidents = incidents.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)
    points = gpd.points_from_xy(incidents["longitude"], incidents["latitude"], crs=schema.CRS)
    period = meta.get("period") or [None, None]
    first = incidents["event_date"].min()
    last = incidents["event_date"].max()
    start = _date(period[0], meta_path, "period") if period[0] else first.date()
    end = _date(period[1], meta_path, "period") if period[1] else last.date()
    return Dataset(
        name=str(meta.get("name", folder.name)),
        title=str(meta.get("title", folder.name)),
        incidents=gpd.GeoDataFrame(incidents, geometry=points, crs=schema.CRS),
        displacement=load_table(folder / "displacement.csv", schema.DISPLACEMENT, optional=True),
        places=load_table(folder / "places.csv", schema.PLACES, optional=True),
        highways=load_table(folder / "highways.csv", schema.HIGHWAYS, optional=True),
        flows=load_table(folder / "flows.csv", schema.FLOWS, optional=True),
        period=(start, end),
        view=dict(meta.get("view", {})),
        headline_series=meta.get("headline_series"),
        map_series=series_map(meta.get("map_series"), file=str(meta_path)),
        attribution=str(meta.get("attribution", "")),
        short_title=str(meta.get("short_title", "")),
    )


def empty_table(table: schema.TableSchema) -> pd.DataFrame:
    """A frame with the table's columns and no rows."""
    return pd.DataFrame({c.name: pd.Series(dtype="object") for c in table.columns})


def dataset_from_incidents(incidents: pd.DataFrame, *, name: str, title: str,
                           period: tuple[date, date] | None = None) -> Dataset:
    """A dataset of incidents only (no displacement, places or highways), e.g. for benchmarks.

    ``incidents`` must already be canonical and typed; the period defaults to its date extent.
    """
    incidents = incidents.sort_values("event_date", kind="stable").reset_index(drop=True)
    if period is None:
        period = (incidents["event_date"].min().date(), incidents["event_date"].max().date())
    return Dataset(name=name, title=title, incidents=incidents, displacement=empty_table(schema.DISPLACEMENT),
                   places=empty_table(schema.PLACES), highways=empty_table(schema.HIGHWAYS), period=period)
