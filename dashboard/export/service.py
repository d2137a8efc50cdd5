"""One export end to end: state and view in, file name, MIME type and bytes out.

The UI callbacks and the CLI both call these, so a briefing regenerated from
a shared link is built by the same code as the one downloaded in the app.

Rendered briefings are cached when the caller passes a cache (the app passes
its result cache, :mod:`dashboard.server.cache`; with Redis every worker shares it).
The key is everything the page shows: the dataset's name and version, the
filter state, the view (and the analyst's map size), the output size, the
cleaned title, the format, the link's base URL and an explicit time stamp if
one is given, plus :data:`BRIEFING_CACHE_FORMAT` (bump it when the briefing
changes). A briefing printed "Generated <time> UTC" keeps the time of its
first render on a hit: the cache stores that time with the bytes, and the
export reports it (``Export.generated_at``, ``Export.cached``), so the stamp
says honestly when the page was rendered. A dataset without a version (one
loaded from CSV without ``open_dataset``) is never cached: nothing tells its
contents apart.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import plotly.graph_objects as go

from dashboard.export.briefing import build_briefing, clean_title, default_title
from dashboard.export.links import view_link
from dashboard.export.naming import MIME_TYPES, export_filename
from dashboard.export.pack import pack_bytes
from dashboard.export.pdfdates import stamp_pdf
from dashboard.export.provenance import Provenance
from dashboard.export.render import (
    ASSETS,
    QUEUE_TIMEOUT,
    RENDER_TIMEOUT,
    ExportBusy,
    offline_map_style,
    render_figure,
)
from dashboard.export.sizes import OutputSize
from dashboard.export.tables import csv_bytes, geojson_bytes, provenance_bytes
from dashboard.server.cache import ResultCache, cache_key
from dashboard.state.mapview import MapView
from geodata import FilterState, IncidentStore

log = logging.getLogger(__name__)

BRIEFING_FORMATS = ("png", "pdf")
TABLE_FORMATS = ("csv", "geojson")
#: The CSV's provenance sidecar, a "format" of its own for the UI and the CLI.
SIDECAR = "provenance.txt"
#: Part of every briefing's cache key: bump it when a change of code changes the rendered page.
BRIEFING_CACHE_FORMAT = "briefing-2"
#: Stands for the map style while a briefing is built (the real one goes into its dict afterwards).
STAND_IN_STYLE = {"version": 8, "sources": {}, "layers": []}


class ExportQueue:
    """A per-process bound on exports: ``slots`` made at once, at most ``max_waiting`` waiting, the rest told
    "busy" at once.

    Why: a briefing render takes Chromium and seconds of both cores. Unbounded,
    forty clicks on "PNG" hold forty server threads waiting for the renderer
    while every filter change waits for a thread. Exports take no callback
    slot (:func:`dashboard.server.admission.use_own_lane`); this queue is their
    own, and past it the analyst reads a clear "try again" instead of waiting.
    """

    def __init__(self, max_waiting: int, slots: int = 1, wait: float = QUEUE_TIMEOUT):
        self.max_waiting, self.wait = max_waiting, wait
        self._lanes = {"export": threading.BoundedSemaphore(slots), "playback": threading.BoundedSemaphore(1)}
        self._lock = threading.Lock()
        self.waiting = 0
        self.refused = 0

    @contextmanager
    def ticket(self, lane: str = "export") -> Iterator[None]:
        """Hold a slot of ``lane`` for the ``with`` block; :class:`ExportBusy` if the queue is full or too slow.

        A playback takes the ``"playback"`` lane (one at a time), not a briefing's slot: it holds the
        renderer only a pair of frames at a time (:func:`~.render.render_frames`), so a briefing asked for
        meanwhile renders between two pairs instead of waiting for the whole playback.
        """
        slots = self._lanes[lane]
        if not slots.acquire(blocking=False):
            with self._lock:
                full = self.waiting >= self.max_waiting
                self.waiting += not full
                self.refused += full
            if full:
                raise ExportBusy(BUSY_MESSAGE)
            try:
                got = slots.acquire(timeout=self.wait)
            finally:
                with self._lock:
                    self.waiting -= 1
            if not got:
                raise ExportBusy(BUSY_MESSAGE)
        try:
            yield
        finally:
            slots.release()


BUSY_MESSAGE = "The server is busy with other exports; try again in a minute."
_queues: dict[tuple[int, int, float], ExportQueue] = {}
_queues_lock = threading.Lock()


def export_queue(max_waiting: int, slots: int = 1, wait: float = QUEUE_TIMEOUT) -> ExportQueue:
    """The process's export queue for these bounds (every app of a process shares it, as they share Chromium)."""
    with _queues_lock:
        return _queues.setdefault((max_waiting, slots, wait), ExportQueue(max_waiting, slots, wait))


def link_of(store: IncidentStore, state: FilterState, view: MapView | None, app_url: str,
            display: Mapping | None = None) -> str:
    """The view's link, naming the dataset and its version so a reader knows what it showed.
    ``app_url`` is :func:`~.links.public_base`'s: the public address, else a path (relative link)."""
    return view_link(app_url, state, view, dataset=store.name, version=getattr(store.dataset, "version", ""),
                     display=dict(display) if isinstance(display, Mapping) else None)


@dataclass(frozen=True)
class Export:
    """A finished export, ready to download or write."""

    filename: str
    mime: str
    content: bytes
    generated_at: datetime | None = None  # the time printed on a briefing (its first render's, if cached)
    cached: bool = False  # served from the result cache, not rendered now


def briefing_figure(store: IncidentStore, state: FilterState, view: MapView, *, title: object,
                    size: OutputSize, app_url: str, generated_at: datetime | None = None,
                    screen: tuple[float, float] | None = None, display: Mapping | None = None) -> go.Figure:
    """The briefing figure with the offline map style, ready for :func:`render_figure`.

    ``screen`` is the size of the analyst's map in CSS px, when known (see
    :func:`~.view.screen_size`); the link printed keeps the screen's view.
    """
    return build_briefing(
        store, state, view, title=clean_title(title, default_title(store)), size=size.layout,
        generated_at=generated_at or datetime.now(UTC), link=link_of(store, state, view, app_url, display),
        base_url=ASSETS.as_uri() + "/", map_style=offline_map_style(store.countries), screen=screen,
        display=dict(display) if isinstance(display, Mapping) else None,
    )


def briefing_spec(store: IncidentStore, state: FilterState, view: MapView, *, title: object,
                  size: OutputSize, app_url: str, generated_at: datetime | None = None,
                  screen: tuple[float, float] | None = None, display: Mapping | None = None) -> dict:
    """:func:`briefing_figure` as the plain dict the renderer takes, made without copying the map style.

    Why: the style inlines the world's outlines, and turning a figure holding it into a dict deep-copies
    them (more CPU than drawing the map). The page is built around a stand-in style and the real one,
    shared, is put into the finished dict.
    """
    figure = build_briefing(
        store, state, view, title=clean_title(title, default_title(store)), size=size.layout,
        generated_at=generated_at or datetime.now(UTC), link=link_of(store, state, view, app_url, display),
        base_url=ASSETS.as_uri() + "/", map_style=dict(STAND_IN_STYLE), screen=screen,
        display=dict(display) if isinstance(display, Mapping) else None,
    )
    spec = figure.to_plotly_json()
    spec["layout"]["map"]["style"] = offline_map_style(store.countries)
    return spec


def briefing_cache_key(store: IncidentStore, state: FilterState, view: MapView, *, fmt: str, title: object,
                       size: OutputSize, app_url: str, generated_at: datetime | None = None,
                       screen: tuple[float, float] | None = None, display: Mapping | None = None) -> str | None:
    """The result-cache key of this briefing, or ``None`` if it must not be cached (no dataset version)."""
    version = getattr(store.dataset, "version", "")
    if not version:
        return None
    return cache_key(BRIEFING_CACHE_FORMAT, store.name, version, state.to_dict(), asdict(view), asdict(size),
                     clean_title(title, default_title(store)), fmt, app_url,
                     None if screen is None else [round(float(v), 3) for v in screen],
                     None if generated_at is None else generated_at.isoformat(),
                     link_of(store, state, view, app_url, display))


def _pack(generated_at: datetime, content: bytes) -> bytes:
    return json.dumps({"generated_at": generated_at.isoformat()}).encode() + b"\n" + content


def _unpack(value: bytes) -> tuple[datetime, bytes] | None:
    try:
        header, content = value.split(b"\n", 1)
        return datetime.fromisoformat(json.loads(header)["generated_at"]), content
    except (ValueError, KeyError, TypeError):
        return None


def briefing_export(store: IncidentStore, state: FilterState, view: MapView, *, fmt: str, title: object,
                    size: OutputSize, app_url: str, generated_at: datetime | None = None,
                    screen: tuple[float, float] | None = None, display: Mapping | None = None,
                    timeout: float = RENDER_TIMEOUT, queue_timeout: float = QUEUE_TIMEOUT,
                    cache: ResultCache | None = None) -> Export:
    """The briefing as PNG or PDF (see :func:`render_figure` for the errors raised).

    With ``cache`` (a :mod:`dashboard.server.cache` cache), an identical briefing
    rendered before (by any process sharing the cache) is returned at once,
    with the time stamp of that render (see the module's docstring).
    """
    if fmt not in BRIEFING_FORMATS:
        raise ValueError(f"a briefing is {' or '.join(BRIEFING_FORMATS)}, not {fmt!r}")
    filename = export_filename(store.name, state.start, state.end, "briefing", fmt)
    key = None if cache is None else briefing_cache_key(
        store, state, view, fmt=fmt, title=title, size=size, app_url=app_url, generated_at=generated_at,
        screen=screen, display=display)
    if cache is not None and key is not None and (hit := cache.get(key)) is not None:
        if (unpacked := _unpack(hit)) is not None:
            return Export(filename, MIME_TYPES[fmt], unpacked[1], generated_at=unpacked[0], cached=True)
        log.warning("ignored a malformed cached briefing (%d bytes)", len(hit))
    generated_at = generated_at or datetime.now(UTC)
    figure = briefing_spec(store, state, view, title=title, size=size, app_url=app_url,
                           generated_at=generated_at, screen=screen, display=display)
    content = render_figure(figure, fmt, size, timeout=timeout, queue_timeout=queue_timeout,
                            document_title=clean_title(title, default_title(store)))
    if fmt == "pdf":  # dated by its stamp, not by the moment Chromium printed it
        content = stamp_pdf(content, generated_at)
    if cache is not None and key is not None:
        cache.set(key, _pack(generated_at, content))
    return Export(filename, MIME_TYPES[fmt], content, generated_at=generated_at)


def table_export(store: IncidentStore, state: FilterState, *, fmt: str, app_url: str,
                 view: MapView | None = None, generated_at: datetime | None = None,
                 display: Mapping | None = None) -> Export:
    """The filtered incidents as a plain CSV or GeoJSON, or the CSV's provenance sidecar
    (``fmt`` ``"provenance.txt"``: ``<name>_incidents.provenance.txt`` beside ``<name>_incidents.csv``)."""
    if fmt not in (*TABLE_FORMATS, SIDECAR):
        raise ValueError(f"a table is {' or '.join(TABLE_FORMATS)} (or its {SIDECAR}), not {fmt!r}")
    filename = export_filename(store.name, state.start, state.end, "incidents", fmt)
    if fmt == "csv":
        content = csv_bytes(store, state)
    else:
        provenance = Provenance.of(store, state, link_of(store, state, view, app_url, display), generated_at,
                                   display)
        content = geojson_bytes(store, state, provenance) if fmt == "geojson" else provenance_bytes(
            provenance, [filename.removesuffix("." + SIDECAR) + ".csv"])
    return Export(filename, MIME_TYPES[fmt], content)


def pack_export(store: IncidentStore, state: FilterState, view: MapView, *, title: object, size: OutputSize,
                app_url: str, generated_at: datetime | None = None, screen: tuple[float, float] | None = None,
                display: Mapping | None = None, timeout: float = RENDER_TIMEOUT,
                queue_timeout: float = QUEUE_TIMEOUT, cache: ResultCache | None = None) -> Export:
    """The briefing pack (:mod:`.pack`): PDF, PNG, CSV, GeoJSON, summary and provenance in one zip.

    Every file carries the pack's one time stamp (``generated_at``, else now), so its two briefings are
    rendered for it (a cached briefing of another time is not reused).
    """
    generated_at = generated_at or datetime.now(UTC)

    def render(fmt: str) -> bytes:
        return briefing_export(store, state, view, fmt=fmt, title=title, size=size, app_url=app_url,
                               generated_at=generated_at, screen=screen, display=display, timeout=timeout,
                               queue_timeout=queue_timeout, cache=cache).content

    provenance = Provenance.of(store, state, link_of(store, state, view, app_url, display), generated_at, display)
    content, _ = pack_bytes(store, state, provenance, render, display=display)
    return Export(export_filename(store.name, state.start, state.end, "pack", "zip"), MIME_TYPES["zip"], content,
                  generated_at=generated_at)
