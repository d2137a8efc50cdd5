"""Any CSV or XLSX table, mapped onto a canonical table by a small column mapping.

A mapping says which source column holds each canonical value, and which
values are the same for every row. It is a dict, or a JSON file (JSON, so
no YAML dependency)::

    {
      "table": "incidents",                      # or "displacement"
      "columns": {"event_id": "ID", "event_date": "Date", "location": "Town",
                  "latitude": "Lat", "longitude": "Lon", "fatalities": "Killed"},
      "constants": {"event_type": "Battles", "geo_precision": "2",
                    "source": "Our field team", "source_url": "https://example.org"},
      "date_formats": ["%d/%m/%Y"],              # optional; ISO and "27 February 2020" always work
      "sheet": "Events",                         # optional, .xlsx only (default: the first sheet)
      "header_row": 1,                           # optional, the line/row of the header (default 1)
      "series_info": {"kind": "stock", "label": "IDPs in the province", "since": "2023-01-01",
                      "unit": "month", "source": "IOM DTM"}   # optional, displacement only
    }

``series_info`` says what the displacement series counts, in the source's
words (:func:`geodata.model.series.series_info`): one record for every
series in the file, or an object of records keyed by series name.

A constant also fills the blank cells of a mapped column. Canonical columns
that may be blank and are not mapped are blank; source columns not mapped
are kept after the canonical ones.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.ingest.readers.base import (
    DATE_FORMATS,
    SourceTable,
    date_problems,
    drop_hashtag_row,
    parse_dates,
)
from geodata.ingest.readers.encoding import read_csv_cells, record_lines
from geodata.ingest.readers.excel import read_sheet_cells, with_header
from geodata.model.dataset import read_json
from geodata.model.errors import Problem, SchemaError, UnreadableFileError
from geodata.model.schema import DISPLACEMENT, INCIDENTS, TableSchema, text
from geodata.model.series import SeriesInfo, series_info

TABLES: dict[str, TableSchema] = {"incidents": INCIDENTS, "displacement": DISPLACEMENT}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def load_mapping(mapping: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """A mapping as a dict, read from a JSON file when given a path.

    Raises
    ------
    UnreadableFileError
        the JSON file is missing or not JSON.
    """
    if isinstance(mapping, Mapping):
        return dict(mapping)
    path = Path(mapping)
    loaded = read_json(path, damaged="not a JSON mapping ({exc})", encoding="utf-8-sig")
    if not isinstance(loaded, dict):
        raise UnreadableFileError(str(path), "a mapping must be a JSON object")
    return loaded


def _check_mapping(spec: dict[str, Any], schema: TableSchema, header: list[str], file: str, header_line: int) -> None:
    known = set(schema.names)
    problems = [Problem(file, None, name, f"not a column of the {schema.name} table (mapping)")
                for name in list(spec.get("columns", {})) + list(spec.get("constants", {})) if name not in known]
    problems += [Problem(file, header_line, source,
                         f"the mapping takes '{name}' from this column, which the file lacks")
                 for name, source in spec.get("columns", {}).items() if source not in header]
    given = set(spec.get("columns", {})) | set(spec.get("constants", {}))
    problems += [Problem(file, header_line, c.name, "required value is neither mapped to a column nor a constant")
                 for c in schema.columns if c.required and not c.nullable and c.name not in given
                 and not (schema is DISPLACEMENT and c.name == "figure_id")]
    if problems:
        raise SchemaError(problems)


def read_generic(path: str | Path, mapping: Mapping[str, Any] | str | Path, *, table: str | None = None,
                 encoding: str | None = None) -> SourceTable:
    """Read a CSV or XLSX file through a column mapping (see the module docstring).

    Guarantees: source column names appear in problems; dates may be ISO,
    "27 February 2020" or a format the mapping lists; displacement rows
    without a mapped ``figure_id`` get ``"<file stem>-<line>"``.

    Raises
    ------
    UnreadableFileError
        the file (or the mapping file) cannot be read.
    SchemaError
        the mapping names a column the file lacks, an unknown canonical
        column, or leaves a required value unmapped.
    """
    file = str(path)
    spec = load_mapping(mapping)
    schema = TABLES[table or spec.get("table", "incidents")]
    header_line = int(spec.get("header_row", 1))
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        raw, lines = with_header(read_sheet_cells(path, spec.get("sheet", 0)), header_line - 1)
        used = None
    else:
        if header_line == 1:
            raw, used = read_csv_cells(path, encoding=encoding)
        else:
            cells, used = read_csv_cells(path, encoding=encoding, header=None)
            raw = cells.iloc[header_line:].reset_index(drop=True)
            raw.columns = [str(c).strip() for c in cells.iloc[header_line - 1]]
        lines = record_lines(path, used, len(raw), skip=header_line)
    raw, lines, skipped = drop_hashtag_row(raw, lines, file)
    _check_mapping(spec, schema, list(raw.columns), file, header_line)

    columns: dict[str, pd.Series] = {}
    for name, source in spec.get("columns", {}).items():
        columns[name] = raw[source]
    for name, value in spec.get("constants", {}).items():
        value = str(value)
        columns[name] = text(columns[name]).fillna(value) if name in columns else \
            pd.Series(value, index=raw.index, dtype="string")
    if schema is DISPLACEMENT and "figure_id" not in columns:
        columns["figure_id"] = pd.Series([f"{Path(file).stem}-{n}" for n in lines], index=raw.index, dtype="string")
    problems: list[Problem] = []
    formats = tuple(spec.get("date_formats", ())) + DATE_FORMATS
    source_columns = dict(spec.get("columns", {}))
    for column in [c for c in schema.columns if c.kind == "date" and c.name in columns]:
        values = columns[column.name]
        columns[column.name], bad = parse_dates(values, formats)
        problems += date_problems(file, lines, bad, source_columns.get(column.name, column.name), values)
    for column in schema.columns:
        if column.required and column.name not in columns:
            columns[column.name] = pd.Series(pd.NA, index=raw.index, dtype="string")
    frame = pd.DataFrame(columns, index=raw.index)
    used_sources = set(source_columns.values())
    for name in raw.columns:
        if name not in used_sources and name not in frame.columns:
            frame[name] = raw[name]
    described = _described_series(spec.get("series_info"), frame, file) if schema is DISPLACEMENT else {}
    return SourceTable(file=file, format="csv", schema=schema, frame=frame, original=raw, lines=lines,
                       source_columns=source_columns, encoding=used, problems=tuple(problems), series=described,
                       warnings=tuple(skipped))


def _described_series(info: Any, frame: pd.DataFrame, file: str) -> dict[str, SeriesInfo]:
    """The mapping's ``series_info``: one record for every series in the rows, or records by name."""
    if not info:
        return {}
    if isinstance(info, Mapping) and "kind" not in info and "label" not in info:
        return {str(name): series_info(value, name=str(name), file=file) for name, value in info.items()}
    record = series_info(info, file=file)
    return {str(name): record for name in text(frame["series"]).dropna().unique()}
