"""The app starts its store's background warm-up after the first response, not before, and not at all
when ``CONFLICT_MAP_WARM_UP=0``."""
from __future__ import annotations

from dashboard.app import create_app
from dashboard.config import Config
from geodata.query import warmup
from tests.sahel_incidents import sahel_store


def test_the_first_response_starts_the_warm_up_once():
    store = sahel_store(2_000, seed=4)
    app = create_app(store)
    assert not warmup.started(store)  # building the app starts nothing
    response = app.server.test_client().get("/")
    assert response.status_code == 200
    response.close()
    assert warmup.started(store)


def test_the_setting_turns_it_off():
    assert Config.from_env({"CONFLICT_MAP_WARM_UP": "0"}).warm_up is False
    assert Config.from_env({}).warm_up is True
    store = sahel_store(2_000, seed=4)
    app = create_app(store, config=Config(warm_up=False))
    app.server.test_client().get("/").close()
    assert not warmup.started(store)
