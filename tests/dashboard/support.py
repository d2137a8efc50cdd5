"""Helpers for the dashboard's tests: checks and shortcuts the app itself never needs."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import plotly.graph_objects as go

from dashboard import ids
from dashboard.export.naming import export_stem
from dashboard.state.controls import range_label, reconcile
from dashboard.state.page import page_context
from geodata import FilterState, IncidentStore


def sync_controls(trigger: str | None, start_date: Any, end_date: Any, slider: Any, event_types: Any,
                  layers: Any, store: IncidentStore) -> tuple[str, str, list[int], dict, str]:
    """Reconcile picker, slider, types and layers alone (the other controls at their defaults).

    Returns the picker dates, the slider value, the filter state (as a dict)
    and a label of the range, all describing the same dates.
    """
    context = page_context(store)
    values = {"picker_start": start_date, "picker_end": end_date, "slider": slider,
              "event_types": event_types, "layers": layers}
    name = {ids.DATE_SLIDER: "slider", ids.DATE_PICKER: "picker_start"}.get(trigger, trigger or "picker_start")
    outcome = reconcile(name, values, context)
    shown = outcome.controls
    return (shown["picker_start"], shown["picker_end"], shown["slider"], outcome.page.filter.to_dict(),
            range_label(outcome.page.filter))


def incident_point_count(figure: go.Figure) -> int:
    """Points drawn by the incident layer (traces with ``meta == "incidents"`` on the map)."""
    return sum(drawn(t) for t in figure.data if t.meta == "incidents" and t.type == "scattermap")


def assert_offline(style: dict, allowed_origin: str, *, allow_relative: bool = False) -> None:
    """Raise ``ValueError`` unless every URL in ``style`` is under ``allowed_origin``.

    ``allowed_origin`` is a scheme + host (+ port) such as
    ``"http://127.0.0.1:8050"``, optionally with a path prefix
    (``"http://127.0.0.1:8050/assets/"``) that every URL must start with.
    Scheme-relative (``//host/...``) URLs are always refused.  Root-relative
    URLs (``/assets/...``) stay on whatever origin serves the page; they pass
    (still checked against the path prefix) only with ``allow_relative=True``,
    any other relative URL is refused.
    """
    allowed = urlsplit(allowed_origin)
    if not (allowed.scheme and allowed.netloc):
        raise ValueError(f"allowed_origin must be absolute, got {allowed_origin!r}")
    prefix = allowed.path or "/"
    bad = []
    for where, url in _urls(style):
        parts = urlsplit(url)
        relative = allow_relative and not parts.scheme and not parts.netloc and url.startswith("/")
        if not relative and (parts.scheme.lower(), parts.netloc.lower()) != (
                allowed.scheme.lower(), allowed.netloc.lower()):
            bad.append(f"{where}: {url}")
        elif not parts.path.startswith(prefix):
            bad.append(f"{where}: {url} (outside {prefix})")
    if bad:
        raise ValueError("style reaches outside the app: " + "; ".join(bad))


def _urls(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, value) of every string in ``node`` that names a resource."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and key in ("glyphs", "sprite", "url", "data"):
                found.append((sub, value))
            else:
                found.extend(_urls(value, sub))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            sub = f"{path}[{i}]"
            if isinstance(value, str) and path.endswith(("tiles", "urls", "sprite")):
                found.append((sub, value))
            else:
                found.extend(_urls(value, sub))
    elif isinstance(node, str) and "//" in node:
        found.append((path, node))  # any other string that looks like a URL
    return found


def camera_file_name(filter_data: Any, store: IncidentStore) -> str:
    """The name the map's camera button saves under for this filter (without ``.png``).

    The app computes it in the browser (:data:`dashboard.callbacks.export.CAMERA_JS`); this is the same
    rule in Python, for tests and for other callers.
    """
    state = FilterState.from_dict(filter_data, store.date_range())
    return export_stem(store.name, state.start, state.end, "map")


def drawn(trace) -> int:
    """Points a map trace draws: its coordinates that exist (an empty trace is sent as one point
    without coordinates, see ``dashboard.figures.map.with_uids``)."""
    return sum(1 for lat in (trace.lat if trace.lat is not None else ()) if lat is not None)


def find_component(node, component_id):
    """The component with ``component_id`` in a Dash layout tree, or ``None``."""
    if getattr(node, "id", None) == component_id:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if (found := find_component(child, component_id)) is not None:
            return found
    return None
