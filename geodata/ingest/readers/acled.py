"""ACLED CSV exports mapped onto the canonical incidents table.

ACLED is a living dataset: events are edited (``timestamp`` changes) and
deleted, so ``event_id_cnty`` becomes ``event_id`` and ``timestamp`` is kept
for re-imports that upsert. Exports differ in how they write ``event_date``
("27 February 2020" or "2020-02-27"); both are read, mixed within one file.
The project ships no ACLED rows: this reads the user's own export.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geodata.ingest.readers.base import (
    SourceTable,
    cell_problems,
    date_problems,
    drop_hashtag_row,
    map_codes,
    optional_column,
    parse_dates,
    read_export,
)
from geodata.model.errors import Problem
from geodata.model.schema import INCIDENTS

SOURCE_URL = "https://acleddata.com"

#: The 31 columns of an ACLED export, in export order.
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)

#: ACLED time_precision: 1 the day is known, 2 the week, 3 only the month.
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}

#: Canonical column <- ACLED column, where the value passes through unchanged.
_SAME = ("event_type", "sub_event_type", "actor1", "actor2", "location", "admin1", "admin2", "admin3",
         "latitude", "longitude", "geo_precision", "fatalities", "notes", "source")

REQUIRED = ("event_id_cnty", "event_date", "event_type", "location", "latitude", "longitude", "geo_precision",
            "fatalities", "source")


@functools.lru_cache(maxsize=2)
def _same_cells(value: str, count: int) -> pa.LargeStringArray:
    """``count`` times ``value`` on Arrow buffers, built once for every batch of that many rows (Arrow
    arrays are immutable: the batches of a streamed import share it)."""
    data = value.encode()
    offsets = np.arange(count + 1, dtype=np.int64) * len(data)
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data * count))


def _same_text(value: str, index: pd.Index) -> pd.Series:
    """One text in every row, built on Arrow buffers (``pd.Series(value, dtype="string")`` copies it
    through a take: a tenth of a second per million rows)."""
    return pd.Series(pd.array(_same_cells(value, len(index)), dtype="string"), index=index)


def read_acled(path: str | Path, *, encoding: str | None = None) -> SourceTable:
    """Read an ACLED export as canonical incidents (not yet validated).

    Guarantees: ``event_id`` is ``event_id_cnty``; ``event_date`` is parsed
    from either date form (unparseable cells become reader problems:
    "not a real calendar date" for 30 February); ``date_precision`` is
    day/week/month from ``time_precision``; ``source`` is ACLED's source
    column and ``source_url`` is https://acleddata.com. The other ACLED
    columns (``timestamp``, ``iso``, ``disorder_type`` ...) are kept after
    the canonical ones under their own names, as text (an upsert compares
    ``timestamp`` per ``event_id``).

    Raises
    ------
    UnreadableFileError
        the file cannot be read as CSV text.
    SchemaError
        a column the mapping needs is missing from the header.
    """
    file = str(path)
    raw, used, lines = read_export(path, encoding, REQUIRED)
    return acled_table(raw, lines, file, used)


def acled_table(raw: pd.DataFrame, lines: np.ndarray, file: str, used: str, *, first: bool = True) -> SourceTable:
    """ACLED cells (text, as read) mapped onto canonical incidents: :func:`read_acled` without the
    reading, so a batched import (:mod:`geodata.ingest.stream`) maps each batch the same way. Only the
    ``first`` batch may hold the HXL hashtag row and says what the header lacks."""
    raw, lines, warnings = drop_hashtag_row(raw, lines, file) if first else (raw, lines, [])
    problems: list[Problem] = []

    def column(name: str) -> pd.Series:
        return optional_column(raw, name)

    columns: dict[str, pd.Series] = {"event_id": raw["event_id_cnty"]}
    dates, bad_dates = parse_dates(raw["event_date"])
    columns["event_date"] = dates
    problems += date_problems(file, lines, bad_dates, "event_date", raw["event_date"])
    precision, bad_precision = map_codes(column("time_precision"), TIME_PRECISION)
    columns["date_precision"] = precision
    problems += cell_problems(file, lines, bad_precision, "time_precision", "must be 1 (day), 2 (week) or 3 (month)",
                              column("time_precision"))
    for name in _SAME:
        columns[name] = column(name)
    columns["source_url"] = _same_text(SOURCE_URL, raw.index)
    frame = pd.DataFrame(columns)
    for name in raw.columns:
        if name not in frame.columns and name not in ("event_id_cnty", "time_precision"):
            frame[name] = raw[name]
        if name not in COLUMNS and first:
            warnings.append(Problem(file, 1, name, "column is not part of the ACLED format; kept as is"))
    if "timestamp" not in raw.columns and first:
        warnings.append(Problem(file, 1, "timestamp", "no timestamp column: a re-import cannot tell edited events"))
    return SourceTable(
        file=file, format="acled", schema=INCIDENTS, frame=frame, original=raw, lines=lines,
        source_columns={"event_id": "event_id_cnty", "date_precision": "time_precision"},
        encoding=used, problems=tuple(problems), warnings=tuple(warnings),
    )
