"""The export panel's answer: a click on an export button, checked, turned into a download and a
status line (the briefing or the data file comes from :mod:`dashboard.export.service`)."""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

from dash import dcc, no_update

from dashboard import ids
from dashboard.export.animation import (
    MAX_FRAMES,
    PLAYBACK_FORMATS,
    PlaybackOptions,
    frame_windows,
    playback_export,
)
from dashboard.export.briefing import default_title
from dashboard.export.provenance import BASEMAP_SOURCE, link_note, public_attribution, utc_stamp
from dashboard.export.render import ExportError
from dashboard.export.service import (
    BRIEFING_FORMATS,
    SIDECAR,
    Export,
    ExportQueue,
    briefing_export,
    pack_export,
    table_export,
)
from dashboard.export.sizes import PRESETS
from dashboard.export.view import screen_size
from dashboard.server.cache import ResultCache, cache_key
from dashboard.state.controls import Playback
from dashboard.state.mapview import opening_view, read_relayout, view_from_store
from dashboard.state.url import display_from_dict
from geodata import FilterState, IncidentStore

#: Which button makes which file.
BUTTONS = {ids.EXPORT_PNG: "png", ids.EXPORT_PDF: "pdf", ids.EXPORT_PACK: "zip", ids.EXPORT_CSV: "csv",
           ids.EXPORT_PROVENANCE: SIDECAR, ids.EXPORT_GEOJSON: "geojson"}
#: The exports that render a briefing (a Chromium render, seconds of CPU).
RENDERED = (*BRIEFING_FORMATS, "zip")


#: Seconds a briefing waits for another one to finish rendering before saying "busy".
UI_QUEUE_TIMEOUT = 20.0


def _size_text(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{max(count // 1000, 1)} kB"


def run_export(trigger: Any, filter_data: Any, saved_view: Any, relayout: Any, title: Any, size: Any,
               store: IncidentStore, app_url: str, cache: ResultCache | None = None,
               queue: ExportQueue | None = None, display: Any = None) -> tuple[Any, str]:
    """(download data or ``no_update``, status line) for a click on one of the export buttons.

    The map view is the view store's (``ids.MAP_VIEW``: every pan, and every
    move the app makes on purpose), else the last ``relayoutData``, else the
    dataset's default view; their visible corners (if reported) give the
    size of the analyst's map, so that the briefing shows the same extent.

    Everything from the browser is checked: an unknown trigger or size is
    refused, the state and view are parsed with fallbacks, the title is
    cleaned (and escaped where it is drawn). File names come from the
    dataset name and dates only.

    A briefing found in ``cache`` (the app's result cache) is not rendered
    again; the status line then says when it was rendered, the time its page
    is stamped with.

    With ``queue`` (the process's export queue) an export waits for its turn
    there, and past the queue's bound the status line says "busy, try again".
    An ``app_url`` that is only a path (no ``CONFLICT_MAP_PUBLIC_URL``) gives a
    relative "View" link, and the status line says so.
    """
    fmt = BUTTONS.get(trigger) if isinstance(trigger, str) else None
    if fmt is None:
        return no_update, ""
    preset = size if isinstance(size, str) and size in PRESETS else None
    if fmt in RENDERED and preset is None:
        return no_update, "Choose a briefing size."
    state = FilterState.from_dict(filter_data, store.date_range())
    view = view_from_store(saved_view)
    corners = saved_view.get("corners") if view is not None else None
    if view is None:
        view, corners = read_relayout(relayout)
    view = view or opening_view(store.dataset.view, store.extent)
    screen = screen_size(view, corners)
    try:
        with queue.ticket() if queue is not None else nullcontext():
            result = _make(fmt, store, state, view, title, preset, app_url, screen, cache,
                           display_from_dict(display))
    except ExportError as error:
        return no_update, str(error)
    download = dcc.send_bytes(result.content, result.filename, type=result.mime)
    size_text = _size_text(len(result.content))
    relative = f" Its View link is {link_note(app_url)}." if link_note(app_url) and fmt != "csv" else ""
    if result.cached and result.generated_at is not None:
        return download, (f"Downloaded {result.filename} ({size_text}, rendered at "
                          f"{utc_stamp(result.generated_at)}).{relative}")
    return download, f"Downloaded {result.filename} ({size_text}).{relative}"


def _make(fmt: str, store: IncidentStore, state: FilterState, view: Any, title: Any, preset: str | None,
          app_url: str, screen: Any, cache: ResultCache | None, display: dict[str, Any]) -> Export:
    """One export of ``fmt`` (the caller holds the export queue's ticket)."""
    if fmt in BRIEFING_FORMATS:
        return briefing_export(store, state, view, fmt=fmt, title=title, size=PRESETS[str(preset)],
                               app_url=app_url, screen=screen, display=display, queue_timeout=UI_QUEUE_TIMEOUT,
                               cache=cache)
    if fmt == "zip":
        return pack_export(store, state, view, title=title, size=PRESETS[str(preset)], app_url=app_url,
                           screen=screen, display=display, queue_timeout=UI_QUEUE_TIMEOUT, cache=cache)
    return table_export(store, state, fmt=fmt, app_url=app_url, view=view, display=display)


# ------------------------------------------------------------------ playback
#: Frames a playback made on the page may have: its answer must come back before the proxy's read
#: timeout (120 s, deploy/nginx); the command line makes up to animation.MAX_FRAMES.
PAGE_MAX_FRAMES = 60
PAGE_PLAYBACK_TIMEOUT = 100.0
#: Progress of the playbacks being made in this process, by progress key (the cache shares it across workers).
_progress: dict[str, str] = {}


def playback_options(step: Any, mode: Any, window: Any, speed: Any, file_step: Any = None) -> PlaybackOptions:
    """The page's playback controls as the file's options (malformed values take the page's defaults):
    its step and window; its speed (1×, 2×, 4×: one, two, four steps a second) as frames a second.
    ``file_step`` "month" (the export panel's choice) steps the file by calendar months instead."""
    playback = Playback.parse(False, step, mode, window)
    fps = float(speed) if speed in (1, 2, 4) and not isinstance(speed, bool) else 1.0
    steps = "month" if file_step == "month" else "week" if playback.step_days == 7 else "day"
    return PlaybackOptions(step=steps, mode=playback.mode,
                           window_days=playback.window_days, fps=fps)


def progress_key(store: IncidentStore, filter_data: Any, fmt: Any, options: PlaybackOptions) -> str:
    """The key the playback's progress is kept under: the same for the export and for the page's poll."""
    state = FilterState.from_dict(filter_data, store.date_range())
    return "playback-progress:" + cache_key(store.name, getattr(store.dataset, "version", ""), state.to_dict(),
                                            str(fmt), asdict(options))


def _set_progress(key: str, text: str, cache: ResultCache | None) -> None:
    if text:
        _progress[key] = text
    else:
        _progress.pop(key, None)
    if cache is not None:
        cache.set(key, text.encode())


def playback_progress(key: str, cache: ResultCache | None = None) -> str:
    """'Rendering frame 7 of 20…' while that playback is made (in this process, or in any sharing ``cache``)."""
    if key in _progress:
        return _progress[key]
    value = cache.get(key) if cache is not None else None
    return value.decode("utf-8", "replace") if value else ""


def page_playback_progress(store: IncidentStore, filter_data: Any, fmt: Any, step: Any, mode: Any, window: Any,
                           speed: Any, cache: ResultCache | None = None, file_step: Any = None) -> str:
    """The progress line of the playback the page's controls describe (polled while it is made)."""
    options = playback_options(step, mode, window, speed, file_step)
    return playback_progress(progress_key(store, filter_data, fmt, options), cache)


def run_playback_export(fmt: Any, filter_data: Any, saved_view: Any, relayout: Any, title: Any, step: Any,
                        mode: Any, window: Any, speed: Any, store: IncidentStore, app_url: str,
                        cache: ResultCache | None = None, queue: ExportQueue | None = None,
                        display: Any = None, file_step: Any = None) -> tuple[Any, str]:
    """(download or ``no_update``, status line) for the 'Export playback' button: the dates on the page
    played with the page's playback settings (or a month a frame), as a GIF, an MP4 or a storyboard PDF."""
    if fmt not in PLAYBACK_FORMATS:
        return no_update, "Choose GIF, MP4 or storyboard."
    options = playback_options(step, mode, window, speed, file_step)
    state = FilterState.from_dict(filter_data, store.date_range())
    frames = len(frame_windows(state.start, state.end, options))
    if frames > PAGE_MAX_FRAMES:
        return no_update, (f"This playback would have more than {PAGE_MAX_FRAMES} frames; choose a week or a month "
                           f"a frame, or fewer dates (the command line makes up to {MAX_FRAMES}).")
    view = view_from_store(saved_view)
    corners = saved_view.get("corners") if view is not None else None
    if view is None:
        view, corners = read_relayout(relayout)
    view = view or opening_view(store.dataset.view, store.extent)
    key = progress_key(store, filter_data, fmt, options)
    try:
        with queue.ticket("playback") if queue is not None else nullcontext():
            result = playback_export(
                store, state, view, fmt=fmt, options=options, title=title, app_url=app_url,
                screen=screen_size(view, corners), display=display_from_dict(display),
                timeout=PAGE_PLAYBACK_TIMEOUT, queue_timeout=UI_QUEUE_TIMEOUT,
                progress=lambda done, total: _set_progress(key, f"Rendering frame {done} of {total}…", cache))
    except (ExportError, ValueError) as error:
        return no_update, str(error)
    finally:
        _set_progress(key, "", cache)
    return (dcc.send_bytes(result.content, result.filename, type=result.mime),
            f"Downloaded {result.filename} ({_size_text(len(result.content))}, {frames} frames).")


def camera_band(store: IncidentStore) -> dict[str, str]:
    """What the camera's picture says under the map besides the dates (assets/camera.js draws it):
    the briefing's default title and the sources, without internal paths."""
    attribution = public_attribution(store.dataset.attribution)
    sources = f"Incidents: {store.dataset.title}" + (f". {attribution.rstrip('.')}" if attribution else "")
    return {"title": default_title(store),
            "sources": f"{sources}. {BASEMAP_SOURCE}. Generated by conflict-map."}


