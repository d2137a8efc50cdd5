"""The Summary tab's view-model: the ranked groups of :mod:`geodata.query.summary` as a sortable table,
its note, and the same rows as a CSV (and as a frame for the briefing pack).

Changes stay numbers (the table sorts them as numbers; a format shows the sign and the per cent), the
sparkline is a string of block characters with the counts in the row's tooltip, and each clickable row's
id says what a click filters on (``admin1|SY07``, ``actor|…``, ``event_type|…``), which
:func:`dashboard.state.controls.summary_click` reads back.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from dash import dcc
from dash.dash_table.Format import Format, Scheme, Sign

from dashboard.export.naming import safe_stem
from dashboard.state.controls import ROW_SEP
from dashboard.state.url import display_from_dict
from geodata import FilterState, IncidentStore
from geodata.ingest.csvsafe import neutralise_frame
from geodata.query.summary import ADMIN_LEVELS, BY, Summary, SummaryRow, has_level, summary

BY_LABELS = {"admin1": "Admin level 1", "admin2": "Admin level 2", "admin3": "Admin level 3",
             "actor": "Actor", "event_type": "Event type"}
GROUP_HEADERS = {"admin1": "Admin area", "admin2": "Admin area", "admin3": "Admin area",
                 "actor": "Actor", "event_type": "Event type"}
DEFAULT_BY = "admin1"
BLOCKS = "▁▂▃▄▅▆▇█"


def area_names(boundaries: pd.DataFrame | None) -> dict[str, str]:
    """P-code → name from the stored boundaries (empty without them: the incidents' names are used)."""
    if boundaries is None or boundaries.empty:
        return {}
    return dict(zip(boundaries["pcode"].astype(str), boundaries["name"].astype(str), strict=True))


def by_options(store: IncidentStore) -> list[dict[str, str]]:
    """The groupings this dataset offers: admin levels some incident names, then actor and event type."""
    return [{"label": BY_LABELS[by], "value": by} for by in BY if by not in ADMIN_LEVELS or has_level(store, by)]


def default_by(store: IncidentStore) -> str:
    """The first grouping offered (admin level 1 when the data names areas)."""
    return by_options(store)[0]["value"]


def parse_by(value: Any, store: IncidentStore) -> str:
    """A grouping from the client, else the default (never raises)."""
    offered = [o["value"] for o in by_options(store)]
    return value if isinstance(value, str) and value in offered else offered[0]


def sparkline(series: tuple[int, ...]) -> str:
    """Counts as block characters, the tallest the largest (all lowest when there is nothing)."""
    top = max(series, default=0)
    if top <= 0:
        return BLOCKS[0] * len(series)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, round(v * (len(BLOCKS) - 1) / top))] for v in series)


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def compared_with(result: Summary) -> str:
    """What the changes compare with, in words."""
    if result.previous is None:
        if result.baseline_given:
            return "Changes: the baseline has no day in the data, so nothing is compared."
        return "Changes: no earlier day in the data to compare with."
    first, last = result.previous
    days = (last - first).days + 1
    what = "the baseline" if result.baseline_given else f"the previous {days} day{'s' if days != 1 else ''}"
    return f"Changes against {what}, {_day(first)} – {_day(last)}."


def _series_text(result: Summary, row: SummaryRow) -> str:
    unit = {1: "Daily", 7: "Weekly"}.get(result.bin_days, f"{result.bin_days}-day")
    return f"{unit} incidents from {_day(result.start)}: {', '.join(str(v) for v in row.series)}"


def _displaced_header(store: IncidentStore, result: Summary) -> str:
    if result.displaced_series is None:
        return "Displaced"
    info = store.dataset.map_series.get(result.displaced_series)
    return info.label if info is not None and info.label else "Displaced"


def columns(by: str, displaced: str | None) -> list[dict[str, Any]]:
    """The DataTable's columns (two header rows: what is counted, then number / change / %); changes are
    numeric with a sign, per cents as per cents."""
    count = Format().group(True)
    change = Format(sign=Sign.positive).group(True)
    pct = Format(precision=0, scheme=Scheme.percentage, sign=Sign.positive)
    out = [
        {"id": "label", "name": ["", GROUP_HEADERS[by]], "type": "text"},
        {"id": "incidents", "name": ["Incidents", "number"], "type": "numeric", "format": count},
        {"id": "incidents_change", "name": ["Incidents", "change"], "type": "numeric", "format": change},
        {"id": "incidents_change_pct", "name": ["Incidents", "%"], "type": "numeric", "format": pct},
        {"id": "fatalities", "name": ["Fatalities", "number"], "type": "numeric", "format": count},
        {"id": "fatalities_change", "name": ["Fatalities", "change"], "type": "numeric", "format": change},
        {"id": "fatalities_change_pct", "name": ["Fatalities", "%"], "type": "numeric", "format": pct},
        {"id": "trend", "name": ["", "Incidents over time"], "type": "text"},
    ]
    if displaced is not None:
        out.append({"id": "displaced", "name": ["", displaced], "type": "numeric", "format": count})
    return out


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100.0


@dataclass(frozen=True)
class SummaryTable:
    """What the tab shows: table rows, columns, tooltips and the note above the table."""

    data: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    tooltips: list[dict[str, Any]]
    note: str


def compute(filter_data: Any, display_data: Any, by: Any, store: IncidentStore,
            names: Mapping[str, str] | None = None) -> Summary:
    """The summary for the page's filter and display stores (client values checked)."""
    state = FilterState.from_dict(filter_data, store.date_range())
    baseline = display_from_dict(display_data)["baseline"]
    return summary(store, state, parse_by(by, store), baseline=baseline, names=names)


def summary_table(filter_data: Any, display_data: Any, by: Any, store: IncidentStore,
                  names: Mapping[str, str] | None = None) -> SummaryTable:
    """The Summary tab for the page's stores: rows most incidents first, sortable in the browser."""
    result = compute(filter_data, display_data, by, store, names)
    admin = result.by in ADMIN_LEVELS
    has_displaced = admin and result.displaced_series is not None
    data, tips = [], []
    for i, row in enumerate(result.rows):
        record: dict[str, Any] = {
            "id": f"{result.by}{ROW_SEP}{row.key}" if row.key else f"~{i}",
            "label": row.label, "incidents": row.incidents, "incidents_change": row.incidents_change,
            "incidents_change_pct": _fraction(row.incidents_change_pct), "fatalities": row.fatalities,
            "fatalities_change": row.fatalities_change,
            "fatalities_change_pct": _fraction(row.fatalities_change_pct), "trend": sparkline(row.series),
        }
        if has_displaced:
            record["displaced"] = row.displaced
        data.append(record)
        before = f"Before: {row.previous_incidents:,} incidents, {row.previous_fatalities:,} fatalities"
        tips.append({
            "label": {"value": row.label if row.key or not admin else f"{row.label} (no p-code: cannot filter)",
                      "type": "text"},
            "trend": {"value": _series_text(result, row), "type": "text"},
            "incidents_change": {"value": before, "type": "text"},
            "fatalities_change": {"value": before, "type": "text"},
        })
    note = compared_with(result)
    if result.by == "actor":
        note += " An incident counts for each actor it names."
    if not data:
        note = "No incidents in the selection or the period it is compared with. " + note
    elif any(row.key for row in result.rows):
        note += " Click a row to filter every view by it; click it again to clear."
    return SummaryTable(data=data, columns=columns(result.by, _displaced_header(store, result) if has_displaced
                                                   else None), tooltips=tips, note=note)


def summary_frame(store: IncidentStore, state: FilterState, by: str = DEFAULT_BY,
                  baseline: tuple[date, date] | None = None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The summary as a plain frame, one row per group (for the CSV download and the briefing pack)."""
    result = summary(store, state, by, baseline=baseline, names=names)
    first, last = result.previous if result.previous is not None else (None, None)
    records = [{
        "group": GROUP_HEADERS[by], "key": row.key, "name": row.label,
        "incidents": row.incidents, "previous_incidents": row.previous_incidents,
        "incidents_change": row.incidents_change, "incidents_change_pct": _rounded(row.incidents_change_pct),
        "fatalities": row.fatalities, "previous_fatalities": row.previous_fatalities,
        "fatalities_change": row.fatalities_change, "fatalities_change_pct": _rounded(row.fatalities_change_pct),
        "displaced_in_force": row.displaced, "incidents_per_bin": " ".join(str(v) for v in row.series),
    } for row in result.rows]
    frame = pd.DataFrame.from_records(records, columns=[
        "group", "key", "name", "incidents", "previous_incidents", "incidents_change", "incidents_change_pct",
        "fatalities", "previous_fatalities", "fatalities_change", "fatalities_change_pct", "displaced_in_force",
        "incidents_per_bin"])
    return frame.assign(
        period_start=state.start.isoformat(), period_end=state.end.isoformat(),
        compared_start=first.isoformat() if first else "", compared_end=last.isoformat() if last else "",
        bin_days=result.bin_days)


def _rounded(pct: float | None) -> float | None:
    return None if pct is None else round(pct, 1)


def summary_csv(frame: pd.DataFrame) -> bytes:
    """Plain CSV: the header on line 1, UTF-8 with a BOM (Excel), formula-neutral text cells."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def summary_download(filter_data: Any, display_data: Any, by: Any, store: IncidentStore,
                     names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Download button's answer: the summary shown, as a CSV file named after the data and dates."""
    state = FilterState.from_dict(filter_data, store.date_range())
    grouping = parse_by(by, store)
    frame = summary_frame(store, state, grouping, display_from_dict(display_data)["baseline"], names)
    name = f"{safe_stem(store.name)}_{state.start.isoformat()}_{state.end.isoformat()}_summary-{grouping}.csv"
    return dcc.send_bytes(summary_csv(frame), name, type="text/csv")

