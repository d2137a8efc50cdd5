"""Production serving: ``gunicorn -c gunicorn.conf.py app:server`` (settings from ``dashboard.config.Config``,
each overridable by its environment variable). The app is loaded once before forking (``preload_app``),
so every worker shares the dataset's memory pages instead of loading its own copy; callbacks keep no
per-process state, so any worker can answer any request.

Sizing for CPU-bound callbacks (they hold the GIL): one worker per core
computes in parallel, and each worker computes one callback at a time
(``CONFLICT_MAP_MAX_INFLIGHT`` defaults to 1 here, against 2 for the
single-process ``python app.py``, where a second one can use the other core
while numpy releases the GIL); see ``dashboard/server/security.py``. In the load
test (bench/load_test.py) one at a time gave a lower p95 at 20 and 50
requests/s than two. Every worker gets enough threads for that slot, for
its bounded queue of waiting callbacks, and two more, so that a surplus
request reaches the app at once and gets its quick ``503`` instead of
waiting unseen in gunicorn's own queue, and page and asset requests never
wait behind callbacks.

In production gunicorn sits behind the shipped nginx (``deploy/nginx/``,
``make proxy``): gunicorn's threads read request headers and bodies
themselves, so slow clients are nginx's to absorb; keep ``CONFLICT_MAP_BIND``
on loopback (the default) so nothing else reaches gunicorn.

Every stored dataset's app is built once in the master (``preload_app``), and
each worker checks their versions again right after the fork (:func:`post_fork`),
so no worker starts on an app built before a re-import. Their warm-up tables are built in the master too,
before the first fork (:func:`when_ready`), so the workers share them.
"""
import os
import sys
import time

from dashboard.config import Config, ConfigError

os.environ.setdefault("CONFLICT_MAP_MAX_INFLIGHT", "1")  # read by the app, loaded after this file
try:
    _config = Config.from_env()  # the same settings the app reads
except ConfigError as _error:  # one line naming the variable, no traceback (as app.py does)
    print(f"conflict-map cannot start: {_error}", file=sys.stderr)
    raise SystemExit(1) from None

bind = _config.bind
workers = _config.gunicorn_workers
threads = _config.gunicorn_threads
worker_class = "gthread"
timeout = _config.timeout  # a hung worker is replaced after this
graceful_timeout = 20
keepalive = 5
preload_app = True
max_requests = 5000  # recycle workers now and then (bounds any slow leak)
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"


def when_ready(server):
    # In the master, before the first fork: the warm-up tables built once and shared by every worker's pages
    # (copy-on-write), including the workers that replace recycled ones (max_requests), instead of one copy
    # per worker built after each fork. Connections wait in the listen backlog meanwhile.
    site = getattr(sys.modules.get("app"), "site", None)
    if site is not None:
        started = time.perf_counter()
        built = site.warm_up_now()
        server.log.info("warm-up: %d tables built in the master in %.1f s, shared by the workers", built,
                        time.perf_counter() - started)
        from dashboard.server.heap import freeze_long_lived

        server.log.info("%d long-lived objects frozen: out of the garbage collector's way, pages shared",
                        freeze_long_lived())


def post_fork(server, worker):  # noqa: ARG001 (gunicorn's hook signature)
    # A thread with a quick answer to give (a page, an asset, a 503) waits for the GIL behind the callbacks
    # being computed; a shorter switch interval (CPython's default: 5 ms) lets it through sooner.
    sys.setswitchinterval(_config.switch_interval_ms / 1000)
    site = getattr(sys.modules.get("app"), "site", None)  # the app module gunicorn preloaded (app:server)
    if site is not None:
        site.preload()  # rebuilds any dataset re-imported between the master's start and this fork
        site.start_warm_ups()  # this worker's own (threads do not survive a fork): the first page's builds first
