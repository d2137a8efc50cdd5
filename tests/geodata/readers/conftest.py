"""Fixtures for the reader tests: the real COD-AB adm3 boundaries, read once per session."""
from __future__ import annotations

import pytest
from readers_support import shared_data


@pytest.fixture(scope="session")
def adm3():
    """The real COD-AB adm3 boundaries, normalised and validated."""
    from geodata import import_file

    return import_file(shared_data("data", "boundaries", "syr_adm3_ocha_cod_v02.geojson")).frame
