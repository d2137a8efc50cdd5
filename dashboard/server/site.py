"""The whole site: the default dataset at ``/``, every stored dataset at ``/datasets/<name>/``,
and the import page at ``/import/``.

Each dataset gets its own Dash app (its own store, callbacks and links), so
switching datasets is following a link, and a shared link names the dataset
in its path.

Consistency between workers. Every stored dataset's app is built when the
site is made (up to ``CONFLICT_MAP_PRELOAD_DATASETS``; gunicorn makes it
before forking, and each worker re-checks the versions after the fork), and
built apps are warmed (Dash's first-request set-up run once, before any
request), so parallel first requests never meet a half-set-up app. Every
request to a dataset checks its version first: a ``stat`` of the stored
folder's description (cheap enough for every request), or for a catalog
without files (PostGIS) its version at most every
``CONFLICT_MAP_VERSION_CHECK_MS``. A stale app is rebuilt before it answers,
so after a re-import every worker answers from the new version; one dataset's rebuild keeps only that
dataset's requests waiting.

Authentication runs first, on every path, before any dataset is looked up
or loaded: a stranger gets the same 401 for a real and a made-up name.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass

from dash import Dash
from werkzeug.wrappers import Response

from dashboard.app import create_app
from dashboard.config import Config
from dashboard.server.auth import refusal
from dashboard.server.headers import ERROR_HEADERS
from dashboard.server.heap import refreeze
from dashboard.views.datasets import DATASETS_KEY
from geodata import IncidentStore
from geodata.catalog import open_catalog
from geodata.catalog.protocol import NAME_PATTERN, is_valid_name
from geodata.catalog.snapshot import open_stored, remove_snapshots
from geodata.model.dataset import Dataset
from geodata.model.errors import GeodataError, UnreadableFileError

#: A dataset's URL: its name by the one naming rule (``geodata.catalog.protocol.check_name``; reserved names 404).
DATASET_PATH = re.compile(rf"^/datasets/({NAME_PATTERN})(/.*)?$")
#: The stored dataset's description, whose stat tells a re-import (the folder is swapped whole).
META_FILE = "dataset.json"

log = logging.getLogger(__name__)


def warm(app: Dash) -> None:
    """Run Dash's once-per-app set-up now (what its first request would do, unsafely under parallel requests)."""
    with app.server.test_request_context(app.config.requests_pathname_prefix):
        app._setup_server()  # noqa: SLF001 (Dash's first-request hook; idempotent)


def _answer(status: int, text: str, extra: dict[str, str] | None = None) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    for name, value in ERROR_HEADERS:
        response.headers[name] = value
    response.headers.update(extra or {})
    return response


def _damage_text(name: str, exc: GeodataError) -> str:
    """The error page of a dataset that cannot be served: which of its files, and why (no server paths)."""
    if isinstance(exc, UnreadableFileError):
        file = os.path.basename(exc.file)
        cause = exc.cause.replace(os.path.dirname(exc.file) + os.sep, "")
        return f"Dataset {name!r} is damaged and cannot be shown: {file}: {cause}. Re-import it (see /import/)."
    return f"Cannot open dataset {name!r}; the server log has details."


@dataclass
class _Built:
    version: str
    tag: object  # what the cheap probe saw when the app was built (or last found current)
    app: Dash
    checked: float  # time.monotonic() of the last full version check


class Site:
    """A WSGI application dispatching by path to the default app, dataset apps and the import page."""

    def __init__(self, config: Config | None = None, *, default: Dash | None = None, catalog=None,
                 preload: bool = True):
        self.config = config or Config()
        self.catalog = catalog if catalog is not None else open_catalog(self.config.catalog)
        self.default = default or create_app(config=self.config)
        self.default.server.config[DATASETS_KEY] = self.dataset_titles  # the Dataset control's list
        from dashboard.server.upload import create_import_app

        self.importer = create_import_app(self.catalog, self.config)
        self._apps: dict[str, _Built] = {}
        self._lock = threading.Lock()  # guards _apps and _building
        self._building: dict[str, threading.Lock] = {}  # one per dataset: its check and rebuild
        warm(self.default)
        warm(self.importer)
        if preload:
            self.preload()

    def dataset_titles(self) -> list[tuple[str, str]]:
        """Every stored dataset's name and title (the Dataset control lists them; dashboard.views.datasets)."""
        return [(name, str(self.catalog.meta(name).get("title") or name)) for name in self.catalog.names()]

    @property
    def server(self):
        """The default app's Flask server (what tests and tools that want one Flask app use)."""
        return self.default.server

    def preload(self) -> list[str]:
        """Build (or bring up to date) the apps of the stored datasets, at most ``preload_datasets``; their names."""
        try:
            names = self.catalog.names()
        except GeodataError as exc:
            log.error("cannot list the stored datasets: %s", exc)
            return []
        limit = self.config.preload_datasets
        if len(names) > limit:
            log.warning("%d stored datasets; built the apps of the first %d at start, the other %d are built on "
                        "first visit (CONFLICT_MAP_PRELOAD_DATASETS)", len(names), limit, len(names) - limit)
        built = []
        for name in names[:limit]:
            try:
                if self.dataset_app(name) is not None:
                    built.append(name)
            except GeodataError as exc:  # one damaged dataset must not stop the site
                log.error("dataset %r not served: %s", name, exc)
        return built

    def start_warm_ups(self) -> None:
        """Start the background warm-up of the default app and of every app built so far, in this process
        (:func:`dashboard.app.start_warm_up`): a gunicorn worker after its fork, a server before it listens."""
        from dashboard.app import start_warm_up

        with self._lock:
            apps = [self.default, *(built.app for built in self._apps.values())]
        for app in apps:
            start_warm_up(app)

    def warm_up_now(self) -> int:
        """Build the warm-up tables of the default app and of every app built so far, in this thread
        (:func:`dashboard.app.warm_up_now`: gunicorn's master, before it forks); the number of tables."""
        from dashboard.app import warm_up_now

        with self._lock:
            apps = [self.default, *(built.app for built in self._apps.values())]
        return sum(len(warm_up_now(app)) for app in apps)

    def _tag(self, name: str) -> object | None:
        """What changes when the dataset is re-imported, read cheaply (a stat), or None if it cannot be."""
        path = getattr(self.catalog, "path", None)
        if path is None:
            return None
        try:
            st = os.stat(path(name) / META_FILE)
        except (OSError, GeodataError):
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _damaged(self, name: str) -> bool:
        damage = getattr(self.catalog, "damage", None)
        try:
            return damage is not None and damage(name) is not None
        except (OSError, GeodataError):
            return True

    def dataset_app(self, name: str) -> Dash | None:
        """The up-to-date app of a stored dataset (built or rebuilt if need be); None if there is no such dataset."""
        tag = self._tag(name)
        built = self._apps.get(name)
        if built is not None and not self._damaged(name):
            if tag is not None and tag == built.tag:
                return built.app
            interval = self.config.version_check_ms / 1000
            if tag is None and getattr(self.catalog, "path", None) is None \
                    and time.monotonic() - built.checked < interval:
                return built.app
        del built  # not held while it may be replaced: a replaced app must be collectable (heap.refreeze)
        with self._lock:
            building = self._building.setdefault(name, threading.Lock())
        with building:  # one dataset's rebuild (a snapshot copied, a store built) keeps only its own visitors waiting
            return self._current(name, self._tag(name))

    def _current(self, name: str, tag: object | None) -> Dash | None:
        # Under the dataset's lock: a full check against the catalog, and a rebuild if the version moved.
        built = self._apps.get(name)
        if name not in self.catalog.names():
            with self._lock:
                gone = self._apps.pop(name, None)
            if gone is not None:  # removed (perhaps from another host): its local copy goes too
                remove_snapshots(name, self.config.catalog.data_dir)
            return None
        version = str(self.catalog.meta(name).get("version", ""))
        if built is not None and built.version == version and not self._damaged(name):
            built.tag, built.checked = tag, time.monotonic()
            return built.app
        store = IncidentStore(self._load(name))
        stored = self.catalog.boundaries()  # imported with `geodata import --format boundaries`
        app = create_app(store, config=self.config, url_base_pathname=f"/datasets/{name}/",
                         boundaries=stored if len(stored) else None)
        app.server.config[DATASETS_KEY] = self.dataset_titles
        warm(app)
        with self._lock:
            self._apps[name] = _Built(version, tag, app, time.monotonic())
        if built is not None:
            log.info("dataset %r: version %s replaces %s in process %d", name, version, built.version, os.getpid())
            del built
            refreeze()  # the old app collectable, the new one out of the collector's way
        return app

    def _load(self, name: str) -> Dataset:
        """A stored dataset; a database catalog's through a local snapshot per version (mapped, shared by
        the workers: :mod:`geodata.catalog.snapshot`), a Parquet catalog's as it is (it is one already)."""
        return open_stored(self.catalog, name, self.config.catalog.data_dir)

    def __call__(self, environ, start_response):
        refused = refusal(environ, self.config)
        if refused is not None:
            return _answer(401, refused[0], refused[1])(environ, start_response)
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/import/") or path == "/import":
            return self.importer.server(environ, start_response)
        if path == "/datasets" or path.startswith("/datasets/"):
            match = DATASET_PATH.match(path)
            if match is None or not is_valid_name(match.group(1)):
                return _answer(404, "No such dataset. See /import/ to add one.")(environ, start_response)
            name = match.group(1)
            try:
                app = self.dataset_app(name)
            except GeodataError as exc:
                # The full path and traceback are for the operator's log; the client learns which file.
                log.exception("cannot open dataset %r", name)
                return _answer(500, _damage_text(name, exc))(environ, start_response)
            if app is None:
                return _answer(404, f"No dataset named {name!r}. See /import/ to add one.")(environ, start_response)
            return app.server(environ, start_response)
        return self.default.server(environ, start_response)
