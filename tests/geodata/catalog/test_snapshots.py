"""A PostGIS dataset is served from a local snapshot written once per version (mapped after)."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from geodata.catalog.snapshot import load_through_snapshot
from geodata.model.dataset import dataset_from_incidents
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
        read = catalog.load

        def load(name):
            with open(log, "a") as f:
                f.write("read\n")
            time.sleep(0.5)  # a slow read, so the other processes arrive while it is written
            return read(name)

        catalog.load = load  # type: ignore[method-assign]
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
