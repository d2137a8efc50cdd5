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
        for table in ("incident_cells", "incident_days", "incident_cells_month"):
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
