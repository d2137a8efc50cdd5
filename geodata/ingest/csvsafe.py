"""Cells made safe for spreadsheets: the one formula-neutralising rule for every CSV the project writes.

A CSV opened in Excel, LibreOffice or Google Sheets runs a cell that starts
like a formula (``=HYPERLINK(...)``, ``@SUM(1)``, ``+cmd|...``). Imported
text is data (stored as given, shown escaped), so every CSV written for a
person (the dashboard's exports and the import's quarantine file) passes
its text cells through :func:`neutralise`, which is here, in the Dash-free
library, so both :mod:`dashboard.export.tables` and
:mod:`geodata.ingest.pipeline` use the same rule.

The rule: a text cell whose first character is, after compatibility
normalisation (NFKC, which spreadsheets also apply, so fullwidth ``＝ ＋ －
＠`` and the small forms count), one of ``= + - @``, or that starts with a
tab or carriage return, possibly after spaces, gets a leading ``'`` so it is
shown as text. Text that is exactly a number (``-2``, ``+1.5e3``) is left
alone so it stays a number.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

_TRIGGERS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _risky(value: str) -> bool:
    """Whether a spreadsheet could read ``value`` as a formula (see the module docstring)."""
    head = value.lstrip(" ")
    if not head:
        return False
    first = head[0]
    return (first in _TRIGGERS or unicodedata.normalize("NFKC", first)[:1] in _TRIGGERS) \
        and not _PLAIN_NUMBER.match(value)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: risky text gets a leading ``'``; anything else as given."""
    if isinstance(value, str) and _risky(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) passed through :func:`neutralise`."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values) or \
                isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = values.astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out
