"""Fixtures of the export tests: a dataset of another country, imported for real."""
from __future__ import annotations

import pytest

from geodata import IncidentStore
from geodata.catalog import DataDirectory
from geodata.ingest import ingest_file
from tests.support import REPO


@pytest.fixture(scope="session")
def sudan(tmp_path_factory) -> IncidentStore:
    """ACLED's Sudan sample imported into a fresh data folder (every ACLED field kept)."""
    root = tmp_path_factory.mktemp("sudan")
    catalog = DataDirectory(root / "data")
    ingest_file(REPO / "tests" / "data" / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan",
                report_root=root)
    return IncidentStore(catalog.load("sudan"))
