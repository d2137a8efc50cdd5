"""The catalog protocol both stores satisfy, the settings read in one place, and the one vocabulary of formats."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

import geodata
from geodata.catalog import Catalog, CatalogSettings, open_catalog
from geodata.catalog.parquet import DataDirectory
from geodata.catalog.settings import resolve_settings
from geodata.cli import parser
from geodata.ingest import FORMATS, read_source, reports_root
from geodata.model.errors import GeodataError

GEODATA = Path(geodata.__file__).parent
URL = "postgresql://analyst:pw@db.example.org:5433/conflicts"


class Partial:
    """A store that forgot its boundaries."""

    def names(self) -> list[str]:
        return []


# -- the protocol ----------------------------------------------------------------------------------

def test_both_stores_are_catalogs_at_run_time(tmp_path):
    assert isinstance(DataDirectory(tmp_path), Catalog)
    assert not isinstance(Partial(), Catalog)
    pytest.importorskip("psycopg")
    from geodata.catalog.postgis import PostgisCatalog

    assert isinstance(PostgisCatalog(URL), Catalog)  # nothing connects until the first call


@pytest.mark.slow
def test_both_stores_are_catalogs_to_mypy(tmp_path_factory, pytestconfig):
    api = pytest.importorskip("mypy.api")
    pytest.importorskip("psycopg")
    cached = getattr(pytestconfig, "cache", None)  # absent with -p no:cacheprovider: a cold run, ~10 s
    cache = cached.mkdir("mypy") if cached is not None else tmp_path_factory.mktemp("mypy")
    snippet = tmp_path_factory.mktemp("typing") / "stores.py"
    snippet.write_text(
        "from geodata.catalog import Catalog\n"
        "from geodata.catalog.parquet import DataDirectory\n"
        "from geodata.catalog.postgis import PostgisCatalog\n"
        "\n"
        "class Partial:\n"
        "    def names(self) -> list[str]:\n"
        "        return []\n"
        "\n"
        "parquet: Catalog = DataDirectory('data')\n"
        f"postgis: Catalog = PostgisCatalog({URL!r})\n"
        "partial: Catalog = Partial()\n", encoding="utf-8")
    out, err, status = api.run(["--follow-imports=silent", "--ignore-missing-imports", "--config-file", "",
                                "--cache-dir", str(cache), str(snippet)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1 and len(errors) == 1, out + err  # only the partial store is refused
    assert "stores.py:11:" in errors[0] and '"Partial"' in errors[0] and '"Catalog"' in errors[0]


def test_every_protocol_method_states_its_guarantee():
    methods = [name for name in vars(Catalog) if not name.startswith("_")]
    assert set(methods) >= {"names", "save", "load", "meta", "remove", "save_boundaries", "boundaries"}
    for name in methods:
        assert (getattr(Catalog, name).__doc__ or "").strip(), name


# -- settings --------------------------------------------------------------------------------------

def test_settings_from_the_environment(tmp_path):
    settings = CatalogSettings.from_env({"CONFLICT_MAP_DATA": str(tmp_path), "CONFLICT_MAP_DATABASE_URL": ""})
    assert settings == CatalogSettings(data_dir=tmp_path, database_url=None)
    assert CatalogSettings.from_env({}).data_dir.name == "data"  # beside app.py in a source checkout
    assert CatalogSettings.from_env({"CONFLICT_MAP_DATABASE_URL": URL}).database_url == URL
    assert CatalogSettings(data_dir="~/x").data_dir == Path("~/x").expanduser()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.data_dir = Path("elsewhere")  # type: ignore[misc]
    with pytest.raises(GeodataError, match="CONFLICT_MAP_DATABASE_URL must start with postgresql://"):
        CatalogSettings(data_dir=tmp_path, database_url="mysql://root:pw@db/x")


def test_open_catalog_takes_settings_and_what_callers_passed_before(tmp_path):
    catalog = open_catalog(CatalogSettings(data_dir=tmp_path))
    assert isinstance(catalog, DataDirectory) and catalog.root == tmp_path
    settings = CatalogSettings(data_dir=tmp_path / "other")
    assert resolve_settings(SimpleNamespace(catalog=settings)) is settings  # a config holding settings
    assert resolve_settings(SimpleNamespace(data_dir=tmp_path, database_url=None)).data_dir == tmp_path
    assert resolve_settings(SimpleNamespace(data_dir=None, database_url=None)).data_dir.name == "data"


def test_reports_go_to_the_store_folder_or_the_settings_data_folder(tmp_path, monkeypatch):
    assert reports_root(DataDirectory(tmp_path / "store"), CatalogSettings(data_dir=tmp_path)) == tmp_path / "store"
    database = SimpleNamespace()  # a store without a folder, as PostGIS
    assert reports_root(database, CatalogSettings(data_dir=tmp_path / "reports")) == tmp_path / "reports"
    monkeypatch.setenv("CONFLICT_MAP_DATA", str(tmp_path / "env"))
    assert reports_root(database) == tmp_path / "env"


def test_only_the_settings_module_reads_the_environment():
    readers = sorted(str(p.relative_to(GEODATA)) for p in GEODATA.rglob("*.py") if "os.environ" in p.read_text("utf-8"))
    # fetch.py reads XDG_CACHE_HOME, the desktop's cache folder, not a setting of this project
    assert readers == ["catalog/settings.py", "ingest/fetch.py"]


# -- formats ---------------------------------------------------------------------------------------

def test_one_vocabulary_of_formats():
    assert FORMATS == ("acled", "ucdp", "hxl", "csv", "hnap", "boundaries")
    assert geodata.FORMATS is FORMATS
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert tuple(next(a for a in commands["import"]._actions if a.dest == "format").choices) == FORMATS


def test_the_dispatcher_refuses_what_it_cannot_read(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(GeodataError, match="unknown format 'generic'; choose one of acled, ucdp, hxl, csv"):
        read_source(path, "generic")
    with pytest.raises(GeodataError, match="needs a column mapping"):
        read_source(path, "csv")
    assert geodata.detect_format(path) == "csv"
