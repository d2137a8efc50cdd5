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


def _read_excel(path: str | Path, sheet: str | int | None) -> Any:
    """``pd.read_excel`` of one sheet (``None``: every sheet), every cell an object, errors as UnreadableFileError."""
    file = str(path)
    if not Path(path).exists():
        raise UnreadableFileError(file, "file not found")
    try:
        return pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(file, f"not a readable .xlsx workbook ({exc})") from None
    except (ValueError, KeyError, IndexError) as exc:
        if sheet is None:
            raise UnreadableFileError(file, f"not a readable .xlsx workbook ({exc})") from None
        raise UnreadableFileError(file, f"no sheet {sheet!r} in the workbook ({exc})") from None


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
