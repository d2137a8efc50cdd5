"""Both dataset stores, Parquet folder and PostGIS, pass the same tests; the SQL queries equal the fast path.

The PostGIS tests need a database with the postgis extension at
``CONFLICT_MAP_TEST_DATABASE_URL`` (``make postgres`` starts one); each test
works in a schema of its own, dropped afterwards, so runs can overlap.
Without a database they skip, except with ``CI=true``, where they fail.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from types import SimpleNamespace
from typing import NoReturn

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata import EVENT_TYPES, FilterState, GeodataError, IncidentStore
from geodata.catalog import open_catalog
from geodata.catalog.parquet import DataDirectory, content_version
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import ACTORS, SUB_TYPES, synthetic_incidents
from tests.support import BAD, REPO, missing

TEST_URL = os.environ.get("CONFLICT_MAP_TEST_DATABASE_URL",
                          "postgresql://postgres@127.0.0.1:54329/conflict_map_test")


def _unavailable(reason: str) -> NoReturn:
    missing(f"no PostGIS to test: {reason} (run `make postgres` or set CONFLICT_MAP_TEST_DATABASE_URL)")


@pytest.fixture(scope="session")
def pg():
    """The psycopg module, once the test database is known to answer and to have PostGIS."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -r requirements.txt)")
    from geodata.catalog.postgis import display_url

    try:
        with psycopg.connect(TEST_URL, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                _unavailable(f"the database {display_url(TEST_URL)} has no postgis extension")
    except psycopg.Error as exc:
        _unavailable(f"no database at {display_url(TEST_URL)} ({str(exc).strip().splitlines()[0]})")
    return psycopg


@contextlib.contextmanager
def _fresh_schema(psycopg):
    """A connection string whose search_path puts a new, empty schema first; the schema is dropped after."""
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"cm_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(TEST_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(TEST_URL, options=f"-c search_path={name},public")
    finally:
        with psycopg.connect(TEST_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def postgis_url(pg):
    with _fresh_schema(pg) as url:
        yield url


@pytest.fixture(params=["parquet", "postgis"])
def catalog(request, tmp_path):
    """The same tests on both stores."""
    if request.param == "parquet":
        yield DataDirectory(tmp_path / "data")
        return
    from geodata.catalog.postgis import PostgisCatalog

    with PostgisCatalog(request.getfixturevalue("postgis_url")) as postgis:
        yield postgis


@pytest.fixture(scope="module")
def synthetic():
    return dataset_from_incidents(synthetic_incidents(5000), name="synthetic", title="Synthetic, 5,000 incidents")


def cells(frame: pd.DataFrame) -> dict[str, list]:
    """Every cell as a plain value, missing ones as None (dtypes differ between stores, values must not)."""
    frame = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    return {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns}


def same_tables(back, original) -> None:
    incidents = pd.DataFrame(original.incidents).sort_values("event_date", kind="stable")
    assert cells(back.incidents) == cells(incidents)
    for name in ("displacement", "places", "highways"):
        assert cells(getattr(back, name)) == cells(getattr(original, name)), name


# -- the same behaviour on both stores ------------------------------------------------------------

def test_scenario_round_trip(catalog, scenario):
    version = catalog.save(scenario, source="geodata/scenarios/nw_syria_2020")
    back = catalog.load(scenario.name)
    assert version == back.version == content_version(scenario)
    same_tables(back, scenario)
    assert (back.name, back.title, back.period, back.view, back.headline_series, back.map_series,
            back.attribution) == (scenario.name, scenario.title, scenario.period, scenario.view,
                                  scenario.headline_series, scenario.map_series, scenario.attribution)
    meta = catalog.meta(scenario.name)
    assert meta["version"] == version and meta["source_file"] == "geodata/scenarios/nw_syria_2020"
    assert meta["rows"] == {"incidents": 22, "displacement": 19, "places": 23, "highways": 9}
    store = IncidentStore(back)
    assert store.gazetteer.display_name("Balyun") == "Balyun (Behun)"
    whole = FilterState(*scenario.period)
    assert store.fatality_totals(whole) == IncidentStore(scenario).fatality_totals(whole)


def test_synthetic_round_trip(catalog, synthetic):
    assert catalog.save(synthetic) == content_version(synthetic)
    back = catalog.load(synthetic.name)
    same_tables(back, synthetic)
    state = FilterState(date(2019, 12, 1), date(2020, 3, 31), event_types=("Battles",))
    assert IncidentStore(back).select(state)["event_id"].tolist() == \
        IncidentStore(synthetic).select(state)["event_id"].tolist()


def test_save_replaces_an_older_version(catalog, scenario):
    first = catalog.save(scenario)
    replacement = dataset_from_incidents(synthetic_incidents(500), name=scenario.name, title="replacement")
    second = catalog.save(replacement, source="synthetic")
    assert second != first and catalog.meta(scenario.name)["version"] == second
    back = catalog.load(scenario.name)
    assert back.title == "replacement" and len(back.incidents) == 500 and len(back.displacement) == 0
    assert catalog.names() == [scenario.name]


def _fail_mid_save(catalog, monkeypatch, during) -> None:
    """Make the next save fail part-way through writing its rows, calling ``during()`` just before."""
    if isinstance(catalog, DataDirectory):
        real = pd.DataFrame.to_parquet
        written = []

        def flaky(self, *args, **kwargs):
            if written:  # one table is written, the next fails
                during()
                raise OSError("No space left on device")
            written.append(real(self, *args, **kwargs))

        monkeypatch.setattr(pd.DataFrame, "to_parquet", flaky)
        return
    from geodata.catalog.postgis import tables

    real_chunks = tables.csv_chunks

    def flaky_chunks(table, rows=tables.CHUNK_ROWS):
        for i, chunk in enumerate(real_chunks(table, rows=100)):
            if i == 3:  # 300 rows are in the COPY
                during()
                raise OSError("No space left on device")
            yield chunk

    monkeypatch.setattr(tables, "csv_chunks", flaky_chunks)


def test_failed_save_leaves_the_previous_version(catalog, scenario, monkeypatch):
    first = catalog.save(scenario)
    replacement = dataset_from_incidents(synthetic_incidents(500), name=scenario.name, title="replacement")
    seen = []
    other = catalog if isinstance(catalog, DataDirectory) else type(catalog)(catalog.url)

    def during():  # another reader, mid-import, sees the old version whole
        seen.append((other.meta(scenario.name)["version"], len(other.load(scenario.name).incidents)))

    _fail_mid_save(catalog, monkeypatch, during)
    with pytest.raises(OSError, match="No space left"):
        catalog.save(replacement)
    monkeypatch.undo()
    assert seen == [(first, len(scenario.incidents))]
    assert catalog.meta(scenario.name)["version"] == first
    same_tables(catalog.load(scenario.name), scenario)
    assert catalog.names() == [scenario.name]  # nothing half-written is listed
    assert catalog.save(replacement) != first and len(catalog.load(scenario.name).incidents) == 500
    if other is not catalog:
        other.close()


def test_remove_and_names(catalog, scenario):
    assert catalog.names() == []
    small = synthetic_incidents(20)
    for name in ("b-2", "a_1", "c-3", "9z"):
        catalog.save(dataset_from_incidents(small, name=name, title=name))
    catalog.save(scenario)
    assert catalog.names() == sorted(["b-2", "a_1", "c-3", "9z", scenario.name])
    catalog.remove("c-3")
    assert "c-3" not in catalog.names()
    with pytest.raises(GeodataError, match="no stored dataset here"):
        catalog.load("c-3")
    with pytest.raises(GeodataError, match="no stored dataset here"):
        catalog.meta("c-3")
    with pytest.raises(GeodataError, match="no dataset named 'c-3'"):
        catalog.remove("c-3")
    assert catalog.load("a_1").title == "a_1"


@pytest.mark.parametrize("name", ["", ".hidden", "../etc", "a/b", "a b", "x'; DROP TABLE datasets; --", "a\0b",
                                  "boundaries.parquet", "reports", "Reports", "c.3", "Ḥamā", "\u0430cled",
                                  "_store", "-x", "a" * 65])
def test_invalid_names_are_refused(catalog, name):
    dataset = dataset_from_incidents(synthetic_incidents(5), name=name, title="bad")
    for call in (lambda: catalog.save(dataset), lambda: catalog.load(name), lambda: catalog.meta(name),
                 lambda: catalog.remove(name)):
        with pytest.raises(GeodataError, match="invalid dataset name"):
            call()
    assert catalog.names() == []


@pytest.mark.parametrize("which", ["scenario", "synthetic"])
def test_versions_are_equal_across_stores(which, request, tmp_path, postgis_url):
    from geodata.catalog.postgis import PostgisCatalog

    dataset = request.getfixturevalue(which)
    with PostgisCatalog(postgis_url) as postgis:
        parquet = DataDirectory(tmp_path)
        assert parquet.save(dataset) == postgis.save(dataset) == content_version(dataset)
        a, b = parquet.meta(dataset.name), postgis.meta(dataset.name)
        a.pop("imported_at"), b.pop("imported_at")
        assert a == b
        assert parquet.load(dataset.name).version == postgis.load(dataset.name).version
        assert cells(parquet.load(dataset.name).incidents) == cells(postgis.load(dataset.name).incidents)


# -- PostGIS only: refused rows, SQL queries, connection loss, migrations, boundaries --------------

def test_a_refused_row_rolls_the_whole_save_back(postgis_url, scenario):
    from geodata.catalog.postgis import DatabaseError, PostgisCatalog

    bad = synthetic_incidents(2000)
    bad.loc[1500, "latitude"] = 95.0  # breaks the canonical range, rows before it are already copied
    with PostgisCatalog(postgis_url) as catalog:
        first = catalog.save(scenario)
        with pytest.raises(DatabaseError, match=r"saving dataset 'nw_syria_2020'.*incidents_latitude_check"
                                                r".*COPY incidents, line \d+"):
            catalog.save(dataset_from_incidents(bad, name=scenario.name, title="bad"))
        assert catalog.meta(scenario.name)["version"] == first
        assert catalog.count(scenario.name, FilterState(date(1900, 1, 1), date(2100, 1, 1))) == 22
        same_tables(catalog.load(scenario.name), scenario)


def test_duplicate_ids_and_mistyped_columns_are_refused_before_writing(postgis_url):
    from geodata.catalog.postgis import PostgisCatalog

    frame = synthetic_incidents(10)
    twice = frame.assign(event_id=frame["event_id"].where(frame.index != 7, frame["event_id"].iloc[2]))
    with PostgisCatalog(postgis_url) as catalog:
        with pytest.raises(GeodataError, match="incidents: 1 duplicate event_id"):
            catalog.save(dataset_from_incidents(twice, name="twice", title="twice"))
        with pytest.raises(GeodataError, match="column 'fatalities': cannot store as int"):
            catalog.save(dataset_from_incidents(frame.assign(fatalities=2.5), name="half", title="half"))
        assert catalog.names() == []


def test_source_columns_outside_the_schema_are_kept(catalog, scenario):
    frame = synthetic_incidents(300).sample(frac=1, random_state=3)  # shuffled: rows must keep their cells
    n = len(frame)
    frame["timestamp"] = pd.array([str(1580000000 + i) for i in range(n)], dtype="string")
    frame["tags"] = pd.array([None if i % 3 else f"tag {i}\nsecond line, \"quoted\"" for i in range(n)],
                             dtype="string")
    frame["inter1"] = pd.array([i % 8 if i % 5 else None for i in range(n)], dtype="Int64")
    frame["score"] = np.where(np.arange(n) % 4 == 0, np.nan, np.arange(n) / 7)
    frame["checked"] = np.arange(n) % 2 == 0
    frame["seen_at"] = pd.Timestamp("2020-02-27 18:30:00") + pd.to_timedelta(np.arange(n), unit="min")
    dataset = dataset_from_incidents(frame, name="acled-extra", title="extra columns")
    places = scenario.places.assign(geonames_id=pd.array(range(len(scenario.places)), dtype="Int64"))
    with_places = dataclasses.replace(dataset, places=places)
    catalog.save(with_places)
    back = catalog.load("acled-extra")
    same_tables(back, with_places)
    assert list(back.incidents.columns[-6:]) == ["timestamp", "tags", "inter1", "score", "checked", "seen_at"]
    for column in ("inter1", "score", "checked", "seen_at"):
        assert back.incidents[column].dtype == frame[column].dtype, column
    state = FilterState(date(2019, 1, 1), date(2020, 12, 31), event_types=("Battles",))
    if not isinstance(catalog, DataDirectory):
        assert cells(catalog.query("acled-extra", state)) == cells(IncidentStore(with_places).select(state))


def test_an_acled_import_lands_the_same_in_both_stores(catalog, tmp_path):
    from geodata.ingest.pipeline import ingest_file

    source = BAD / "acled_utf8_arabic.csv"
    outcome = ingest_file(source, "acled", catalog, dataset="acled", report_root=tmp_path)
    stored = catalog.load("acled")
    assert outcome.version == catalog.meta("acled")["version"]
    assert len(stored.incidents) == outcome.result.imported > 0 and "timestamp" in stored.incidents.columns
    imported = pd.DataFrame(outcome.result.frame).drop(columns="geometry", errors="ignore")
    assert cells(stored.incidents) == cells(imported.sort_values(["event_date", "event_id"], kind="stable"))


def test_awkward_text_survives_the_round_trip(catalog):
    awkward = ["", "NULL", "\\N", "\\.", 'say "hi", then leave', "line one\nline two", "tab\there", "  padded  ",
               "إدلب — Saraqib", "back\\slash", "NA", "None"]
    frame = synthetic_incidents(len(awkward))
    frame["notes"] = pd.array(awkward, dtype="string")
    frame["actor2"] = pd.array([None] * len(awkward), dtype="string")
    dataset = dataset_from_incidents(frame, name="awkward", title="awkward")
    catalog.save(dataset)
    back = catalog.load("awkward")
    assert back.incidents["notes"].tolist() == dataset.incidents["notes"].tolist()
    assert back.incidents["actor2"].isna().all()


QUERY_CODES = ("SY02", "SY07", "SY0200", "SY0201", "SY0700", "SY0701", "SY020000", "SY070001", "SY070101")
SUB_EVENT_TYPES = tuple(sorted({s for subs in SUB_TYPES.values() for s in subs}))


@pytest.fixture(scope="module")
def query_dataset():
    """Synthetic incidents with admin p-codes at three levels, missing fatalities and varied notes."""
    frame = synthetic_incidents(5000, seed=11)
    rng = np.random.default_rng(11)
    n = len(frame)
    adm1 = np.where(frame["admin1"] == "Aleppo", "SY02", "SY07")
    adm2 = np.char.add(adm1, rng.choice(["00", "01"], n))
    adm3 = np.char.add(adm2, rng.choice(["00", "01"], n))
    frame["admin1_pcode"] = pd.array(adm1, dtype="string")
    frame["admin2_pcode"] = pd.Series(adm2, dtype="string").mask(rng.random(n) < 0.2)
    frame["admin3_pcode"] = pd.Series(adm3, dtype="string").mask(rng.random(n) < 0.5)
    frame["fatalities"] = frame["fatalities"].mask(rng.random(n) < 0.1)
    frame["notes"] = ("Shelling near " + frame["location"].astype(str)).mask(rng.random(n) < 0.1)
    return dataset_from_incidents(frame, name="query-parity", title="query parity")


@pytest.fixture(scope="module")
def query_store(query_dataset):
    return IncidentStore(query_dataset)


@pytest.fixture(scope="module")
def queried(pg, query_dataset, scenario):
    """A PostGIS catalog holding the query dataset and the scenario (saved once for the module)."""
    from geodata.catalog.postgis import PostgisCatalog

    with _fresh_schema(pg) as url, PostgisCatalog(url) as catalog:
        catalog.save(query_dataset)
        catalog.save(scenario)
        yield catalog


@st.composite
def filter_states(draw) -> FilterState:
    start = draw(st.dates(date(2016, 12, 1), date(2022, 1, 31)))
    end = draw(st.one_of(st.dates(date(2016, 12, 1), date(2022, 1, 31)),
                         st.integers(0, 60).map(lambda d: start + timedelta(days=d))))
    low = draw(st.none() | st.integers(0, 6))
    return FilterState(
        start=start, end=end,
        event_types=draw(st.none() | st.lists(st.sampled_from(EVENT_TYPES + ("Unknown",)), max_size=3,
                                              unique=True).map(tuple)),
        admin_codes=draw(st.lists(st.sampled_from(QUERY_CODES + ("SY99",)), max_size=3, unique=True).map(tuple)),
        sub_event_types=draw(st.just(()) | st.lists(st.sampled_from(SUB_EVENT_TYPES), max_size=2,
                                                    unique=True).map(tuple)),
        actors=draw(st.just(()) | st.lists(st.sampled_from(ACTORS), max_size=2, unique=True).map(tuple)),
        precision=draw(st.none() | st.lists(st.sampled_from((1, 2, 3)), min_size=1, max_size=2,
                                            unique=True).map(lambda p: tuple(sorted(p)))),
        fatalities_min=low,
        fatalities_max=draw(st.none() | st.integers(low or 0, 12)),
        text=draw(st.sampled_from(("", "", "saraqib", "IDLIB", "near", "zzz"))),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=filter_states())
def test_sql_query_equals_the_in_memory_filter(queried, query_dataset, query_store, state):
    expected = query_store.select(state)
    got = queried.query(query_dataset.name, state)
    assert got.index.tolist() == expected.index.tolist()
    assert got["event_id"].tolist() == expected["event_id"].tolist()
    assert queried.count(query_dataset.name, state) == len(expected)


def test_sql_query_on_the_scenario_by_area_type_and_box(queried, scenario):
    store = IncidentStore(scenario)
    codes = sorted({c for level in (1, 2, 3) for c in scenario.incidents[f"admin{level}_pcode"].dropna()})
    assert len(codes) > 5
    for code in codes:
        for types in (None, ("Explosions/Remote violence", "Strategic developments")):
            state = FilterState(*scenario.period, event_types=types, admin_codes=(code,))
            got, expected = queried.query(scenario.name, state), store.select(state)
            assert cells(got) == cells(expected) and got.index.tolist() == expected.index.tolist(), (code, types)
    box = (36.5, 35.6, 36.9, 35.95)
    state = FilterState(date(2020, 1, 1), date(2020, 3, 5))
    expected = store.select(state)
    expected = expected[expected["longitude"].between(box[0], box[2]) & expected["latitude"].between(box[1], box[3])]
    assert 0 < len(expected) < len(store.select(state))
    assert queried.query(scenario.name, state, bbox=box)["event_id"].tolist() == expected["event_id"].tolist()
    assert queried.count(scenario.name, state, bbox=box) == len(expected)
    with pytest.raises(GeodataError, match="bbox"):
        queried.query(scenario.name, state, bbox=(37, 35, 36, 36))
    with pytest.raises(GeodataError, match="no stored dataset here"):
        queried.count("absent", state)


def test_sql_query_uses_the_indexes(pg, queried, query_dataset):
    from psycopg import sql

    from geodata.catalog.postgis.where import incident_condition

    state = FilterState(date(2019, 6, 1), date(2019, 6, 7), event_types=("Battles",))
    condition, params = incident_condition(query_dataset.name, state)
    with pg.connect(queried.url, autocommit=True) as conn:
        plan = "\n".join(row[0] for row in conn.execute(
            sql.SQL("EXPLAIN SELECT * FROM incidents WHERE {} ORDER BY event_date, ordinal").format(
                sql.SQL(condition)), params))
    # a week of June 2019 reads June's partition only (migration 4: monthly partitions), by index or whole
    assert re.findall(r"incidents_\d{4}_\d{2}", plan) and set(re.findall(r"incidents_\d{4}_\d{2}", plan)) == {
        "incidents_2019_06"}, plan


def test_database_connection_killed_then_back(pg, postgis_url, scenario):
    from psycopg.conninfo import make_conninfo

    from geodata.catalog.postgis import DatabaseError, PostgisCatalog

    app = f"cm-test-{secrets.token_hex(4)}"
    with PostgisCatalog(make_conninfo(postgis_url, application_name=app)) as catalog:
        catalog.save(scenario)
        with pg.connect(TEST_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                          (app,))
            for _ in range(100):  # until the backend has gone
                if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                                 (app,)).fetchone()[0] == 0:
                    break
                time.sleep(0.05)
        with pytest.raises(DatabaseError, match=r"listing datasets: the PostGIS database postgresql://\S+ is "
                                                r"unavailable: .+ \(the next call reconnects\)"):
            catalog.names()
        assert catalog.names() == [scenario.name]
        assert len(catalog.load(scenario.name).incidents) == 22


class _Relay:
    """A loopback TCP relay to the test database that can be cut and restored, like a server going away."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=5)
            server.settimeout(None)
            self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept (close alone does not)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()


def test_database_goes_away_and_comes_back(pg, postgis_url, scenario):
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from geodata.catalog.postgis import DatabaseError, PostgisCatalog

    params = conninfo_to_dict(TEST_URL)
    if str(params.get("host", "")).startswith("/") or not params.get("host"):
        pytest.skip("the relay needs a TCP database URL")
    relay = _Relay((params["host"], int(params.get("port") or 5432)))
    relay.start()
    try:
        url = make_conninfo(postgis_url, host="127.0.0.1", port=str(relay.port), hostaddr="")
        with PostgisCatalog(url, connect_timeout=3) as catalog:
            catalog.save(scenario)
            relay.stop()
            with pytest.raises(DatabaseError, match=rf"127\.0\.0\.1:{relay.port}/\S+ is unavailable"):
                catalog.names()  # the connection is gone
            with pytest.raises(DatabaseError, match="is unavailable: connection .*refused"):
                catalog.meta(scenario.name)  # and nothing answers
            relay.start()
            assert catalog.names() == [scenario.name]
            assert catalog.meta(scenario.name)["version"] == content_version(scenario)
    finally:
        relay.stop()


def test_unreachable_database_names_it_without_the_password():
    pytest.importorskip("psycopg")
    from geodata.catalog.postgis import DatabaseError, PostgisCatalog

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    catalog = PostgisCatalog(f"postgresql://analyst:s3cret@127.0.0.1:{port}/conflict_map", connect_timeout=2)
    with pytest.raises(DatabaseError) as info:
        catalog.names()
    message = str(info.value)
    assert f"postgresql://analyst@127.0.0.1:{port}/conflict_map is unavailable" in message
    assert "s3cret" not in message and "s3cret" not in repr(catalog)


def test_migrations_are_versioned_and_idempotent(pg, postgis_url):
    from geodata.catalog.postgis import (
        MIGRATIONS,
        SCHEMA_VERSION,
        Migration,
        PostgisCatalog,
        apply_migrations,
    )
    from geodata.catalog.postgis.tables import TABLES

    with pg.connect(postgis_url, autocommit=True) as conn:  # a database left at the first version
        assert apply_migrations(conn, MIGRATIONS[:1]) == [1]
    with PostgisCatalog(postgis_url) as catalog:
        assert catalog.names() == []  # the first call upgrades it
    with pg.connect(postgis_url, autocommit=True) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [m.version for m in MIGRATIONS]
        assert apply_migrations(conn) == []
        for spec in TABLES.values():  # the SQL tables follow geodata.model.schema, column for column
            columns = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position", (spec.name,))]
            assert [c for c in columns if c not in ("dataset", "ordinal", "geom", "extra")] == spec.columns, spec.name
        later = MIGRATIONS + (Migration(SCHEMA_VERSION + 1, "probe", "CREATE TABLE migration_probe (x int)"),)
        assert apply_migrations(conn, later) == [SCHEMA_VERSION + 1]
        assert apply_migrations(conn, later) == []
    with pytest.raises(GeodataError, match="newer than this conflict-map knows"):
        PostgisCatalog(postgis_url).names()


def test_boundaries_round_trip(postgis_url):
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, box

    from geodata.catalog.postgis import PostgisCatalog

    frame = gpd.GeoDataFrame(
        {"pcode": ["SY07", "SY0700", "SY0701"], "name": ["Idleb", "Idleb", "Harim"],
         "name_ar": ["إدلب", None, "حارم"], "admin_level": [1, 2, 2], "parent_pcode": [None, "SY07", "SY07"]},
        geometry=[MultiPolygon([box(36, 35, 37, 36), box(37.5, 35, 38, 35.5)]), box(36, 35, 36.5, 36),
                  box(36.5, 35, 37, 36)], crs="EPSG:4326")
    with PostgisCatalog(postgis_url) as catalog:
        assert catalog.save_boundaries(frame) == 3
        back = catalog.boundaries()
        assert back["pcode"].tolist() == ["SY07", "SY0700", "SY0701"]
        assert back["name_ar"].iloc[0] == "إدلب" and back["name_ar"].isna().tolist() == [False, True, False]
        assert set(back.geom_type) == {"MultiPolygon"} and back.crs == "EPSG:4326"
        assert back.geometry.iloc[0].equals(frame.geometry.iloc[0])
        assert back.geometry.iloc[1].equals(frame.geometry.iloc[1])  # a polygon comes back as a one-part multipolygon
        assert catalog.boundaries(admin_level=2)["pcode"].tolist() == ["SY0700", "SY0701"]
        with pytest.raises(GeodataError, match="no CRS"):
            catalog.save_boundaries(gpd.GeoDataFrame(frame.drop(columns="geometry"),
                                                     geometry=list(frame.geometry)))
        assert len(catalog.boundaries()) == 3


# -- configuration ---------------------------------------------------------------------------------

def test_open_catalog_chooses_the_store_from_configuration(tmp_path):
    assert open_catalog({"CONFLICT_MAP_DATA": str(tmp_path)}).root == tmp_path
    default = open_catalog({})
    assert isinstance(default, DataDirectory) and default.root.name == "data"
    assert (default.root.parent / "app.py").exists()  # data/ beside app.py in a source checkout
    assert open_catalog(SimpleNamespace(database_url=None, data_dir=tmp_path)).root == tmp_path
    with pytest.raises(GeodataError, match="CONFLICT_MAP_DATABASE_URL must start with postgresql://"):
        open_catalog({"CONFLICT_MAP_DATABASE_URL": "mysql://root:pw@db/x"})
    pytest.importorskip("psycopg")
    from geodata.catalog.postgis import PostgisCatalog

    postgis = open_catalog({"CONFLICT_MAP_DATABASE_URL": "postgresql://analyst:pw@db.example.org:5433/conflicts",
                            "CONFLICT_MAP_DATA": str(tmp_path)})
    assert isinstance(postgis, PostgisCatalog)
    assert postgis.display == "postgresql://analyst@db.example.org:5433/conflicts"


def test_the_default_store_imports_neither_dash_nor_psycopg():
    code = ("import sys, geodata, geodata.catalog; geodata.catalog.open_catalog({}); "
            "print(sorted(m for m in ('dash', 'psycopg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO)
    assert out.stdout.strip() == "[]"
