"""Shared fixtures: the shipped scenario, loaded once per test session, boundaries, and a live server.

Fixtures live here rather than in more conftest.py files: the browser tests import helpers from theirs
(``from conftest import ...``), which only works while it is the one module named ``conftest``
(this one is ``tests.conftest``).
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from geodata import IncidentStore, load_dataset
from tests.support import shared_data


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


@pytest.fixture(scope="session")
def adm3():
    """The real COD-AB adm3 boundaries, normalised and validated (for the reader tests)."""
    from geodata import import_file

    return import_file(shared_data("data", "boundaries", "syr_adm3_ocha_cod_v02.geojson")).frame


@pytest.fixture(scope="session")
def serve():
    """``serve(wsgi_app) -> base URL``: the app on a free port of 127.0.0.1, answered by threads.

    One way to run a real server in every suite. Session-scoped so that session- and module-scoped
    fixtures can use it too; the servers it started are shut down when the session ends.
    """
    servers = []

    def start(wsgi_app) -> str:
        server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        # A short poll: shutdown() waits for it, and 0.5 s (the default) per server adds up.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
