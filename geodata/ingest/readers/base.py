"""What every reader hands to the importer, and the cell helpers readers share.

A reader's only job is to map one file format onto a canonical table of
:mod:`geodata.model.schema`; it does not decide which rows are good. It returns a
:class:`SourceTable`: the canonical columns (text cells, or columns it has
already typed), the source cells exactly as read (for the quarantine), the
file line of every row, and the problems only the reader can see (a date in
a format the schema does not know, a code outside the format's code list).
:func:`geodata.ingest.validate.import_table` does the rest.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.ingest.readers.encoding import read_csv_cells, record_lines
from geodata.model.errors import Problem, SchemaError
from geodata.model.schema import TableSchema, text
from geodata.model.series import SeriesInfo

#: Date formats tried in order when a format allows several (ISO first).
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d %B %Y")

_ISO_WITH_TIME = r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?$"
_LOOKS_LIKE_A_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2} [A-Za-z]+ \d{4}$|^\d{1,2}/\d{1,2}/\d{4}$")


@dataclass(frozen=True)
class SourceTable:
    """One file mapped onto a canonical table, before validation.

    Attributes
    ----------
    file, format
        Where the rows came from and which reader mapped them (``"acled"`` ...).
    schema
        The canonical table the rows map onto.
    frame
        Canonical column names; one row per source row, in file order. Extra
        source columns may follow. Cells are text unless the reader typed them.
    original
        The source cells as read, same rows as ``frame``; the quarantine shows
        these, and exact duplicates are judged on them.
    lines
        The file line (spreadsheet row) of every row, ascending.
    source_columns
        Canonical name -> the source column a user would look for, so reports
        name the column of *their* file (``event_id`` -> ``event_id_cnty``).
    encoding
        The text encoding used (``"utf-8"``, ``"utf-8-sig"``, ``"cp1256"``), or
        ``None`` for binary formats.
    problems, warnings
        What the reader found; a reader problem on a cell replaces the schema's
        complaint about the same cell.
    tables
        Related tables derived from the file (HNAP's origin -> destination flows).
    series
        Displacement series -> what it counts, as the source says it
        (:class:`~geodata.model.series.SeriesInfo`); the import stores it with the dataset.
    """

    file: str
    format: str
    schema: TableSchema
    frame: pd.DataFrame
    original: pd.DataFrame
    lines: np.ndarray
    source_columns: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    series: Mapping[str, SeriesInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (len(self.frame) == len(self.original) == len(self.lines)):
            raise ValueError("frame, original and lines must have one entry per source row")


def cell_problems(file: str, lines: np.ndarray, mask: np.ndarray, column: str, reason: str,
                  values: pd.Series | None = None) -> list[Problem]:
    """One :class:`Problem` per masked row (Python runs only over the bad rows)."""
    rows = np.flatnonzero(mask)
    cells = [None] * len(rows) if values is None else values.iloc[rows].tolist()  # one take, not one per row
    return [Problem(file, int(lines[i]), column, reason, None if pd.isna(cell) else str(cell))
            for i, cell in zip(rows.tolist(), cells, strict=True)]


def parse_dates(values: pd.Series, formats: Sequence[str] = DATE_FORMATS) -> tuple[pd.Series, np.ndarray]:
    """Parse dates written in any of ``formats`` (mixed within one column).

    An ISO date followed by a time of day (``2020-02-27 00:00:00.000``) is
    read as the date. Each distinct text is parsed once, so a million rows
    over a few hundred days cost a few hundred parses.

    Returns
    -------
    (dates, bad)
        ``datetime64[s]`` values (``NaT`` for blank or unparseable cells) and
        a mask of the cells that hold text but no valid date.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # strip the distinct texts only
    candidates = text(pd.Series(uniques, dtype="string")).str.replace(_ISO_WITH_TIME, r"\1", regex=True)
    parsed = pd.Series(pd.NaT, index=candidates.index, dtype="datetime64[s]")
    for fmt in formats:
        todo = parsed.isna().to_numpy()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(candidates[todo], format=fmt, errors="coerce").astype("datetime64[s]")
    table = parsed.to_numpy()
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    known = codes >= 0
    out[known] = table[codes[known]]
    bad = known & np.isnat(out) & candidates.notna().to_numpy()[np.maximum(codes, 0)]
    return pd.Series(out, index=values.index), bad


def date_problems(file: str, lines: np.ndarray, bad: np.ndarray, column: str, values: pd.Series,
                  expected: str = "a date such as 2020-02-27 or 27 February 2020") -> list[Problem]:
    """Explain unparseable dates: an impossible day (2020-02-30) or an unknown form."""
    rows = np.flatnonzero(bad)
    out = []
    for i, cell in zip(rows.tolist(), values.iloc[rows].tolist(), strict=True):
        value = str(cell).strip()
        reason = "not a real calendar date" if _LOOKS_LIKE_A_DATE.match(value) else f"expected {expected}"
        out.append(Problem(file, int(lines[i]), column, reason, value))
    return out


def map_codes(values: pd.Series, mapping: Mapping[str, str]) -> tuple[pd.Series, np.ndarray]:
    """Translate code cells (``"1"`` or ``"1.0"`` -> ``"day"``); blank stays missing, unknown codes are masked.

    Each distinct cell is looked at once, so the cost does not grow with
    the number of rows beyond one factorisation.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # strip the distinct texts only
    keys = text(pd.Series(uniques, dtype="string"))
    numeric = pd.to_numeric(keys, errors="coerce")
    whole = (numeric.notna() & (numeric % 1 == 0)).to_numpy(dtype=bool)
    keys = keys.where(~whole, numeric.fillna(0).astype("int64").astype("string"))
    table = keys.map(dict(mapping)).astype("string")
    # pandas-stubs types na_value as a non-NA scalar; pandas takes any value, pd.NA included
    cells: np.ndarray = table.to_numpy(dtype=object, na_value=pd.NA)  # type: ignore[call-overload]
    translated = pd.array(cells, dtype="string")
    out = pd.Series(translated.take(codes, allow_fill=True), index=values.index)
    # a missing cell looks up the appended entry (an all-missing column has no distinct texts at all)
    blank = np.append(keys.isna().to_numpy(dtype=bool), True)[np.where(codes >= 0, codes, len(keys))]
    bad = (codes >= 0) & ~blank & out.isna().to_numpy(dtype=bool)
    return out, bad


def missing_columns(file: str, header: Sequence[str], required: Sequence[str]) -> list[Problem]:
    """File-level problems for each required source column absent from the header."""
    have = set(header)
    return [Problem(file, 1, name, "required column is missing from the header") for name in required
            if name not in have]


def read_export(path: str | Path, encoding: str | None,
                required: Sequence[str]) -> tuple[pd.DataFrame, str, np.ndarray]:
    """A source export's cells as text, the encoding used and each row's line in the file.

    Raises
    ------
    UnreadableFileError
        the file cannot be read as CSV text.
    SchemaError
        a column in ``required`` is missing from the header.
    """
    raw, used = read_csv_cells(path, encoding=encoding)
    missing = missing_columns(str(path), list(raw.columns), required)
    if missing:
        raise SchemaError(missing)
    return raw, used, record_lines(path, used, len(raw))


def optional_column(raw: pd.DataFrame, name: str) -> pd.Series:
    """A source column, or all missing when the export lacks it."""
    return raw[name] if name in raw.columns else pd.Series(pd.NA, index=raw.index, dtype="string")


#: The warning a skipped row of HXL hashtags gets (HDX serves ACLED and UCDP exports with one under the header).
HASHTAG_ROW = "HXL hashtag row skipped"
_HASHTAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*[+-]\s*[a-z][a-z0-9_]*)*$", re.IGNORECASE)


def drop_hashtag_row(raw: pd.DataFrame, lines: np.ndarray, file: str) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Without the first data row when every filled cell of it is an HXL hashtag (``#event+id``): that row
    describes the columns, it is no data. Returns the rows, their lines and the warning saying so."""
    if len(raw) == 0:
        return raw, lines, []
    cells = [str(v).strip() for v in raw.iloc[0].tolist() if isinstance(v, str) and v.strip()]
    if not cells or not all(_HASHTAG.match(v) for v in cells):
        return raw, lines, []
    warning = Problem(file, int(lines[0]), None, HASHTAG_ROW, " ".join(cells[:4]) + (" ..." if len(cells) > 4 else ""))
    return raw.iloc[1:].reset_index(drop=True), np.asarray(lines[1:]), [warning]
