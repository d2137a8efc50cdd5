"""Canonical tables: the columns, types and ranges every dataset is checked against.

Every reader maps its format onto these tables; :func:`check_table` turns raw
text cells into typed columns and lists every problem with file, line,
column and reason, so a caller can either refuse the file
(:func:`validate_table`) or quarantine the bad rows and keep the rest.

Coordinates are WGS 84 longitude/latitude (:data:`CRS`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geodata.model.errors import Problem, SchemaError

CRS = "EPSG:4326"

#: The first data row of a CSV is line 2 (the header is line 1).
FIRST_DATA_LINE = 2


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``kind`` is one of ``"str"``, ``"int"``, ``"float"``, ``"date"``.
    ``required`` columns must be present in the file; ``nullable=False``
    cells must not be empty. ``minimum``/``maximum`` bound numbers;
    ``choices`` bounds text.
    """

    name: str
    kind: str = "str"
    required: bool = True
    nullable: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Rule:
    """A check across columns: ``bad(frame)`` marks the rows that break it."""

    column: str
    reason: str
    bad: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSchema:
    """An ordered set of columns, the column that identifies a row, and cross-column rules."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    rules: tuple[Rule, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


EVENT_TYPES = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Strategic developments",
    "Protests",
    "Riots",
)

#: ACLED-style geo-precision: 1 the place itself, 2 near it / part of an
#: area, 3 an admin centroid or a large area.
GEO_PRECISION = {1: "exact place", 2: "near the place (a few km)", 3: "area or admin centroid"}

INCIDENTS = TableSchema(
    name="incidents",
    key="event_id",
    columns=(
        Column("event_id", nullable=False),
        Column("event_date", "date", nullable=False),
        Column("date_precision", choices=("day", "week", "month", "year")),
        Column("event_type", nullable=False),
        Column("sub_event_type"),
        Column("actor1"),
        Column("actor2"),
        Column("location", nullable=False),
        Column("admin1"),
        Column("admin1_pcode", required=False),
        Column("admin2"),
        Column("admin2_pcode", required=False),
        Column("admin3"),
        Column("admin3_pcode", required=False),
        Column("latitude", "float", nullable=False, minimum=-90, maximum=90),
        Column("longitude", "float", nullable=False, minimum=-180, maximum=180),
        Column("geo_precision", "int", nullable=False, minimum=1, maximum=3),
        Column("geo_precision_note", required=False),
        Column("fatalities", "int", minimum=0),
        Column("fatalities_low", "int", required=False, minimum=0),
        Column("fatalities_high", "int", required=False, minimum=0),
        Column("notes"),
        Column("source", nullable=False),
        Column("source_url", nullable=False),
    ),
    rules=(
        Rule("fatalities_low", "low estimate is above the reported fatalities",
             lambda f: f["fatalities_low"] > f["fatalities"]),
        Rule("fatalities_high", "high estimate is below the reported fatalities",
             lambda f: f["fatalities_high"] < f["fatalities"]),
    ),
)

DISPLACEMENT = TableSchema(
    name="displacement",
    key="figure_id",
    columns=(
        Column("figure_id", nullable=False),
        Column("series", nullable=False),
        Column("as_of", "date", nullable=False),
        Column("period_start", "date"),
        Column("period_end", "date"),
        Column("displaced", "int", nullable=False, minimum=0),
        Column("qualifier", required=False),
        Column("place", nullable=False),
        Column("pcode"),
        Column("admin_level", "int", required=False, minimum=0, maximum=4),
        Column("latitude", "float", minimum=-90, maximum=90),
        Column("longitude", "float", minimum=-180, maximum=180),
        Column("scope", required=False),
        Column("children_share", "float", required=False, minimum=0, maximum=1),
        Column("women_children_share", "float", required=False, minimum=0, maximum=1),
        Column("notes", required=False),
        Column("source", nullable=False),
        Column("source_url", nullable=False),
    ),
)

PLACES = TableSchema(
    name="places",
    key="place_id",
    columns=(
        Column("place_id", nullable=False),
        Column("name", nullable=False),
        Column("name_ar", required=False),
        Column("aliases", required=False),
        Column("kind", required=False),
        Column("pcode", required=False),
        Column("admin1_pcode", required=False),
        Column("latitude", "float", nullable=False, minimum=-90, maximum=90),
        Column("longitude", "float", nullable=False, minimum=-180, maximum=180),
        Column("precision_note", required=False),
        Column("source", nullable=False),
        Column("source_url", required=False),
    ),
)

#: Administrative areas, normalised from COD-AB style layers by
#: :mod:`geodata.ingest.readers.boundaries` (``geometry`` travels beside these columns).
BOUNDARIES = TableSchema(
    name="boundaries",
    key="pcode",
    columns=(
        Column("pcode", nullable=False),
        Column("name", nullable=False),
        Column("name_ar"),
        Column("admin_level", "int", nullable=False, minimum=0, maximum=4),
        Column("parent_pcode"),
    ),
)

#: Origin -> destination movements (e.g. the HNAP governorate matrix). ``people``
#: is a float because HNAP allocates estimates proportionally.
FLOWS = TableSchema(
    name="flows",
    columns=(
        Column("origin", nullable=False),
        Column("origin_pcode"),
        Column("destination", nullable=False),
        Column("destination_pcode"),
        Column("people", "float", nullable=False, minimum=0),
        Column("period_start", "date", nullable=False),
        Column("period_end", "date", nullable=False),
        Column("movement", nullable=False),
        Column("source", nullable=False),
        Column("source_url", nullable=False),
    ),
)

HIGHWAYS = TableSchema(
    name="highways",
    columns=(
        Column("road", nullable=False),
        Column("seq", "int", nullable=False, minimum=0),
        Column("place_id", nullable=False),
        Column("note", required=False),
    ),
)


def _range_text(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"must be between {col.minimum:g} and {col.maximum:g}"
    if col.minimum is not None:
        return f"must be at least {col.minimum:g}"
    return f"must be at most {col.maximum:g}"


def strip_changes(array: pa.Array | pa.ChunkedArray) -> bool:
    """Whether stripping could change an Arrow text column: a cell is empty, or starts or ends with a
    byte that is a space, a control character or part of a non-ASCII character (which may be
    whitespace). Looks at two bytes per cell, so a clean column skips the strip's copy."""
    for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array]):
        count = len(chunk)
        if not count or chunk.null_count == count:
            continue
        _, offsets_buffer, data_buffer = chunk.buffers()
        width = np.int32 if pa.types.is_string(chunk.type) else np.int64
        offsets: Any = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset:chunk.offset + count + 1]
        starts, ends = offsets[:-1], offsets[1:]
        if chunk.null_count:
            valid = np.asarray(chunk.is_valid(), dtype=bool)
            starts, ends = starts[valid], ends[valid]
        if data_buffer is None or not (ends > starts).all():
            return True
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        for edge in (data[starts], data[ends - 1]):  # every byte from 0x21 to 0x7E: min and max, no masks
            if edge.min() <= 0x20 or edge.max() >= 0x7F:
                return True
    return False


def text(values: pd.Series) -> pd.Series:
    """Cells as stripped text, with blank cells missing (vectorised; not copied again when none is blank)."""
    out = values.astype("string")
    arrow = arrow_text(out)
    if arrow is not None and not strip_changes(arrow):
        return out
    out = out.str.strip()
    empty = (out == "").fillna(False).to_numpy(dtype=bool)
    return out.mask(empty) if empty.any() else out


def arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The pyarrow array behind an Arrow-backed text column (zero-copy), ``None`` for other dtypes."""
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype) or getattr(dtype, "storage", None) == "pyarrow":
        array = values.array.__arrow_array__()
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            return array
    return None


def parse_numbers(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text cells as float64 (``NaN`` for blank) and a mask of cells that are not numbers.

    Vectorised: a clean Arrow-backed column is cast by Arrow in one call
    (about ten times faster than ``pd.to_numeric``); anything else, or a
    column with a bad cell, takes the general path that finds the bad cells.
    """
    arrow = arrow_text(values)
    if arrow is not None:
        for cells in (arrow, None):  # as read; then trimmed (a copy) only if that failed
            try:
                numbers = pc.cast(pc.utf8_trim_whitespace(arrow) if cells is None else cells, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            return (pd.Series(numbers.to_numpy(), index=values.index, dtype="float64"),
                    np.zeros(len(values), dtype=bool))
    cells = text(values)
    numbers = pd.to_numeric(cells, errors="coerce").astype("float64")
    bad = (numbers.isna() & cells.notna()).to_numpy(dtype=bool)
    return numbers, bad


def _already_typed(values: pd.Series, kind: str) -> bool:
    """Whether a reader already typed this column (dates as datetime64, numbers as numbers)."""
    if kind == "date":
        return pd.api.types.is_datetime64_dtype(values.dtype)
    if kind in ("int", "float"):
        return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    return False


def _whole_numbers(numbers: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = numbers.to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):  # an infinity is not whole (as ``inf % 1`` is NaN)
        fractional = ~np.isnan(values) & (np.isinf(values) | (values != np.trunc(values)))
    return (numbers.mask(fractional) if fractional.any() else numbers).astype("Int64"), fractional


def _convert_typed(values: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Readers may hand over typed columns (see :func:`check_table`); only range checks remain."""
    if kind == "date":
        return values.astype("datetime64[s]"), np.zeros(len(values), dtype=bool)
    numbers = values.astype("float64")
    if kind == "int":
        return _whole_numbers(numbers)
    return numbers, np.zeros(len(values), dtype=bool)


def _empty(kind: str, index: pd.Index) -> pd.Series:
    """An all-missing column of the right type, for an optional column the file does not have."""
    if kind == "str":  # nulls on Arrow buffers: a Series of None in a text dtype converts every cell
        return pd.Series(pd.array(pa.nulls(len(index), pa.large_string()), dtype="string"), index=index)
    dtype = {"date": "datetime64[s]", "int": "Int64", "float": "float64"}[kind]
    return pd.Series(pd.NaT if kind == "date" else None, index=index, dtype=dtype)


def _convert(values: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Typed column plus a mask of cells that are present but unparseable."""
    if _already_typed(values, kind):
        return _convert_typed(values, kind)
    if kind == "str":
        return text(values), np.zeros(len(values), dtype=bool)
    if kind == "date":
        cells = text(values)
        out = pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")
        return out, out.isna().to_numpy() & cells.notna().to_numpy(dtype=bool)
    numbers, bad = parse_numbers(values)
    if kind == "int":
        typed, fractional = _whole_numbers(numbers)
        return typed, bad | fractional
    return numbers, bad


def _at(values: pd.Series, mask: np.ndarray) -> list[tuple[int, str]]:
    """(position, text) of the masked cells, taken in one call (a cell at a time costs a
    copy of an Arrow column each)."""
    rows = np.flatnonzero(mask)
    if not len(rows):
        return []
    return list(zip(rows.tolist(), map(str, values.iloc[rows].tolist()), strict=True))


def check_table(raw: pd.DataFrame, schema: TableSchema, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Type a raw table of text cells and list every problem found.

    Returns the typed frame (canonical columns in schema order, optional
    columns that are absent filled with missing values; extra columns are
    kept after them) and the problems. Lines are file lines (header = 1).
    The frame's rows match ``raw`` one to one, so callers can drop the rows
    named by problems and keep the others.

    Cells are normally text. A reader that has already parsed a column
    (``datetime64`` for a date, a numeric dtype for a number) may pass it
    typed: it is then only checked for ranges, choices and whole numbers,
    which spares re-parsing millions of cells it produced itself.
    """
    problems: list[Problem] = []
    missing = [c.name for c in schema.columns if c.required and c.name not in raw.columns]
    for name in missing:
        problems.append(Problem(file, 1, name, "required column is missing from the header"))
    if missing:
        return pd.DataFrame(), problems

    lines = np.arange(len(raw)) + FIRST_DATA_LINE
    typed: dict[str, pd.Series] = {}
    for col in schema.columns:
        if col.name not in raw.columns:
            typed[col.name] = _empty(col.kind, raw.index)
            continue
        values, unparseable = _convert(raw[col.name], col.kind)
        typed[col.name] = values
        for i, cell in _at(raw[col.name], unparseable):
            expected = {"date": "a date as YYYY-MM-DD", "int": "a whole number", "float": "a number"}[col.kind]
            problems.append(Problem(file, int(lines[i]), col.name, f"expected {expected}", cell))
        absent = values.isna().to_numpy() & ~unparseable
        if not col.nullable:
            for row in np.flatnonzero(absent):
                problems.append(Problem(file, int(lines[row]), col.name, "value is required"))
        if col.minimum is not None or col.maximum is not None:
            numeric = values.astype("float64")
            low = numeric < col.minimum if col.minimum is not None else np.zeros(len(values), bool)
            high = numeric > col.maximum if col.maximum is not None else np.zeros(len(values), bool)
            for i, cell in _at(raw[col.name], np.asarray(low | high, dtype=bool)):
                problems.append(Problem(file, int(lines[i]), col.name, _range_text(col), cell))
        if col.choices is not None:
            outside = values.notna() & ~values.isin(col.choices)
            for i, cell in _at(values, outside.to_numpy(dtype=bool)):
                problems.append(Problem(file, int(lines[i]), col.name, "must be one of " + ", ".join(col.choices),
                                        cell))

    if schema.key is not None:
        keys = typed[schema.key]
        dup = keys.duplicated(keep="first") & keys.notna()
        for i, cell in _at(keys, dup.to_numpy(dtype=bool)):
            problems.append(Problem(file, int(lines[i]), schema.key, "duplicate id", cell))

    frame = pd.DataFrame(typed, index=raw.index)
    for rule in schema.rules:
        broken = rule.bad(frame).fillna(False).to_numpy(dtype=bool)
        for i, cell in _at(frame[rule.column], broken):
            problems.append(Problem(file, int(lines[i]), rule.column, rule.reason, cell))
    extras = [c for c in raw.columns if c not in frame.columns]
    at_once = raw.columns.is_unique and raw.index.is_unique
    if extras and at_once:  # joined at once (inserted one by one, each copies the column index)
        frame = pd.concat([frame, raw[extras]], axis=1)
    for name in extras if not at_once else ():
        frame[name] = raw[name]
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return frame.reset_index(drop=True), problems


def validate_table(raw: pd.DataFrame, schema: TableSchema, file: str) -> pd.DataFrame:
    """Like :func:`check_table`, but refuse the whole table on any problem.

    Raises
    ------
    SchemaError
        naming every problem (file, line, column, reason).
    """
    frame, problems = check_table(raw, schema, file)
    if problems:
        raise SchemaError(problems)
    return frame
