"""Background warm-up: build what a first filter change needs before a user asks for it.

Indexes, running sums and pyramid tables are built on first use (start-up
at 10^7 rows must stay short), so without this the first change of each
kind of filter pays its build: 0.1-0.9 s of CPU each at 10^7. The app starts
:func:`start_warm_up` as soon as a process is ready to serve (a gunicorn
worker after its fork, never the master; the development server before it
listens), on one daemon thread. What the first page needs (the headline's
and timeline's day sums, the map's grid, its opening cells and town labels)
is built first, at normal priority, while the browser is still loading the
page's scripts: a first callback waiting for a build must not wait behind a
niced thread. The builds for filter changes follow at a lower priority.
Every build takes the lock its lazy owner already takes, so a query during
the warm-up waits for the same build or finds it done: the answers are the
same either way.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from geodata.query.pyramid import pyramid_of

if TYPE_CHECKING:
    from geodata.query.store import IncidentStore

_LOG = logging.getLogger(__name__)
#: Nice value of the warm-up thread (Linux: per thread): callbacks keep the CPU first.
NICENESS = 10

#: The process id each store's warm-up started in (a forked worker's differs: it starts its own).
_STARTED: weakref.WeakKeyDictionary[IncidentStore, int] = weakref.WeakKeyDictionary()
_STARTED_LOCK = threading.Lock()


Steps = list[tuple[str, Callable[[], object]]]


def first_page_steps(store: IncidentStore) -> Steps:
    """(name, build) of what the first page's callbacks need: the headline's and the timeline's day sums,
    the map's grid and town labels (the map's opening cells are the app's own step, run next)."""
    pyramid = pyramid_of(store.columns)
    return [
        ("day sums", lambda: store._day_sums),
        ("type days", lambda: store._type_days),
        ("estimates", lambda: store._estimates),
        ("quantized grid", lambda: pyramid.quantized),
        ("type counts per block", lambda: pyramid._type_blocks),
        ("GeoNames places", lambda: store.geonames),
    ]


def steps(store: IncidentStore) -> Steps:
    """(name, build) of what filter changes need, in order: the commonest first."""
    indexes = store.indexes
    found: Steps = [
        ("type-day sums", lambda: store._type_day_sums),
        ("type-day keys", lambda: store._row_keys),
        ("precision index", lambda: indexes._index("precision")),
        ("precision day sums", lambda: store.code_day_sums("precision")),
    ]
    if store.columns.facets is not None:
        found += [("actors index", lambda: indexes._index("actors")),
                  ("sub-types index", lambda: indexes._index("sub_types")),
                  ("notes encoding", lambda: indexes.text()._codes())]
    return found


def warm_up(store: IncidentStore, extra: Sequence[tuple[str, Callable[[], object]]] = (), *,
            lower: Callable[[], None] | None = None) -> list[str]:
    """Build :func:`first_page_steps`, then ``extra`` (the app's own: its opening view's cells), then (after
    calling ``lower``, the thread's lower priority) :func:`steps`; returns the names built. A step that
    fails is logged and skipped: the query builds it on use."""
    done: list[str] = []
    if not len(store.columns.days):
        return done
    first = [*first_page_steps(store), *extra]
    for at, (name, build) in enumerate([*first, *steps(store)]):
        if at == len(first) and lower is not None:
            lower()
        t = time.perf_counter()
        try:
            build()
        except Exception:  # noqa: BLE001 -- a warm-up must never take the process down; the query retries
            _LOG.exception("warm-up step %s failed", name)
            continue
        _LOG.debug("warm-up: %s in %.3f s", name, time.perf_counter() - t)
        done.append(name)
    return done


def _lower_priority() -> None:
    """This thread only (Linux's nice is per thread) at :data:`NICENESS`; elsewhere a no-op."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):
        pass


def started(store: IncidentStore) -> bool:
    """Whether this process has started ``store``'s warm-up."""
    with _STARTED_LOCK:
        return _STARTED.get(store) == os.getpid()


def start_warm_up(store: IncidentStore, extra: Sequence[tuple[str, Callable[[], object]]] = ()
                  ) -> threading.Thread | None:
    """Run :func:`warm_up` on a daemon thread at lower priority, once per store and process (a forked
    worker starts its own: the key holds the process id); ``None`` when this process already did."""
    with _STARTED_LOCK:
        if _STARTED.get(store) == os.getpid():
            return None

        def run() -> None:
            warm_up(store, extra, lower=_lower_priority)

        _STARTED[store] = os.getpid()
        thread = threading.Thread(target=run, name="conflict-map-warm-up", daemon=True)
    thread.start()
    return thread
