"""The incidents table: the filtered incidents a page at a time, sorted on the server.

``dash_table.DataTable`` with ``page_action="custom"`` and
``sort_action="custom"`` asks for one page; :func:`table_page` answers
from the store with the same filter as every other view (the map has no
box or lasso selection: a selection the URL, headline and exports do not
know would make the table disagree with them). Cells are plain text
(DataTable renders them as text, never HTML).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.figures.style import cell_text, fatality_text
from geodata import FilterState, IncidentStore

#: Rows per page before the browser measures the room it has (assets: the table's clientside page size).
PAGE_SIZE = 15
MAX_PAGE_SIZE = 100
#: A row's height on screen (style_cell and the CSS), for the page size the browser picks.
ROW_PX = 22
#: Characters of the notes shown in a cell; the full text (up to NOTES_TOOLTIP) is the cell's tooltip.
NOTES_CELL = 90
NOTES_TOOLTIP = 2_000
#: Table column id -> (header, sort key column of the incidents frame).
COLUMNS = {
    "date": ("Date", "event_date"),
    "type": ("Type", "event_type"),
    "sub_type": ("Sub-type", "sub_event_type"),
    "location": ("Location", "location"),
    "actors": ("Actors", "actor1"),
    "fatalities": ("Fatalities", "fatalities"),
    "notes": ("Notes", "notes"),
    "precision": ("Location precision", "geo_precision"),
    "source": ("Source", "source"),
    "event_id": ("Event id", "event_id"),
}
PRECISION_SHORT = {1: "exact", 2: "near (a few km)", 3: "area / admin centroid"}
#: Column ids of a source's own fields (ACLED ``inter1``, UCDP ``high``...): prefixed, so no source
#: name can take the id of a column above. Offered hidden; the table's "Toggle Columns" shows them.
SOURCE_PREFIX = "src__"
MAX_SOURCE_COLUMNS = 40
SOURCE_CELL = 120


def source_columns(incidents: pd.DataFrame) -> tuple[str, ...]:
    """The source's own fields the store keeps besides the canonical columns, in stored order."""
    from geodata.model.schema import INCIDENTS

    names = [str(c) for c in incidents.columns if c not in INCIDENTS.names and c != "geometry"]
    return tuple(names[:MAX_SOURCE_COLUMNS])


def datatable_columns(source: tuple[str, ...] = ()) -> list[dict]:
    """The table's columns: the canonical ones, then the source's own fields (which the analyst can show)."""
    columns = [{"id": key, "name": header, "hideable": bool(source)} for key, (header, _) in COLUMNS.items()]
    return columns + [{"id": SOURCE_PREFIX + name, "name": name, "hideable": True} for name in source]


@dataclass(frozen=True)
class TablePage:
    """One page of the table: rows, page count, the page shown, a note, the selected row (or None)."""

    data: list[dict]
    page_count: int
    page_current: int
    note: str
    selected_row: int | None
    tooltips: list[dict] | None = None  # DataTable ``tooltip_data``: the full notes of a cut cell
    source_columns: tuple[str, ...] = ()  # the source's own fields, as columns the analyst may show


def fatality_range(best: Any, low: Any, high: Any) -> str:
    """'34 (33–34)', '18' or '–' (not reported): short, for a table cell."""
    return fatality_text(best, low, high, missing="–", range_words="")


def table_rows(incidents: pd.DataFrame, source: tuple[str, ...] = ()) -> list[dict]:
    """Records for the DataTable, one per incident; ``id`` is the event id (DataTable's row id);
    ``source`` names the source's own fields to add (cut to :data:`SOURCE_CELL` characters)."""
    rows: list[dict] = []
    own = {name: [_cut(cell_text(v), SOURCE_CELL) for v in incidents[name]] for name in source if name in incidents}
    frame = incidents.reindex(columns=["event_id", "event_date", "event_type", "sub_event_type", "location",
                                       "actor1", "actor2", "fatalities", "fatalities_low", "fatalities_high",
                                       "geo_precision", "source", "notes"])
    for (event_id, day, kind, sub, place, actor1, actor2, best, low, high, precision,
         source, notes) in frame.itertuples(index=False, name=None):
        actors = cell_text(actor1) or "unknown"
        actors += f" vs {cell_text(actor2)}" if cell_text(actor2) else ""
        rows.append({
            "id": cell_text(event_id), "date": pd.Timestamp(day).strftime("%Y-%m-%d") if cell_text(day) else "",
            "type": cell_text(kind), "sub_type": cell_text(sub), "location": cell_text(place), "actors": actors,
            "fatalities": fatality_range(best, low, high),
            "precision": PRECISION_SHORT.get(int(precision), "unknown") if cell_text(precision) else "unknown",
            "source": cell_text(source)[:200], "event_id": cell_text(event_id)[:200],
            "notes": _cut(cell_text(notes), NOTES_CELL),
            **{SOURCE_PREFIX + name: values[len(rows)] for name, values in own.items()},
        })
    return rows


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def notes_tooltips(incidents: pd.DataFrame) -> list[dict]:
    """``tooltip_data`` for the rows of :func:`table_rows`: the full notes where the cell cuts them."""
    notes = incidents["notes"] if "notes" in incidents else pd.Series([""] * len(incidents))
    return [{"notes": {"value": _cut(text, NOTES_TOOLTIP), "type": "text"}} if len(text) > NOTES_CELL else {}
            for text in map(cell_text, notes)]


def _sorted(store: IncidentStore, positions: np.ndarray, sort_by: Any) -> np.ndarray:
    if not isinstance(sort_by, list) or not sort_by or not isinstance(sort_by[0], dict):
        return positions
    key = sort_by[0].get("column_id")
    source = key[len(SOURCE_PREFIX):] if isinstance(key, str) and key.startswith(SOURCE_PREFIX) else None
    if key in COLUMNS:
        column = COLUMNS[key][1]
    elif source is not None and source in source_columns(store.incidents):
        column = source
    else:
        return positions
    descending = sort_by[0].get("direction") == "desc"
    values = store.incidents[column].take(positions).reset_index(drop=True)
    order = values.sort_values(ascending=not descending, na_position="last", kind="stable").index.to_numpy()
    return positions[order]


def _int(value: Any, default: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return default
    return int(min(max(value, low), high))


def table_page(store: IncidentStore, state: FilterState, *, page: Any = 0,
               page_size: Any = PAGE_SIZE, sort_by: Any = None, selected_id: Any = None,
               jump_to_selected: bool = False) -> TablePage:
    """The page of the filtered incidents to show.

    With ``jump_to_selected`` the page is the one holding ``selected_id``
    (when it is in the table). Malformed paging or sorting input falls back
    to the first page, date order.
    """
    positions = store.positions(state)
    total = len(positions)
    positions = _sorted(store, positions, sort_by)
    size = _int(page_size, PAGE_SIZE, 1, MAX_PAGE_SIZE)
    count = max(1, -(-len(positions) // size))
    current = _int(page, 0, 0, count - 1)
    where = None
    if isinstance(selected_id, str) and len(positions):
        rows = store.rows_with_id(selected_id)  # the rows with that id: a vectorised comparison, no string copies
        hits = np.flatnonzero(np.isin(positions, rows)) if len(rows) else rows
        where = int(hits[0]) if len(hits) else None
        del rows
    if jump_to_selected and where is not None:
        current = where // size
    shown = store.incidents.take(positions[current * size:(current + 1) * size])
    source = source_columns(store.incidents)
    page_rows = table_rows(shown, source)
    row = where - current * size if where is not None and 0 <= where - current * size < size else None
    note = f"{total:,} incident{'s' if total != 1 else ''} match the filters"
    note += " · click a row to show it on the map"
    return TablePage(page_rows, count, current, note, row, notes_tooltips(shown), source)


def selected_style(row: int | None) -> list[dict]:
    """``style_data_conditional`` marking the selected row."""
    base = [{"if": {"state": "active"}, "backgroundColor": "#e8f1f8", "border": "1px solid #0072b2"}]
    if row is None:
        return base
    return base + [{"if": {"row_index": row}, "backgroundColor": "#fff3c4", "fontWeight": "600"}]
