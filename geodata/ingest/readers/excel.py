"""Workbook sheets as text cells, so .xlsx input is validated exactly like CSV.

Excel stores numbers as floats and dates as dates; validation wants what a
person would have typed. Whole floats become integers (``12300.0`` ->
``"12300"``), dates become ISO dates, everything else ``str``; empty cells
are missing. Formulas give their last computed value.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.ingest import limits
from geodata.model.errors import UnreadableFileError


def _cell_text(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return pd.NA
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d") if (value.hour, value.minute, value.second) == (0, 0, 0) \
            else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else pd.NA


def check_workbook(path: str | Path) -> None:
    """Refuse a workbook whose zip directory promises more than the limits allow, before any XML is parsed.

    The sizes come from the zip's own directory (Python's ``zipfile`` never
    inflates a member past its declared size, so they bind): the total
    uncompressed size, each member's size and its compression ratio (see
    :mod:`geodata.ingest.limits`).
    """
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(file, f"not a readable .xlsx workbook ({exc})") from None
    limits.check(file, "the workbook's uncompressed size (bytes)", sum(m.file_size for m in members),
                 limits.MAX_XLSX_UNCOMPRESSED_BYTES, "MAX_XLSX_UNCOMPRESSED_BYTES")
    for member in members:
        limits.check(file, f"the uncompressed size of {member.filename} (bytes)", member.file_size,
                     limits.MAX_XLSX_MEMBER_BYTES, "MAX_XLSX_MEMBER_BYTES")
        if member.file_size > 1_000_000:
            limits.check(file, f"the compression ratio of {member.filename}",
                         member.file_size // max(member.compress_size, 1), limits.MAX_COMPRESSION_RATIO,
                         "MAX_COMPRESSION_RATIO")


def _cell_value(cell: Any) -> object:
    """What pandas' reader gave: errors (``#N/A``) missing, everything else as stored."""
    return None if getattr(cell, "data_type", None) == "e" else cell.value


def _sheet_cells(sheet: Any, file: str) -> pd.DataFrame:
    """One read-only sheet as an object frame, within the cell budget.

    The declared ``<dimension ref=...>`` is checked first (cheap, and it is
    what a bomb usually states); since it can lie, the rows actually read
    are counted too: rows x widest row may not exceed ``MAX_SHEET_CELLS``.
    """
    title = f"sheet {sheet.title!r}"
    rows_declared, columns_declared = sheet.max_row or 0, sheet.max_column or 0
    limits.check(file, f"the declared width of {title} (columns)", columns_declared, limits.MAX_COLUMNS,
                 "MAX_COLUMNS")
    limits.check(file, f"the declared size of {title} (cells)", rows_declared * columns_declared,
                 limits.MAX_SHEET_CELLS, "MAX_SHEET_CELLS")
    sheet.reset_dimensions()  # read what is there, not what is declared
    data: list[list[object]] = []
    width = last = 0
    max_rows, max_columns, max_cells = limits.MAX_ROWS, limits.MAX_COLUMNS, limits.MAX_SHEET_CELLS
    for number, row in enumerate(sheet.rows, start=1):
        if not row:  # a gap between rows (openpyxl fills them): the cheap path
            data.append([])
        else:
            values = [_cell_value(cell) for cell in row]
            while values and (values[-1] is None or values[-1] == ""):
                values.pop()
            if values:
                last = number
                if len(values) > width:
                    width = len(values)
                    limits.check(file, f"the width of {title} (columns, row {number:,})", width, max_columns,
                                 "MAX_COLUMNS")
            data.append(values)
        if number * max(width, 1) > max_cells or number > max_rows:
            limits.check(file, f"the length of {title} (rows)", number, max_rows, "MAX_ROWS")
            limits.check(file, f"the size of {title} (cells, rows x columns, at row {number:,})",
                         number * max(width, 1), max_cells, "MAX_SHEET_CELLS")
    del data[last:]
    return pd.DataFrame([values + [None] * (width - len(values)) for values in data], dtype=object)


def _read_excel(path: str | Path, sheet: str | int | None) -> Any:
    """Cells of one sheet (``None``: every sheet, by name), every cell an object, errors as UnreadableFileError.

    The workbook's zip directory is checked first (:func:`check_workbook`),
    then sheets are streamed in openpyxl's read-only mode within the cell budget.
    """
    import openpyxl

    file = str(path)
    if not Path(path).exists():
        raise UnreadableFileError(file, "file not found")
    check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise UnreadableFileError(file, f"not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is None:
            return {ws.title: _sheet_cells(ws, file) for ws in book.worksheets}
        try:
            chosen = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
        except (KeyError, IndexError) as exc:
            raise UnreadableFileError(file, f"no sheet {sheet!r} in the workbook ({exc})") from None
        return _sheet_cells(chosen, file)
    except UnreadableFileError:
        raise
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise UnreadableFileError(file, f"not a readable .xlsx workbook ({exc})") from None
    finally:
        book.close()


def _as_text(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.apply(lambda column: column.map(_cell_text)).astype("string")


def read_sheet_cells(path: str | Path, sheet: str | int = 0) -> pd.DataFrame:
    """Every cell of one sheet as text, without a header (row 0 is the sheet's first row).

    Raises
    ------
    UnreadableFileError
        the file is missing, not a workbook, or has no such sheet.
    """
    return _as_text(_read_excel(path, sheet))


def read_workbook_cells(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as text cells (one parse of the file), by sheet name, in order.

    Raises
    ------
    UnreadableFileError
        the file is missing or not a workbook.
    """
    return {str(name): _as_text(cells) for name, cells in _read_excel(path, None).items()}


def with_header(cells: pd.DataFrame, header_row: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows below ``header_row`` (0-based) named by it, and their sheet row numbers.

    Unnamed columns are called "column N". Rows with no value at all are
    spacing, not records: they are left out, and the row numbers returned
    keep pointing at the sheet's own rows.
    """
    names = [str(v).strip() if not pd.isna(v) else f"column {i + 1}" for i, v in enumerate(cells.iloc[header_row])]
    body = cells.iloc[header_row + 1:]
    filled = body.notna().any(axis=1).to_numpy()
    lines = np.arange(header_row + 2, header_row + 2 + len(body), dtype=np.int64)[filled]
    body = body[filled].reset_index(drop=True)
    body.columns = names
    return body, lines
