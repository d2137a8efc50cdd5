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
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geodata.catalog.protocol import Catalog, check_name, name_from_text
from geodata.catalog.snapshot import open_stored
from geodata.geo.coordinates import Area
from geodata.geo.gazetteer import Gazetteer
from geodata.geo.spatial import assign_admin_codes
from geodata.ingest.csvsafe import neutralise_frame
from geodata.ingest.formats import detect_format, read_source
from geodata.ingest.locate import file_gazetteer
from geodata.ingest.pcodes import reassign_pcodes
from geodata.ingest.stream import country_cells, import_acled_stream, streams
from geodata.ingest.upsert import Changes, delete, upsert
from geodata.ingest.validate import ImportResult, import_table
from geodata.model import schema
from geodata.model.dataset import Dataset, dataset_from_incidents, empty_table, read_csv_text
from geodata.model.errors import GeodataError, UnreadableFileError
from geodata.model.series import OD, SeriesInfo

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.catalog.settings import CatalogSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOutcome:
    """An import's result, the dataset name and version it produced, and where its report lies.

    A big export read in batches hands its rows to the saved dataset: its ``result.frame`` is empty."""

    result: ImportResult
    dataset: str
    version: str | None
    report_path: Path | None
    deleted: int = 0
    changes: Changes = field(default_factory=Changes)
    reassigned: tuple[int, int] = (0, 0)


@functools.lru_cache(maxsize=1)
def shipped_places() -> pd.DataFrame:
    """The shipped scenario's hand-checked places (with their aliases), read once per process."""
    from geodata.model.dataset import DEFAULT_DATASET, load_table

    return load_table(DEFAULT_DATASET / "places.csv", schema.PLACES)


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
    if streams(path, format, **options):  # a big ACLED export: in batches, the same result in bounded memory
        result = import_acled_stream(path, area=area if area is not None else boundaries, fix_swapped=fix_swapped,
                                     gazetteer=gazetteer)
    else:
        result = import_table(read_source(path, format, **options), area=area if area is not None else boundaries,
                              fix_swapped=fix_swapped, gazetteer=gazetteer)
    if boundaries is not None and {"latitude", "longitude"} <= set(result.frame.columns) and format != "boundaries":
        result = replace(result, frame=assign_admin_codes(result.frame, boundaries))
    return result


def read_deletions(path: Path) -> set[str]:
    """Ids from a deletion list: a CSV with an ``event_id_cnty`` (ACLED) or ``event_id`` column."""
    frame = read_csv_text(path, encoding="utf-8-sig")
    for column in ("event_id_cnty", "event_id", "id"):
        if column in frame.columns:
            return {v.strip() for v in frame[column].dropna() if v.strip()}
    raise UnreadableFileError(str(path), "a deletion list needs an 'event_id_cnty' or 'event_id' column")


def merge_series(stored: Mapping[str, SeriesInfo], figures: pd.DataFrame,
                 described: Mapping[str, SeriesInfo] | None) -> dict[str, SeriesInfo]:
    """The dataset's series records after an import: every series with figures gets one, so the map
    and timeline draw it; what the source says (``described``) replaces a stored record; a series
    nobody described stays a plain stock."""
    records = dict(stored)
    for series in figures["series"].dropna().astype(str).unique():
        if described and series in described:
            records[series] = described[series]
        else:
            records.setdefault(series, SeriesInfo())
    return records


#: What makes a batch of flows one table of its source: a re-import of it replaces the stored rows.
FLOW_BATCH = ["movement", "period_start", "period_end"]


def merge_flows(stored: Dataset, result: ImportResult, described: Mapping[str, SeriesInfo] | None) -> Dataset:
    """``stored`` with the file's origin-to-destination flows (HNAP's matrix): the new rows replace the
    stored ones of the same movement and period (a re-import never doubles a month), others are kept;
    the series that describe them (kind ``od``) are recorded, so the map can say what they count."""
    new = result.tables.get("flows")
    if new is None or not len(new):
        return stored
    old = stored.flows
    if len(old):
        batches = pd.MultiIndex.from_frame(new[FLOW_BATCH].drop_duplicates())
        kept = old[~pd.MultiIndex.from_frame(old[FLOW_BATCH]).isin(batches)]
        new = pd.concat([kept, new], ignore_index=True) if len(kept) else new
    records = dict(stored.map_series)
    records.update({s: info for s, info in (described or {}).items() if info.kind == OD})
    return replace(stored, flows=new.reset_index(drop=True), map_series=records, version="")


def sorted_incidents(frame: pd.DataFrame, *, release: tuple[pd.DataFrame, ...] | None = None) -> pd.DataFrame:
    """``frame`` in the stored order: by date, then id, stable (as ``sort_values`` with NaT and missing
    ids last, whose order this is: Arrow compares text by UTF-8 bytes, which is code-point order).

    The order comes from Arrow's sort of the two keys; the columns are then taken one at a time.
    With ``release`` (every other frame holding the same rows: nobody needs them unsorted), each
    column is dropped from ``frame`` and those frames once taken, so the sort holds the rows once
    plus a column instead of twice (``sort_values``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.table({"date": pa.array(frame["event_date"], from_pandas=True),
                     "id": pa.array(frame["event_id"], from_pandas=True)})
    order = pc.sort_indices(keys, sort_keys=[("date", "ascending"), ("id", "ascending")]).to_numpy()  # nulls last
    del keys
    if (order == np.arange(len(order))).all():
        return frame.reset_index(drop=True)
    columns = {}
    for name in list(frame.columns):
        column = frame[name]
        columns[name] = pd.Series(column.array.take(order), dtype=column.dtype, copy=False)
        del column
        for holder in (frame, *release) if release is not None else ():
            if name in holder.columns:
                del holder[name]
    return pd.DataFrame(columns, copy=False)


def merge_into(existing: Dataset | None, result: ImportResult, *, name: str, title: str,
               deletions: frozenset[str] | set[str] = frozenset(),
               series: Mapping[str, SeriesInfo] | None = None, consume: bool = False) -> tuple[Dataset, Changes]:
    """The dataset after this import: upserted by id (a newer ``timestamp`` wins), minus the deletion
    list; and what changed (:class:`~geodata.ingest.upsert.Changes`).

    ``series`` describes the imported displacement series (the reader's
    :attr:`~geodata.ingest.readers.base.SourceTable.series`). ``consume``: the import's incidents
    are the caller's no longer (a big export's, 10^7 rows): each column leaves ``result.frame``
    once in the merged table, so the rows are held once, not twice."""
    table = result.report.table
    new = result.frame.drop(columns="geometry", errors="ignore")
    if table == "incidents":
        old = existing.incidents if existing is not None else empty_table(schema.INCIDENTS)
        merged, changes = upsert(pd.DataFrame(old).drop(columns="geometry", errors="ignore"), new, "event_id")
        merged, changes = delete(merged, "event_id", deletions, changes)
        merged = sorted_incidents(merged, release=(new, result.frame) if consume else None)
        del new
        base = existing or dataset_from_incidents(merged, name=name, title=title)
        period = (merged["event_date"].min().date(), merged["event_date"].max().date()) if len(merged) else base.period
        if existing is not None:
            period = (min(period[0], existing.period[0]), max(period[1], existing.period[1]))
        return replace(base, incidents=merged, period=period, version=""), changes
    if table == "displacement":
        old = existing.displacement if existing is not None else empty_table(schema.DISPLACEMENT)
        merged, changes = upsert(old, new, "figure_id")
        merged, changes = delete(merged, "figure_id", deletions, changes)
        first = pd.concat([merged["as_of"], merged["period_start"]]).min()
        last = pd.concat([merged["as_of"], merged["period_end"]]).max()
        if existing is not None:
            described = merge_series(existing.map_series, merged, series)
            # A later (or earlier) month widens the dates the dashboard offers, as new incidents do.
            period = (min(existing.period[0], first.date()), max(existing.period[1], last.date())) \
                if len(merged) else existing.period
            return merge_flows(replace(existing, displacement=merged, map_series=described, period=period,
                                       version=""), result, series), changes
        incidents = empty_table(schema.INCIDENTS)
        incidents["event_date"] = pd.Series(dtype="datetime64[s]")
        base = dataset_from_incidents(incidents, name=name, title=title, period=(first.date(), last.date()))
        return merge_flows(replace(base, displacement=merged, map_series=merge_series({}, merged, series)),
                           result, series), changes
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


class ReportWriteError(GeodataError, OSError):
    """The import report could not be written; the dataset was not changed."""


def write_report(root: Path, name: str, outcome_result: ImportResult, extra: Mapping[str, Any]) -> Path:
    """Save the report (JSON) and every quarantined row (CSV, UTF-8 with BOM, formula cells
    neutralised by :func:`geodata.ingest.csvsafe.neutralise`) under ``root/reports``.

    Raises :class:`ReportWriteError` (one line naming the folder) when the folder cannot be written.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(root) / "reports" / name
    path = folder / f"{stamp}.json"
    body = {**outcome_result.report.to_dict(), **extra}
    quarantine_path = folder / f"{stamp}.quarantine.csv"
    body["quarantine_file"] = str(quarantine_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # CRLF rows, so a cell holding a bare CR is quoted (with "\n" it would split the row in every reader)
        neutralise_frame(outcome_result.quarantine).to_csv(quarantine_path, index=False, encoding="utf-8-sig",
                                                           lineterminator="\r\n")
        path.write_text(json.dumps(body, indent=1, default=str), encoding="utf-8")
    except OSError as exc:
        raise ReportWriteError(f"{folder}: cannot write the import report ({exc.strerror or exc}); "
                               "nothing was imported") from None
    return path


def _withdraw_report(path: Path) -> None:
    """Remove a report written before a save that then failed (the import did not happen)."""
    path.with_name(path.stem + ".quarantine.csv").unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _complete_report(path: Path, extra: Mapping[str, Any]) -> None:
    """Add what the save produced (the version) to a report written before it; best effort."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**body, **extra}, indent=1, default=str), encoding="utf-8")
    except (OSError, ValueError):
        pass  # the report stands without the version; the dataset's own description has it


def ingest_file(path: str | Path, fmt: str, catalog: Catalog, *, dataset: str | None = None, title: str | None = None,
                mapping: Mapping[str, Any] | str | Path | None = None, deletions: str | Path | None = None,
                crs: str | None = None, fix_swapped: bool = False, table: str | None = None,
                report_root: Path | None = None, gazetteer: Gazetteer | None = None,
                progress: Callable[[str], None] | None = None,
                defaults: Mapping[str, str] | None = None) -> ImportOutcome:
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
    # One naming rule: a given name must pass it; a derived one is made to.
    name = check_name(dataset) if dataset is not None else name_from_text(path.stem)
    say(f"reading {path.name} as {fmt}")
    given = {k: str(v).strip() for k, v in (defaults or {}).items() if v is not None and str(v).strip()}
    # HXL values the file does not tag (source, source_url, country): from the command line or the upload page
    if given and fmt != "hxl":
        raise GeodataError(f"{', '.join(sorted(given))}: default values are for --format hxl only "
                           "(ACLED and UCDP name their source and country in every row)")
    countries = country_cells(path) if streams(path, fmt, mapping=mapping, crs=crs, table=table) else None
    source = None
    if countries is None:
        source = read_source(path, fmt, mapping=mapping, crs=crs, table=table,
                             **({"defaults": given} if given else {}))
    drop = read_deletions(Path(deletions)) if deletions else set()
    say(f"validating {len(source.frame):,} rows" if source is not None else "reading and validating in batches")
    boundaries = catalog.boundaries() if fmt != "boundaries" else None
    if gazetteer is None:  # the scenario's places and GeoNames towns of the file's (or boundaries') countries
        named = source.frame if source is not None else countries
        gazetteer = file_gazetteer(named if named is not None else pd.DataFrame(), boundaries, shipped_places())
    area = boundaries if boundaries is not None and len(boundaries) else None
    if source is None:  # a big ACLED export (its countries read first, for the gazetteer)
        result = import_acled_stream(path, fix_swapped=fix_swapped, gazetteer=gazetteer, area=area)
    else:
        result = import_table(source, fix_swapped=fix_swapped, gazetteer=gazetteer, area=area)
    if boundaries is not None and len(boundaries) and "latitude" in result.frame.columns:
        say("adding admin p-codes from the stored boundaries")
        result = replace(result, frame=assign_admin_codes(result.frame, boundaries))
    root = Path(report_root) if report_root else reports_root(catalog)
    if fmt == "boundaries":
        # The report first: if it cannot be written, nothing is saved.
        report = write_report(root, "boundaries", result, {"dataset": "boundaries"})
        say(f"saving {result.imported:,} boundary polygons")
        try:
            catalog.save_boundaries(merge_boundaries(catalog.boundaries(), result.frame))
        except BaseException:
            _withdraw_report(report)
            raise
        reassigned = reassign_pcodes(catalog, catalog.boundaries(), say)
        _complete_report(report, {"reassigned": {"datasets": reassigned[0], "rows": reassigned[1]}})
        return ImportOutcome(result, "boundaries", None, report, reassigned=reassigned)
    # a database's dataset through the app's local snapshot (mapped), not read whole (6.8 GB at 10^7)
    existing = open_stored(catalog, name, root) if name in catalog.names() else None
    # a big export's rows (read in batches) move into the merged dataset: the outcome keeps no copy
    merged, changes = merge_into(existing, result, name=name, title=title or name, deletions=drop,
                                 series=source.series if source is not None else None, consume=source is None)
    if source is None:
        result = replace(result, frame=result.frame.iloc[:0])
    # The report first: a report folder that cannot be written stops the import before the save.
    report = write_report(root, name, result, {"dataset": name, "version": None, "deleted": changes.deleted,
                                               "changes": changes.to_dict()})
    say(f"saving dataset {name!r}")
    try:
        version = catalog.save(merged, source=str(path))
    except BaseException:
        _withdraw_report(report)
        raise
    _complete_report(report, {"version": version})
    _prepare_snapshot(catalog, name, root, say)
    return ImportOutcome(result, name, version, report, changes.deleted, changes)


def _prepare_snapshot(catalog: Catalog, name: str, data_dir: Path, say: Callable[[str], None]) -> None:
    """A database's new version copied to the app's local snapshot now (:mod:`geodata.catalog.snapshot`), so
    the app maps it on its next request (0.2 s at 10^7 incidents) instead of copying it then (65 s, every
    request of the worker waiting). The import has succeeded whatever happens here: the app copies it if
    this could not."""
    if getattr(catalog, "path", None) is not None:
        return  # a Parquet folder is served as it is
    say(f"copying dataset {name!r} to the app's local snapshot")
    try:
        open_stored(catalog, name, data_dir)
    except (GeodataError, OSError) as exc:
        log.warning("dataset %r: the local snapshot was not written (%s); the app writes it on first open", name,
                    exc)
