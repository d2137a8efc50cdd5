"""Roll-ups by actor, location precision and fatalities, so those filters sum cells instead of rows.

Why: at 10^7 incidents a filter on actor, precision or fatalities over a long
range read millions of rows (54 s for one actor over five years), while the
date-and-type roll-ups of :mod:`geodata.catalog.postgis.partitions` answer
in tens of milliseconds. A cube of every dimension at once would hold about
as many cells as there are rows, so each row of these tables carries one
extra dimension, named by ``dim``:

- ``'a'``: one row per distinct actor of an incident (``actor``);
- ``'x'``: incidents with two different actors (``actor`` < ``other``), with
  negative counts: added when both are filtered on, they make several actors
  count each incident once (actor1 in the list or actor2 in it);
- ``'p'``: location precision (``value`` 1-3);
- ``'f'``: incidents with at least ``value`` fatalities, for each edge of
  :data:`DEATH_EDGES` (every figure up to 10, then 20, 50, 100, ...): a lower
  bound reads one edge's rows, an upper bound subtracts those of the edge
  above it (exact for bounds on edges; other bounds read the rows). Per class
  instead, "5 or more" summed 8 classes: 60 ms for the timeline at 10^6.

Three grains: per day and type (timeline, headline), per day, type and
1/:data:`DIM_CELLS_PER_DEGREE` degree cell (the days around whole months) and
per month, type and cell. A state with one of these filters besides dates and
types is summed from them; anything else (two of them, sub-types, areas,
text) reads the rows. Rebuilt in every save's transaction, written in the order
of their index (dimension, actor or value, date), so that one actor's cells
lie on a few pages rather than one page each (10,000 day rows of one actor:
4,700 pages read unordered).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geodata.catalog.postgis.partitions import (
    CELLS_PER_DEGREE,
    CellTotals,
    _next_month,
    cells_serve,
    grid_totals,
    whole_months,
)
from geodata.model.filters import FilterState

#: Grid cells per degree of the dimension roll-ups (1/4 degree; a coarser map sums them).
DIM_CELLS_PER_DEGREE = 4
#: Lowest figure of each fatality class: bounds on these edges are answered from the roll-ups.
DEATH_EDGES = (*range(11), 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000)
#: The tables :func:`refresh_dimensions` rebuilds per dataset.
DIM_ROLLUPS = ("incident_dim_cells", "incident_dim_days", "incident_dim_cells_month")

_CLASS = "CASE " + " ".join(f"WHEN fatalities >= {e} THEN {e}" for e in reversed(DEATH_EDGES) if e >= 10) + \
    " ELSE fatalities END"
_KEYS = "dataset, event_date, event_type, dim, actor, other, value"
_COUNTS = "sum(incidents), sum(reported), sum(fatalities)"

_TABLES = """
CREATE TABLE incident_dim_cells (
    dataset text NOT NULL, event_date date NOT NULL, event_type text NOT NULL, dim "char" NOT NULL,
    actor text, other text, value bigint, cell_x integer NOT NULL, cell_y integer NOT NULL,
    incidents integer NOT NULL, reported integer NOT NULL, fatalities bigint NOT NULL
);
CREATE INDEX incident_dim_cells_key ON incident_dim_cells (dataset, dim, actor, value, event_date);
CREATE TABLE incident_dim_days (
    dataset text NOT NULL, event_date date NOT NULL, event_type text NOT NULL, dim "char" NOT NULL,
    actor text, other text, value bigint, incidents integer NOT NULL, reported integer NOT NULL,
    fatalities bigint NOT NULL
);
CREATE INDEX incident_dim_days_key ON incident_dim_days (dataset, dim, actor, value, event_date);
CREATE TABLE incident_dim_cells_month (
    dataset text NOT NULL, month date NOT NULL, event_type text NOT NULL, dim "char" NOT NULL,
    actor text, other text, value bigint, cell_x integer NOT NULL, cell_y integer NOT NULL,
    incidents integer NOT NULL, reported integer NOT NULL, fatalities bigint NOT NULL
);
CREATE INDEX incident_dim_cells_month_key ON incident_dim_cells_month (dataset, dim, actor, value, month);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX IF NOT EXISTS incidents_notes_trgm ON incidents USING gin (lower(notes) gin_trgm_ops);
"""


def fill_sql(where: str) -> str:
    """The statements that fill the three tables from the incidents matching ``where`` (all datasets'
    rows when ``TRUE``): one pass over the rows into a temporary table, then each dimension from it."""
    return f"""
SET LOCAL work_mem = '256MB';
CREATE TEMP TABLE dim_source ON COMMIT DROP AS
    SELECT dataset, event_date, event_type, actor1, actor2, geo_precision, {_CLASS} AS death_class,
           floor(longitude * {DIM_CELLS_PER_DEGREE})::integer AS cell_x,
           floor(latitude * {DIM_CELLS_PER_DEGREE})::integer AS cell_y,
           count(*) AS incidents, count(fatalities) AS reported, coalesce(sum(fatalities), 0) AS fatalities
    FROM incidents WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
INSERT INTO incident_dim_cells ({_KEYS}, cell_x, cell_y, incidents, reported, fatalities)
    SELECT dataset, event_date, event_type, 'a', actor, NULL::text, NULL::bigint, cell_x, cell_y, {_COUNTS}
    FROM (SELECT dataset, event_date, event_type, actor1 AS actor, cell_x, cell_y, incidents, reported, fatalities
          FROM dim_source WHERE actor1 IS NOT NULL
          UNION ALL
          SELECT dataset, event_date, event_type, actor2, cell_x, cell_y, incidents, reported, fatalities
          FROM dim_source WHERE actor2 IS NOT NULL AND actor2 IS DISTINCT FROM actor1) AS actors
    GROUP BY dataset, event_date, event_type, actor, cell_x, cell_y
    UNION ALL
    SELECT dataset, event_date, event_type, 'x', least(actor1, actor2), greatest(actor1, actor2), NULL::bigint,
           cell_x, cell_y, -sum(incidents), -sum(reported), -sum(fatalities)
    FROM dim_source WHERE actor1 <> actor2
    GROUP BY dataset, event_date, event_type, least(actor1, actor2), greatest(actor1, actor2), cell_x, cell_y
    UNION ALL
    SELECT dataset, event_date, event_type, 'p', NULL::text, NULL::text, geo_precision, cell_x, cell_y, {_COUNTS}
    FROM dim_source GROUP BY dataset, event_date, event_type, geo_precision, cell_x, cell_y
    UNION ALL
    SELECT dataset, event_date, event_type, 'f', NULL::text, NULL::text, edge, cell_x, cell_y, {_COUNTS}
    FROM dim_source JOIN unnest(ARRAY{list(DEATH_EDGES)}::bigint[]) AS edges(edge) ON death_class >= edge
    GROUP BY dataset, event_date, event_type, edge, cell_x, cell_y
    ORDER BY 1, 4, 5, 7, 2;
INSERT INTO incident_dim_days ({_KEYS}, incidents, reported, fatalities)
    SELECT {_KEYS}, {_COUNTS} FROM incident_dim_cells WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 4, 5, 7, 2;
INSERT INTO incident_dim_cells_month (dataset, month, event_type, dim, actor, other, value, cell_x, cell_y,
                                      incidents, reported, fatalities)
    SELECT dataset, date_trunc('month', event_date)::date, event_type, dim, actor, other, value, cell_x, cell_y,
           {_COUNTS}
    FROM incident_dim_cells WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ORDER BY 1, 4, 5, 7, 2;
DROP TABLE dim_source;
"""


#: Migration 6: the tables, the notes' trigram index, and the roll-ups of every stored dataset.
MIGRATION_SQL = _TABLES + fill_sql("TRUE") + "ANALYZE incident_dim_cells, incident_dim_days, incident_dim_cells_month;"

#: Migration 7: ``other`` in the indexes, so several actors read only their own pairs' rows (three actors
#: over 10^7 incidents read 123,400 pair rows of the days table to keep 31,000: 750 ms for the three
#: callbacks); every condition then binds ``actor`` and ``other`` (NULL outside the actors).
INDEX_SQL = """
DROP INDEX incident_dim_cells_key, incident_dim_days_key, incident_dim_cells_month_key;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX incident_dim_cells_key ON incident_dim_cells (dataset, dim, actor, other, value, event_date);
CREATE INDEX incident_dim_days_key ON incident_dim_days (dataset, dim, actor, other, value, event_date);
CREATE INDEX incident_dim_cells_month_key ON incident_dim_cells_month (dataset, dim, actor, other, value, month);
"""


def refresh_dimensions(cur: psycopg.Cursor, dataset: str) -> None:
    """Rebuild the dimension roll-ups of ``dataset`` from its rows (inside the save's transaction)."""
    for table in DIM_ROLLUPS:
        cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = %s").format(sql.Identifier(table)), (dataset,))
    # several statements in one call: no server-side parameters, the name as a literal
    cur.execute(sql.SQL(fill_sql("dataset = {name}")).format(name=sql.Literal(dataset)))


#: The partitions' trigram indexes on the notes (children of the partitioned index of migration 6).
_NOTES_INDEXES = """SELECT h.inhrelid FROM pg_inherits h
                    WHERE h.inhparent = to_regclass('incidents_notes_trgm')"""


def flush_notes_index(cur: psycopg.Cursor) -> int:
    """Merge the pending entries of the notes' trigram indexes into their trees; return the pages merged.

    A COPY leaves up to 4 MB of entries per partition in each GIN index's pending list, which every
    search then reads in full: after saving 10^6 incidents the notes search took 1 s instead of 18 ms.
    """
    rows = cur.execute(f"SELECT coalesce(sum(gin_clean_pending_list(inhrelid::regclass)), 0) "
                       f"FROM ({_NOTES_INDEXES}) AS notes").fetchone()
    return int(rows[0]) if rows else 0


@dataclass(frozen=True)
class Selection:
    """The rows of the dimension tables that add up to a filter: an SQL condition and its parameters, and
    the weight of each row in the sums (``-1`` for the edge an upper fatality bound subtracts)."""

    condition: str
    params: list[Any]
    weight: str = ""

    def sums(self, *columns: str) -> str:
        """``sum(column * weight)`` of each column, as a select list."""
        return ", ".join(f"sum({c}{self.weight})" for c in columns)


#: Every incident: each has exactly one location precision (the column is NOT NULL, 1 to 3).
_EVERY = Selection("dim = 'p' AND actor IS NULL AND other IS NULL AND value = ANY(%s::bigint[])", [[1, 2, 3]])


def _edge(bound: int) -> bool:
    return bound <= 0 or bound in DEATH_EDGES


def selection(state: FilterState) -> Selection | None:
    """The dimension rows that answer ``state`` exactly, or None when they cannot (the rows must)."""
    if state.sub_event_types or state.admin_codes or state.text:
        return None
    if sum((bool(state.actors), state.precision is not None, state.has_fatality_bounds)) != 1:
        return None
    if state.actors:
        actors = list(state.actors)
        condition = "((dim = 'a' AND actor = ANY(%s::text[]) AND other IS NULL AND value IS NULL)"
        params: list[Any] = [actors]
        if len(actors) > 1:
            condition += " OR (dim = 'x' AND actor = ANY(%s::text[]) AND other = ANY(%s::text[]) AND value IS NULL)"
            params += [actors, actors]
        return Selection(condition + ")", params)
    if state.precision is not None:
        return Selection(_EVERY.condition, [list(state.precision)])
    low, high = state.fatalities_min, state.fatalities_max
    if (low is not None and not _edge(low)) or (high is not None and not _edge(high + 1)):
        return None
    least = max(low or 0, 0)
    if high is None:
        return Selection("dim = 'f' AND actor IS NULL AND other IS NULL AND value = %s", [least])
    if high < least:
        return Selection("FALSE", [])
    above = DEATH_EDGES[DEATH_EDGES.index(high + 1)]  # one of our constants, so written into the SQL
    return Selection("dim = 'f' AND actor IS NULL AND other IS NULL AND value = ANY(%s::bigint[])", [[least, above]],
                     f" * CASE WHEN value = {above} THEN -1 ELSE 1 END")


def _types(state: FilterState) -> tuple[str, list[Any]]:
    if state.event_types is None:
        return "", []
    return " AND event_type = ANY(%s::text[])", [list(state.event_types)]


def _days_where(dataset: str, state: FilterState, chosen: Selection) -> tuple[str, list[Any]]:
    types, params = _types(state)
    return (f"dataset = %s AND {chosen.condition} AND event_date BETWEEN %s AND %s{types}",
            [dataset, *chosen.params, state.start, state.end, *params])


def headline(cur: psycopg.Cursor, dataset: str, state: FilterState) -> tuple[int, int, int] | None:
    """Incidents, reported figures and fatalities of ``state`` from the roll-ups; None when they cannot say."""
    chosen = Selection("TRUE", []) if cells_serve(state) else selection(state)
    if chosen is None:
        return None
    table = "incident_days" if cells_serve(state) else "incident_dim_days"
    where, values = _days_where(dataset, state, chosen)
    row = cur.execute(f"SELECT {chosen.sums('incidents', 'reported', 'fatalities')} FROM {table} WHERE {where}",
                      values).fetchone()
    assert row is not None  # an aggregate without GROUP BY returns one row
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def timeline(cur: psycopg.Cursor, dataset: str, state: FilterState) -> pd.DataFrame | None:
    """Incidents per day (index) and event type (columns), days without any left out, from the roll-ups;
    None when they cannot say.

    The database sums the rows of each (day, type) (several actors, precisions or fatality edges have
    several) and numpy lays them out: pivoting them in pandas, or gathering them into arrays in the
    database, cost more than the query.
    """
    chosen = Selection("TRUE", []) if cells_serve(state) else selection(state)
    if chosen is None:
        return None
    table = "incident_days" if cells_serve(state) else "incident_dim_days"
    where, values = _days_where(dataset, state, chosen)
    rows = cur.execute(f"SELECT event_date - %s::date, event_type, {chosen.sums('incidents')} FROM {table} "
                       f"WHERE {where} GROUP BY 1, 2", [state.start, *values]).fetchall()
    offsets = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    counts = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    codes, names = pd.factorize(pd.Series([r[1] for r in rows], dtype=object), sort=True)
    days, day_index = np.unique(offsets, return_inverse=True)
    table_ = np.zeros((len(days), len(names)), dtype=np.int64)
    np.add.at(table_, (day_index, codes), counts)
    keep_days, keep_types = (table_ != 0).any(axis=1), (table_ != 0).any(axis=0)  # the pairs' rows may cancel out
    index = pd.DatetimeIndex(np.datetime64(state.start, "D") + days[keep_days].astype("timedelta64[D]"),
                             name="event_date")
    return pd.DataFrame(table_[keep_days][:, keep_types], index=index,
                        columns=pd.Index(np.asarray(names, dtype=object)[keep_types], name="event_type"))


def grid(cur: psycopg.Cursor, dataset: str, state: FilterState, factor: int = 4) -> CellTotals | None:
    """Incidents per cell of ``factor``/16 degree, as :func:`~geodata.catalog.postgis.partitions.grid_totals`
    gives them, from the roll-ups; None when they cannot say (then the rows must)."""
    ratio, rest = divmod(factor * DIM_CELLS_PER_DEGREE, CELLS_PER_DEGREE)
    if cells_serve(state) and (rest or ratio < 1):
        return grid_totals(cur, dataset, state, factor)
    # every incident has one precision (1-3), so the precision rows also count every incident, on cells
    # 16 times larger than incident_cells': 41,000 month rows for 10^7 incidents instead of 144,000
    chosen = _EVERY if cells_serve(state) else selection(state)
    if chosen is None or rest or ratio < 1:
        return None
    types, type_params = _types(state)
    weight = chosen.weight
    head = f"SELECT cell_x, cell_y, incidents{weight} AS incidents, fatalities{weight} AS fatalities FROM"
    months = whole_months(state.start, state.end)
    days = [(state.start, state.end)] if months is None else [
        (state.start, months[0] - timedelta(days=1)), (_next_month(months[1]), state.end)]
    parts, values = [], []
    if months is not None:
        parts.append(f"{head} incident_dim_cells_month WHERE dataset = %s AND {chosen.condition} "
                     f"AND month BETWEEN %s AND %s{types}")
        values += [dataset, *chosen.params, *months, *type_params]
    for first, last in days:  # one part per run of days, so that the index bounds the dates (an OR did not)
        if first <= last:
            parts.append(f"{head} incident_dim_cells WHERE dataset = %s AND {chosen.condition} "
                         f"AND event_date BETWEEN %s AND %s{types}")
            values += [dataset, *chosen.params, first, last, *type_params]
    if not parts:
        parts.append(f"{head} incident_dim_cells WHERE FALSE")
    rows = cur.execute(
        f"""SELECT floor(cell_x / %s::float)::integer, floor(cell_y / %s::float)::integer, sum(incidents),
                   sum(fatalities)
            FROM ({" UNION ALL ".join(parts)}) AS cells GROUP BY 1, 2 HAVING sum(incidents) <> 0""",
        [ratio, ratio, *values]).fetchall()
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    degrees = ratio / DIM_CELLS_PER_DEGREE
    return CellTotals(longitude=(table[:, 0] + 0.5) * degrees, latitude=(table[:, 1] + 0.5) * degrees,
                      incidents=table[:, 2].astype(np.int64), fatalities=table[:, 3], degrees=degrees)
