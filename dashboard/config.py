"""Configuration from environment variables, read once at start-up, never from requests.

:class:`Config` is the one place every ``CONFLICT_MAP_*`` variable is read
(the storage section through :class:`geodata.catalog.CatalogSettings`, which
the Dash-free command line ``python -m geodata`` reads on its own):

| variable | meaning | default |
|---|---|---|
| ``CONFLICT_MAP_DATASET`` | dataset folder (stored Parquet or canonical CSV) | the shipped scenario |
| ``CONFLICT_MAP_DATA`` | where imported datasets and import reports are stored | ``data/`` beside ``app.py`` |
| ``CONFLICT_MAP_DATABASE_URL`` | ``postgresql://...``: store datasets in PostGIS instead | unset |
| ``CONFLICT_MAP_HOST`` / ``CONFLICT_MAP_PORT`` | where ``python app.py`` listens | 127.0.0.1 / 8050 |
| ``CONFLICT_MAP_MAX_REQUEST_BYTES`` | largest request body accepted (413 above) | 2,000,000 |
| ``CONFLICT_MAP_POINT_BUDGET`` | most raw points the map receives | 50,000 |
| ``CONFLICT_MAP_AUTH`` | ``none``, ``basic`` or ``header`` | none |
| ``CONFLICT_MAP_USER`` / ``CONFLICT_MAP_PASSWORD`` | credentials for ``basic`` | - |
| ``CONFLICT_MAP_AUTH_HEADER`` | header a trusted reverse proxy sets for ``header`` | X-Remote-User |
| ``CONFLICT_MAP_TRUSTED_PROXIES`` | ``header``: proxy addresses (CIDR list) whose user header is believed | loopback |
| ``CONFLICT_MAP_PROXY_SECRET`` | ``header``: secret the proxy sends (``X-Conflict-Map-Proxy-Secret``) | unset |
| ``CONFLICT_MAP_PUBLIC_URL`` | public address: base of every shared and export link (else relative, said) | unset |
| ``CONFLICT_MAP_BODY_TIMEOUT`` | seconds a client may pause while sending a request body (then 408) | 10 |
| ``CONFLICT_MAP_EXPORT_QUEUE`` | exports waiting for the renderer per process (more: "busy, try again") | 3 |
| ``CONFLICT_MAP_PRELOAD_DATASETS`` | stored datasets whose apps are built at start (more: built on first visit) | 20 |
| ``CONFLICT_MAP_VERSION_CHECK_MS`` | how often a version without a file (PostGIS) is re-read | 200 |
| ``CONFLICT_MAP_WARM_UP`` | ``0``: no background build of filter indexes and map tables after the first page | on |
| ``CONFLICT_MAP_DEBUG`` | ``1`` for Dash's debug mode (never in production) | off |
| ``CONFLICT_MAP_BOUNDARIES`` | admin boundaries: a file, a folder of admin 1-3 layers, or paths joined by : | none |
| ``CONFLICT_MAP_MBTILES`` | an MBTiles file for the "local tiles" basemap | none |
| ``CONFLICT_MAP_CONTROL_AREAS`` | areas of control by date (GeoJSON/GPKG, date and holder columns) | none |
| ``CONFLICT_MAP_MAX_INFLIGHT`` | callback requests computed at once per process (0: no limit) | 2 |
| ``CONFLICT_MAP_MAX_QUEUED`` | callback requests waiting for a slot per process (more: 503 at once) | 16 |
| ``CONFLICT_MAP_QUEUE_TARGET_MS`` | when the shortest recent wait exceeds this, 503 at once (0: off) | 50 |
| ``CONFLICT_MAP_QUEUE_WAIT_MS`` | longest wait in that queue before a 503 (a safety net) | 10000 |
| ``CONFLICT_MAP_CACHE`` | result cache: ``memory`` (per process), ``off``, or ``redis://host:port/db`` | memory |
| ``CONFLICT_MAP_CACHE_MB`` | size of the ``memory`` cache, per app and process | 64 |
| ``CONFLICT_MAP_CHROMIUM`` | the Chromium for briefings (read by the renderer, which the CLI shares) | found |
| ``CONFLICT_MAP_BIND`` | gunicorn: where to listen | 127.0.0.1:8050 |
| ``CONFLICT_MAP_WORKERS`` | gunicorn: worker processes | min(4, cores) |
| ``CONFLICT_MAP_THREADS`` | gunicorn: threads per worker | in-flight + queued + exports + 2 |
| ``CONFLICT_MAP_TIMEOUT`` | gunicorn: seconds before a hung worker is replaced | 60 |
| ``CONFLICT_MAP_SWITCH_INTERVAL_MS`` | gunicorn workers' GIL switch interval (ms) | 1 |

Tests read ``CONFLICT_MAP_TEST_DATABASE_URL`` and ``CONFLICT_MAP_TEST_REDIS_URL``
(set by ``make test``); the app never does.
"""
from __future__ import annotations

import ipaddress
import multiprocessing
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dashboard.server.cache import DEFAULT_MEMORY_MB, display_url, parse_redis_url
from geodata.catalog import CatalogSettings
from geodata.model.errors import GeodataError
from geodata.query.budget import DEFAULT_POINT_BUDGET


class ConfigError(ValueError):
    """A configuration value is malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value >= minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, got {raw}")
    return value


def _catalog(env: Mapping[str, str]) -> CatalogSettings:
    try:
        return CatalogSettings.from_env(env)
    except GeodataError as error:
        raise ConfigError(str(error)) from None


def _cache(env: Mapping[str, str]) -> str:
    raw = env.get("CONFLICT_MAP_CACHE", "").strip()
    if raw.lower() in ("", "memory", "off"):
        return raw.lower() or "memory"
    problem = parse_redis_url(raw)
    if problem:
        raise ConfigError(f"CONFLICT_MAP_CACHE must be memory, off or a redis://host:port/db URL, "
                          f"got {display_url(raw)!r} ({problem})")
    return raw


def _networks(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("CONFLICT_MAP_TRUSTED_PROXIES")
    if raw is None:
        return LOOPBACK
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"CONFLICT_MAP_TRUSTED_PROXIES: {part!r} is not an address or CIDR network") from None
    return tuple(networks)


def _public_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("CONFLICT_MAP_PUBLIC_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"CONFLICT_MAP_PUBLIC_URL must be an http(s) URL without query, got {raw[:80]!r}")
    return raw.rstrip("/")


#: Who may set the header of ``CONFLICT_MAP_AUTH=header`` by default: a proxy on this machine.
LOOPBACK = ("127.0.0.1/32", "::1/128")


@dataclass(frozen=True)
class Config:
    """Every setting of the app and its gunicorn deployment (defaults: a local, single-user app)."""

    dataset: str | None = None
    catalog: CatalogSettings = field(default_factory=lambda: CatalogSettings.from_env({}))
    host: str = "127.0.0.1"
    port: int = 8050
    max_request_bytes: int = 2_000_000
    point_budget: int = DEFAULT_POINT_BUDGET
    auth: str = "none"
    user: str | None = None
    password: str | None = None
    auth_header: str = "X-Remote-User"
    trusted_proxies: tuple[str, ...] = LOOPBACK
    proxy_secret: str | None = None
    public_url: str | None = None
    body_timeout: int = 10
    export_queue: int = 3
    preload_datasets: int = 20
    version_check_ms: int = 200
    debug: bool = False
    warm_up: bool = True  # build filter indexes and map tables in the background once the first page is served
    boundaries: str | None = None
    mbtiles: str | None = None
    control_areas: str | None = None
    max_inflight: int = 2
    max_queued: int = 16
    queue_wait_ms: int = 10_000
    queue_target_ms: int = 50
    cache: str = "memory"
    cache_mb: int = DEFAULT_MEMORY_MB
    bind: str = "127.0.0.1:8050"
    workers: int = 0  # 0: min(4, cores)
    threads: int = 0  # 0: enough for the in-flight slots, the queue and two more
    timeout: int = 60
    switch_interval_ms: float = 1.0

    @property
    def gunicorn_workers(self) -> int:
        return self.workers or min(4, multiprocessing.cpu_count())

    @property
    def gunicorn_threads(self) -> int:
        """Enough threads for the in-flight slots, the bounded queue, the export lanes (a briefing rendering,
        its queue waiting, and one playback beside them) and two more, so that a surplus request reaches the
        app at once and gets its quick 503 or "busy" (see ``gunicorn.conf.py``)."""
        if self.threads:
            return self.threads
        exports = 2 + self.export_queue  # the export lanes' threads (their own bounds, not the callback slots)
        return (self.max_inflight + self.max_queued + 2 + exports) if self.max_inflight else 8 + exports

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read the ``CONFLICT_MAP_*`` variables; raise :class:`ConfigError` on a malformed one."""
        env = os.environ if env is None else env
        auth = env.get("CONFLICT_MAP_AUTH", "none").strip().lower() or "none"
        if auth not in ("none", "basic", "header"):
            raise ConfigError(f"CONFLICT_MAP_AUTH must be none, basic or header, got {auth!r}")
        user, password = env.get("CONFLICT_MAP_USER") or None, env.get("CONFLICT_MAP_PASSWORD") or None
        if auth == "basic" and not (user and password):
            raise ConfigError("CONFLICT_MAP_AUTH=basic needs CONFLICT_MAP_USER and CONFLICT_MAP_PASSWORD")
        if auth == "header" and not (_networks(env) or env.get("CONFLICT_MAP_PROXY_SECRET")):
            raise ConfigError("CONFLICT_MAP_AUTH=header needs CONFLICT_MAP_TRUSTED_PROXIES (the proxy's addresses) "
                              "or CONFLICT_MAP_PROXY_SECRET (a secret the proxy sends)")
        return cls(
            dataset=env.get("CONFLICT_MAP_DATASET") or None,
            catalog=_catalog(env),
            host=env.get("CONFLICT_MAP_HOST", "127.0.0.1"),
            port=_int(env, "CONFLICT_MAP_PORT", 8050, 1),
            max_request_bytes=_int(env, "CONFLICT_MAP_MAX_REQUEST_BYTES", 2_000_000, 10_000),
            point_budget=_int(env, "CONFLICT_MAP_POINT_BUDGET", DEFAULT_POINT_BUDGET, 100),
            auth=auth, user=user, password=password,
            auth_header=env.get("CONFLICT_MAP_AUTH_HEADER", "X-Remote-User"),
            trusted_proxies=_networks(env),
            proxy_secret=env.get("CONFLICT_MAP_PROXY_SECRET") or None,
            public_url=_public_url(env),
            body_timeout=_int(env, "CONFLICT_MAP_BODY_TIMEOUT", 10, 1),
            export_queue=_int(env, "CONFLICT_MAP_EXPORT_QUEUE", 3, 0),
            preload_datasets=_int(env, "CONFLICT_MAP_PRELOAD_DATASETS", 20, 0),
            version_check_ms=_int(env, "CONFLICT_MAP_VERSION_CHECK_MS", 200, 0),
            debug=env.get("CONFLICT_MAP_DEBUG", "") == "1",
            warm_up=env.get("CONFLICT_MAP_WARM_UP", "1").strip() != "0",
            boundaries=env.get("CONFLICT_MAP_BOUNDARIES") or None,
            mbtiles=env.get("CONFLICT_MAP_MBTILES") or None,
            control_areas=env.get("CONFLICT_MAP_CONTROL_AREAS") or None,
            max_inflight=_int(env, "CONFLICT_MAP_MAX_INFLIGHT", 2, 0),
            max_queued=_int(env, "CONFLICT_MAP_MAX_QUEUED", 16, 0),
            queue_wait_ms=_int(env, "CONFLICT_MAP_QUEUE_WAIT_MS", 10_000, 0),
            queue_target_ms=_int(env, "CONFLICT_MAP_QUEUE_TARGET_MS", 50, 0),
            cache=_cache(env),
            cache_mb=_int(env, "CONFLICT_MAP_CACHE_MB", DEFAULT_MEMORY_MB, 1),
            bind=env.get("CONFLICT_MAP_BIND", "").strip() or "127.0.0.1:8050",
            workers=_int(env, "CONFLICT_MAP_WORKERS", 0, 0),
            threads=_int(env, "CONFLICT_MAP_THREADS", 0, 0),
            timeout=_int(env, "CONFLICT_MAP_TIMEOUT", 60, 1),
            switch_interval_ms=_float(env, "CONFLICT_MAP_SWITCH_INTERVAL_MS", 1.0, 0.01),
        )
