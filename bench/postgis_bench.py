"""PostGIS benchmark: the dashboard's filter states answered by the PostGIS store, at 10^7 incidents.

    python bench/postgis_bench.py --n 10000000
    python bench/postgis_bench.py --n 1000000 --database postgresql://postgres@127.0.0.1:54329/conflict_map_bench

Loads the synthetic dataset of bench/dashboard_bench.py (generated once into
bench/.cache) into the database with ``PostgisCatalog.save`` (COPY into the
monthly partitions, then ``incident_cells`` rebuilt; the time is printed),
unless the same version is already there (``--reload`` forces it). Then, for
the same filter states as dashboard_bench, it times what the three filter
callbacks ask of the database:

* map: more matching incidents than the point budget: grid cells summed (from
  ``incident_cells_month`` and ``incident_cells`` when the state filters only
  dates and types, else from the rows); within the budget: the points
  themselves (lon, lat, type, deaths);
* timeline: incidents per day and event type;
* headline: incidents, reported figures and fatalities.

Prints median and p95 per state (the three queries, one connection, as one
worker would run them), with the load average. The database is created when
missing (``CREATE DATABASE``, the PostGIS extension); it is not the tests'.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from dashboard_bench import CACHE, load_average, p95, states, synthetic_folder  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from geodata import FilterState, IncidentStore  # noqa: E402
from geodata.catalog.parquet import read_dataset  # noqa: E402
from geodata.catalog.postgis import PostgisCatalog  # noqa: E402
from geodata.catalog.postgis.partitions import cells_serve, daily_totals, grid_totals  # noqa: E402
from geodata.catalog.postgis.where import incident_condition  # noqa: E402
from geodata.query.budget import DEFAULT_POINT_BUDGET  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:54329/conflict_map_bench"


def ensure_database(url: str) -> None:
    """Create the benchmark database (with PostGIS) when it does not exist."""
    params = conninfo_to_dict(url)
    name = params.get("dbname")
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError:
        pass
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def rows_query(cur: psycopg.Cursor, name: str, state: FilterState, select: str, tail: str = "") -> list[tuple]:
    condition, params = incident_condition(name, state, None)
    return cur.execute(f"SELECT {select} FROM incidents WHERE {condition} {tail}", params).fetchall()


def callbacks(cur: psycopg.Cursor, name: str, state: FilterState, budget: int) -> tuple[int, int]:
    """The database work of the map, timeline and headline callbacks for ``state``: (matching, drawn)."""
    if cells_serve(state):
        totals = cur.execute(
            "SELECT coalesce(sum(incidents), 0), coalesce(sum(reported), 0), coalesce(sum(fatalities), 0) "
            "FROM incident_days WHERE dataset = %s AND event_date BETWEEN %s AND %s"
            + ("" if state.event_types is None else " AND event_type = ANY(%s)"),
            [name, state.start, state.end] + ([] if state.event_types is None else [list(state.event_types)]),
        ).fetchone()
        matching = int(totals[0]) if totals else 0
        daily_totals(cur, name, state)
        if matching > budget:
            return matching, len(grid_totals(cur, name, state, factor=4).incidents)
    else:
        matching, _, _ = rows_query(cur, name, state, "count(*), count(fatalities), coalesce(sum(fatalities), 0)")[0]
        rows_query(cur, name, state, "event_date, event_type, count(*)", "GROUP BY 1, 2")
        if matching > budget:
            cells = rows_query(cur, name, state, "floor(longitude * 4), floor(latitude * 4), count(*)", "GROUP BY 1, 2")
            return matching, len(cells)
    points = rows_query(cur, name, state, "longitude, latitude, event_type, fatalities")
    return matching, len(points)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--database", default=DEFAULT_URL, help="a PostGIS database of its own (created if missing)")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--reload", action="store_true", help="save the dataset again even when stored")
    parser.add_argument("--workdir", type=Path, default=CACHE)
    parser.add_argument("--only", choices=("cells", "rows"), default=None,
                        help="time only the states the roll-ups answer (cells) or only those read from the rows")
    args = parser.parse_args(argv)
    print(f"postgis_bench: {' '.join(sys.argv)}; {load_average()}")
    folder = synthetic_folder(args.workdir, args.n)
    dataset = read_dataset(folder)
    ensure_database(args.database)
    name = folder.name
    with PostgisCatalog(args.database) as catalog:
        stored = name in catalog.names() and catalog.meta(name).get("version") == dataset.version
        if args.reload or not stored:
            start = time.perf_counter()
            catalog.save(dataset, source=str(folder))
            print(f"saved {len(dataset.incidents):,} incidents into PostGIS (COPY into monthly partitions, "
                  f"incident_cells rebuilt, ANALYZE) in {time.perf_counter() - start:.0f} s; {load_average()}")
        else:
            print(f"{name} (version {dataset.version}) is already stored; --reload to time the save")
    store = IncidentStore(dataset)
    with psycopg.connect(args.database, autocommit=True) as conn:
        sizes = conn.execute("SELECT pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                             "WHERE inhparent = 'incidents'::regclass)), "
                             "pg_size_pretty(pg_total_relation_size('incident_cells')), "
                             "(SELECT count(*) FROM incident_cells WHERE dataset = %s)", (name,)).fetchone()
        parts = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'incidents'::regclass").fetchone()
        print(f"incidents table {sizes[0]} in {parts[0]} partitions; incident_cells {sizes[1]} ({sizes[2]:,} cells "
              f"for this dataset)")
        print(f"{'filter state':<22}{'matching':>11}{'drawn':>8}{'source':>8} | {'median':>8}{'p95':>9}")
        every: list[float] = []
        with conn.cursor() as cur:
            for label, state in states(store):
                if args.only is not None and (args.only == "cells") != cells_serve(state):
                    continue
                callbacks(cur, name, state, DEFAULT_POINT_BUDGET)  # warm the cache once, as a running server
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    matching, drawn = callbacks(cur, name, state, DEFAULT_POINT_BUDGET)
                    times.append(time.perf_counter() - start)
                every += times
                print(f"{label:<22}{matching:>11,}{drawn:>8,}{'cells' if cells_serve(state) else 'rows':>8} | "
                      f"{statistics.median(times) * 1e3:>6.0f}ms{p95(times) * 1e3:>7.0f}ms", flush=True)
        print(f"all states: median {statistics.median(every) * 1e3:.0f} ms, p95 {p95(every) * 1e3:.0f} ms "
              f"(target p95 < 150 ms); {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
