"""The app starts its store's background warm-up when its process is about to serve (gunicorn's worker, the
server before it listens), else after the first response; and not at all when ``CONFLICT_MAP_WARM_UP=0``."""
from __future__ import annotations

from dashboard.app import create_app, start_warm_up
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


def test_a_process_about_to_serve_starts_it_before_any_request():
    store = sahel_store(2_000, seed=4)
    app = create_app(store)
    start_warm_up(app)  # what gunicorn's post_fork (Site.start_warm_ups) and app.py do
    assert warmup.started(store)


def test_the_setting_turns_it_off():
    assert Config.from_env({"CONFLICT_MAP_WARM_UP": "0"}).warm_up is False
    assert Config.from_env({}).warm_up is True
    store = sahel_store(2_000, seed=4)
    app = create_app(store, config=Config(warm_up=False))
    start_warm_up(app)
    app.server.test_client().get("/").close()
    assert not warmup.started(store)


def test_the_maps_warm_up_builds_the_opening_level_and_its_commonest_precisions_tables():
    from dataclasses import replace

    from dashboard.state.mapview import current_view, opening_view
    from dashboard.views.aggregates import cells_view, opening_cells, warm_up_steps
    from geodata import FilterState, IncidentStore
    from geodata.model.dataset import dataset_from_incidents
    from geodata.query.density import density_cells
    from geodata.query.pyramid import pyramid_of
    from tests.sahel_incidents import sahel_incidents

    frame = sahel_incidents(6_000, seed=9)
    frame.loc[frame.index % 5 == 0, "geo_precision"] = 2  # a fifth placed less precisely
    store = IncidentStore(dataset_from_incidents(frame, name="sahel", title="Mali (test)"))
    done = warmup.warm_up(store, warm_up_steps(store))
    first = [name for name, _ in warmup.first_page_steps(store)]
    assert done[:len(first) + 2] == [*first, "opening view's cells", "opening view's cells, commonest precision"]
    levels = list(pyramid_of(store.columns)._levels)
    assert any(len(key) == 2 for key in levels)  # the opening view's level
    assert any(key[2:3] == ("precision",) for key in levels)  # the other precisions' tables of that level
    warmed = opening_cells(store, (1,))
    view = cells_view(None, current_view(None, opening_view(store.dataset.view, store.extent)))
    state = replace(FilterState.default(store.date_range()), precision=(1,))
    binned = density_cells(store.columns, store.positions(state), view)  # from the rows themselves
    assert warmed.values.tolist() == binned.values.tolist() and warmed.incidents == binned.incidents


def test_warm_up_now_builds_the_tables_in_this_thread_and_a_forked_worker_inherits_them():
    import multiprocessing

    from dashboard.app import warm_up_now

    store = sahel_store(3_000, seed=6)
    app = create_app(store)
    assert "_day_sums" not in store.__dict__  # built on first use, or by the warm-up
    built = warm_up_now(app)  # what gunicorn's master does before it forks (Site.warm_up_now)
    assert "day sums" in built and "opening view's cells" in built
    assert {"_day_sums", "_type_days", "_type_day_sums"} <= set(store.__dict__)

    # A worker forked after it finds every table there, before it does anything.
    _FORKED["store"] = store  # inherited by the fork, as gunicorn's workers inherit the master's site
    with multiprocessing.get_context("fork").Pool(1) as pool:
        found = pool.apply(_tables_a_forked_worker_finds)
    assert found == (WARMED, True)
    assert warm_up_now(create_app(sahel_store(500, seed=1), config=Config(warm_up=False))) == []


_FORKED: dict = {}
#: Tables of the store the warm-up builds (lazy attributes, absent until built).
WARMED = ["_day_sums", "_estimates", "_row_keys", "_type_day_sums", "_type_days", "geonames"]


def _tables_a_forked_worker_finds() -> tuple[list[str], bool]:
    from geodata.query.pyramid import pyramid_of

    store = _FORKED["store"]
    present = sorted(set(WARMED) & set(store.__dict__))
    return present, bool(pyramid_of(store.columns)._levels)
