"""A PostGIS dataset is served from a local snapshot written once per version (mapped after)."""
from __future__ import annotations

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
        assert first.version == version
        assert (tmp_path / "mali" / version / "incidents.parquet").exists()
        assert cells(first.incidents) == cells(catalog.load("mali").incidents)

        # Every later open (a restart, another worker) maps the snapshot: no rows read from the database.
        with monkeypatch.context() as patched:
            patched.setattr(catalog, "load", lambda name: pytest.fail("read from the database again"))
            again = load_through_snapshot(catalog, "mali", tmp_path)
        assert again.version == version and cells(again.incidents) == cells(first.incidents)

        # A new version: read once more, a new snapshot, the old one gone.
        newer = dataset_from_incidents(sahel_incidents(2_000, seed=5), name="mali", title="Mali (test)")
        second = catalog.save(newer)
        assert second != version
        updated = load_through_snapshot(catalog, "mali", tmp_path)
        assert updated.version == second and len(updated.incidents) == 2_000
        assert sorted(p.name for p in (tmp_path / "mali").iterdir()) == [second]

        # A damaged snapshot is written again from the database, not served.
        (tmp_path / "mali" / second / "incidents.parquet").write_bytes(b"not parquet")
        repaired = load_through_snapshot(catalog, "mali", tmp_path)
        assert cells(repaired.incidents) == cells(updated.incidents)
