"""Shared fixtures: the shipped scenario, loaded once per test session, and boundaries around it."""
from __future__ import annotations

import pytest

from geodata import IncidentStore, load_dataset


@pytest.fixture(scope="session")
def scenario():
    return load_dataset()


@pytest.fixture(scope="session")
def store(scenario):
    return IncidentStore(scenario)


@pytest.fixture(scope="session")
def squares():
    """Two level-1 'governorates' around the scenario (canonical boundary columns; one name with a tag)."""
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({
        "pcode": ["SY07", "SY02"], "name": ["Idleb", "Aleppo <b>"], "name_ar": ["إدلب", "حلب"],
        "admin_level": [1, 1], "parent_pcode": ["SY", "SY"],
    }, geometry=[shapely.box(36.2, 35.4, 36.95, 36.2), shapely.box(36.95, 35.9, 38.0, 36.6)], crs="EPSG:4326")
