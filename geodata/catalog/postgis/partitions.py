"""Monthly partitions of ``incidents`` and the per-cell counts a map over millions of incidents sums.

Why: at 10^7 incidents a date range must read only its months (range
partitions on ``event_date``, a BRIN index inside them), and a map or
timeline of a long range must not aggregate every row on each request:
``incident_cells`` holds incidents, reported figures and fatalities per
dataset, day, event type and grid cell of 1/:data:`CELLS_PER_DEGREE`
degree, rebuilt by every save in the save's transaction, so it never
disagrees with the rows. Actors, precision and fatality bounds have roll-ups
of their own (:mod:`geodata.catalog.postgis.dimensions`); the other filters
(sub-types, admin areas, text) go to the rows themselves.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

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


#: The tables :func:`refresh_cells` rebuilds per dataset (and a removed dataset leaves none of).
ROLLUPS = ("incident_cells", "incident_days", "incident_cells_month")


def refresh_cells(cur: psycopg.Cursor, dataset: str) -> int:
    """Rebuild ``incident_cells`` of ``dataset`` from its rows, then its day and month roll-ups from the
    cells; return how many day cells it has."""
    for table in ROLLUPS:
        cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = %s").format(sql.Identifier(table)), (dataset,))
    cur.execute(
        """INSERT INTO incident_cells
           SELECT dataset, event_date, event_type, floor(longitude * %(k)s)::integer, floor(latitude * %(k)s)::integer,
                  count(*), count(fatalities), coalesce(sum(fatalities), 0)
           FROM incidents WHERE dataset = %(name)s GROUP BY 1, 2, 3, 4, 5""", {"k": CELLS_PER_DEGREE, "name": dataset})
    cells = cur.rowcount
    cur.execute("""INSERT INTO incident_days
                   SELECT dataset, event_date, event_type, sum(incidents), sum(reported), sum(fatalities)
                   FROM incident_cells WHERE dataset = %s GROUP BY 1, 2, 3""", (dataset,))
    cur.execute("""INSERT INTO incident_cells_month
                   SELECT dataset, date_trunc('month', event_date)::date, event_type, cell_x, cell_y, sum(incidents),
                          sum(reported), sum(fatalities)
                   FROM incident_cells WHERE dataset = %s GROUP BY 1, 2, 3, 4, 5""", (dataset,))
    return cells


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The first day of the first and of the last calendar month lying wholly inside ``[start, end]``."""
    first = start if start.day == 1 else _next_month(date(start.year, start.month, 1))
    after = _next_month(date(end.year, end.month, 1))
    last = date(end.year, end.month, 1) if after - timedelta(days=1) == end else date(
        end.year - (end.month == 1), (end.month - 2) % 12 + 1, 1)
    return (first, last) if first <= last else None


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
    """Sum the cells over the state's dates and types into cells of ``factor`` stored cells a side:
    whole calendar months from ``incident_cells_month``, the days around them from ``incident_cells``.

    Only for states :func:`cells_serve` accepts.
    """
    types, params = _type_condition(state.event_types)
    months = whole_months(state.start, state.end)
    parts, values = [], []
    if months is None:
        parts.append(f"SELECT cell_x, cell_y, incidents, fatalities FROM incident_cells "
                     f"WHERE dataset = %s AND event_date BETWEEN %s AND %s{types}")
        values += [dataset, state.start, state.end, *params]
    else:
        first, last = months
        parts.append(f"SELECT cell_x, cell_y, incidents, fatalities FROM incident_cells_month "
                     f"WHERE dataset = %s AND month BETWEEN %s AND %s{types}")
        values += [dataset, first, last, *params]
        parts.append(f"SELECT cell_x, cell_y, incidents, fatalities FROM incident_cells WHERE dataset = %s "
                     f"AND (event_date BETWEEN %s AND %s OR event_date BETWEEN %s AND %s){types}")
        values += [dataset, state.start, first - timedelta(days=1), _next_month(last), state.end, *params]
    rows = cur.execute(
        f"""SELECT floor(cell_x / %s::float)::integer, floor(cell_y / %s::float)::integer, sum(incidents),
                   sum(fatalities)
            FROM ({" UNION ALL ".join(parts)}) AS cells GROUP BY 1, 2""", [factor, factor, *values]).fetchall()
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    degrees = factor / CELLS_PER_DEGREE
    return CellTotals(longitude=(table[:, 0] + 0.5) * degrees, latitude=(table[:, 1] + 0.5) * degrees,
                      incidents=table[:, 2].astype(np.int64), fatalities=table[:, 3], degrees=degrees)


def daily_totals(cur: psycopg.Cursor, dataset: str, state: FilterState) -> pd.DataFrame:
    """Incidents per day and event type over ``state``'s dates and types (the timeline), from ``incident_days``."""
    types, params = _type_condition(state.event_types)
    rows = cur.execute(
        f"""SELECT event_date, event_type, incidents FROM incident_days
            WHERE dataset = %s AND event_date BETWEEN %s AND %s{types}""",
        [dataset, state.start, state.end, *params]).fetchall()
    frame = pd.DataFrame(rows, columns=["event_date", "event_type", "incidents"])
    return frame.pivot_table(index="event_date", columns="event_type", values="incidents", aggfunc="sum",
                             fill_value=0)
