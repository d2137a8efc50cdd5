"""The link of a view: the app URL with the filter state (and map view) in the query string.

One pure function builds it and one parses it, so the briefing's footer,
the CLI and (later) the app's own URL handling agree. Query keys: ``start``
and ``end`` (ISO dates, end inclusive); ``type`` repeated per event type
(absent = every type, one empty ``type=`` = none); ``layer`` repeated per
map layer (absent = every layer, ``layer=`` = none); ``lat``, ``lon``,
``zoom`` for the map view.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from geodata import FilterState
from geodata.filters import DEFAULT_LAYERS, MAX_CHOICES

from .view import MapView, _view

#: Longest link accepted from outside (a real one is a few hundred characters).
MAX_LINK = 4000


def view_link(base_url: str, state: FilterState, view: MapView | None = None) -> str:
    """``base_url`` with ``state`` (and ``view``) in its query string; any old query is dropped."""
    parts = urlsplit(base_url)
    query: list[tuple[str, Any]] = [("start", state.start.isoformat()), ("end", state.end.isoformat())]
    if state.event_types is not None:
        query += [("type", t) for t in state.event_types] or [("type", "")]
    if state.layers != DEFAULT_LAYERS:
        query += [("layer", layer) for layer in sorted(state.layers)] or [("layer", "")]
    if view is not None:
        query += [("lat", f"{view.lat:.5f}"), ("lon", f"{view.lon:.5f}"), ("zoom", f"{view.zoom:.2f}")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def parse_view_link(url: str, bounds: tuple[date, date]) -> tuple[FilterState, MapView | None, str]:
    """The filter state, map view (``None`` if the link has none) and app base URL of a link.

    The state is clamped to ``bounds``; malformed parts take their defaults,
    as :meth:`FilterState.from_dict` does.

    Raises
    ------
    ValueError
        the link is not an http(s) URL or is unreasonably long.
    """
    if not isinstance(url, str) or len(url) > MAX_LINK:
        raise ValueError("the link is not a URL of a reasonable length")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) link to the app: {url[:80]!r}")
    query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=2 * MAX_CHOICES)
    data: dict[str, Any] = {"start": _first(query, "start"), "end": _first(query, "end")}
    if "type" in query:
        data["event_types"] = [t for t in query["type"] if t]
    if "layer" in query:
        data["layers"] = [layer for layer in query["layer"] if layer]
    state = FilterState.from_dict(data, bounds)
    view = _view(_float(_first(query, "lat")), _float(_first(query, "lon")), _float(_first(query, "zoom")))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    return state, view, base


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None and len(text) < 32 else None
    except ValueError:
        return None
