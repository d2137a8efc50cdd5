"""Figures as plain dicts, for the callbacks' hot path.

Why: plotly's object model validates every property and deep-copies the
figure when it serialises it; for a map of a few thousand points that
costs 10–170 ms a callback, several times the filtering itself. The
builders produce plain ``{"data": [...], "layout": {...}}`` dicts holding
numpy arrays; :func:`encoded` turns those arrays into plotly.js typed
arrays (base64, a few bytes a value) for the wire. Plotly still checks
them, in tests: ``tests/dashboard/test_figures_valid.py`` puts every kind
of figure through :func:`validated`.
"""
from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go

#: numpy dtypes plotly.js reads as typed arrays, with its short names.
_TYPED = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}


def trace(kind: str, **props: Any) -> dict:
    """One trace: ``trace("scattermap", lat=..., lon=...)``."""
    return {"type": kind, **props}


def figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": layout}


def typed(values: np.ndarray) -> Any:
    """A numeric array as a plotly.js typed array (``{"dtype", "bdata"}``); 64-bit integers are
    narrowed to 32 bits (plotly.js has no 64-bit integer arrays); anything else as a list."""
    if values.dtype.kind in "iu" and values.dtype.itemsize == 8:
        values = values.astype(np.int32 if values.dtype.kind == "i" else np.uint32)
    short = _TYPED.get(values.dtype.name)
    if short is None or values.size == 0:
        return values.tolist()
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(values).tobytes()).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = ",".join(map(str, values.shape))
    return spec


class Ready(dict):
    """A dict that holds no numpy values (a map style, say): :func:`encoded` passes it through
    without walking it. Shared between figures: never change one."""


def encoded(value: Any) -> Any:
    """A copy of ``value`` ready for JSON: numpy arrays become typed arrays or lists; nothing else
    is copied deeper than needed (strings and numbers are shared, :class:`Ready` dicts kept)."""
    if isinstance(value, Ready):
        return value
    if isinstance(value, dict):
        return {key: encoded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encoded(item) for item in value]
    if isinstance(value, np.ndarray):
        return typed(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def as_figure(fig: dict) -> go.Figure:
    """The same figure as a plotly object (unvalidated), for code that reads it: export, tests."""
    return go.Figure(fig, _validate=False)


def validated(fig: dict | go.Figure) -> go.Figure:
    """The figure through plotly's validating constructor: raises ``ValueError`` on any property
    plotly does not know or value it does not accept."""
    return go.Figure(fig.to_plotly_json() if isinstance(fig, go.Figure) else fig)
