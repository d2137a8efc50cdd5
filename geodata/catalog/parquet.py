"""The embedded, persistent store: datasets as folders of Parquet files in a data directory.

Why Parquet (through pyarrow) rather than CSV or a database server: a
million date-sorted incidents load in well under a second with their
dtypes intact, the files are portable and inspectable by any analyst tool
(GeoPandas, DuckDB, R), and there is no server to start. The dashboard's
fast path then works on in-memory numpy columns (see :mod:`geodata.query.columns`).

Writes are atomic: a dataset is written to a temporary folder next to its
final place and swapped in with ``os.replace``, so a crash or a bad file
mid-import leaves the previous version intact. Every dataset records its
version (a content hash of its tables), source file, import time and row
counts in ``dataset.json``.

Next to ``incidents.parquet`` each dataset keeps a memory-mapped Arrow copy
of its incidents (:mod:`geodata.catalog.arrow`), which :func:`read_dataset`
maps instead of parsing the Parquet file; it is rebuilt here when missing,
stale or damaged.

:class:`DataDirectory` implements :class:`geodata.catalog.protocol.Catalog`.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from geodata.catalog.arrow import map_sidecar, mapped_damage, sidecar_file, write_sidecar_file
from geodata.catalog.protocol import check_name, is_valid_name
from geodata.model import schema
from geodata.model.dataset import Dataset, empty_table, read_json
from geodata.model.errors import GeodataError, UnreadableFileError
from geodata.model.series import series_json

#: Text columns with few distinct values (types, actors, places, sources): read as pandas
#: categoricals, which costs a small integer a row instead of a string (notes and ids stay strings).
DICTIONARY_COLUMNS = ["date_precision", "event_type", "sub_event_type", "actor1", "actor2", "location",
                      "admin1", "admin1_pcode", "admin2", "admin2_pcode", "admin3", "admin3_pcode",
                      "geo_precision_note", "source", "source_url"]

TABLES = {"incidents": schema.INCIDENTS, "displacement": schema.DISPLACEMENT,
          "places": schema.PLACES, "highways": schema.HIGHWAYS, "flows": schema.FLOWS}
#: Tables added after datasets were first stored: hashed only when they have rows, so a dataset
#: stored before keeps its version (and its cached results); a folder without their file loads them empty.
LATER_TABLES = ("flows",)
META = "dataset.json"

log = logging.getLogger(__name__)


class DatasetWriteError(GeodataError, OSError):
    """Writing a dataset failed (disk full, permissions); the previous version is intact."""


def _canonical_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The same cells whatever the dtypes: text as strings, dates as seconds, numbers as floats.

    A categorical column and a string column with the same values, or dates
    in ms and in s, must give the same version.
    """
    out: dict[Hashable, pd.Series] = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[name] = values.astype("datetime64[s]").astype("int64").where(values.notna(), -(2**62))
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[name] = values.astype("Float64")
        else:
            out[name] = values.astype("string")
    return pd.DataFrame(out, index=frame.index)


#: Rows whose cells are made canonical and hashed at a time: a row's hash depends on its own cells only, so
#: the version is the same as hashing the table whole, without its canonical copy (Python strings; at
#: 10^7 incidents gigabytes).
HASH_ROWS = 1_000_000


def _row_hashes(frame: pd.DataFrame) -> Iterator[bytes]:
    """The 64-bit hash of every row's canonical cells, as bytes, :data:`HASH_ROWS` rows at a time."""
    for start in range(0, len(frame), HASH_ROWS):
        part = _canonical_cells(frame.iloc[start:start + HASH_ROWS])
        yield pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes()


def content_version(dataset: Dataset) -> str:
    """A short hash of every table's content: equal cells, equal version, whatever the dtypes or format."""
    digest = hashlib.sha256()
    for name in TABLES:
        frame = getattr(dataset, name)
        frame = frame.drop(columns="geometry", errors="ignore")
        if name in LATER_TABLES and not len(frame):
            continue
        digest.update(name.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        for hashes in _row_hashes(frame):
            digest.update(hashes)
    return digest.hexdigest()[:16]


def describe(dataset: Dataset, version: str, source: str | None) -> dict:
    """The ``dataset.json`` of ``dataset`` at ``version`` (the PostGIS store keeps the same description)."""
    return {
        "name": dataset.name, "title": dataset.title,
        "period": [dataset.period[0].isoformat(), dataset.period[1].isoformat()],
        "view": dataset.view, "headline_series": dataset.headline_series,
        "map_series": series_json(dataset.map_series),
        "attribution": dataset.attribution, "short_title": dataset.short_title, "version": version,
        "source_file": source,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": {name: int(len(getattr(dataset, name))) for name in TABLES
                 if name not in LATER_TABLES or len(getattr(dataset, name))},
    }


def write_dataset(dataset: Dataset, folder: Path | str, *, source: str | None = None,
                  version: str | None = None) -> str:
    """Write ``dataset`` to ``folder`` atomically and return its version.

    The old content of ``folder``, if any, stays in place until the new one
    is complete; then the two are swapped. ``version``: the version to record when the caller holds the
    dataset's own (a snapshot of a database's dataset keeps the database's); by default its content's.
    """
    folder = Path(folder)
    version = version or content_version(dataset)
    with _staged(folder) as staging:
        for name in TABLES:
            _write_table(staging, name, getattr(dataset, name))
        write_sidecar(staging, version)
        (staging / META).write_text(json.dumps(describe(dataset, version, source), indent=1), encoding="utf-8")
    return version


def write_in_parts(folder: Path | str, meta: dict, tables: dict[str, pd.DataFrame],
                   incidents: Iterable[pd.DataFrame]) -> None:
    """Write a dataset given as its description (``dataset.json``: version, rows...), its other tables and its
    incidents as date-ordered parts, atomically as :func:`write_dataset` does. The incidents file is written
    a part at a time and the sidecar read from it a column at a time, so memory holds a part, not the
    dataset (a database's dataset at 10^7 incidents: 6.8 GB whole).

    Raises
    ------
    GeodataError
        the parts do not add up to the rows ``meta`` records, or are not in date order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    with _staged(folder) as staging:
        for name in TABLES:
            if name != "incidents":
                _write_table(staging, name, tables[name])
        writer = None
        rows, last = 0, None
        try:
            for part in incidents:
                if len(part) and "event_date" in part and (not part["event_date"].is_monotonic_increasing or (
                        last is not None and part["event_date"].iloc[0] < last)):
                    raise GeodataError(f"{folder.name}: the incidents' parts are not in date order")
                table = pa.Table.from_pandas(part, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(staging / "incidents.parquet", _part_schema(table.schema))
                writer.write_table(table.cast(writer.schema))
                rows += len(part)
                last = part["event_date"].iloc[-1] if len(part) and "event_date" in part else last
        finally:
            if writer is not None:
                writer.close()
        if writer is None or rows != _count((meta.get("rows") or {}).get("incidents")):
            raise GeodataError(f"{folder.name}: {rows} incidents read where the description records "
                               f"{_count((meta.get('rows') or {}).get('incidents'))}")
        write_sidecar(staging, str(meta.get("version", "")))
        (staging / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def _write_table(staging: Path, name: str, table: pd.DataFrame) -> None:
    """One table's Parquet file; none for a later table without rows (as before the table existed: it
    reads back empty)."""
    frame = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
    if name not in LATER_TABLES or len(frame):
        frame.to_parquet(staging / f"{name}.parquet", index=False)


def _part_schema(schema):
    """The first part's schema, made to hold every part: categoricals as int32-coded strings, whatever
    the first part's categories (none, or few: pandas codes them in int8), and a column the first part
    has only nulls in as text."""
    import pyarrow as pa

    fields = []
    for field in schema:
        if pa.types.is_dictionary(field.type):
            field = field.with_type(pa.dictionary(pa.int32(), pa.string()))
        elif pa.types.is_null(field.type):
            field = field.with_type(pa.string())
        fields.append(field)
    return pa.schema(fields, metadata=schema.metadata)


@contextlib.contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` to write into; swapped in for ``folder`` when the block ends
    without error (the old content kept until then), removed otherwise."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise DatasetWriteError(f"{folder.parent}: cannot write the dataset ({exc.strerror or exc}); "
                                "the previous version is kept") from None
    try:
        yield staging
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DatasetWriteError(f"{folder}: cannot write the dataset ({exc.strerror or exc}); "
                                "the previous version is kept") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_meta(folder: Path | str) -> dict:
    """The ``dataset.json`` of a stored dataset (name, title, version, rows, source, imported_at...)."""
    path = Path(folder) / META
    meta = read_json(path, missing="no stored dataset here", damaged="damaged dataset description: {exc}")
    if not isinstance(meta, dict) or not isinstance(meta.get("rows", {}), dict):
        raise UnreadableFileError(str(path), "damaged dataset description: not a JSON object with row counts")
    return meta


def _read_table(path: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    dictionary = [c for c in DICTIONARY_COLUMNS if c in names and (columns is None or c in columns)] \
        if name == "incidents" else None
    frame = pq.read_table(path, columns=columns, read_dictionary=dictionary).to_pandas()
    for column in frame.columns:
        values = frame[column]
        if (values.dtype == object and values.isna().all()) or (
                isinstance(values.dtype, pd.CategoricalDtype) and not len(values.cat.categories)):
            # an all-empty text column (a file written in parts may type it as text or as categories with
            # none): read as text either way, with no Python object per row
            frame[column] = values.astype("string")
    return frame


def _sorted_by_date(frame: pd.DataFrame) -> pd.DataFrame:
    if "event_date" not in frame or frame["event_date"].is_monotonic_increasing:
        return frame
    return frame.sort_values("event_date", kind="stable").reset_index(drop=True)


def _parquet_incidents(folder: Path) -> pd.DataFrame:
    """The incidents read from ``incidents.parquet`` into memory, date-sorted."""
    return _sorted_by_date(_read_table(folder / "incidents.parquet", "incidents"))


def sidecar_path(folder: Path | str, version: str | None = None) -> Path:
    """Where the current sidecar of ``folder`` is (or goes): ``incidents.<hash of its tag>.arrow``.

    ``version`` defaults to the one ``dataset.json`` records.
    """
    folder = Path(folder)
    if version is None:
        version = str(read_meta(folder).get("version", ""))
    return sidecar_file(folder, version)


def _parquet_columns(path: Path) -> Iterator[pd.DataFrame]:
    """The incidents of ``path`` one column at a time, each as :func:`_read_table` reads it with the others."""
    import pyarrow.parquet as pq

    for name in pq.read_schema(path).names:
        yield _read_table(path, "incidents", [name])


def write_sidecar(folder: Path | str, version: str) -> Path:
    """(Re)build the sidecar of ``folder`` from its ``incidents.parquet`` (see :mod:`geodata.catalog.arrow`).

    Date-sorted rows (as every save writes them) are read a column at a time: the sidecar is built
    without the whole table in pandas beside it (0.6 GB at 10^6 rows, beside the saved dataset).

    Raises ``OSError`` when the folder cannot be written.
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    path = folder / "incidents.parquet"
    if "event_date" not in pq.read_schema(path).names or \
            _read_table(path, "incidents", ["event_date"])["event_date"].is_monotonic_increasing:
        return write_sidecar_file(folder, version, _parquet_columns(path))
    return write_sidecar_file(folder, version, _parquet_incidents(folder))  # not in date order: sorted whole


def _read_incidents(folder: Path, version: str) -> pd.DataFrame:
    """The date-sorted incidents, memory-mapped from the sidecar (rebuilt first if needed)."""
    frame = map_sidecar(folder, version)
    if frame is not None:
        return frame
    try:
        write_sidecar(folder, version)
    except OSError as exc:
        log.warning("%s: cannot write the incidents sidecar (%s); reading the Parquet file into memory instead",
                    folder, exc)
        return _parquet_incidents(folder)
    frame = map_sidecar(folder, version)
    if frame is None:  # cannot happen unless the folder changes under us
        return _parquet_incidents(folder)
    return frame


def _count(value: object) -> int:
    """A row count from ``dataset.json`` (anything else counts as 0)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_dataset(folder: Path | str) -> Dataset:
    """Load a dataset written by :func:`write_dataset` (tables keep their dtypes).

    The incidents come memory-mapped from the Arrow sidecar (see
    :mod:`geodata.catalog.arrow`), already sorted by ``event_date``; read them, do not change them.

    Raises
    ------
    UnreadableFileError
        the folder holds no dataset, or a file is missing or damaged.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    version = str(meta.get("version", ""))
    rows = meta.get("rows") or {}
    tables = {}
    for name, table in TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.exists():
            # Every save writes every table: a missing one was lost, and serving it empty would hide that.
            if name == "incidents" or _count(rows.get(name)):
                raise UnreadableFileError(str(path), f"table missing: {META} records "
                                          f"{_count(rows.get(name))} rows; re-import the dataset")
            tables[name] = empty_table(table)
            continue
        try:
            if name == "incidents":
                tables[name] = _read_incidents(folder, version)
            else:
                tables[name] = _read_table(path, name)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise UnreadableFileError(str(path), f"damaged table: {exc}") from None
        if name in rows and _count(rows.get(name)) != len(tables[name]):
            raise UnreadableFileError(str(path), f"damaged table: {len(tables[name])} rows where {META} "
                                      f"records {_count(rows.get(name))}; re-import the dataset")
    incidents = _sorted_by_date(tables["incidents"])
    try:
        period = (date.fromisoformat(meta["period"][0]), date.fromisoformat(meta["period"][1]))
    except (KeyError, IndexError, TypeError, ValueError):
        raise UnreadableFileError(str(folder / META), "no valid period") from None
    return Dataset(
        name=folder.name, title=str(meta.get("title", folder.name)),
        incidents=incidents, displacement=tables["displacement"], places=tables["places"],
        highways=tables["highways"], flows=tables["flows"], period=period, view=dict(meta.get("view") or {}),
        headline_series=meta.get("headline_series"), map_series=dict(meta.get("map_series") or {}),
        attribution=str(meta.get("attribution", "")), short_title=str(meta.get("short_title", "")),
        version=version,
    )


class DataDirectory:
    """The folder of stored datasets, one sub-folder each (``<root>/<name>/``), and their boundaries.

    Implements :class:`geodata.catalog.protocol.Catalog` (see there for what
    each method guarantees); nothing is created until the first save.
    """

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The folder of dataset ``name`` (which need not exist); raises GeodataError for an invalid name."""
        return self.root / check_name(name)

    def names(self) -> list[str]:
        """Names of the stored datasets, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if is_valid_name(p.name) and (p / META).exists())

    def unreachable(self) -> list[str]:
        """Folders holding a dataset whose name the naming rule now refuses (stored by an older version,
        e.g. ``acled.v2`` or ``Ḥamā``): not served, listed by ``geodata list`` so they can be renamed."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if not p.name.startswith(".")
                      and not is_valid_name(p.name) and (p / META).exists())

    def save(self, dataset: Dataset, *, source: str | None = None) -> str:
        """Store ``dataset`` under its name (replacing an older version atomically); return the version."""
        return write_dataset(dataset, self.path(dataset.name), source=source)

    def load(self, name: str) -> Dataset:
        """The stored dataset (see :func:`read_dataset`)."""
        return read_dataset(self.path(name))

    def meta(self, name: str) -> dict:
        """The dataset's ``dataset.json``."""
        return read_meta(self.path(name))

    def damage(self, name: str) -> str | None:
        """Why the dataset this process loaded can no longer be served from memory, or ``None``.

        A memory-mapped file truncated under a running process cannot be read
        (the process would be killed); the site asks here before it uses a
        loaded dataset, and loads it again when this says so.
        """
        return mapped_damage(self.path(name))

    @property
    def boundaries_path(self) -> Path:
        return self.root / "boundaries.parquet"

    def save_boundaries(self, boundaries) -> int:
        """Replace the stored admin boundaries (GeoParquet, written atomically); return their number.

        Same meaning as the PostGIS catalog's method; :func:`geodata.ingest.pipeline.ingest_file`
        merges new levels with the stored ones by p-code before calling it.
        """
        from geodata.ingest.readers.boundaries import check_size

        check_size(boundaries, str(self.boundaries_path))  # the merged total, which every dataset page sends
        staging = self.root / f".boundaries.{os.getpid()}.parquet"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            boundaries.to_parquet(staging, index=False)
            os.replace(staging, self.boundaries_path)
        except OSError as exc:
            raise DatasetWriteError(f"{self.root}: cannot write the boundaries ({exc.strerror or exc}); "
                                    "the previous ones are kept") from None
        finally:
            staging.unlink(missing_ok=True)
        return len(boundaries)

    def boundaries(self, admin_level: int | None = None):
        """The stored admin boundaries (all levels, or one), an empty GeoDataFrame if none."""
        import geopandas as gpd

        if not self.boundaries_path.exists():
            return gpd.GeoDataFrame({"pcode": [], "admin_level": []}, geometry=[], crs=schema.CRS)
        from geodata.ingest import limits
        from geodata.ingest.readers.boundaries import check_size

        file = str(self.boundaries_path)
        try:
            import pyarrow.parquet as pq

            # Stored by an older version without limits? Counted from the footer before the shapes are read.
            limits.check(file, "the number of features", pq.ParquetFile(self.boundaries_path).metadata.num_rows,
                         limits.MAX_BOUNDARY_FEATURES, "MAX_BOUNDARY_FEATURES")
            frame = gpd.read_parquet(self.boundaries_path)
        except UnreadableFileError:
            raise
        except Exception as exc:  # pyarrow and geopandas raise several types for a damaged file
            raise UnreadableFileError(file, f"damaged boundaries: {exc}") from None
        check_size(frame, file)  # every dataset page would send them to every browser
        return frame if admin_level is None else frame[frame["admin_level"] == admin_level].reset_index(drop=True)

    def remove(self, name: str) -> None:
        """Delete the dataset's folder; GeodataError if there is no such dataset."""
        folder = self.path(name)
        if not (folder / META).exists():
            raise GeodataError(f"no dataset named {name!r} in {self.root}")
        shutil.rmtree(folder)


def with_version(dataset: Dataset) -> Dataset:
    """The dataset with its content version filled in (for datasets loaded from CSV folders)."""
    return dataset if dataset.version else replace(dataset, version=content_version(dataset))


def open_dataset(folder: Path | str) -> Dataset:
    """A dataset from either kind of folder: stored (Parquet) or canonical CSV tables."""
    from geodata.model.dataset import load_dataset

    folder = Path(folder)
    if (folder / "incidents.parquet").exists():
        return read_dataset(folder)
    return with_version(load_dataset(folder))
