"""Monthly partitions of ``incidents`` and the per-cell counts a map over millions of incidents sums.

Why: at 10^7 incidents a date range must read only its months (range
partitions on ``event_date``, a BRIN index inside them), and a map or
timeline of a long range must not aggregate every row on each request:
``incident_cells`` holds incidents, reported figures and fatalities per
dataset, day, event type and grid cell of 1/:data:`CELLS_PER_DEGREE`
degree, rebuilt by every save in the save's transaction, so it never
disagrees with the rows. Filters the cells do not carry (actors, admin
areas, precision, fatality bounds, text) go to the rows themselves.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geodata.model.filters import FilterState

#: Grid cells per degree in ``incident_cells`` (1/16 degree: under 7 km).
CELLS_PER_DEGREE = 16
#: First key of the advisory lock held while creating partitions (two saves may need the same month).
PARTITION_LOCK = 731_820_466


def months(dates: pd.Series) -> list[date]:
    """The first day of every month holding one of ``dates`` (missing dates ignored), ascending."""
    values = pd.to_datetime(dates).dropna().to_numpy().astype("datetime64[M]")
    return [pd.Timestamp(m).date() for m in np.unique(values)]


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def ensure_partitions(cur: psycopg.Cursor, dates: pd.Series) -> list[str]:
    """Create the monthly partitions of ``incidents`` that ``dates`` need; return the names created.

    Run it in a transaction of its own before the save: creating a partition locks the whole table
    until commit, which must not wait for a COPY of millions of rows.

    A month whose rows already sit in the default partition (written before
    the partition existed) is left there: creating it would fail, and the
    rows are found either way.
    """
    # per schema: one database may hold several stores (the tests' schemas), which must not wait on each other
    cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (PARTITION_LOCK,))
    existing = {row[0] for row in cur.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'incidents'::regclass")}
    created = []
    for month in months(dates):
        name = f"incidents_{month:%Y_%m}"
        if name in existing:
            continue
        end = _next_month(month)
        if cur.execute("SELECT 1 FROM incidents_default WHERE event_date >= %s AND event_date < %s LIMIT 1",
                       (month, end)).fetchone() is not None:
            continue
        cur.execute(sql.SQL("CREATE TABLE {} PARTITION OF incidents FOR VALUES FROM ({}) TO ({})").format(
            sql.Identifier(name), sql.Literal(month), sql.Literal(end)))
        created.append(name)
    return created


def refresh_cells(cur: psycopg.Cursor, dataset: str) -> int:
    """Rebuild the ``incident_cells`` of ``dataset`` from its rows; return how many cells it has."""
    cur.execute("DELETE FROM incident_cells WHERE dataset = %s", (dataset,))
    cur.execute(
        """INSERT INTO incident_cells
           SELECT dataset, event_date, event_type, floor(longitude * %(k)s)::integer, floor(latitude * %(k)s)::integer,
                  count(*), count(fatalities), coalesce(sum(fatalities), 0)
           FROM incidents WHERE dataset = %(name)s GROUP BY 1, 2, 3, 4, 5""", {"k": CELLS_PER_DEGREE, "name": dataset})
    return cur.rowcount


def cells_serve(state: FilterState) -> bool:
    """Whether ``incident_cells`` can answer ``state``: its only filters are dates and event types."""
    return not (state.sub_event_types or state.actors or state.admin_codes or state.precision is not None
                or state.has_fatality_bounds or state.text)


@dataclass(frozen=True)
class CellTotals:
    """Incidents, reported figures and fatalities per grid cell of ``degrees`` (cell centres)."""

    longitude: np.ndarray
    latitude: np.ndarray
    incidents: np.ndarray
    fatalities: np.ndarray
    degrees: float

    @property
    def total(self) -> int:
        return int(self.incidents.sum())


def _type_condition(types: Sequence[str] | None) -> tuple[str, list]:
    if types is None:
        return "", []
    return " AND event_type = ANY(%s)", [list(types)]


def grid_totals(cur: psycopg.Cursor, dataset: str, state: FilterState, factor: int = 4) -> CellTotals:
    """Sum ``incident_cells`` over the state's dates and types into cells of ``factor`` stored cells a side.

    Only for states :func:`cells_serve` accepts.
    """
    types, params = _type_condition(state.event_types)
    rows = cur.execute(
        f"""SELECT floor(cell_x / %s::float)::integer, floor(cell_y / %s::float)::integer, sum(incidents),
                   sum(fatalities)
            FROM incident_cells WHERE dataset = %s AND event_date BETWEEN %s AND %s{types}
            GROUP BY 1, 2""", [factor, factor, dataset, state.start, state.end, *params]).fetchall()
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    degrees = factor / CELLS_PER_DEGREE
    return CellTotals(longitude=(table[:, 0] + 0.5) * degrees, latitude=(table[:, 1] + 0.5) * degrees,
                      incidents=table[:, 2].astype(np.int64), fatalities=table[:, 3], degrees=degrees)


def daily_totals(cur: psycopg.Cursor, dataset: str, state: FilterState) -> pd.DataFrame:
    """Incidents per day and event type over ``state``'s dates and types (the timeline), from the cells."""
    types, params = _type_condition(state.event_types)
    rows = cur.execute(
        f"""SELECT event_date, event_type, sum(incidents) FROM incident_cells
            WHERE dataset = %s AND event_date BETWEEN %s AND %s{types} GROUP BY 1, 2""",
        [dataset, state.start, state.end, *params]).fetchall()
    frame = pd.DataFrame(rows, columns=["event_date", "event_type", "incidents"])
    return frame.pivot_table(index="event_date", columns="event_type", values="incidents", aggfunc="sum",
                             fill_value=0)
