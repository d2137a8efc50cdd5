"""What a displacement series counts, in its source's own words.

A figure of 948,000 means nothing until one knows whether it is everyone
displaced since a date (a *stock*, read "as of" its date), the arrivals in
one month (a *flow* over a period), or an origin-to-destination table
(*od*). Readers set this from what the source says; ``dataset.json`` keeps
it per series under ``map_series`` (older files hold only ``"stock"`` or
``"flow"``, which still load, with a plain label).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from geodata.model.errors import Problem, SchemaError

STOCK = "stock"
FLOW = "flow"
OD = "od"
KINDS = (STOCK, FLOW, OD)
#: Period units a flow may be counted over ("period" when the source gives only dates).
UNITS = ("day", "week", "month", "quarter", "year", "period")

_SUFFIX = re.compile(r"\s*(\(cumulative\)|since .*|in the (day|week|month|quarter|year|period)\b.*|"
                     r"during the .*|as of .*)$", re.IGNORECASE)


@dataclass(frozen=True)
class SeriesInfo:
    """One series: its kind, the source's label, the period a flow counts over, a stock's since-date.

    ``label`` is what the legend says ("IDP arrivals in the month",
    "Displaced since 1 Mar 2023 (cumulative)"); :attr:`measure` is the
    short phrase sentences use ("IDP arrivals", "displaced").
    """

    kind: str = STOCK
    label: str = ""
    unit: str | None = None
    since: date | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"series kind must be one of {', '.join(KINDS)} (got {self.kind!r})")
        if not self.label:
            object.__setattr__(self, "label", default_label(self.kind, self.unit, self.since))

    @property
    def measure(self) -> str:
        """The label without its period or since-clause: 'IDP arrivals', 'displaced'."""
        words = _SUFFIX.sub("", self.label).strip() or "displaced"
        first = words.split(" ", 1)[0]
        ordinary = first[:1].isupper() and first[1:].islower()  # "Displaced", not "IDPs" or "IDP"
        return words[0].lower() + words[1:] if ordinary else words

    def to_json(self) -> dict[str, Any]:
        """The record as ``dataset.json`` keeps it (empty fields left out)."""
        body: dict[str, Any] = {"kind": self.kind, "label": self.label}
        if self.unit:
            body["unit"] = self.unit
        if self.since:
            body["since"] = self.since.isoformat()
        if self.source:
            body["source"] = self.source
        return body


def default_label(kind: str, unit: str | None = None, since: date | None = None) -> str:
    """A plain label when the source gave none (older ``dataset.json`` files)."""
    if kind == OD:
        return "Movements from origin to destination" + (f" in the {unit}" if unit else "")
    if kind == FLOW:
        return f"Displaced in the {unit or 'period'}"
    if since is not None:
        return f"Displaced since {since.day} {since:%b %Y} (cumulative)"
    return "Displaced"


def series_info(value: Any, *, name: str = "", file: str = "dataset.json") -> SeriesInfo:
    """A record from ``dataset.json`` or a mapping: ``"stock"``, ``"flow"`` or a dict of the fields.

    Raises :class:`SchemaError` naming the file and series for an unknown kind, unit or date.
    """
    if isinstance(value, SeriesInfo):
        return value
    where = f"map_series.{name}" if name else "map_series"
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, Mapping):
        raise SchemaError([Problem(file, None, where, "expected 'stock', 'flow', 'od' or an object", str(value))])
    kind = str(value.get("kind") or STOCK).strip().lower()
    if kind not in KINDS:
        raise SchemaError([Problem(file, None, f"{where}.kind", f"expected one of {', '.join(KINDS)}", kind)])
    unit = value.get("unit") or value.get("period")
    if unit is not None and str(unit).strip().lower() not in UNITS:
        raise SchemaError([Problem(file, None, f"{where}.unit", f"expected one of {', '.join(UNITS)}", str(unit))])
    since = value.get("since")
    try:
        since = date.fromisoformat(str(since)) if since else None
    except ValueError:
        raise SchemaError([Problem(file, None, f"{where}.since", "expected a date as YYYY-MM-DD",
                                   str(since))]) from None
    return SeriesInfo(kind=kind, label=str(value.get("label") or "").strip(),
                      unit=str(unit).strip().lower() if unit else None, since=since,
                      source=str(value.get("source") or "").strip())


def series_map(raw: Any, *, file: str = "dataset.json") -> dict[str, SeriesInfo]:
    """``map_series`` as records, whichever form the file keeps (see :func:`series_info`)."""
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise SchemaError([Problem(file, None, "map_series", "expected an object of series", str(raw))])
    return {str(name): series_info(value, name=str(name), file=file) for name, value in raw.items()}


def series_json(series: Mapping[str, SeriesInfo]) -> dict[str, dict[str, Any]]:
    """``map_series`` for ``dataset.json``."""
    return {name: series_info(info, name=name).to_json() for name, info in series.items()}


def period_unit(starts: pd.Series, ends: pd.Series) -> str | None:
    """'month', 'week' or 'day' when every figure's period is exactly one such; 'period' otherwise;
    ``None`` when no figure has a period."""
    starts, ends = pd.to_datetime(starts, errors="coerce"), pd.to_datetime(ends, errors="coerce")
    both = starts.notna() & ends.notna()
    if not both.any():
        return None
    starts, ends = starts[both], ends[both]
    days = (ends - starts).dt.days + 1
    if ((starts.dt.day == 1) & (ends == starts + pd.offsets.MonthEnd(0))).all():
        return "month"
    if (days == 7).all():
        return "week"
    if (days == 1).all():
        return "day"
    return "period"
