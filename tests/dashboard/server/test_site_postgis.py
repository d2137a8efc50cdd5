"""The site over a PostGIS catalog: datasets served through their local snapshots."""
from __future__ import annotations

from geodata.model.dataset import dataset_from_incidents
from tests.geodata.catalog.test_catalogs import pg, postgis_url  # noqa: F401 (fixtures)
from tests.sahel_incidents import sahel_incidents


def test_a_dataset_removed_from_the_database_elsewhere_leaves_the_site_with_its_snapshot_gone(postgis_url,  # noqa: F811
                                                                                              tmp_path):
    from werkzeug.test import Client

    from dashboard.config import Config
    from dashboard.server.site import Site
    from geodata.catalog import CatalogSettings
    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.snapshot import SNAPSHOTS

    benin = dataset_from_incidents(sahel_incidents(300, seed=22), name="benin", title="Benin (test)")
    with PostgisCatalog(postgis_url) as catalog, PostgisCatalog(postgis_url) as elsewhere:
        catalog.save(benin)
        config = Config(version_check_ms=0, catalog=CatalogSettings(data_dir=tmp_path))
        site = Site(config, catalog=catalog)
        web = Client(site)
        assert web.get("/datasets/benin/").status_code == 200
        assert (tmp_path / SNAPSHOTS / "benin").is_dir()
        elsewhere.remove("benin")  # another host's command line
        assert web.get("/datasets/benin/").status_code == 404
    assert not (tmp_path / SNAPSHOTS / "benin").exists()
