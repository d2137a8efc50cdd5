"""PostGIS at scale: incidents in monthly partitions, per-cell counts that agree with the rows.

Needs the test database (``CONFLICT_MAP_TEST_DATABASE_URL``, ``make postgres``);
each test works in a schema of its own, dropped afterwards.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.support import missing

TEST_URL = os.environ.get("CONFLICT_MAP_TEST_DATABASE_URL",
                          "postgresql://postgres@127.0.0.1:54329/conflict_map_test")


@pytest.fixture
def url():
    """A connection string whose search_path puts a new, empty schema first; dropped after the test."""
    try:
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        with psycopg.connect(TEST_URL, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                missing("the test database has no postgis extension")
            name = f"cm_part_{os.getpid()}_{secrets.token_hex(4)}"
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    except (ImportError, psycopg.Error) as exc:
        missing(f"no PostGIS to test ({exc}); run `make postgres` or set CONFLICT_MAP_TEST_DATABASE_URL")
    try:
        yield make_conninfo(TEST_URL, options=f"-c search_path={name},public")
    finally:
        with psycopg.connect(TEST_URL, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def kenya(n: int = 3000):
    """Incidents moved to Kenya (Nairobi, Mombasa, Kisumu), over several years, some without fatality figures."""
    rng = np.random.default_rng(23)
    frame = synthetic_incidents(n, seed=23)
    town = rng.integers(0, 3, n)
    frame["latitude"] = (np.array([-1.29, -4.04, -0.09])[town] + rng.normal(0, 0.2, n)).round(4)
    frame["longitude"] = (np.array([36.82, 39.67, 34.77])[town] + rng.normal(0, 0.2, n)).round(4)
    frame["location"] = np.array(["Nairobi", "Mombasa", "Kisumu"])[town]
    deaths = frame["fatalities"].astype("Float64")
    deaths[rng.random(n) < 0.1] = pd.NA
    frame["fatalities"] = deaths.astype("Int64")
    return dataset_from_incidents(frame, name="kenya", title="Kenya (synthetic)")


def partitions(conn) -> dict[str, int]:
    return {name: count for name, count in conn.execute(
        "SELECT c.relname, (xpath('/row/n/text()', query_to_xml("
        "format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text::int "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'incidents'::regclass")}


def test_a_save_puts_each_month_in_its_partition_and_cells_that_add_up(url):
    import psycopg

    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.postgis.partitions import daily_totals, grid_totals

    dataset = kenya()
    store = IncidentStore(dataset)
    with PostgisCatalog(url) as catalog:
        catalog.save(dataset)
    with psycopg.connect(url, autocommit=True) as conn:
        found = partitions(conn)
        months = sorted({f"incidents_{d:%Y_%m}" for d in dataset.incidents["event_date"]})
        assert sorted(n for n in found if n != "incidents_default") == months
        assert found["incidents_default"] == 0
        assert sum(found.values()) == len(dataset.incidents)
        deaths = dataset.incidents["fatalities"]
        for table in ("incident_cells", "incident_days", "incident_cells_month"):
            cells = conn.execute(f"SELECT sum(incidents), sum(reported), sum(fatalities) FROM {table}").fetchone()
            assert cells == (len(deaths), int(deaths.notna().sum()), int(deaths.sum())), table

        start, end = store.date_range()
        for state in (FilterState(start, end), FilterState(end - timedelta(days=90), end, ("Battles",)),
                      FilterState(end - timedelta(days=9), end)):
            with conn.cursor() as cur:
                grid = grid_totals(cur, "kenya", state, factor=4)
                timeline = daily_totals(cur, "kenya", state)
            rows = store.select(state)
            assert grid.total == len(rows)
            x = np.floor(np.floor(rows["longitude"].to_numpy() * 16) / 4)
            y = np.floor(np.floor(rows["latitude"].to_numpy() * 16) / 4)
            expected = pd.Series(1, index=pd.MultiIndex.from_arrays([x, y])).groupby(level=[0, 1]).sum()
            got = pd.Series(grid.incidents, index=pd.MultiIndex.from_arrays(
                [np.floor(grid.longitude / grid.degrees), np.floor(grid.latitude / grid.degrees)])).sort_index()
            assert got.to_dict() == expected.to_dict()
            counts = store.daily_counts(state).loc[str(state.start):str(state.end)]
            for event_type in timeline.columns:
                per_day = timeline[event_type].reindex(pd.to_datetime(counts.index).date, fill_value=0)
                assert per_day.tolist() == counts[event_type].tolist(), event_type


def test_rows_stored_before_partitioning_move_into_their_months(url):
    import psycopg

    from geodata.catalog.postgis import MIGRATIONS, PostgisCatalog, apply_migrations

    with psycopg.connect(url, autocommit=True) as conn:
        apply_migrations(conn, MIGRATIONS[:3])
        for ordinal, day in enumerate((date(2021, 3, 9), date(2021, 3, 30), date(2022, 11, 2))):
            conn.execute(
                "INSERT INTO incidents (dataset, ordinal, event_id, event_date, event_type, location, latitude, "
                "longitude, geo_precision, source, source_url) VALUES ('old', %s, %s, %s, 'Battles', 'Garissa', "
                "-0.45, 39.65, 1, 'x', 'https://example.org')", (ordinal, f"KEN{ordinal}", day))
    with PostgisCatalog(url) as catalog:
        assert catalog.names() == []  # upgrades the schema
    with psycopg.connect(url, autocommit=True) as conn:
        found = partitions(conn)
        assert found == {"incidents_default": 0, "incidents_2021_03": 2, "incidents_2022_11": 1}
        assert conn.execute("SELECT count(*) FROM incidents WHERE geom IS NOT NULL").fetchone() == (3,)


def test_removing_a_dataset_removes_its_cells(url):
    import psycopg

    from geodata.catalog.postgis import PostgisCatalog

    with PostgisCatalog(url) as catalog:
        catalog.save(kenya(200))
        catalog.remove("kenya")
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("incident_cells", "incident_days", "incident_cells_month", "incident_dim_cells",
                      "incident_dim_days", "incident_dim_cells_month"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (0,)


def test_whole_months_inside_a_range():
    from geodata.catalog.postgis.partitions import whole_months

    assert whole_months(date(2021, 1, 1), date(2021, 3, 31)) == (date(2021, 1, 1), date(2021, 3, 1))
    assert whole_months(date(2021, 1, 2), date(2021, 3, 30)) == (date(2021, 2, 1), date(2021, 2, 1))
    assert whole_months(date(2020, 11, 15), date(2021, 1, 30)) == (date(2020, 12, 1), date(2020, 12, 1))
    assert whole_months(date(2021, 2, 1), date(2021, 2, 28)) == (date(2021, 2, 1), date(2021, 2, 1))
    assert whole_months(date(2020, 2, 1), date(2020, 2, 28)) is None  # 29 February 2020 is left out
    assert whole_months(date(2021, 1, 5), date(2021, 1, 20)) is None


def kenya_actors(n: int = 4000):
    """The Kenyan incidents with some second actors missing and fatality figures in every class up to 50+."""
    dataset = kenya(n)
    frame = dataset.incidents.copy()
    rng = np.random.default_rng(5)
    frame["actor2"] = frame["actor2"].astype("string").mask(rng.random(n) < 0.15)
    deaths = frame["fatalities"].copy()
    tail = rng.random(n) < 0.05
    deaths[tail] = rng.integers(10, 120, int(tail.sum()))
    frame["fatalities"] = deaths.astype("Int64")
    return dataset_from_incidents(frame, name="kenya", title="Kenya (synthetic)")


def dimension_states(store: IncidentStore) -> list[FilterState]:
    start, end = store.date_range()
    actors = list(store.columns.facets.actor_names)
    windows = [(start, end), (end - timedelta(days=120), end), (end - timedelta(days=12), end - timedelta(days=2))]
    out = []
    for first, last in windows:
        for types in (None, ("Battles", "Protests")):
            out += [FilterState(first, last, types),
                    FilterState(first, last, types, actors=tuple(actors[:1])),
                    FilterState(first, last, types, actors=tuple(actors[1:4])),
                    FilterState(first, last, types, precision=(1,)),
                    FilterState(first, last, types, precision=(2, 3)),
                    FilterState(first, last, types, fatalities_min=5),
                    FilterState(first, last, types, fatalities_min=0),
                    FilterState(first, last, types, fatalities_max=4),
                    FilterState(first, last, types, fatalities_min=10, fatalities_max=19),
                    FilterState(first, last, types, fatalities_min=20),
                    FilterState(first, last, types, fatalities_min=50, fatalities_max=99),
                    FilterState(first, last, types, fatalities_max=9),
                    FilterState(first, last, types, fatalities_min=20, fatalities_max=9)]
    return out


def cells_of(longitude: np.ndarray, latitude: np.ndarray, degrees: float) -> dict:
    x, y = np.floor(longitude / degrees), np.floor(latitude / degrees)
    return pd.Series(1, index=pd.MultiIndex.from_arrays([x, y])).groupby(level=[0, 1]).sum().to_dict()


def test_roll_ups_by_actor_precision_and_fatalities_give_the_rows_answers(url):
    import psycopg

    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.postgis.dimensions import grid, headline, selection, timeline
    from geodata.catalog.postgis.partitions import cells_serve

    dataset = kenya_actors()
    store = IncidentStore(dataset)
    with PostgisCatalog(url) as catalog:
        catalog.save(dataset)
    states = dimension_states(store)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for state in states:
            assert selection(state) is not None or cells_serve(state), state
            rows = store.select(state)
            deaths = rows["fatalities"]
            assert headline(cur, "kenya", state) == (len(rows), int(deaths.notna().sum()), int(deaths.sum())), state
            for factor in (2, 4, 8):  # 1/8 degree: finer than the dimension cells, from incident_cells or None
                cells = grid(cur, "kenya", state, factor)
                if cells is None:
                    assert factor == 2 and not cells_serve(state)
                    continue
                keys = zip(np.floor(cells.longitude / cells.degrees), np.floor(cells.latitude / cells.degrees),
                           strict=True)
                got = dict(zip(keys, cells.incidents.tolist(), strict=True))
                expected = cells_of(rows["longitude"].to_numpy(), rows["latitude"].to_numpy(), factor / 16)
                assert got == expected, (state, factor)
            per_day = timeline(cur, "kenya", state)
            counts = store.daily_counts(state).loc[str(state.start):str(state.end)]
            counts = counts.loc[(counts != 0).any(axis=1), (counts != 0).any(axis=0)]
            assert per_day is not None
            assert sorted(per_day.columns) == sorted(counts.columns), state
            for event_type in counts.columns:
                assert per_day[event_type].tolist() == counts[event_type].tolist(), (state, event_type)
        assert sum(len(store.select(s)) for s in states) > 10_000  # the states are not all empty
        assert conn.execute("SELECT count(*) FROM incident_dim_cells WHERE dim = 'x'").fetchone()[0] > 0


def test_a_save_leaves_nothing_pending_in_the_notes_index(url):
    """A COPY leaves the trigram index's new entries in a pending list that every notes search reads
    whole (1 s instead of 18 ms after saving 10^6 incidents); the save merges them."""
    import psycopg

    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.postgis.dimensions import flush_notes_index

    with PostgisCatalog(url) as catalog:
        catalog.save(kenya(500))
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        indexes = cur.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'incidents_notes_trgm'::regclass")
        assert indexes.fetchone()[0] > 10  # one per month partition, and the default one
        assert flush_notes_index(cur) == 0
        cur.execute("INSERT INTO incidents (dataset, ordinal, event_id, event_date, event_type, location, latitude, "
                    "longitude, geo_precision, notes, source, source_url) SELECT 'other', ordinal, event_id, "
                    "event_date, event_type, location, latitude, longitude, geo_precision, notes, source, source_url "
                    "FROM incidents")
        assert flush_notes_index(cur) > 0  # what a plain insert leaves


def test_states_the_roll_ups_cannot_answer_exactly_go_to_the_rows():
    from geodata.catalog.postgis.dimensions import selection

    start, end = date(2020, 1, 1), date(2020, 12, 31)
    assert selection(FilterState(start, end, fatalities_min=7)) is not None  # every figure up to 10 is a class
    assert selection(FilterState(start, end, fatalities_min=13)) is None  # inside the class 10-19
    assert selection(FilterState(start, end, fatalities_max=25)) is None
    assert selection(FilterState(start, end, actors=("Police Forces of Kenya",), precision=(1,))) is None
    assert selection(FilterState(start, end, text="grenade")) is None
    assert selection(FilterState(start, end, actors=("Police Forces of Kenya",), admin_codes=("KE047",))) is None


def test_the_dimension_migration_fills_the_roll_ups_of_a_database_saved_before(url):
    """A database at migration 5 with a stored dataset gains the same roll-ups a save writes, their indexes,
    and the notes' trigram index, which the notes search uses."""
    import psycopg

    from geodata.catalog.postgis import PostgisCatalog

    with PostgisCatalog(url) as catalog:
        catalog.save(kenya_actors(1500))
    tables = ("incident_dim_cells", "incident_dim_days", "incident_dim_cells_month")
    with psycopg.connect(url, autocommit=True) as conn:
        saved = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        assert all(saved.values())
        conn.execute("DROP TABLE incident_dim_cells, incident_dim_days, incident_dim_cells_month")
        conn.execute("DROP INDEX incidents_notes_trgm")
        conn.execute("DELETE FROM schema_migrations WHERE version >= 6")
    with PostgisCatalog(url) as catalog:
        assert catalog.names() == ["kenya"]  # upgrades the schema
        store = IncidentStore(catalog.load("kenya"))
        start, end = store.date_range()
        assert catalog.count("kenya", FilterState(start, end, text="SYNTHETIC incident")) == len(store.incidents)
        assert catalog.count("kenya", FilterState(start, end, text="100%_")) == 0
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            assert sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) == saved[table], table
        conn.execute("SET enable_seqscan = off")
        indexed = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'incident_dim_days_key'").fetchone()
        assert indexed is not None and "(dataset, dim, actor, other, value, event_date)" in indexed[0]
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN SELECT count(*) FROM incidents WHERE lower(notes) LIKE lower('%air strike%')"))
        assert "incidents_notes_trgm" in plan or "lower_idx" in plan, plan
