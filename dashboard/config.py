"""Configuration from environment variables, read once at start-up, never from requests.

| variable | meaning | default |
|---|---|---|
| ``CONFLICT_MAP_DATASET`` | dataset folder (stored Parquet or canonical CSV) | the shipped scenario |
| ``CONFLICT_MAP_HOST`` / ``CONFLICT_MAP_PORT`` | where ``python app.py`` listens | 127.0.0.1 / 8050 |
| ``CONFLICT_MAP_MAX_REQUEST_BYTES`` | largest request body accepted (413 above) | 2,000,000 |
| ``CONFLICT_MAP_POINT_BUDGET`` | most raw points the map receives | 50,000 |
| ``CONFLICT_MAP_AUTH`` | ``none``, ``basic`` or ``header`` | none |
| ``CONFLICT_MAP_USER`` / ``CONFLICT_MAP_PASSWORD`` | credentials for ``basic`` | - |
| ``CONFLICT_MAP_AUTH_HEADER`` | header a trusted reverse proxy sets for ``header`` | X-Remote-User |
| ``CONFLICT_MAP_DEBUG`` | ``1`` for Dash's debug mode (never in production) | off |
| ``CONFLICT_MAP_BOUNDARIES`` | admin boundaries: a file, a folder of admin 1-3 layers, or paths joined by ``:`` | none |
| ``CONFLICT_MAP_MBTILES`` | an MBTiles file for the "local tiles" basemap | none |
| ``CONFLICT_MAP_MAX_INFLIGHT`` | callback requests computed at once per process (0: no limit) | 2 |
| ``CONFLICT_MAP_MAX_QUEUED`` | callback requests waiting for a slot per process (more: 503 at once) | 16 |
| ``CONFLICT_MAP_QUEUE_TARGET_MS`` | when even the shortest recent wait exceeds this, 503 at once (0: off) | 50 |
| ``CONFLICT_MAP_QUEUE_WAIT_MS`` | longest wait in that queue before a 503 (a safety net) | 10000 |
| ``CONFLICT_MAP_CACHE`` | result cache: ``memory`` (per process), ``off``, or ``redis://host:port/db`` (shared) | memory |
| ``CONFLICT_MAP_CACHE_MB`` | size of the ``memory`` cache, per app and process | 64 |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from dashboard.server.cache import DEFAULT_MEMORY_MB, display_url, parse_redis_url
from geodata.query.budget import DEFAULT_POINT_BUDGET


class ConfigError(ValueError):
    """A configuration value is malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _cache(env: Mapping[str, str]) -> str:
    raw = env.get("CONFLICT_MAP_CACHE", "").strip()
    if raw.lower() in ("", "memory", "off"):
        return raw.lower() or "memory"
    problem = parse_redis_url(raw)
    if problem:
        raise ConfigError(f"CONFLICT_MAP_CACHE must be memory, off or a redis://host:port/db URL, "
                          f"got {display_url(raw)!r} ({problem})")
    return raw


@dataclass(frozen=True)
class Config:
    dataset: str | None = None
    host: str = "127.0.0.1"
    port: int = 8050
    max_request_bytes: int = 2_000_000
    point_budget: int = DEFAULT_POINT_BUDGET
    auth: str = "none"
    user: str | None = None
    password: str | None = None
    auth_header: str = "X-Remote-User"
    debug: bool = False
    boundaries: str | None = None
    mbtiles: str | None = None
    max_inflight: int = 2
    max_queued: int = 16
    queue_wait_ms: int = 10_000
    queue_target_ms: int = 50
    cache: str = "memory"
    cache_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Config":
        """Read the ``CONFLICT_MAP_*`` variables; raise :class:`ConfigError` on a malformed one."""
        env = os.environ if env is None else env
        auth = env.get("CONFLICT_MAP_AUTH", "none").strip().lower() or "none"
        if auth not in ("none", "basic", "header"):
            raise ConfigError(f"CONFLICT_MAP_AUTH must be none, basic or header, got {auth!r}")
        user, password = env.get("CONFLICT_MAP_USER") or None, env.get("CONFLICT_MAP_PASSWORD") or None
        if auth == "basic" and not (user and password):
            raise ConfigError("CONFLICT_MAP_AUTH=basic needs CONFLICT_MAP_USER and CONFLICT_MAP_PASSWORD")
        return cls(
            dataset=env.get("CONFLICT_MAP_DATASET") or None,
            host=env.get("CONFLICT_MAP_HOST", "127.0.0.1"),
            port=_int(env, "CONFLICT_MAP_PORT", 8050, 1),
            max_request_bytes=_int(env, "CONFLICT_MAP_MAX_REQUEST_BYTES", 2_000_000, 10_000),
            point_budget=_int(env, "CONFLICT_MAP_POINT_BUDGET", DEFAULT_POINT_BUDGET, 100),
            auth=auth, user=user, password=password,
            auth_header=env.get("CONFLICT_MAP_AUTH_HEADER", "X-Remote-User"),
            debug=env.get("CONFLICT_MAP_DEBUG", "") == "1",
            boundaries=env.get("CONFLICT_MAP_BOUNDARIES") or None,
            mbtiles=env.get("CONFLICT_MAP_MBTILES") or None,
            max_inflight=_int(env, "CONFLICT_MAP_MAX_INFLIGHT", 2, 0),
            max_queued=_int(env, "CONFLICT_MAP_MAX_QUEUED", 16, 0),
            queue_wait_ms=_int(env, "CONFLICT_MAP_QUEUE_WAIT_MS", 10_000, 0),
            queue_target_ms=_int(env, "CONFLICT_MAP_QUEUE_TARGET_MS", 50, 0),
            cache=_cache(env),
            cache_mb=_int(env, "CONFLICT_MAP_CACHE_MB", DEFAULT_MEMORY_MB, 1),
        )
