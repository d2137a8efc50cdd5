"""One export end to end: state and view in, file name, MIME type and bytes out.

The UI callbacks and the CLI both call these, so a briefing regenerated from
a shared link is built by the same code as the one downloaded in the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import plotly.graph_objects as go

from geodata import FilterState, IncidentStore

from .briefing import build_briefing, clean_title, default_title
from .links import view_link
from .naming import MIME_TYPES, export_filename
from .provenance import Provenance
from .render import ASSETS, QUEUE_TIMEOUT, RENDER_TIMEOUT, offline_map_style, render_figure
from .sizes import OutputSize
from .tables import csv_bytes, geojson_bytes
from .view import MapView

BRIEFING_FORMATS = ("png", "pdf")
TABLE_FORMATS = ("csv", "geojson")


def link_of(store: IncidentStore, state: FilterState, view: MapView | None, app_url: str) -> str:
    """The view's link, naming the dataset and its version so a reader knows what it showed."""
    return view_link(app_url, state, view, dataset=store.name, version=getattr(store.dataset, "version", ""))


@dataclass(frozen=True)
class Export:
    """A finished export, ready to download or write."""

    filename: str
    mime: str
    content: bytes


def briefing_figure(store: IncidentStore, state: FilterState, view: MapView, *, title: object,
                    size: OutputSize, app_url: str, generated_at: datetime | None = None,
                    screen: tuple[float, float] | None = None) -> go.Figure:
    """The briefing figure with the offline map style, ready for :func:`render_figure`.

    ``screen`` is the size of the analyst's map in CSS px, when known (see
    :func:`~.view.screen_size`); the link printed keeps the screen's view.
    """
    return build_briefing(
        store, state, view, title=clean_title(title, default_title(store)), size=size.layout,
        generated_at=generated_at or datetime.now(timezone.utc), link=link_of(store, state, view, app_url),
        base_url=ASSETS.as_uri() + "/", map_style=offline_map_style(), screen=screen,
    )


def briefing_export(store: IncidentStore, state: FilterState, view: MapView, *, fmt: str, title: object,
                    size: OutputSize, app_url: str, generated_at: datetime | None = None,
                    screen: tuple[float, float] | None = None,
                    timeout: float = RENDER_TIMEOUT, queue_timeout: float = QUEUE_TIMEOUT) -> Export:
    """The briefing as PNG or PDF (see :func:`render_figure` for the errors raised)."""
    if fmt not in BRIEFING_FORMATS:
        raise ValueError(f"a briefing is {' or '.join(BRIEFING_FORMATS)}, not {fmt!r}")
    figure = briefing_figure(store, state, view, title=title, size=size, app_url=app_url,
                             generated_at=generated_at, screen=screen)
    content = render_figure(figure, fmt, size, timeout=timeout, queue_timeout=queue_timeout,
                            document_title=clean_title(title, default_title(store)))
    return Export(export_filename(store.name, state.start, state.end, "briefing", fmt), MIME_TYPES[fmt], content)


def table_export(store: IncidentStore, state: FilterState, *, fmt: str, app_url: str,
                 view: MapView | None = None, generated_at: datetime | None = None) -> Export:
    """The filtered incidents as CSV or GeoJSON."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"a table is {' or '.join(TABLE_FORMATS)}, not {fmt!r}")
    provenance = Provenance.of(store, state, link_of(store, state, view, app_url), generated_at)
    writer = csv_bytes if fmt == "csv" else geojson_bytes
    return Export(export_filename(store.name, state.start, state.end, "incidents", fmt), MIME_TYPES[fmt],
                  writer(store, state, provenance))
