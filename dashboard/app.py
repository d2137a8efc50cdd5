"""The application factory: one Dash app over one store, with everything served locally."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import geopandas as gpd
from dash import Dash

from dashboard.callbacks import register_callbacks
from dashboard.config import Config
from dashboard.figures.basemap import ASSETS, COUNTRY_TILES_FILE
from dashboard.layout import build_layout
from dashboard.server.cache import install_cache
from dashboard.server.compression import compress_responses
from dashboard.server.mapsources import load_map_sources
from dashboard.server.security import install_security
from dashboard.server.tiles import register_outline_tiles
from dashboard.server.vendored import serve_vendored_scripts
from dashboard.views.aggregates import warm_up_steps
from geodata import DEFAULT_DATASET, IncidentStore
from geodata.catalog.parquet import open_dataset
from geodata.query import warmup

#: Dash's page with a language (screen readers pick their voice by it); otherwise Dash's own.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def create_app(store: IncidentStore | None = None, *, dataset: str | Path | None = None,
               config: Config | None = None, boundaries: gpd.GeoDataFrame | str | None = None,
               mbtiles: str | None = None, url_base_pathname: str = "/") -> Dash:
    """Build the app for ``store`` (or for a dataset folder, stored or CSV; by default the shipped scenario).

    Every script, stylesheet, font and glyph is served by the app itself:
    no CDN, no tile server, no outside request (unless the analyst picks the
    OpenStreetMap basemap). ``boundaries`` (a canonical GeoDataFrame or a
    file spec) and ``mbtiles`` (a path) default to the config's.
    ``url_base_pathname`` mounts the app under a path (``/datasets/<name>/``).
    """
    config = config or Config()
    if store is None:
        store = IncidentStore(open_dataset(dataset or config.dataset or DEFAULT_DATASET))
    app = Dash(
        __name__,
        title=html.escape(f"{store.dataset.title} · conflict-map"),  # Dash puts it in <title> as it is
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        external_scripts=[],
        external_stylesheets=[],
        url_base_pathname=url_base_pathname,
    )
    app.index_string = INDEX_STRING
    sources = load_map_sources(boundaries if boundaries is not None else config.boundaries,
                               mbtiles or config.mbtiles, config.control_areas)
    sources.register(app)
    register_outline_tiles(app.server, (app.config.routes_pathname_prefix or "/")
                           + app.config.assets_url_path.strip("/") + "/", COUNTRY_TILES_FILE)
    app.layout = build_layout(store, sources)
    register_callbacks(app, store, sources, config.point_budget)
    compress_responses(app.server)
    install_security(app, config)
    serve_vendored_scripts(app)
    install_cache(app, config)  # app.server.extensions["conflict_map_cache"], see dashboard/server/cache.py
    if config.warm_up:
        app.server.extensions[WARM_UP_KEY] = lambda: warmup.start_warm_up(store, warm_up_steps(store))
        app.server.extensions[WARM_UP_NOW_KEY] = lambda: warmup.warm_up(store, warm_up_steps(store))
        warm_up_after_first_response(app, store)
    return app


#: ``app.server.extensions`` key of the app's warm-up starter (absent when ``Config.warm_up`` is off).
WARM_UP_KEY = "conflict_map_warm_up"
#: ``app.server.extensions`` key of the same warm-up run to its end in the calling thread.
WARM_UP_NOW_KEY = "conflict_map_warm_up_now"


def warm_up_now(app: Dash) -> list[str]:
    """Build ``app``'s warm-up tables now, in this thread; the names built. Gunicorn's master calls it before
    it forks: every worker, and every worker started later in place of a recycled one, then begins with the
    tables built and shares their pages instead of building its own copy (at 10^7 incidents 3.9 CPU-s and
    ~400 MB per worker). Off with the setting."""
    run = app.server.extensions.get(WARM_UP_NOW_KEY)
    return run() if run is not None else []


def start_warm_up(app: Dash) -> None:
    """Start ``app``'s background warm-up (:mod:`geodata.query.warmup`) now, in this process: call it where a
    process is about to serve (a gunicorn worker after its fork, the server before it listens), so the
    first page's builds run while the browser loads its scripts. Once per process; off with the setting."""
    start = app.server.extensions.get(WARM_UP_KEY)
    if start is not None:
        start()


def warm_up_after_first_response(app: Dash, store: IncidentStore) -> None:
    """Start the store's background warm-up once a first response has been sent, in the process that sent
    it, when nothing started it before (an app built on a first visit, a server that did not call
    :func:`start_warm_up`); each gunicorn worker warms its own."""

    def start() -> None:
        warmup.start_warm_up(store, warm_up_steps(store))

    @app.server.after_request
    def _warm(response: Any) -> Any:
        if not warmup.started(store):
            response.call_on_close(start)
        return response
