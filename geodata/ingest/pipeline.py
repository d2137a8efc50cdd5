"""From a file on disk to a stored dataset: read, validate with quarantine, merge, save atomically.

:func:`ingest_file` is what the command line and the dashboard's upload panel
both call, so a file gets the same checks whichever way it arrives;
:func:`import_file` reads and validates the same way without a store.
Re-importing into an existing dataset *upserts* by id (ACLED edits events
and changes their ``timestamp``); a deletion list removes ids. The merged dataset is written
atomically, so a bad or interrupted import leaves the previous version in
place. Each import leaves a report (JSON) and its quarantined rows (CSV)
beside the data, so nothing rejected is ever silently lost.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geodata.catalog.protocol import Catalog, check_name
from geodata.geo.coordinates import Area
from geodata.geo.gazetteer import Gazetteer
from geodata.geo.spatial import assign_admin_codes
from geodata.ingest.formats import detect_format, read_source
from geodata.ingest.validate import ImportResult, import_table
from geodata.model import schema
from geodata.model.dataset import Dataset, dataset_from_incidents, empty_table, read_csv_text
from geodata.model.errors import GeodataError, UnreadableFileError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.catalog.settings import CatalogSettings


@dataclass(frozen=True)
class ImportOutcome:
    """An import's result, the dataset name and version it produced, and where its report lies."""

    result: ImportResult
    dataset: str
    version: str | None
    report_path: Path | None
    deleted: int = 0


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The scenario's places with their aliases, plus GeoNames' Syrian towns (built once per process):
    rows with a place name and no coordinates are geocoded from it, and marked so."""
    from geodata.geo.places import geonames_places, merge_places
    from geodata.model.dataset import DEFAULT_DATASET, load_table

    scenario = load_table(DEFAULT_DATASET / "places.csv", schema.PLACES)
    return Gazetteer(merge_places(scenario, geonames_places("SY")))


def import_file(path: str | Path, format: str | None = None, *, boundaries: gpd.GeoDataFrame | None = None,
                gazetteer: Gazetteer | None = None, fix_swapped: bool = False, area: Area | None = None,
                **options: Any) -> ImportResult:
    """Read, validate and enrich one file, without storing it.

    ``format`` is detected when ``None`` (:func:`~geodata.ingest.formats.detect_format`);
    ``options`` go to :func:`~geodata.ingest.formats.read_source` (e.g.
    ``mapping=`` for ``"csv"``, ``period=`` for ``"hnap"``). ``boundaries``
    (normalised, from :func:`~geodata.ingest.readers.read_boundaries`) serve
    three purposes: the expected area for swapped coordinates (unless
    ``area`` is given), HNAP community points, and admin p-codes for every
    located row (:func:`geodata.geo.spatial.assign_admin_codes`, which adds
    ``outside_boundaries``).

    Raises
    ------
    UnreadableFileError
        the file cannot be read at all (nothing is imported).
    SchemaError
        the file lacks a column its format requires.
    GeodataError
        an unknown format, or ``"csv"`` without a mapping.
    """
    format = format or detect_format(path)
    if format == "hnap" and boundaries is not None:
        options.setdefault("boundaries", boundaries)
    source = read_source(path, format, **options)
    result = import_table(source, area=area if area is not None else boundaries, fix_swapped=fix_swapped,
                          gazetteer=gazetteer)
    if boundaries is not None and {"latitude", "longitude"} <= set(result.frame.columns) and format != "boundaries":
        result = replace(result, frame=assign_admin_codes(result.frame, boundaries))
    return result


def _upsert(old: pd.DataFrame, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows of ``new`` replace rows of ``old`` with the same ``key``; other old rows stay."""
    if old.empty:
        return new.reset_index(drop=True)
    kept = old[~old[key].astype("string").isin(new[key].astype("string"))]
    columns = list(dict.fromkeys([*old.columns, *new.columns]))
    frames = [f.reindex(columns=columns) for f in (kept, new) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else old.iloc[0:0]


def read_deletions(path: Path) -> set[str]:
    """Ids from a deletion list: a CSV with an ``event_id_cnty`` (ACLED) or ``event_id`` column."""
    frame = read_csv_text(path, encoding="utf-8-sig")
    for column in ("event_id_cnty", "event_id", "id"):
        if column in frame.columns:
            return {v.strip() for v in frame[column].dropna() if v.strip()}
    raise UnreadableFileError(str(path), "a deletion list needs an 'event_id_cnty' or 'event_id' column")


def merge_into(existing: Dataset | None, result: ImportResult, *, name: str, title: str,
               deletions: frozenset[str] | set[str] = frozenset()) -> tuple[Dataset, int]:
    """The dataset after this import: upserted by id, minus the deletion list; and how many were deleted."""
    table = result.report.table
    new = result.frame.drop(columns="geometry", errors="ignore")
    if table == "incidents":
        old = existing.incidents if existing is not None else empty_table(schema.INCIDENTS)
        merged = _upsert(pd.DataFrame(old).drop(columns="geometry", errors="ignore"), new, "event_id")
        before = len(merged)
        merged = merged[~merged["event_id"].astype("string").isin(deletions)] if deletions else merged
        merged = merged.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)
        base = existing or dataset_from_incidents(merged, name=name, title=title)
        period = (merged["event_date"].min().date(), merged["event_date"].max().date()) if len(merged) else base.period
        if existing is not None:
            period = (min(period[0], existing.period[0]), max(period[1], existing.period[1]))
        return replace(base, incidents=merged, period=period, version=""), before - len(merged)
    if table == "displacement":
        old = existing.displacement if existing is not None else empty_table(schema.DISPLACEMENT)
        merged = _upsert(old, new, "figure_id")
        if existing is not None:
            return replace(existing, displacement=merged, version=""), 0
        dates = merged["as_of"]
        incidents = empty_table(schema.INCIDENTS)
        incidents["event_date"] = pd.Series(dtype="datetime64[s]")
        base = dataset_from_incidents(incidents, name=name, title=title,
                                      period=(dates.min().date(), dates.max().date()))
        series = {s: "stock" for s in merged["series"].dropna().unique()}
        return replace(base, displacement=merged, map_series=series), 0
    raise GeodataError(f"a {table} table cannot be merged into a dataset")


def merge_boundaries(stored, new):
    """Stored boundaries with ``new`` added, replacing those with the same p-code (levels add up)."""
    import geopandas as gpd

    if stored is None or len(stored) == 0:
        return new
    kept = stored[~stored["pcode"].isin(new["pcode"])]
    columns = list(dict.fromkeys([*new.columns, *kept.columns]))
    merged = pd.concat([kept.reindex(columns=columns), new.reindex(columns=columns)], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=new.crs)


def reports_root(catalog: Catalog, settings: CatalogSettings | None = None) -> Path:
    """Where import reports go: the Parquet store's folder, else (a database) the settings' data folder.

    ``settings`` ``None`` reads them from the environment (:meth:`CatalogSettings.from_env`).
    """
    root = getattr(catalog, "root", None)
    if root is not None:
        return Path(root)
    from geodata.catalog.settings import CatalogSettings

    return (settings or CatalogSettings.from_env()).data_dir


def write_report(root: Path, name: str, outcome_result: ImportResult, extra: Mapping[str, Any]) -> Path:
    """Save the report (JSON) and every quarantined row (CSV, UTF-8 with BOM) under ``root/reports``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(root) / "reports" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}.json"
    body = {**outcome_result.report.to_dict(), **extra}
    quarantine_path = folder / f"{stamp}.quarantine.csv"
    outcome_result.quarantine.to_csv(quarantine_path, index=False, encoding="utf-8-sig")
    body["quarantine_file"] = str(quarantine_path)
    path.write_text(json.dumps(body, indent=1, default=str), encoding="utf-8")
    return path


def ingest_file(path: str | Path, fmt: str, catalog: Catalog, *, dataset: str | None = None, title: str | None = None,
                mapping: Mapping[str, Any] | str | Path | None = None, deletions: str | Path | None = None,
                crs: str | None = None, fix_swapped: bool = False, table: str | None = None,
                report_root: Path | None = None, gazetteer: Gazetteer | None = None,
                progress: Callable[[str], None] | None = None) -> ImportOutcome:
    """Import one file of format ``fmt`` (one of :data:`~geodata.ingest.formats.FORMATS`) into ``catalog``.

    Nothing is written unless the file was read and validated; the dataset
    is then replaced atomically by its merged new version. Boundaries are
    added to the catalog's boundaries (by p-code) with ``save_boundaries``.
    Rows with a place name but no coordinates are geocoded through the
    gazetteer (marked ``geocoded``, with the match); points get admin p-codes
    from the stored boundaries (``outside_boundaries`` flags, never drops).

    Raises
    ------
    UnreadableFileError, SchemaError, GeodataError
        the file (or the deletion list) cannot be used; nothing changed.
    """
    path = Path(path)
    say = progress or (lambda message: None)
    name = dataset or path.stem.lower().replace(" ", "-")
    check_name(name)  # refuses an invalid name before any work
    say(f"reading {path.name} as {fmt}")
    source = read_source(path, fmt, mapping=mapping, crs=crs, table=table)
    drop = read_deletions(Path(deletions)) if deletions else set()
    say(f"validating {len(source.frame):,} rows")
    boundaries = catalog.boundaries() if fmt != "boundaries" else None
    result = import_table(source, fix_swapped=fix_swapped, gazetteer=gazetteer or default_gazetteer(),
                          area=boundaries if boundaries is not None and len(boundaries) else None)
    if boundaries is not None and len(boundaries) and "latitude" in result.frame.columns:
        say("adding admin p-codes from the stored boundaries")
        result = replace(result, frame=assign_admin_codes(result.frame, boundaries))
    root = Path(report_root) if report_root else reports_root(catalog)
    if fmt == "boundaries":
        say(f"saving {result.imported:,} boundary polygons")
        catalog.save_boundaries(merge_boundaries(catalog.boundaries(), result.frame))
        report = write_report(root, "boundaries", result, {"dataset": "boundaries"})
        return ImportOutcome(result, "boundaries", None, report)
    existing = catalog.load(name) if name in catalog.names() else None
    merged, deleted = merge_into(existing, result, name=name, title=title or name, deletions=drop)
    say(f"saving dataset {name!r}")
    version = catalog.save(merged, source=str(path))
    report = write_report(root, name, result, {"dataset": name, "version": version, "deleted": deleted})
    return ImportOutcome(result, name, version, report, deleted)
