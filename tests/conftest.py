"""Shared fixtures: the shipped scenario, loaded once per test session."""
from __future__ import annotations

import pytest

from geodata import IncidentStore, load_dataset


@pytest.fixture(scope="session")
def scenario():
    return load_dataset()


@pytest.fixture(scope="session")
def store(scenario):
    return IncidentStore(scenario)
