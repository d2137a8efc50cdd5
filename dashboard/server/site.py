"""The whole site: the default dataset at ``/``, every stored dataset at ``/datasets/<name>/``,
and the import page at ``/import/``.

Each dataset gets its own Dash app (its own store, callbacks and links), so
switching datasets is following a link, and a shared link names the dataset
in its path. Dataset apps are built on first visit and rebuilt when the
dataset's version changes (a re-import), so a running server picks up new
imports without a restart.
"""
from __future__ import annotations

import re
import threading

from dash import Dash
from werkzeug.wrappers import Response

from dashboard.app import create_app
from dashboard.config import Config
from geodata import IncidentStore
from geodata.catalog import open_catalog
from geodata.model.errors import GeodataError

DATASET_PATH = re.compile(r"^/datasets/([A-Za-z0-9][A-Za-z0-9._-]{0,99})(/.*)?$")


class Site:
    """A WSGI application dispatching by path to the default app, dataset apps and the import page."""

    def __init__(self, config: Config | None = None, *, default: Dash | None = None, catalog=None):
        self.config = config or Config()
        self.catalog = catalog if catalog is not None else open_catalog(self.config.catalog)
        self.default = default or create_app(config=self.config)
        from dashboard.server.upload import create_import_app

        self.importer = create_import_app(self.catalog, self.config)
        self._apps: dict[str, tuple[str, Dash]] = {}
        self._lock = threading.Lock()

    @property
    def server(self):
        """The default app's Flask server (what tests and tools that want one Flask app use)."""
        return self.default.server

    def dataset_app(self, name: str, *, check_version: bool) -> Dash | None:
        """The app of a stored dataset, built if new or re-imported; None if there is no such dataset."""
        with self._lock:
            cached = self._apps.get(name)
            if cached is not None and not check_version:
                return cached[1]
            try:
                if name not in self.catalog.names():
                    return None
                version = str(self.catalog.meta(name).get("version", ""))
            except GeodataError:
                return cached[1] if cached else None
            if cached is not None and cached[0] == version:
                return cached[1]
            store = IncidentStore(self.catalog.load(name))
            stored = self.catalog.boundaries()  # imported with `geodata import --format boundaries`
            app = create_app(store, config=self.config, url_base_pathname=f"/datasets/{name}/",
                             boundaries=stored if len(stored) else None)
            self._apps[name] = (version, app)
            return app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/import/") or path == "/import":
            return self.importer.server(environ, start_response)
        match = DATASET_PATH.match(path)
        if match:
            page_load = (match.group(2) or "/") == "/"
            try:
                app = self.dataset_app(match.group(1), check_version=page_load)
            except GeodataError as exc:
                return Response(f"Cannot open dataset {match.group(1)!r}: {exc}", status=500,
                                mimetype="text/plain")(environ, start_response)
            if app is None:
                return Response(f"No dataset named {match.group(1)!r}. See /import/ to add one.", status=404,
                                mimetype="text/plain")(environ, start_response)
            return app.server(environ, start_response)
        return self.default.server(environ, start_response)
