"""The result cache (dashboard/cache.py): one contract, two backends (in-process and Redis), the
configuration, a Redis that goes away and comes back, and cached briefing exports.

The Redis tests need a Redis at ``CONFLICT_MAP_TEST_REDIS_URL`` (``make redis`` starts one on
127.0.0.1:63790); every test uses keys of its own, so runs can overlap. The outage test starts a
private ``redis-server`` of its own (and stops it). Without Redis they skip, except with
``CI=true``, where they fail.
"""
from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from dash import Dash

from dashboard import ids
from dashboard.config import Config, ConfigError
from dashboard.export import render
from dashboard.export.service import briefing_export
from dashboard.export.sizes import custom_size
from dashboard.server.cache import (
    EXTENSION,
    MAX_VALUE_BYTES,
    MemoryCache,
    NullCache,
    RedisResultCache,
    build_cache,
    cache_key,
    get_cache,
    install_cache,
)
from dashboard.state.mapview import opening_view
from dashboard.views.export import run_export
from geodata import FilterState, IncidentStore
from tests.support import missing, require

REDIS_URL = os.environ.get("CONFLICT_MAP_TEST_REDIS_URL", "redis://127.0.0.1:63790/0")
APP = "http://127.0.0.1:8050/"


def _unavailable(reason: str):
    missing(f"Redis tests: {reason} (run `make redis` or set CONFLICT_MAP_TEST_REDIS_URL)")


@pytest.fixture(scope="session")
def redis_url():
    """The test Redis's URL, once it is known to answer."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"no Redis at {REDIS_URL} ({exc})")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def backend(request):
    """A factory of caches of one kind; two of them are two processes' caches (separate for memory)."""
    if request.param == "memory":
        return lambda: MemoryCache(64 * 1024 * 1024)
    url = request.getfixturevalue("redis_url")
    return lambda: RedisResultCache(url)


@pytest.fixture
def key():
    """Keys no other test (or run) uses."""
    token = secrets.token_hex(8)
    return lambda *parts: cache_key("test", token, *parts)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.WARNING]


@pytest.fixture
def cache_log():
    """Records of the cache's logger (works with ``-p no:logging``, unlike caplog)."""
    handler, logger = _Records(), logging.getLogger("dashboard.server.cache")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- the contract, on both backends ---------------------------------------------------------------

def test_miss_then_hit_and_bytes_round_trip(backend, key):
    cache = backend()
    assert cache.get(key("a")) is None
    every_byte = bytes(range(256)) * 3 + b"\n\r\x00!"
    cache.set(key("a"), every_byte)
    assert cache.get(key("a")) == every_byte and isinstance(cache.get(key("a")), bytes)
    cache.set(key("a"), b"second")  # overwritten
    assert cache.get(key("a")) == b"second"
    cache.set(key("empty"), b"")
    assert cache.get(key("empty")) == b""  # an empty value is a hit, not a miss
    cache.set(key("pickle"), b"!\x80\x04K\x01.")  # looks like a pickle: still raw bytes
    assert cache.get(key("pickle")) == b"!\x80\x04K\x01."
    assert isinstance(cache.name, str) and cache.name


def test_oversize_values_are_not_cached(backend, key):
    cache = backend()
    cache.set(key("big"), b"x" * (MAX_VALUE_BYTES + 1))
    assert cache.get(key("big")) is None
    cache.set(key("limit"), b"y" * MAX_VALUE_BYTES)
    assert cache.get(key("limit")) == b"y" * MAX_VALUE_BYTES


def test_many_threads_at_once(backend, key):
    cache, errors = backend(), []

    def work(thread: int):
        try:
            for i in range(100):
                cache.set(key(thread, i), f"{thread}-{i}".encode() * 50)
                got = cache.get(key(thread, i))
                assert got is None or got == f"{thread}-{i}".encode() * 50
                assert cache.get(key("shared")) in (None, *(f"s{t}".encode() for t in range(16)))
                cache.set(key("shared"), f"s{thread}".encode())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(cache.get(key(t, 99)) == f"{t}-99".encode() * 50 for t in range(16))
    if isinstance(cache, MemoryCache):  # nothing evicted (64 MB), and the byte count adds up every key and value once
        held = {k: cache.get(k) for k in [key(t, i) for t in range(16) for i in range(100)] + [key("shared")]}
        assert None not in held.values() and len(cache) == len(held)
        assert cache.size == sum(len(k) + len(v) for k, v in held.items())


def test_two_workers_share_through_redis_but_not_through_memory(backend, key):
    first, second = Dash(__name__), Dash(__name__)  # two gunicorn workers, each with its own app
    kind = "memory" if backend().name.startswith("memory") else REDIS_URL
    config = Config(cache=kind, cache_mb=16)
    one, two = install_cache(first, config), install_cache(second, config)
    assert first.server.extensions[EXTENSION] is one and get_cache(second) is two and one is not two
    one.set(key("result"), b"computed once")
    assert one.get(key("result")) == b"computed once"
    assert two.get(key("result")) == (None if kind == "memory" else b"computed once")


# --- the in-process cache -------------------------------------------------------------------------

def test_memory_evicts_the_least_recently_used_by_size():
    cache = MemoryCache(1000)
    keys = [cache_key("lru", i) for i in range(4)]  # 64 characters each, + 200 bytes = 264 per item
    for k in keys[:3]:
        cache.set(k, b"v" * 200)
    assert len(cache) == 3 and cache.size == 792
    assert cache.get(keys[0]) is not None  # the first is now the most recently used
    cache.set(keys[3], b"v" * 200)  # over 1000 bytes: the least recently used (the second) goes
    assert cache.get(keys[1]) is None
    assert all(cache.get(k) is not None for k in (keys[0], keys[2], keys[3])) and cache.size == 792
    cache.set(keys[0], b"w" * 900)  # replacing one frees its old size first; the others make room
    assert cache.get(keys[0]) == b"w" * 900 and len(cache) == 1 and cache.size == 964
    cache.set(cache_key("too big"), b"z" * 1000)  # bigger than the whole cache: not stored, nothing evicted
    assert len(cache) == 1 and cache.get(keys[0]) is not None


def test_off_is_always_a_miss():
    cache = build_cache(Config(cache="off"))
    cache.set("k", b"v")
    assert isinstance(cache, NullCache) and cache.get("k") is None and cache.name == "off"
    assert isinstance(get_cache(Dash(__name__)), NullCache)  # no cache installed: off
    empty = install_cache(Dash(__name__), Config())
    assert isinstance(empty, MemoryCache) and len(empty) == 0 and empty.max_bytes == 64 * 1024 * 1024


# --- keys -----------------------------------------------------------------------------------------

def test_cache_key_is_canonical():
    assert cache_key("map", {"b": 1, "a": [1, 2]}) == cache_key("map", {"a": [1, 2], "b": 1})
    assert cache_key("map", (1, 2)) == cache_key("map", [1, 2])
    assert cache_key("map", 1) != cache_key("map", "1") != cache_key("map", 1.5)
    assert cache_key("a", "b") != cache_key("ab") != cache_key("a", ["b"])
    assert cache_key(date(2020, 2, 27)) == cache_key("2020-02-27")
    assert cache_key({"x", "y"}) == cache_key({"y", "x"})
    assert len(cache_key()) == 64 and int(cache_key("x"), 16) >= 0
    bounds = (date(2020, 1, 1), date(2020, 3, 1))
    state = FilterState.default(bounds)
    assert cache_key(state.to_dict()) == cache_key(FilterState.from_dict(state.to_dict(), bounds).to_dict())
    with pytest.raises(TypeError):
        cache_key(object())
    with pytest.raises(ValueError):
        cache_key(float("nan"))


# --- configuration --------------------------------------------------------------------------------

def test_config_defaults_and_values():
    config = Config.from_env({})
    assert (config.cache, config.cache_mb) == ("memory", 64)
    config = Config.from_env({"CONFLICT_MAP_CACHE": " Off ", "CONFLICT_MAP_CACHE_MB": "8"})
    assert (config.cache, config.cache_mb) == ("off", 8)
    for url in ("redis://127.0.0.1:6379/0", "redis://cache", "rediss://user:pw@cache.example.org:6380/2"):
        assert Config.from_env({"CONFLICT_MAP_CACHE": url}).cache == url
    assert build_cache(Config(cache="memory", cache_mb=3)).max_bytes == 3 * 1024 * 1024
    cache = build_cache(Config(cache="redis://:hunter2@127.0.0.1:1/0"))  # built lazily: no connection yet
    assert isinstance(cache, RedisResultCache) and "hunter2" not in cache.name and "***" in cache.name


@pytest.mark.parametrize("env, message", [
    ({"CONFLICT_MAP_CACHE": "memcached://x"}, "CONFLICT_MAP_CACHE must be memory, off or a redis://"),
    ({"CONFLICT_MAP_CACHE": "redis://"}, "names no host"),
    ({"CONFLICT_MAP_CACHE": "redis://cache:port/0"}, "port is not a number"),
    ({"CONFLICT_MAP_CACHE": "redis://cache:6379/zero"}, "database must be a number"),
    ({"CONFLICT_MAP_CACHE": "redis://cache:6379/0?x=1"}, "no query"),
    ({"CONFLICT_MAP_CACHE": "yes"}, "CONFLICT_MAP_CACHE"),
    ({"CONFLICT_MAP_CACHE_MB": "lots"}, "CONFLICT_MAP_CACHE_MB must be a whole number, got 'lots'"),
    ({"CONFLICT_MAP_CACHE_MB": "0"}, "CONFLICT_MAP_CACHE_MB must be at least 1, got 0"),
])
def test_config_errors_are_one_line_naming_the_variable(env, message):
    with pytest.raises(ConfigError) as error:
        Config.from_env(env)
    text = str(error.value)
    assert message in text and "\n" not in text and text.split()[0] in env


def test_config_error_hides_the_password():
    with pytest.raises(ConfigError) as error:
        Config.from_env({"CONFLICT_MAP_CACHE": "redis://:hunter2@cache:6379/x"})
    assert "hunter2" not in str(error.value) and "***" in str(error.value)


# --- a Redis that fails ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_closed_port_is_a_miss_with_one_warning(cache_log):
    cache = RedisResultCache(f"redis://127.0.0.1:{_free_port()}/0", retry_after=0)
    started = time.monotonic()
    for i in range(20):
        cache.set(f"k{i}", b"v")
        assert cache.get(f"k{i}") is None
    assert time.monotonic() - started < 5
    assert not cache.available
    warnings = cache_log.warnings()
    assert len(warnings) == 1 and "unavailable" in warnings[0] and "ConnectionError" in warnings[0]


def test_a_redis_that_does_not_answer_is_a_quick_miss(cache_log):
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        cache = RedisResultCache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.2, retry_after=60)
        started = time.monotonic()
        assert cache.get("k") is None
        cache.set("k", b"v")  # within retry_after: not even tried
        assert cache.get("k") is None
        assert time.monotonic() - started < 2
    assert len(cache_log.warnings()) == 1 and "Timeout" in cache_log.warnings()[0]


@contextlib.contextmanager
def _private_redis(port: int, folder):
    """A redis-server of this test's own on ``port`` (stopped on exit)."""
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def test_redis_going_away_and_coming_back(tmp_path, cache_log):
    if shutil.which("redis-server") is None:
        _unavailable("redis-server is not installed (make redis installs Debian's)")
    port = _free_port()
    cache = RedisResultCache(f"redis://127.0.0.1:{port}/0", retry_after=0.2)
    with _private_redis(port, tmp_path):
        cache.set("before", b"1")
        assert cache.get("before") == b"1" and cache.available
    # Stopped: its pooled connection is broken and nothing listens. Misses, no exception, one warning.
    for _ in range(10):
        assert cache.get("before") is None
        cache.set("during", b"2")
        time.sleep(0.03)
    assert not cache.available and cache.get("during") is None
    assert len(cache_log.warnings()) == 1 and "unavailable" in cache_log.warnings()[0]
    with _private_redis(port, tmp_path):  # back (empty: no persistence)
        time.sleep(0.25)  # past retry_after
        cache.set("after", b"3")
        assert cache.get("after") == b"3" and cache.available
        assert cache.get("before") is None
    assert len(cache_log.warnings()) == 2 and "answering again" in cache_log.warnings()[1]


# --- cached briefing exports ----------------------------------------------------------------------

@pytest.fixture
def versioned(scenario):
    """The scenario with a version (only versioned datasets are cached), new for every test."""
    return IncidentStore(replace(scenario, version=f"test-{secrets.token_hex(6)}"))


def test_unversioned_datasets_are_not_cached(store, monkeypatch):
    calls = []
    monkeypatch.setattr("dashboard.export.service.render_figure", lambda *a, **k: calls.append(1) or b"PNG")
    cache, state = MemoryCache(), FilterState.default(store.date_range())
    for _ in range(2):
        result = briefing_export(store, state, opening_view(store.dataset.view, store.extent), fmt="png", title="",
                                 size=custom_size(640, 400), app_url=APP, cache=cache)
        assert not result.cached
    assert len(calls) == 2 and len(cache) == 0


def test_export_served_to_another_worker_with_the_first_render_stamp(backend, versioned, monkeypatch):
    """Two workers' apps (shared cache with Redis): the second identical click is not rendered again
    where the cache is shared; the status says when it was rendered. Any other input renders anew."""
    calls = []

    def fake_render(figure, fmt, size, **_):
        calls.append(fmt)
        return f"%PDF-1.4 render {len(calls)}".encode()

    monkeypatch.setattr("dashboard.export.service.render_figure", fake_render)
    first, second = backend(), backend()
    state = {"start": "2020-02-27", "end": "2020-02-27"}
    one, status = run_export(ids.EXPORT_PDF, state, None, None, "Idlib", "a4", versioned, APP, cache=first)
    assert len(calls) == 1 and status.startswith("Downloaded") and "rendered at" not in status
    again, status = run_export(ids.EXPORT_PDF, state, None, None, "Idlib", "a4", versioned, APP, cache=first)
    assert len(calls) == 1 and again["content"] == one["content"] and again["filename"] == one["filename"]
    assert status.startswith(f"Downloaded {one['filename']} (") and " UTC)." in status and "rendered at" in status
    shared = isinstance(first, RedisResultCache)
    other, _ = run_export(ids.EXPORT_PDF, state, None, None, "Idlib", "a4", versioned, APP, cache=second)
    assert len(calls) == (1 if shared else 2) and (other["content"] == one["content"]) == shared
    renders = len(calls)
    for change in (dict(filter_data={"start": "2020-02-26", "end": "2020-02-27"}), dict(title="Saraqeb"),
                   dict(size="slide"), dict(trigger=ids.EXPORT_PNG), dict(app_url="https://other.example/"),
                   dict(saved_view={"lat": 36.0, "lon": 37.0, "zoom": 9})):
        args = dict(trigger=ids.EXPORT_PDF, filter_data=state, saved_view=None, relayout=None, title="Idlib",
                    size="a4", store=versioned, app_url=APP, cache=first) | change
        run_export(**args)
        renders += 1
        assert len(calls) == renders, change
    newer = IncidentStore(replace(versioned.dataset, version=versioned.dataset.version + "-2"))  # a re-import
    run_export(ids.EXPORT_PDF, state, None, None, "Idlib", "a4", newer, APP, cache=first)
    assert len(calls) == renders + 1


def test_a_failing_cache_never_breaks_an_export(versioned, monkeypatch, cache_log):
    monkeypatch.setattr("dashboard.export.service.render_figure", lambda *a, **k: b"PNG bytes")
    cache = RedisResultCache(f"redis://127.0.0.1:{_free_port()}/0")
    data, status = run_export(ids.EXPORT_PNG, None, None, None, "", "slide", versioned, APP, cache=cache)
    assert status.startswith("Downloaded") and data["filename"].endswith("_briefing.png")
    assert len(cache_log.warnings()) == 1


@pytest.mark.browser
def test_second_identical_briefing_comes_from_the_cache(versioned):
    """Real renders (kaleido in Debian's Chromium): the second identical export is the first's bytes,
    at once; a different filter is rendered."""
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    cache, size = MemoryCache(), custom_size(640, 400)
    view = opening_view(versioned.dataset.view, versioned.extent)
    state = FilterState.from_dict({"start": "2020-02-27", "end": "2020-02-27"}, versioned.date_range())

    def export(state):
        started = time.monotonic()
        result = briefing_export(versioned, state, view, fmt="png", title="", size=size, app_url=APP, cache=cache)
        return result, time.monotonic() - started

    first, first_time = export(state)
    second, second_time = export(state)
    assert not first.cached and second.cached and second.content == first.content
    assert second.generated_at == first.generated_at and first.generated_at.tzinfo == UTC
    assert abs((datetime.now(UTC) - first.generated_at).total_seconds()) < 120
    assert second_time < 0.1 < first_time
    other, other_time = export(replace(state, start=date(2020, 2, 20)))
    assert not other.cached and other.content != first.content and other_time > second_time
    assert len(cache) == 2
