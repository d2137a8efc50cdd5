"""The link of a view: the app URL with the filter state (and map view) in the query string.

:func:`view_link` is the one place the export builds a link (briefing
footer, file headers, CLI); the query format itself belongs to
:mod:`dashboard.state.url`, so a link from a briefing reopens the app on the
same state, and the CLI reads the links the app shares.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dashboard.state.mapview import MapView
from dashboard.state.url import PageState, display_from_dict, from_query, to_query
from geodata import FilterState

#: Longest link accepted from outside (a real one is a few hundred characters).
MAX_LINK = 8000


def public_base(public_url: str | None, app_path: str = "/") -> str:
    """The base of every link an export prints: ``CONFLICT_MAP_PUBLIC_URL`` followed by the app's
    path, or the path alone (a relative link, which the export says) when no public URL is set.

    Never the request's Host header nor the address a script was given: a client or a tunnel
    chooses those, and a briefing is read by people who cannot reach them.
    """
    path = "/" + (app_path or "/").lstrip("/")
    return (public_url or "").rstrip("/") + path


def rebase(base_url: str, public_url: str | None) -> str:
    """A shared link's base moved to the public address: kept if it is already under ``public_url``,
    else its path on the server under ``public_url`` (or alone, relative, without one)."""
    if public_url and base_url.startswith(public_url.rstrip("/") + "/"):
        return base_url
    return public_base(public_url, urlsplit(base_url).path)


def view_link(base_url: str, state: FilterState, view: MapView | None = None, *,
              dataset: str = "", version: str = "", display: Any = None) -> str:
    """``base_url`` (its path kept, any old query dropped) with ``state``, ``view`` and the ``display``
    settings (the ``display`` store's dict, checked here) as its query."""
    parts = urlsplit(base_url)
    settings = display_from_dict(display) if isinstance(display, dict) else {}
    query = to_query(PageState(filter=state, view=view, dataset=dataset, version=version,
                               **settings)).lstrip("?")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def parse_view_link(url: str, bounds: tuple[date, date]) -> tuple[PageState, str]:
    """The page state in a shared link (clamped to ``bounds``) and the app's base URL.

    Malformed parts of the query take their defaults, as the app does.

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
    base = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    return from_query(parts.query, bounds), base
