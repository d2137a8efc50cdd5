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
  dates and types; from the ``incident_dim_*`` roll-ups when it adds one actor
  list, precision or fatality bounds on class edges, see
  geodata/catalog/postgis/dimensions.py; else from the rows); within the
  budget: the points themselves (lon, lat, type, deaths);
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
from geodata.catalog.postgis.catalog import PLAN_CACHE_MODE  # noqa: E402
from geodata.catalog.postgis.dimensions import DIM_ROLLUPS, grid, headline, selection, timeline  # noqa: E402
from geodata.catalog.postgis.partitions import cells_serve  # noqa: E402
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


def source(state: FilterState) -> str:
    """Where the state's answers come from: the date-and-type roll-ups, the dimension roll-ups, or the rows."""
    if cells_serve(state):
        return "cells"
    return "dims" if selection(state) is not None else "rows"


def callbacks(cur: psycopg.Cursor, name: str, state: FilterState, budget: int) -> tuple[int, int]:
    """The database work of the map, timeline and headline callbacks for ``state``: (matching, drawn)."""
    totals = headline(cur, name, state)
    if totals is not None:
        matching = totals[0]
        timeline(cur, name, state)
        if matching > budget:
            cells = grid(cur, name, state, factor=4)
            assert cells is not None  # the roll-ups that give the headline give the grid at 1/4 degree
            return matching, len(cells.incidents)
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
    parser.add_argument("--only", choices=("cells", "dims", "rows"), default=None,
                        help="time only the states the date-and-type roll-ups answer (cells), those the actor, "
                             "precision and fatality roll-ups answer (dims), or those read from the rows")
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
                  f"incident_cells and the dimension roll-ups rebuilt, ANALYZE) in "
                  f"{time.perf_counter() - start:.0f} s; {load_average()}")
        else:
            print(f"{name} (version {dataset.version}) is already stored; --reload to time the save")
    store = IncidentStore(dataset)
    with psycopg.connect(args.database, autocommit=True) as conn:
        conn.execute(f"SET plan_cache_mode TO {PLAN_CACHE_MODE}")  # as the catalog's connections
        sizes = conn.execute("SELECT pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                             "WHERE inhparent = 'incidents'::regclass)), "
                             "pg_size_pretty(pg_total_relation_size('incident_cells')), "
                             "(SELECT count(*) FROM incident_cells WHERE dataset = %s)", (name,)).fetchone()
        parts = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'incidents'::regclass").fetchone()
        print(f"incidents table {sizes[0]} in {parts[0]} partitions; incident_cells {sizes[1]} ({sizes[2]:,} cells "
              f"for this dataset)")
        for table in DIM_ROLLUPS:
            size, count = conn.execute(
                sql.SQL("SELECT pg_size_pretty(pg_total_relation_size(%s::regclass)), "
                        "(SELECT count(*) FROM {} WHERE dataset = %s)").format(sql.Identifier(table)),
                (table, name)).fetchone() or ("?", 0)
            print(f"{table} {size} ({count:,} rows for this dataset)")
        print(f"{'filter state':<22}{'matching':>11}{'drawn':>8}{'source':>8} | {'median':>8}{'p95':>9}")
        every: list[float] = []
        with conn.cursor() as cur:
            for label, state in states(store):
                if args.only is not None and args.only != source(state):
                    continue
                callbacks(cur, name, state, DEFAULT_POINT_BUDGET)  # warm the cache once, as a running server
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    matching, drawn = callbacks(cur, name, state, DEFAULT_POINT_BUDGET)
                    times.append(time.perf_counter() - start)
                every += times
                print(f"{label:<22}{matching:>11,}{drawn:>8,}{source(state):>8} | "
                      f"{statistics.median(times) * 1e3:>6.0f}ms{p95(times) * 1e3:>7.0f}ms", flush=True)
        print(f"all states: median {statistics.median(every) * 1e3:.0f} ms, p95 {p95(every) * 1e3:.0f} ms "
              f"(target p95 < 150 ms); {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
