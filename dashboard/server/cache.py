"""A result cache with one job: bytes in, bytes out, by a key the caller makes.

Two backends, chosen by ``CONFLICT_MAP_CACHE`` (see :mod:`dashboard.config`):

- ``memory`` (the default): :class:`MemoryCache`, in this process only, least
  recently used first out, bounded by bytes (``CONFLICT_MAP_CACHE_MB``,
  default 64 per app). Under gunicorn every worker has its own: nothing is
  shared, and a worker's cache dies with it.
- ``redis://host:port/db`` (or ``rediss://``, with ``user:password@`` if
  needed): :class:`RedisResultCache`, one cache every worker (and every
  machine pointing at it) shares, through redis-py. Values are stored as
  the raw bytes (never pickled), under the prefix ``conflict-map:``, for a
  day (:data:`REDIS_TTL_SECONDS`). A Redis that is down, slow (over
  :data:`REDIS_TIMEOUT_SECONDS`) or answering errors never breaks a
  request: the cache logs one warning, behaves as a miss, tries again at
  most every :data:`REDIS_RETRY_SECONDS`, and logs when it is back.
- ``off``: :class:`NullCache`, every ``get`` a miss.

Values over :data:`MAX_VALUE_BYTES` (8 MB) are not stored by any backend.

Using it from a callback (the app is the Dash app the callback is registered on)::

    from dashboard.server.cache import cache_key, get_cache

    cache = get_cache(app)                    # app.server.extensions["conflict_map_cache"]
    key = cache_key("map", store.name, store.dataset.version, state.to_dict(), budget)
    if (hit := cache.get(key)) is not None:
        return decode(hit)
    value = compute()
    cache.set(key, encode(value))

The key must hold everything that makes the result unique, including the
dataset's name and ``version`` (its content hash: a re-import gets new
keys, so nothing stale is served) and a tag for the code's output format
(bump it when the result changes shape, since Redis outlives a deploy).
:func:`cache_key` hashes a canonical JSON of its parts (dict keys sorted,
tuples as lists, dates as ISO text). ``get`` and ``set`` never raise for a
backend failure; callers serialise (bytes only).

:func:`install_cache` (called by :func:`dashboard.app.create_app`) builds
the configured cache and stores it in ``app.server.extensions`` under
:data:`EXTENSION`; :func:`get_cache` reads it back (a :class:`NullCache` if
none was installed). Each app gets its own instance (the site mounts one
app per opened dataset; with ``memory`` each has its own budget). The
cache is built before gunicorn forks (``preload_app``): the memory cache
is empty then, and redis-py opens its connections lazily, per process.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import threading
import time
from typing import Any, Protocol, cast
from urllib.parse import urlsplit, urlunsplit

import redis
from cachetools import LRUCache
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

#: Key of the cache in ``app.server.extensions`` (Flask's registry of extensions).
EXTENSION = "conflict_map_cache"
#: Largest value stored; bigger ones are not cached (they are rare and would crowd out the rest).
MAX_VALUE_BYTES = 8 * 1024 * 1024
#: Default size of the in-process cache, in MB (``CONFLICT_MAP_CACHE_MB``).
DEFAULT_MEMORY_MB = 64
#: How long a value lives in Redis (the memory cache evicts by size only).
REDIS_TTL_SECONDS = 24 * 3600
#: Connect and read timeout for Redis: a slow Redis is a miss, not a slow request.
REDIS_TIMEOUT_SECONDS = 1.0
#: After a failure, Redis is not asked again for this long (each request would wait for it otherwise).
REDIS_RETRY_SECONDS = 5.0
#: At most one "Redis unavailable" warning per this many seconds.
REDIS_WARN_SECONDS = 60.0
#: Prefix of every key in Redis, so the cache can share a database with other things.
REDIS_PREFIX = "conflict-map:"


class ResultCache(Protocol):
    """What every backend offers."""

    name: str  # for logs: "memory (64 MB)", "redis://cache:6379/0", "off"

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...


def _canonical(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **dataclasses.asdict(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=lambda item: json.dumps(item, sort_keys=True, default=_canonical))
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    raise TypeError(f"cache_key: cannot make a key part of {type(value).__name__}")


def cache_key(*parts: Any) -> str:
    """A key for the result of ``parts``: SHA-256 of their canonical JSON (64 hex characters).

    Parts are JSON values, or dates, dataclasses, sets and bytes (made JSON
    first); equal parts give equal keys in every process and on every machine.
    """
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_canonical)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NullCache:
    """No cache: every ``get`` is a miss (``CONFLICT_MAP_CACHE=off``)."""

    name = "off"

    def get(self, key: str) -> bytes | None:  # noqa: ARG002
        return None

    def set(self, key: str, value: bytes) -> None:  # noqa: ARG002
        return None


def _entry_bytes(entry: tuple[str, bytes]) -> int:
    """What an entry costs the memory budget: its key and its value."""
    key, value = entry
    return len(key) + len(value)


class MemoryCache:
    """In this process only: least recently used out first, at most ``max_bytes`` of keys and values.

    Entries are ``(key, value)`` so that the LRU's size (it sees values only) counts the key too.
    """

    def __init__(self, max_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024, *,
                 max_value_bytes: int = MAX_VALUE_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.max_value_bytes = min(max_value_bytes, max_bytes)
        self.name = f"memory ({max_bytes / 1024 / 1024:g} MB, this process only)"
        self._items: LRUCache[str, tuple[str, bytes]] = LRUCache(max_bytes, getsizeof=_entry_bytes)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    @property
    def size(self) -> int:
        """Bytes held now (keys and values)."""
        return int(self._items.currsize)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._items.get(key)
        return None if entry is None else entry[1]

    def set(self, key: str, value: bytes) -> None:
        """Store ``value``, unless it is over ``max_value_bytes`` or the whole budget (then nothing is evicted)."""
        entry = (key, bytes(value))
        if len(entry[1]) > self.max_value_bytes or _entry_bytes(entry) > self.max_bytes:
            return
        with self._lock:
            self._items[key] = entry


def display_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and error messages)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<malformed URL>"


def parse_redis_url(url: str) -> str | None:
    """Why ``url`` is not a usable Redis URL (``None`` if it is one): scheme, host, port and db."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "its port is not a number"
    if parts.scheme not in ("redis", "rediss"):
        return "it must start with redis:// or rediss://"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "its port must be 1-65535"
    db = parts.path.strip("/")
    if db and not db.isdigit():
        return f"its database must be a number (redis://host:port/0), got {db!r}"
    if parts.query or parts.fragment:
        return "it must have no query or fragment"
    return None


def _redis_client(url: str, timeout: float) -> redis.Redis:
    """A client that connects lazily (so before gunicorn forks is fine) and gives up quickly.

    One immediate retry, no backoff: it replaces a pooled connection a Redis restart broke, and a Redis
    that is down costs each request one refused connection, not a wait.
    """
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(NoBackoff(), 1), health_check_interval=30)


class RedisResultCache:
    """Shared by every process that points at the same Redis; a failing Redis is a miss.

    Values go in and come out as the raw bytes, never pickled: unpickling what a shared Redis holds
    would let anyone who can write to it run code here.
    """

    def __init__(self, url: str, *, ttl: int = REDIS_TTL_SECONDS, timeout: float = REDIS_TIMEOUT_SECONDS,
                 retry_after: float = REDIS_RETRY_SECONDS, warn_every: float = REDIS_WARN_SECONDS,
                 max_value_bytes: int = MAX_VALUE_BYTES) -> None:
        problem = parse_redis_url(url)
        if problem:
            raise ValueError(f"not a Redis URL ({problem}): {display_url(url)}")
        self.name = display_url(url)
        self.max_value_bytes = max_value_bytes
        self.ttl = ttl
        self.retry_after = retry_after
        self.warn_every = warn_every
        self._client = _redis_client(url, timeout)
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which Redis is not asked
        self._down = False
        self._last_warning = float("-inf")
        self._failures = 0  # since the last warning

    @property
    def available(self) -> bool:
        """False while Redis is taken to be down (after a failure, for ``retry_after`` seconds)."""
        return not self._down

    def get(self, key: str) -> bytes | None:
        if not self._may_try():
            return None
        try:
            value = cast("bytes | None", self._client.get(REDIS_PREFIX + key))  # decode_responses off: bytes
        except Exception as exc:  # noqa: BLE001 (any failure of the cache is a miss)
            self._failed(exc)
            return None
        self._succeeded()
        return value

    def set(self, key: str, value: bytes) -> None:
        if len(value) > self.max_value_bytes or not self._may_try():
            return
        try:
            self._client.set(REDIS_PREFIX + key, bytes(value), ex=self.ttl)
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)
            return
        self._succeeded()

    def _may_try(self) -> bool:
        return not self._down or time.monotonic() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._down, self._down_until = True, now + self.retry_after
            self._failures += 1
            if now - self._last_warning < self.warn_every:
                return
            count, self._failures, self._last_warning = self._failures, 0, now
        reason = " ".join(str(exc).split()) or type(exc).__name__
        log.warning("shared cache %s unavailable (%s: %s; %d failure(s)); answering without it, "
                    "retrying every %g s", self.name, type(exc).__name__, reason[:200], count, self.retry_after)

    def _succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            log.warning("shared cache %s is answering again", self.name)


def build_cache(config: Any) -> ResultCache:
    """The cache ``config`` asks for (:class:`dashboard.config.Config`'s ``cache`` and ``cache_mb``)."""
    setting = getattr(config, "cache", "memory") or "memory"
    if setting == "off":
        return NullCache()
    if setting == "memory":
        return MemoryCache(int(getattr(config, "cache_mb", DEFAULT_MEMORY_MB)) * 1024 * 1024)
    return RedisResultCache(setting)


def install_cache(app: Any, config: Any) -> ResultCache:
    """Build the configured cache and store it in ``app.server.extensions[EXTENSION]`` (``app``: a Dash
    app, or a Flask app); return it."""
    server = getattr(app, "server", app)
    cache = build_cache(config)
    server.extensions[EXTENSION] = cache
    log.info("result cache: %s", cache.name)
    return cache


def get_cache(app: Any) -> ResultCache:
    """The cache :func:`install_cache` put on ``app`` (Dash or Flask), else a :class:`NullCache`."""
    cache = getattr(app, "server", app).extensions.get(EXTENSION)
    return NullCache() if cache is None else cache
