"""In one process: a callback answered right after a re-import counts the new rows, whether the catalog
has files to stat (the Parquet folder) or not (PostGIS-like: its version re-read at most every
CONFLICT_MAP_VERSION_CHECK_MS); apps are built when the site is made, and a bound says how many."""
from __future__ import annotations

import json
import logging
import time

import pytest
from hostile_support import HEADLINE, callback_body, headline_count, import_colombia
from werkzeug.test import Client

from dashboard.config import Config
from dashboard.server.site import Site

PATH = "/datasets/antioquia/_dash-update-component"


class WithoutFiles:
    """A real catalog seen without its folder (as the PostGIS catalog is): no ``path`` to stat."""

    def __init__(self, catalog):
        self._catalog = catalog

    def __getattr__(self, name):
        if name in ("path", "damage"):
            raise AttributeError(name)
        return getattr(self._catalog, name)


def count(web: Client, body: bytes) -> str:
    answer = web.post(PATH, data=body, content_type="application/json")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:200]
    return headline_count(answer.get_json())


def test_a_callback_right_after_a_reimport_counts_the_new_rows(tmp_path):
    catalog = import_colombia(tmp_path / "data", 19)
    site = Site(catalog=catalog)
    assert "antioquia" in site._apps, "built when the site was made, before any visit"
    web = Client(site)
    body = json.dumps(callback_body(site._apps["antioquia"].app.callback_map, HEADLINE))
    assert count(web, body) == "19"
    import_colombia(tmp_path / "data", 21)
    assert count(web, body) == "21"  # no page load in between


def test_a_catalog_without_files_is_checked_every_interval(tmp_path):
    catalog = import_colombia(tmp_path / "data", 19)
    site = Site(Config(version_check_ms=300), catalog=WithoutFiles(catalog))
    web = Client(site)
    body = json.dumps(callback_body(site._apps["antioquia"].app.callback_map, HEADLINE))
    assert count(web, body) == "19"
    import_colombia(tmp_path / "data", 21)
    time.sleep(0.35)
    assert count(web, body) == "21"


@pytest.mark.slow
def test_preloading_is_bounded_and_says_what_it_skipped(tmp_path, caplog):
    for name in ("bogota", "cali", "medellin"):
        import_colombia(tmp_path / "data", 5, name=name)
    with caplog.at_level(logging.WARNING):
        site = Site(Config(preload_datasets=2), catalog=import_colombia(tmp_path / "data", 5, name="pasto"))
    assert sorted(site._apps) == ["bogota", "cali"]
    assert "4 stored datasets" in caplog.text and "the other 2 are built on first visit" in caplog.text
    assert Client(site).get("/datasets/pasto/").status_code == 200


def test_one_datasets_rebuild_keeps_only_its_own_visitors_waiting(tmp_path):
    """A re-imported dataset is rebuilt before it answers (a big one: seconds); meanwhile another dataset's
    callbacks are answered at once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    catalog = import_colombia(tmp_path / "data", 19)
    import_colombia(tmp_path / "data", 12, name="choco", seed=3)
    site = Site(Config(version_check_ms=0), catalog=WithoutFiles(catalog))  # every request checks the version
    bodies = {name: json.dumps(callback_body(site._apps[name].app.callback_map, HEADLINE))
              for name in ("antioquia", "choco")}
    load, started = site._load, threading.Event()

    def slow_load(name):
        if name == "antioquia":
            started.set()
            time.sleep(2.0)  # a big dataset's snapshot and store
        return load(name)

    site._load = slow_load
    import_colombia(tmp_path / "data", 21)

    def ask(name):
        begun = time.perf_counter()
        answer = Client(site).post(f"/datasets/{name}/_dash-update-component", data=bodies[name],
                                   content_type="application/json")
        return headline_count(answer.get_json()), time.perf_counter() - begun

    with ThreadPoolExecutor(2) as pool:
        rebuilt = pool.submit(ask, "antioquia")
        assert started.wait(10)
        other, waited = pool.submit(ask, "choco").result(timeout=10)
        assert rebuilt.running(), "the rebuild was over before the other dataset was asked"
        assert (rebuilt.result(timeout=30)[0], other) == ("21", "12")
    assert waited < 1.0, f"the other dataset waited {waited:.1f} s behind the rebuild"
