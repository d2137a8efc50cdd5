"""Datasets in a PostGIS database, behind the :class:`geodata.catalog.protocol.Catalog` protocol.

Why a database as well as the Parquet folder: several workers (exports,
imports, scheduled jobs, dashboard processes on several machines) can
share one store, read consistent snapshots while another imports, and run
date/type/area queries through indexes without loading a dataset. The
dashboard's fast path stays in memory (:class:`geodata.query.store.IncidentStore`);
:meth:`PostgisCatalog.query` serves the rest with the same rows in the same
order.

Guarantees
----------
- ``save`` is one transaction: the dataset's row in ``datasets`` and all its
  table rows are replaced together, rows arrive by COPY, and any failure
  rolls back, leaving the previous version whole; readers see the old
  version until the commit.
- ``load`` reads the dataset in one snapshot (REPEATABLE READ).
- Every failure of the database (unreachable, connection lost, refused
  data) is raised as :class:`DatabaseError` (a :class:`GeodataError`) whose
  message names the database (never its password) and the problem; a lost
  connection is dropped and the next call opens a new one.
- The schema is brought up to date on every (re)connection by
  :func:`geodata.catalog.postgis.migrations.apply_migrations`.
- One connection per catalog, used under a lock, so a catalog may be shared
  by threads; after ``fork`` a child opens its own.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import sql
from psycopg.types.json import Jsonb

from geodata.catalog.parquet import content_version, describe
from geodata.catalog.postgis import tables as tb
from geodata.catalog.postgis.boundaries import (
    boundary_rows,
    read_boundaries,
    write_boundaries,
)
from geodata.catalog.postgis.dimensions import DIM_ROLLUPS, flush_notes_index, refresh_dimensions
from geodata.catalog.postgis.migrations import apply_migrations
from geodata.catalog.postgis.partitions import ROLLUPS, ensure_partitions, refresh_cells
from geodata.catalog.postgis.where import BBox, incident_condition
from geodata.catalog.protocol import check_name
from geodata.model.dataset import Dataset
from geodata.model.errors import GeodataError, UnreadableFileError
from geodata.model.filters import FilterState

#: Plan every statement for its own values: after ten runs of one statement (psycopg prepares it at the
#: fifth) PostgreSQL may switch to a generic plan, and without the notes pattern or the dates a generic
#: plan scans every partition: a notes search over 10^7 incidents went from 15 ms to 2-3.5 s.
PLAN_CACHE_MODE = "force_custom_plan"


#: Incidents per part when a dataset is read in parts (:meth:`PostgisCatalog.load_in_parts`): ~0.7 GB in pandas.
PART_ROWS = 1_000_000


@dataclass
class StoredParts:
    """A stored dataset in parts: its description, its other tables, and its incidents as date-ordered parts
    (read from the database as they are iterated)."""

    meta: dict
    tables: dict[str, pd.DataFrame]
    incidents: Iterator[pd.DataFrame]


class DatabaseError(GeodataError):
    """The PostGIS database is unavailable or refused an operation; the message says which and why."""


def display_url(url: str) -> str:
    """The connection's ``postgresql://user@host:port/dbname``, without password or options."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparseable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


def _reason(exc: BaseException) -> str:
    """The driver's message in one line, plus PostgreSQL's context (e.g. the COPY line) when it gives one."""
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None else None
    if not primary:
        lines = str(exc).strip().splitlines()
        primary = lines[0] if lines else type(exc).__name__
    context = diag.context if diag is not None else None
    if context:
        line = context.strip().splitlines()[0]
        return f"{primary} ({line[:200]}{'...' if len(line) > 200 else ''})"
    return primary


def _copy_in(cur: psycopg.Cursor, spec: tb.TableSpec, table: pa.Table) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(spec.name), sql.SQL(", ").join(map(sql.Identifier, table.column_names)))
    with cur.copy(statement) as copy:
        for chunk in tb.csv_chunks(table):
            copy.write(chunk)


def _copy_out(cur: psycopg.Cursor, statement: sql.Composed, params: list[Any] | tuple) -> bytes:
    buffer = bytearray()
    with cur.copy(statement, params) as copy:
        for chunk in copy:
            buffer += chunk
    return bytes(buffer)


def _select(spec: tb.TableSpec, condition: str, *, extra: bool = False) -> sql.Composed:
    """``COPY (SELECT ordinal, <canonical columns>[, extra] FROM <table> WHERE ...) TO STDOUT``.

    No ``ORDER BY``: the caller sorts by ``ordinal`` (an integer argsort in
    numpy), which spares the server a sort of wide rows that spills to disk
    for large selections.
    """
    columns = [sql.Identifier(c) for c in spec.columns] + ([sql.SQL("extra::text")] if extra else [])
    return sql.SQL("COPY (SELECT ordinal, {} FROM {} WHERE {}) TO STDOUT WITH (FORMAT csv)").format(
        sql.SQL(", ").join(columns), sql.Identifier(spec.name), sql.SQL(condition))


def _read_rows(cur: psycopg.Cursor, spec: tb.TableSpec, condition: str, params: list[Any],
               extra: list[list[str]] | None) -> pd.DataFrame:
    """The rows of ``spec``'s table matching ``condition``, in stored order (see :func:`_in_order`)."""
    data = _copy_out(cur, _select(spec, condition, extra=bool(extra)), params)
    return _in_order(tb.read_csv(data, spec, leading=("ordinal",), extra=extra))


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by ``ordinal``, which becomes the index (the row's position in the stored order)."""
    ordinal = frame.pop("ordinal").to_numpy()
    order = np.argsort(ordinal, kind="stable")
    return frame.take(order).set_index(pd.Index(ordinal[order], dtype=np.int64))


def _check_unique(frame: pd.DataFrame, column: str, table: str) -> None:
    """Refuse duplicate ids (the schema's key) before writing; cheaper than a unique index on a big table."""
    if column in frame.columns:
        ids = frame[column]
        duplicated = ids[ids.duplicated() & ids.notna()]
        if len(duplicated):
            raise GeodataError(f"{table}: {len(duplicated)} duplicate {column}(s), e.g. {str(duplicated.iloc[0])!r}")


class PostgisCatalog:
    """Stored datasets in one PostGIS database: the :class:`~geodata.catalog.protocol.Catalog` methods,
    plus ``query`` and ``count`` in SQL.

    Parameters
    ----------
    url
        A libpq connection string or URL, e.g.
        ``postgresql://conflict_map@db.example.org/conflict_map``; tables
        are created in the first schema of the connection's ``search_path``.
        Nothing connects until the first call.
    connect_timeout
        Seconds to wait for the server before giving up.
    """

    def __init__(self, url: str, *, connect_timeout: int = 10):
        self.url = url
        self.display = display_url(url)
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._pid = 0

    def __repr__(self) -> str:
        return f"PostgisCatalog({self.display!r})"

    # -- connection -----------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is not None and self._pid != os.getpid():
            self._conn = None  # inherited through fork: the parent's socket is not ours to use or close
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._discard()
            self._conn, self._pid = self._connect(), os.getpid()
        return self._conn

    def _connect(self) -> psycopg.Connection:
        """A new connection, set up as every one of this catalog's (ISO dates, UTC, custom plans, the schema)."""
        settings: dict[str, Any] = {"autocommit": True, "connect_timeout": self.connect_timeout}
        if "application_name" not in psycopg.conninfo.conninfo_to_dict(self.url):
            settings["application_name"] = "conflict-map"
        conn = psycopg.connect(self.url, **settings)
        try:
            conn.execute("SET datestyle TO 'ISO, YMD'")
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute(f"SET plan_cache_mode TO {PLAN_CACHE_MODE}")
            apply_migrations(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    @contextlib.contextmanager
    def _transaction(self, action: str, *, snapshot: bool = False) -> Iterator[psycopg.Cursor]:
        """A cursor inside one transaction; database failures become :class:`DatabaseError`."""
        with self._lock:
            try:
                conn = self._connection()
                with conn.transaction(), conn.cursor() as cur:
                    if snapshot:
                        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    yield cur
            except psycopg.Error as exc:
                if self._conn is None or self._conn.closed or self._conn.broken:  # never connected, or lost
                    self._discard()
                    raise DatabaseError(f"{action}: the PostGIS database {self.display} is unavailable: "
                                        f"{_reason(exc)} (the next call reconnects)") from exc
                raise DatabaseError(f"{action} in the PostGIS database {self.display}: {_reason(exc)}") from exc

    @contextlib.contextmanager
    def _long_read(self, action: str) -> Iterator[psycopg.Cursor]:
        """A cursor in one read-only snapshot on a connection of its own, closed after: a read of minutes (a
        dataset copied in parts) leaves the shared connection to the quick calls (names, versions) meanwhile."""
        try:
            with contextlib.closing(self._connect()) as conn, conn.transaction(), conn.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield cur
        except psycopg.OperationalError as exc:
            raise DatabaseError(f"{action}: the PostGIS database {self.display} is unavailable: "
                                f"{_reason(exc)}") from exc
        except psycopg.Error as exc:
            raise DatabaseError(f"{action} in the PostGIS database {self.display}: {_reason(exc)}") from exc

    def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        with self._lock:
            self._discard()

    def __enter__(self) -> PostgisCatalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Catalog protocol -------------------------------------------------------------------

    def names(self) -> list[str]:
        """Names of the stored datasets, sorted (as Python sorts them, whatever the database's collation)."""
        with self._transaction("listing datasets") as cur:
            return sorted(row[0] for row in cur.execute("SELECT name FROM datasets"))

    def save(self, dataset: Dataset, *, source: str | None = None) -> str:
        """Store ``dataset`` under its name, replacing an older version in one transaction; return the version.

        The version is :func:`geodata.catalog.parquet.content_version`, so the same
        data has the same version in either store. Incidents are stored in
        date order (stable, as :class:`~geodata.query.store.IncidentStore` orders
        them); the other tables in their given order. Columns outside the
        schema are kept (see :mod:`geodata.catalog.postgis.tables`) and come back
        after the canonical ones.

        Raises
        ------
        GeodataError
            invalid name, duplicate event ids, or a column of the wrong type
            (before anything is written).
        DatabaseError
            the database refused a row (a constraint of the canonical schema;
            the message names table, line and column) or is unavailable.
            Nothing was changed.
        """
        name = check_name(dataset.name)
        version = content_version(dataset)
        meta = describe(dataset, version, source)
        incidents = pd.DataFrame(dataset.incidents).drop(columns="geometry", errors="ignore")
        if len(incidents) and not incidents["event_date"].is_monotonic_increasing:
            incidents = incidents.sort_values("event_date", kind="stable")
        frames = {"incidents": incidents, "displacement": dataset.displacement, "places": dataset.places,
                  "highways": dataset.highways, "flows": dataset.flows}
        _check_unique(incidents, "event_id", "incidents")
        # Convert every table first, so that a bad column fails before anything is written.
        arrow = {key: tb.to_arrow(frames[key], spec, name) for key, spec in tb.TABLES.items()}
        extra = {key: tb.extra_columns(frames[key], spec) for key, spec in tb.TABLES.items()}
        with self._transaction(f"creating partitions for dataset {name!r}") as cur:
            ensure_partitions(cur, incidents["event_date"])  # committed at once: their lock is brief
        with self._transaction(f"saving dataset {name!r}") as cur:
            cur.execute(
                """INSERT INTO datasets (name, title, version, period_start, period_end, meta, imported_at,
                                         source_file, incidents_rows, displacement_rows, places_rows, highways_rows,
                                         flows_rows, extra_columns)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (name) DO UPDATE SET
                     title = EXCLUDED.title, version = EXCLUDED.version, period_start = EXCLUDED.period_start,
                     period_end = EXCLUDED.period_end, meta = EXCLUDED.meta, imported_at = EXCLUDED.imported_at,
                     source_file = EXCLUDED.source_file, incidents_rows = EXCLUDED.incidents_rows,
                     displacement_rows = EXCLUDED.displacement_rows, places_rows = EXCLUDED.places_rows,
                     highways_rows = EXCLUDED.highways_rows, flows_rows = EXCLUDED.flows_rows,
                     extra_columns = EXCLUDED.extra_columns""",
                (name, dataset.title, version, dataset.period[0], dataset.period[1], Jsonb(meta),
                 meta["imported_at"], source, *(meta["rows"].get(t, 0) for t in tb.TABLES), Jsonb(extra)))
            for spec in tb.TABLES.values():
                cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = %s").format(sql.Identifier(spec.name)), (name,))
                _copy_in(cur, spec, arrow[spec.name])
            refresh_cells(cur, name)
            refresh_dimensions(cur, name)
            flush_notes_index(cur)
        with contextlib.suppress(GeodataError):  # fresh statistics help the planner; not worth failing a save
            with self._transaction("analysing tables") as cur:
                cur.execute("ANALYZE datasets, incidents, displacement, places, highways, flows, incident_cells, "
                            "incident_days, incident_cells_month, incident_dim_cells, incident_dim_days, "
                            "incident_dim_cells_month")
        return version

    def load(self, name: str) -> Dataset:
        """The stored dataset, read in one snapshot; incidents are a plain frame sorted by date.

        Raises
        ------
        UnreadableFileError
            no dataset of that name ("no stored dataset here", as the Parquet store says).
        DatabaseError
            the database is unavailable.
        """
        check_name(name)
        with self._transaction(f"loading dataset {name!r}", snapshot=True) as cur:
            meta, extra = self._described(cur, name)
            raw = {key: _copy_out(cur, _select(spec, "dataset = %s", extra=bool(extra.get(key))), (name,))
                   for key, spec in tb.TABLES.items()}
        frames = {key: _in_order(tb.read_csv(raw.pop(key), spec, leading=("ordinal",), extra=extra.get(key)))
                  .reset_index(drop=True) for key, spec in tb.TABLES.items()}
        return Dataset(
            name=str(meta.get("name", name)), title=str(meta.get("title", name)),
            incidents=frames["incidents"], displacement=frames["displacement"], places=frames["places"],
            highways=frames["highways"], flows=frames["flows"],
            period=(date.fromisoformat(meta["period"][0]), date.fromisoformat(meta["period"][1])),
            view=dict(meta.get("view") or {}), headline_series=meta.get("headline_series"),
            map_series=dict(meta.get("map_series") or {}), attribution=str(meta.get("attribution", "")),
            short_title=str(meta.get("short_title", "")), version=str(meta.get("version", "")),
        )

    @contextlib.contextmanager
    def load_in_parts(self, name: str, rows: int = PART_ROWS) -> Iterator[StoredParts]:
        """The stored dataset read in one snapshot as :meth:`load` reads it, its incidents in date-ordered
        parts of about ``rows`` (cut between days, from the day roll-up; a day is never split), so that a
        copy can be written in bounded memory (:func:`geodata.catalog.parquet.write_in_parts`). The parts
        are read while the block iterates them, on a connection of their own (the catalog's other calls go on).

        Raises
        ------
        UnreadableFileError
            no dataset of that name.
        DatabaseError
            the database is unavailable.
        """
        check_name(name)
        with self._long_read(f"loading dataset {name!r}") as cur:
            meta, extra = self._described(cur, name)
            tables = {key: _read_rows(cur, spec, "dataset = %s", [name], extra.get(key)).reset_index(drop=True)
                      for key, spec in tb.TABLES.items() if key != "incidents"}
            yield StoredParts(meta, tables, self._incident_parts(cur, name, extra.get("incidents"), rows))

    def _incident_parts(self, cur: psycopg.Cursor, name: str, extra: list[list[str]] | None,
                        rows: int) -> Iterator[pd.DataFrame]:
        spec = tb.TABLES["incidents"]
        days = cur.execute("SELECT event_date, sum(incidents) FROM incident_days WHERE dataset = %s "
                           "GROUP BY event_date ORDER BY event_date", (name,)).fetchall()
        cuts, held = [], 0
        for day, count in days:  # a part ends before the day that would take it past ``rows``
            if held and held + int(count) > rows:
                cuts.append(day)
                held = 0
            held += int(count)
        bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
        following = 0
        for start, end in bounds:
            condition = "dataset = %s" + (" AND event_date >= %s" if start else "") + \
                (" AND event_date < %s" if end else "")
            params = [name, *(d for d in (start, end) if d is not None)]
            part = _read_rows(cur, spec, condition, params, extra)
            if len(part) and (part.index[0] != following or part.index[-1] != following + len(part) - 1):
                raise DatabaseError(f"dataset {name!r}: its incidents' positions are not in date order "
                                    "(saved by another program?)")
            following += len(part)
            yield part.reset_index(drop=True)

    def meta(self, name: str) -> dict:
        """The dataset's description: the same keys as the Parquet store's ``dataset.json``."""
        check_name(name)
        with self._transaction(f"reading dataset {name!r}") as cur:
            return self._meta(cur, name)

    def _meta(self, cur: psycopg.Cursor, name: str) -> dict:
        return self._described(cur, name)[0]

    def _described(self, cur: psycopg.Cursor, name: str) -> tuple[dict, dict[str, list[list[str]]]]:
        """The dataset's description and, per table, the ``[name, kind]`` of its extra columns."""
        row = cur.execute("SELECT meta, extra_columns FROM datasets WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise UnreadableFileError(f"{self.display} dataset {name!r}", "no stored dataset here")
        return dict(row[0]), dict(row[1] or {})

    def remove(self, name: str) -> None:
        """Delete the dataset and all its rows in one transaction."""
        check_name(name)
        with self._transaction(f"removing dataset {name!r}") as cur:
            if cur.execute("DELETE FROM datasets WHERE name = %s RETURNING name", (name,)).fetchone() is None:
                raise GeodataError(f"no dataset named {name!r} in {self.display}")
            for spec in tb.TABLES.values():
                cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = %s").format(sql.Identifier(spec.name)), (name,))
            for table in (*ROLLUPS, *DIM_ROLLUPS):
                cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = %s").format(sql.Identifier(table)), (name,))

    # -- queries --------------------------------------------------------------------------------

    def query(self, name: str, state: FilterState, *, bbox: BBox | None = None) -> pd.DataFrame:
        """The incidents of ``name`` matching ``state`` (and inside ``bbox``), in date order.

        The same rows, in the same order and with the same index (the row's
        position in date order), as ``IncidentStore(dataset).select(state)``
        on the saved dataset. ``bbox`` is ``(west, south, east, north)`` in
        degrees, edges included.

        Raises
        ------
        UnreadableFileError
            no dataset of that name.
        DatabaseError
            the database is unavailable.
        """
        check_name(name)
        spec = tb.TABLES["incidents"]
        condition, params = incident_condition(name, state, bbox)
        with self._transaction(f"querying dataset {name!r}", snapshot=True) as cur:
            return _read_rows(cur, spec, condition, params, self._described(cur, name)[1].get("incidents"))

    def count(self, name: str, state: FilterState, *, bbox: BBox | None = None) -> int:
        """How many incidents :meth:`query` would return, counted in the database."""
        check_name(name)
        condition, params = incident_condition(name, state, bbox)
        with self._transaction(f"counting in dataset {name!r}", snapshot=True) as cur:
            self._meta(cur, name)
            statement = sql.SQL("SELECT count(*) FROM incidents WHERE {}").format(sql.SQL(condition))
            row = cur.execute(statement, params).fetchone()
            assert row is not None  # count(*) always returns one row
            return int(row[0])

    # -- boundaries -----------------------------------------------------------------------------

    def save_boundaries(self, boundaries: gpd.GeoDataFrame) -> int:
        """Replace the stored admin boundaries with ``boundaries`` in one transaction; return the row count.

        See :func:`geodata.catalog.postgis.boundaries.boundary_rows` for what is accepted.
        """
        from geodata.ingest.readers.boundaries import check_size

        check_size(boundaries, "the stored boundaries")  # the merged total, which every dataset page sends
        rows = boundary_rows(boundaries)
        with self._transaction("saving boundaries") as cur:
            write_boundaries(cur, rows)
        return len(rows)

    def boundaries(self, admin_level: int | None = None) -> gpd.GeoDataFrame:
        """Stored boundaries (all levels, or one), ordered by level and p-code, in EPSG:4326."""
        with self._transaction("reading boundaries") as cur:
            return read_boundaries(cur, admin_level)
