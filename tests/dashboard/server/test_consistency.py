"""Every gunicorn worker answers from the same, current dataset, from its first request on.

Real gunicorn (the shipped gunicorn.conf.py, two workers) over a catalog in a temporary folder with a
dataset in Colombia: the first requests a fresh server gets are two dozen parallel asset requests of a
dataset page, and all succeed; right after a re-import (written by this process, as the import page or
the command line would), every worker's callbacks count the new rows, without any page load first.
"""
from __future__ import annotations

import contextlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import pytest
from hostile_support import HEADLINE, callback_body, headline_count, http, import_colombia, start_gunicorn, stop
from werkzeug.test import Client

from dashboard.server.site import Site
from geodata.model.errors import GeodataError
from tests.geodata.catalog.test_catalogs import pg, postgis_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

PARALLEL = 24


def asset_paths(page: str) -> list[str]:
    """The scripts and stylesheets a dataset page makes the browser fetch, in its order."""
    return [unescape(p) for p in re.findall(r'(?:src|href)="(/datasets/[^"]+\.(?:js|css)[^"]*)"', page)]


def test_first_visit_parallel_asset_requests_on_a_fresh_server_all_succeed(tmp_path):
    catalog = import_colombia(tmp_path / "data", 30)
    page = Client(Site(catalog=catalog)).get("/datasets/antioquia/").get_data(as_text=True)
    paths = asset_paths(page)
    assert any("_dash-component-suites/dash/" in p for p in paths) and len(paths) >= 8
    wanted = [*(paths * 3)[:PARALLEL - 2], "/datasets/antioquia/_dash-layout", "/datasets/antioquia/_dash-dependencies"]
    process, url = start_gunicorn(tmp_path / "data", tmp_path / "gunicorn.log", workers=2)
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:  # the first requests this server sees for the dataset
            answers = list(pool.map(lambda p: (p, http(url + p, timeout=60)[0]), wanted))
    finally:
        stop(process)
    failed = [(p, status) for p, status in answers if status != 200]
    assert not failed, failed
    assert "not a registered library" not in (tmp_path / "gunicorn.log").read_text()


def test_workers_agree_right_after_a_reimport(tmp_path):
    catalog = import_colombia(tmp_path / "data", 19)
    body = json.dumps(callback_body(Site(catalog=catalog, preload=False).dataset_app("antioquia").callback_map,
                                    HEADLINE)).encode()
    process, url = start_gunicorn(tmp_path / "data", tmp_path / "gunicorn.log", workers=2)

    def counts() -> list[str]:
        def one(_):
            status, _, data = http(url + "/datasets/antioquia/_dash-update-component", body, timeout=60)
            assert status == 200, data[:200]
            return headline_count(json.loads(data))
        with ThreadPoolExecutor(8) as pool:  # fresh connections, shared out between the workers
            return list(pool.map(one, range(PARALLEL)))

    try:
        assert counts() == ["19"] * PARALLEL
        import_colombia(tmp_path / "data", 21)  # the re-import (an upsert by event id): two incidents more
        after = counts()  # no page load first: callbacks from pages opened before the re-import
    finally:
        stop(process)
    assert after == ["21"] * PARALLEL, f"{after.count('19')} of {PARALLEL} answers came from the old version"


def test_the_master_builds_the_warm_up_tables_before_it_forks_the_workers(tmp_path):
    catalog = import_colombia(tmp_path / "data", 25)
    body = json.dumps(callback_body(Site(catalog=catalog, preload=False).dataset_app("antioquia").callback_map,
                                    HEADLINE)).encode()
    process, url = start_gunicorn(tmp_path / "data", tmp_path / "gunicorn.log", workers=2)
    try:
        status, _, data = http(url + "/datasets/antioquia/_dash-update-component", body, timeout=60)
    finally:
        stop(process)
    assert status == 200 and headline_count(json.loads(data)) == "25"
    log = (tmp_path / "gunicorn.log").read_text()
    warmed = re.search(r"warm-up: (\d+) tables built in the master", log)
    assert warmed and int(warmed.group(1)) >= 20, log  # the default dataset's and the stored one's
    assert log.index(warmed.group(0)) < log.index("Booting worker"), "a worker was forked before the warm-up"
    frozen = re.search(r"(\d+) long-lived objects frozen", log)
    assert frozen and int(frozen.group(1)) > 10_000 and log.index(frozen.group(0)) < log.index("Booting worker")


def test_a_postgis_catalog_served_by_gunicorn_follows_a_reimport_through_the_snapshot(tmp_path, postgis_url):  # noqa: F811
    """The production path with a database: an upload saves into PostGIS and copies the app's local snapshot;
    gunicorn's master maps it and builds the warm-up tables; after a re-import the workers answer from the
    new version (checked against the database every CONFLICT_MAP_VERSION_CHECK_MS), mapping the snapshot the
    import wrote rather than copying the dataset again."""
    import base64
    from urllib.parse import quote

    from hostile_support import colombia_acled
    from psycopg.conninfo import conninfo_to_dict

    from dashboard.server.upload import run_import
    from geodata.catalog import CatalogSettings
    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.snapshot import SNAPSHOTS

    parts = conninfo_to_dict(postgis_url)  # the test's own schema, as a URL (what CONFLICT_MAP_DATABASE_URL takes)
    database = (f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
                f"?options={quote(parts['options'])}")
    settings = CatalogSettings(data_dir=tmp_path / "data", database_url=database)

    def upload(count: int) -> str:
        text = colombia_acled(count, 7).to_csv(index=False).encode()
        answer = run_import("data:text/csv;base64," + base64.b64encode(text).decode(), "antioquia.csv", "acled",
                            "antioquia", catalog, settings)
        assert answer["ok"], answer
        return str(catalog.meta("antioquia")["version"])

    with PostgisCatalog(database) as catalog:
        with contextlib.suppress(GeodataError):
            catalog.remove("antioquia")
        first = upload(19)
        body = json.dumps(callback_body(Site(catalog=catalog, preload=False).dataset_app("antioquia").callback_map,
                                        HEADLINE)).encode()
        process, url = start_gunicorn(tmp_path / "data", tmp_path / "gunicorn.log", workers=2,
                                      CONFLICT_MAP_DATABASE_URL=database, CONFLICT_MAP_VERSION_CHECK_MS="200")

        def counts() -> list[str]:
            def one(_):
                status, _, data = http(url + "/datasets/antioquia/_dash-update-component", body, timeout=60)
                assert status == 200, data[:200]
                return headline_count(json.loads(data))
            with ThreadPoolExecutor(4) as pool:
                return list(pool.map(one, range(8)))

        try:
            assert counts() == ["19"] * 8
            second = upload(21)
            time.sleep(0.5)  # past the version check interval
            after = counts()
        finally:
            stop(process)
        catalog.remove("antioquia")
    assert after == ["21"] * 8
    assert second != first
    assert sorted(p.name for p in (tmp_path / "data" / SNAPSHOTS / "antioquia").iterdir()) == [".writing", second]
    log = (tmp_path / "gunicorn.log").read_text()
    assert re.search(r"warm-up: \d+ tables built in the master", log), log
    assert "Traceback" not in log, log
