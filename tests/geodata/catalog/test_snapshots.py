"""A PostGIS dataset is served from a local snapshot written once per version (mapped after)."""
from __future__ import annotations

import contextlib
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.catalog.snapshot import load_through_snapshot
from geodata.model.dataset import dataset_from_incidents
from geodata.model.errors import GeodataError
from tests.geodata.catalog.test_catalogs import cells, pg, postgis_url  # noqa: F401 (fixtures)
from tests.sahel_incidents import sahel_incidents


def test_a_database_dataset_is_read_once_per_version_then_mapped(postgis_url, tmp_path, monkeypatch):  # noqa: F811
    from geodata.catalog.postgis import PostgisCatalog

    mali = dataset_from_incidents(sahel_incidents(3_000, seed=4), name="mali", title="Mali (test)")
    with PostgisCatalog(postgis_url) as catalog:
        version = catalog.save(mali)
        first = load_through_snapshot(catalog, "mali", tmp_path)
        assert first.version == version and first.name == "mali"  # not its folder's name (the version)
        assert (tmp_path / "mali" / version / "incidents.parquet").exists()
        assert cells(first.incidents) == cells(catalog.load("mali").incidents)

        # Every later open (a restart, another worker) maps the snapshot: no rows read from the database.
        with monkeypatch.context() as patched:
            patched.setattr(catalog, "load", lambda name: pytest.fail("read from the database again"))
            patched.setattr(catalog, "load_in_parts", lambda name: pytest.fail("read from the database again"))
            again = load_through_snapshot(catalog, "mali", tmp_path)
        assert again.version == version and again.name == "mali" and cells(again.incidents) == cells(first.incidents)

        # A new version: read once more, a new snapshot, the old one gone.
        newer = dataset_from_incidents(sahel_incidents(2_000, seed=5), name="mali", title="Mali (test)")
        second = catalog.save(newer)
        assert second != version
        updated = load_through_snapshot(catalog, "mali", tmp_path)
        assert updated.version == second and len(updated.incidents) == 2_000
        assert sorted(p.name for p in (tmp_path / "mali").iterdir()) == [".writing", second]  # and the lock file

        # A damaged snapshot is written again from the database, not served.
        (tmp_path / "mali" / second / "incidents.parquet").write_bytes(b"not parquet")
        repaired = load_through_snapshot(catalog, "mali", tmp_path)
        assert cells(repaired.incidents) == cells(updated.incidents)


def _open_in_another_process(url: str, folder: str, log: str) -> tuple[str, int]:
    """What a gunicorn worker does after a re-import: open the dataset through the snapshot."""
    import time

    from geodata.catalog.postgis import PostgisCatalog

    with PostgisCatalog(url) as catalog:
        read = catalog.load_in_parts

        def load_in_parts(name):
            with open(log, "a") as f:
                f.write("read\n")
            time.sleep(0.5)  # a slow read, so the other processes arrive while it is written
            return read(name)

        catalog.load_in_parts = load_in_parts  # type: ignore[method-assign]
        dataset = load_through_snapshot(catalog, "niger", Path(folder))
        return dataset.version, len(dataset.incidents)


def test_workers_opening_a_new_version_at_once_read_the_database_once(postgis_url, tmp_path):  # noqa: F811
    from geodata.catalog.postgis import PostgisCatalog

    niger = dataset_from_incidents(sahel_incidents(1_500, seed=8), name="niger", title="Niger (test)")
    with PostgisCatalog(postgis_url) as catalog:
        version = catalog.save(niger)
    log = tmp_path / "reads.log"
    with multiprocessing.get_context("fork").Pool(3) as pool:
        opened = pool.starmap(_open_in_another_process, [(postgis_url, str(tmp_path / "snap"), str(log))] * 3)
    assert opened == [(version, 1_500)] * 3
    assert log.read_text().splitlines() == ["read"], "each worker read the database and wrote its own snapshot"
    assert sorted(p.name for p in (tmp_path / "snap" / "niger").iterdir()) == [".writing", version]


def test_the_snapshot_is_copied_in_parts_and_reads_back_as_the_database_dataset(postgis_url, tmp_path):  # noqa: F811
    """Bounded memory: the incidents come a few days at a time (here ~400 rows a part), and the copy is the
    database's dataset cell for cell and dtype for dtype, with a source's own columns, text that is empty
    in the first parts, and several incidents a day."""
    from geodata.catalog.postgis import PostgisCatalog

    frame = sahel_incidents(2_500, seed=12)
    frame["notes"] = frame["notes"].astype("string")
    frame.loc[frame.index < 1_200, "notes"] = None  # only nulls in the first parts
    frame["source_scale"] = pd.Series(["National", "Local"] * 1_250, dtype="string")  # a source's own column
    frame["interaction"] = pd.Series(range(2_500), dtype="Int64") % 7
    burkina = dataset_from_incidents(frame, name="burkina", title="Burkina Faso (test)")
    with PostgisCatalog(postgis_url) as catalog:
        version = catalog.save(burkina)
        whole = catalog.load("burkina")
        with catalog.load_in_parts("burkina", rows=400) as stored:
            sizes = [len(part) for part in stored.incidents]
        assert sum(sizes) == 2_500 and len(sizes) >= 5 and max(sizes) < 400 + 100, sizes  # a day is not split
        parts = catalog.load_in_parts
        catalog.load_in_parts = lambda name: parts(name, rows=400)  # type: ignore[method-assign]
        copy = load_through_snapshot(catalog, "burkina", tmp_path / "parts")
    whole_copy = read_dataset(tmp_path / "whole") if write_dataset(whole, tmp_path / "whole") else None
    assert copy.version == version and copy.name == "burkina" and copy.title == "Burkina Faso (test)"
    assert list(copy.incidents.columns) == list(whole.incidents.columns)
    assert copy.incidents.dtypes.to_dict() == whole_copy.incidents.dtypes.to_dict()  # as a whole copy reads
    assert cells(copy.incidents) == cells(whole.incidents)
    assert copy.incidents["event_date"].is_monotonic_increasing
    assert copy.incidents["interaction"].tolist() == whole.incidents["interaction"].tolist()
    for table in ("displacement", "places", "highways", "flows"):
        assert cells(getattr(copy, table)) == cells(getattr(whole, table)), table


def test_an_import_into_the_database_prepares_the_apps_snapshot_and_a_reimport_reads_it(postgis_url, tmp_path,  # noqa: F811
                                                                                        monkeypatch):
    """The app's first request after an import maps the new version (no copy from the database then), and a
    re-import merges with the mapped snapshot instead of reading the stored dataset whole."""
    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.snapshot import SNAPSHOTS, open_stored
    from geodata.ingest.pipeline import ingest_file
    from tests.dashboard.server.hostile_support import colombia_acled

    first, second = tmp_path / "antioquia.csv", tmp_path / "antioquia-more.csv"
    rows = colombia_acled(60, seed=3)
    rows.iloc[:40].to_csv(first, index=False)
    rows.iloc[40:].to_csv(second, index=False)
    with PostgisCatalog(postgis_url) as catalog:
        with contextlib.suppress(GeodataError):
            catalog.remove("antioquia")
        outcome = ingest_file(first, "acled", catalog, dataset="antioquia", report_root=tmp_path)
        assert (tmp_path / SNAPSHOTS / "antioquia" / outcome.version / "incidents.parquet").exists()
        with monkeypatch.context() as patched:
            for method in ("load", "load_in_parts"):
                patched.setattr(catalog, method, lambda *a, **k: pytest.fail("copied from the database on open"))
            served = open_stored(catalog, "antioquia", tmp_path)  # what the app's site does
        assert served.version == outcome.version and len(served.incidents) == 40

        with monkeypatch.context() as patched:  # the merge reads the snapshot; only the new version is copied
            patched.setattr(catalog, "load", lambda *a, **k: pytest.fail("the stored dataset read whole"))
            again = ingest_file(second, "acled", catalog, dataset="antioquia", report_root=tmp_path)
        assert again.version != outcome.version
        assert sorted(p.name for p in (tmp_path / SNAPSHOTS / "antioquia").iterdir()) == [".writing", again.version]
        assert len(catalog.load("antioquia").incidents) == 60
        assert len(open_stored(catalog, "antioquia", tmp_path).incidents) == 60
        catalog.remove("antioquia")


def test_a_dataset_copied_in_parts_leaves_the_catalog_answering_other_calls(postgis_url):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    from geodata.catalog.postgis import PostgisCatalog

    chad = dataset_from_incidents(sahel_incidents(1_200, seed=13), name="chad", title="Chad (test)")
    with PostgisCatalog(postgis_url) as catalog, ThreadPoolExecutor(1) as other:
        catalog.save(chad)
        with catalog.load_in_parts("chad", rows=300) as stored:
            parts = iter(stored.incidents)
            first = next(parts)
            # mid-copy, a worker's other requests still check names and versions
            assert "chad" in other.submit(catalog.names).result(timeout=10)
            assert other.submit(catalog.meta, "chad").result(timeout=10)["version"] == stored.meta["version"]
            assert len(first) + sum(len(p) for p in parts) == 1_200
        catalog.remove("chad")


def test_removing_a_database_dataset_from_the_command_line_deletes_its_local_snapshot(postgis_url, tmp_path,  # noqa: F811
                                                                                      monkeypatch, capsys):
    """An analyst who deletes a dataset expects its rows gone from the app's host too."""
    from urllib.parse import quote

    from psycopg.conninfo import conninfo_to_dict

    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.snapshot import SNAPSHOTS, open_stored
    from geodata.cli import main

    parts = conninfo_to_dict(postgis_url)
    url = (f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
           f"?options={quote(parts['options'])}")
    togo = dataset_from_incidents(sahel_incidents(400, seed=21), name="togo", title="Togo (test)")
    with PostgisCatalog(url) as catalog:
        catalog.save(togo)
        open_stored(catalog, "togo", tmp_path)
    assert (tmp_path / SNAPSHOTS / "togo").is_dir()
    monkeypatch.setenv("CONFLICT_MAP_DATABASE_URL", url)
    assert main(["--data", str(tmp_path), "remove", "togo"]) == 0
    assert "removed 'togo' and its local snapshot" in capsys.readouterr().out
    assert not (tmp_path / SNAPSHOTS / "togo").exists()
    with PostgisCatalog(url) as catalog:
        assert "togo" not in catalog.names()

