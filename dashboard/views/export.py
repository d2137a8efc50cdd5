"""The export panel's answer: a click on an export button, checked, turned into a download and a
status line (the briefing or the data file comes from :mod:`dashboard.export.service`)."""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from dash import dcc, no_update

from dashboard import ids
from dashboard.export.provenance import link_note, utc_stamp
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
from dashboard.server.cache import ResultCache
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
