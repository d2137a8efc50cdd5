"""Server-side rendering of a figure to PNG or PDF with kaleido 1.x and Debian's Chromium.

Offline by construction
    The map style is rewritten to :func:`offline_map_style`: glyphs as
    ``file://`` URLs into ``assets/glyphs`` and the country outlines inlined as
    GeoJSON data. Kaleido's page is itself a ``file://`` page and choreographer
    starts Chromium with ``--allow-file-access-from-files``, so MapLibre reads
    the glyphs from disk. Nothing is served and nothing is requested over
    HTTP: no request back to the app (which, under a single-worker server,
    would wait on itself) and no short-lived server to clean up. plotly.js is
    the ``plotly.min.js`` shipped in the plotly package (the page is
    :mod:`~dashboard.export.kaleido_page`'s: no fixed wait, a map painted once), MathJax is off, and
    Chromium gets a proxy on a closed local port so any stray http(s) request
    fails at once instead of leaving the machine. :func:`check_offline`
    refuses a figure whose style names any other URL.

One render at a time, on one warm browser
    Renders run one at a time inside a module-level lock, on the process's
    warm kaleido session (:mod:`~dashboard.export.warm`: kept open, bounded,
    recycled; ``warm=False`` starts a browser for one render and closes it),
    so two exports can neither mix images (as kaleido's shared sync server
    has done across threads) nor compete for two cores. A playback's frames
    (:func:`render_frames`) render in that browser's tabs in parallel while
    the next frames are built; between two batches of frames the lock goes
    to any export waiting (:mod:`~dashboard.export.renderlock`: first come,
    first served). The lock is held only while rendering; other Dash
    callbacks never take it. Waiting for the lock and the render itself
    are both bounded (:data:`QUEUE_TIMEOUT`, :data:`RENDER_TIMEOUT`) and end
    in a :class:`ExportError` whose message the UI shows as is.

Sharp maps
    plotly draws the MapLibre canvas at the page's ``devicePixelRatio`` and
    embeds it as an image; kaleido's tab has a ratio of 1, so at scale 2 the
    map would be upscaled and blurred. Each tab gets a device-scale override
    equal to the output scale before rendering.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging
import math
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import plotly.graph_objects as go

from dashboard.export import warm
from dashboard.export.kaleido_page import page_generator
from dashboard.export.outlines import clip_outlines
from dashboard.export.renderlock import FairLock
from dashboard.export.sizes import MAX_SCALE, OutputSize
from dashboard.figures.basemap import ASSETS, COUNTRIES_PATH, COUNTRY_LABELS_PATH, map_style

#: Seconds one render may take, browser start included (a slide takes about 5-10 s on 2 cores).
RENDER_TIMEOUT = 60.0
#: Seconds an export waits for another one to finish before giving up.
QUEUE_TIMEOUT = 60.0
#: Any http(s) request from the render browser goes to this closed port and fails at once.
BLACKHOLE_PROXY = "http://127.0.0.1:9"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

NO_CHROMIUM = "Server-side export needs Chromium; the camera button in the map still downloads a PNG"
FORMATS = ("png", "pdf")

_render_lock = FairLock()
_log = logging.getLogger(__name__)


class ExportError(RuntimeError):
    """An export failed; ``str(error)`` is one line fit to show an analyst."""


class ChromiumNotFound(ExportError):
    def __init__(self, detail: str = ""):
        super().__init__(NO_CHROMIUM + (f" ({detail})" if detail else ""))


class ExportBusy(ExportError):
    """Another export held the renderer for longer than the caller would wait."""


class RenderTimeout(ExportError):
    """The render did not finish in time."""


class RenderFailed(ExportError):
    """Chromium or plotly.js reported an error."""


def find_chromium() -> str | None:
    """The Chromium to render with: ``$CONFLICT_MAP_CHROMIUM``, ``$BROWSER_PATH``, Debian's, or on PATH."""
    for env in ("CONFLICT_MAP_CHROMIUM", "BROWSER_PATH"):
        path = os.environ.get(env)
        if path:
            return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    for path in CHROMIUM_CANDIDATES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


@lru_cache(maxsize=4)
def _asset_json(path: str) -> dict:
    """An asset's GeoJSON, parsed once per process and shared by every style (never modified)."""
    return json.loads((ASSETS / path).read_text(encoding="utf-8"))


def offline_map_style(focus: tuple[str, ...] = ()) -> dict:
    """The dashboard's map style with glyphs as ``file://`` URLs and the outlines and labels inlined
    (the outlines' data is shared between styles: read it, never modify it)."""
    style = map_style(ASSETS.as_uri() + "/", focus=focus, outlines="geojson")
    style["sources"]["countries"]["data"] = _asset_json(COUNTRIES_PATH)
    style["sources"]["country-labels"]["data"] = _asset_json(COUNTRY_LABELS_PATH)
    return style


#: Inline GeoJSON: data, never fetched (and, with the outlines inlined, most of a style's strings).
_INLINE_GEOJSON = ("FeatureCollection", "Feature", "GeometryCollection")


def _strings(node: Any, path: str = ""):
    if isinstance(node, dict):
        if node.get("type") in _INLINE_GEOJSON:
            return
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def check_offline(figure: dict) -> None:
    """Raise :class:`RenderFailed` if the figure's map style names any URL but local assets.

    Allowed: ``file://`` URLs inside :data:`ASSETS`, and inline data. Any
    other URL (http, https, scheme-relative, another file) is refused.
    """
    layout = figure.get("layout", {})
    subplots = [v for k, v in layout.items() if k.startswith("map") and isinstance(v, dict)]
    assets = ASSETS.as_uri() + "/"
    for subplot in subplots:
        if isinstance(subplot.get("style"), str):
            raise RenderFailed(f"map style {subplot['style']!r} would load from the internet")
        for where, value in _strings(subplot):
            if "//" not in value and where.split(".")[-1] not in ("glyphs", "sprite", "url") \
                    and "tiles[" not in where:
                continue
            parts = urlsplit(value)
            if parts.scheme != "file" or not value.startswith(assets) or ".." in unquote(parts.path):
                raise RenderFailed(f"map style reaches outside the app's assets: {where}")


def _opts(fmt: str, size: OutputSize) -> tuple[dict, float]:
    """kaleido layout options and the device scale for the map raster."""
    width, height = size.layout
    if fmt == "pdf":
        # A PDF page is the layout in CSS px (1/96 in); only the map raster uses the scale.
        return {"format": "pdf", "width": width, "height": height, "scale": 1}, min(size.scale, MAX_SCALE)
    # Nudge the layout so that trunc(layout * scale) is exactly the requested pixel count.
    width = _exact(size.width, size.scale)
    height = _exact(size.height, size.scale)
    return {"format": "png", "width": width, "height": height, "scale": size.scale}, max(1.0, size.scale)


def _exact(pixels: int, scale: float) -> float:
    layout = pixels / scale
    for nudge in (0.0, 1e-9, 1e-7, 1e-5):
        if math.floor((layout + nudge) * scale) == pixels:
            return layout + nudge
    return layout


class _Deadline(Exception):
    """The render ran out of time (whatever the library raised when it was cancelled)."""


async def _render(figure: dict, opts: dict, device_scale: float, chromium: str, timeout: float,
                  document_title: str) -> bytes:
    """Open a fresh kaleido session, render one figure, always close (killing Chromium if need be)."""
    import kaleido  # imported here: the dashboard runs (and the camera button works) without it

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    session = kaleido.Kaleido(path=chromium, n=1, timeout=timeout, **_session_options())
    clean = False
    try:
        await asyncio.wait_for(session.open(), max(deadline - loop.time(), 0.01))
        for tab in list(session.tabs.values()):
            await tab.send_command("Emulation.setDeviceMetricsOverride", params={
                "width": 0, "height": 0, "deviceScaleFactor": device_scale, "mobile": False})
            if document_title:  # becomes the PDF's Title
                await tab.send_command("Runtime.evaluate", params={
                    "expression": f"document.title = {json.dumps(document_title)}"})
        data = await asyncio.wait_for(session.calc_fig(figure, opts=opts), max(deadline - loop.time(), 0.01))
        clean = True
        return data
    except BaseException as exc:
        # Cancelling choreographer mid-start surfaces as BrowserFailedError, not TimeoutError.
        if loop.time() >= deadline or isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            raise _Deadline() from None
        raise
    finally:
        await _close(session, kill_first=not clean)


def _kill_browser(session: Any) -> None:
    """SIGKILL the session's Chromium: its process group, and any process using its profile folder
    (cancelled mid-start, choreographer may have started Chromium without keeping its handle)."""
    process = getattr(session, "subprocess", None)
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # choreographer starts Chromium in its own group
        except (ProcessLookupError, PermissionError):
            process.kill()
    profile = getattr(getattr(getattr(session, "_browser_impl", None), "tmp_dir", None), "path", None)
    if not profile or not os.path.isdir("/proc"):
        return
    marker = f"--user-data-dir={profile}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                if marker in handle.read():
                    os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            continue


async def _close(session: Any, *, kill_first: bool) -> None:
    """Close the session; after a failure kill its Chromium first, so that no thread waits on it."""
    if kill_first:
        _kill_browser(session)
    try:
        await asyncio.wait_for(session.close(), 5 if kill_first else 20)
    except BaseException as exc:  # closing is best effort; the render's own outcome is what matters
        _log.warning("closing the render browser failed: %s", exc)
    _kill_browser(session)
    _remove_folders(session)


def _remove_folders(session: Any) -> None:
    """Remove the session's page and profile folders (what close() would have removed, had it finished)."""
    for folder in (getattr(session, "_html_tmp_dir", None),
                   getattr(getattr(session, "_browser_impl", None), "tmp_dir", None)):
        path = getattr(folder, "path", None)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def _run(coroutine_factory, timeout: float) -> bytes:
    """Run a coroutine to completion in a fresh event loop on a helper thread, waiting at most
    ``timeout`` plus a grace period (so a library that hangs can never hang the caller)."""
    result: dict[str, Any] = {}

    def worker():
        try:
            result["value"] = asyncio.run(coroutine_factory())
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=worker, name="briefing-render", daemon=True)
    thread.start()
    thread.join(timeout + 30)
    if thread.is_alive():
        raise _Deadline()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _session_options() -> dict[str, Any]:
    return dict(page_generator=page_generator(), proxy_server=BLACKHOLE_PROXY)


def _failure(exc: BaseException, chromium: str, timeout: float) -> ExportError:
    """The one-line error an analyst reads for whatever the render raised."""
    if isinstance(exc, ExportError):
        return exc
    if isinstance(exc, (_Deadline, TimeoutError, concurrent.futures.TimeoutError)):
        return RenderTimeout(f"Rendering took longer than {timeout:g} s and was stopped")
    if type(exc).__name__ == "ChromeNotFoundError":
        return ChromiumNotFound(chromium)
    message = " ".join(str(exc).split())[:200] or type(exc).__name__
    return RenderFailed(f"Rendering failed: {message}")


def _warm_images(specs: list[dict], opts: dict, device_scale: float, chromium: str, timeout: float,
                 document_title: str) -> list[bytes]:
    """Render on the process's warm browser; a browser that had worked and now fails (it may have died
    since) is replaced and the render tried once more on the fresh one, within the same time."""
    browser = warm.warm_browser(chromium, _session_options())
    reused, began = browser.is_open, time.monotonic()
    try:
        return browser.run(specs, opts, device_scale, document_title, timeout)
    except (TimeoutError, concurrent.futures.TimeoutError):
        raise _Deadline() from None
    except Exception as exc:
        left = timeout - (time.monotonic() - began)
        if not reused or left < 1 or type(exc).__name__ == "ChromeNotFoundError":
            raise
        _log.warning("the warm render browser failed (%s); retrying on a fresh one", exc)
    try:
        return browser.run(specs, opts, device_scale, document_title, left)
    except (TimeoutError, concurrent.futures.TimeoutError):
        raise _Deadline() from None


def _prepare(figure: go.Figure | dict) -> dict:
    """The figure as a plain dict checked offline. A dict is read, never modified (nor copied: with the
    world's outlines inlined a copy took longer than drawing the map); build it with
    :func:`~dashboard.export.service.briefing_spec` rather than from a figure holding the style."""
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    check_offline(spec)
    return clip_outlines(spec)  # the same pixels, a fraction of MapLibre's work


def _chromium() -> str:
    chromium = find_chromium()
    if chromium is None:
        raise ChromiumNotFound()
    return chromium


def render_figure(figure: go.Figure | dict, fmt: str, size: OutputSize, *, document_title: str = "",
                  timeout: float = RENDER_TIMEOUT, queue_timeout: float = QUEUE_TIMEOUT, warm: bool = True) -> bytes:
    """PNG or PDF bytes of ``figure`` at ``size`` (PNG: exactly ``size.width`` x ``size.height`` px).

    ``document_title`` (plain text) becomes the PDF's Title. Blocks the
    calling thread (holding nothing but the render lock). Thread-safe:
    renders are serialised. ``warm`` renders on the process's warm browser
    (:mod:`~dashboard.export.warm`); ``warm=False`` starts a browser for this
    render alone and closes it afterwards.

    Raises
    ------
    ChromiumNotFound
        no Chromium to render with.
    ExportBusy
        another render kept the lock for ``queue_timeout`` seconds.
    RenderTimeout
        the render took longer than ``timeout`` seconds.
    RenderFailed
        the figure is not offline, or Chromium/plotly.js failed.
    ValueError
        ``fmt`` is not ``"png"`` or ``"pdf"``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    spec = _prepare(figure)
    chromium = _chromium()
    opts, device_scale = _opts(fmt, size)
    if not _render_lock.acquire(timeout=queue_timeout):
        raise ExportBusy("Another export is being rendered; please try again in a minute")
    started = time.monotonic()
    try:
        if warm:
            data = _warm_images([spec], opts, device_scale, chromium, timeout, document_title[:200])[0]
        else:
            data = _run(lambda: _render(spec, opts, device_scale, chromium, timeout, document_title[:200]),
                        timeout)
    except Exception as exc:  # kaleido, choreographer and Chromium errors of every kind
        raise _failure(exc, chromium, timeout) from (None if isinstance(exc, (_Deadline, TimeoutError)) else exc)
    finally:
        _render_lock.release()
    _log.info("rendered %s %sx%s in %.1f s", fmt, size.width, size.height, time.monotonic() - started)
    if not data:
        raise RenderFailed("Rendering failed: the browser returned no image")
    return data


def render_frames(figures: Iterable[go.Figure | dict], size: OutputSize, *, timeout: float = RENDER_TIMEOUT,
                  queue_timeout: float = QUEUE_TIMEOUT, on_frame: Callable[[int], None] | None = None) -> list[bytes]:
    """PNG bytes of every figure of ``figures`` at ``size``, in order, all on the warm browser.

    ``figures`` may be a generator: the next figures are built while the
    browser's tabs draw the previous ones (:data:`~.warm.TABS` at a time).
    ``timeout`` bounds the whole job; ``on_frame(n)`` is called with the
    number of frames finished so far (from a helper thread). The render lock
    is held while frames render; between two batches it goes, first come
    first served, to any export waiting for it (a briefing asked for during
    a playback renders then, not after the playback). Raises as
    :func:`render_figure`.
    """
    chromium = _chromium()
    opts, device_scale = _opts("png", size)
    if not _render_lock.acquire(timeout=queue_timeout):
        raise ExportBusy("Another export is being rendered; please try again in a minute")
    deadline = time.monotonic() + timeout
    images: list[bytes] = []
    done = [0]
    counter = threading.Lock()

    def finished(_: int) -> None:
        with counter:
            done[0] += 1
            count = done[0]
        if on_frame is not None:
            on_frame(count)

    held = True
    browser = warm.warm_browser(chromium, _session_options())
    try:
        pending: concurrent.futures.Future[list[bytes]] | None = None
        for chunk in _chunks(iter(figures), warm.TABS):
            specs = [_prepare(f) for f in chunk]  # built while the last chunk renders
            if pending is not None:
                images += browser.wait(pending, max(deadline - time.monotonic(), 0.01))
                pending = None
                if _render_lock.waiting:  # another export asked meanwhile: its turn, then ours again
                    _render_lock.release()
                    held = False
                    held = _render_lock.acquire(timeout=max(deadline - time.monotonic(), 0.01))
            if not held or time.monotonic() >= deadline:
                raise _Deadline()
            pending = browser.submit(specs, opts, device_scale, "", deadline - time.monotonic(), finished)
        if pending is not None:
            images += browser.wait(pending, max(deadline - time.monotonic(), 0.01))
    except Exception as exc:
        if held:  # a failure of another export's render between our batches is not ours to clean up
            browser.kill()
        raise _failure(exc, chromium, timeout) from (None if isinstance(exc, (_Deadline, TimeoutError)) else exc)
    finally:
        if held:
            _render_lock.release()
    if not all(images):
        raise RenderFailed("Rendering failed: the browser returned no image")
    return images


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk
