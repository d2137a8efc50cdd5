"""Colours, sizes and text helpers shared by every figure builder."""
from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

#: Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
EVENT_TYPE_COLOURS = {
    "Battles": "#D55E00",
    "Explosions/Remote violence": "#0072B2",
    "Violence against civilians": "#CC79A7",
    "Strategic developments": "#009E73",
    "Protests": "#E69F00",
    "Riots": "#56B4E9",
}
OTHER_TYPE_COLOUR = "#666666"
DISPLACEMENT_COLOURS = {"stock": "#7f7f7f", "flow": "#3d3d3d"}
CONTEXT_COLOUR = "#8a8a8a"
AGGREGATE_COLOUR = "#4b3f72"
SELECTION_FILL = "rgba(0, 114, 178, 0.10)"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif"


def cell_text(value: Any) -> str:
    """A table cell as text; missing (None, NA, NaN) as ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


#: Longest data text a control, legend or cell shows; the full text stays in the data (and the detail panel).
LABEL_LIMIT = 120


def clip(text: object, limit: int = LABEL_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: one 30,000-character name must not stall the page."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: object) -> str:
    """Escape data text for a plotly label: tags become text; quotes stay quotes (plotly shows
    ``&quot;`` literally, and a quote cannot open a tag in a text node)."""
    return html.escape(str(text), quote=False)


def fatality_text(best: Any, low: Any, high: Any, *, missing: str = "not reported",
                  range_words: str = "reported range ") -> str:
    """'34 (reported range 33–34)', '18' or ``missing``; a range only where the source gives one."""
    best, low, high = cell_text(best), cell_text(low) or cell_text(best), cell_text(high) or cell_text(best)
    if not best:
        return missing
    return best if low == high else f"{best} ({range_words}{low}–{high})"


def marker_diameter(fatalities: np.ndarray) -> np.ndarray:
    """Incident marker diameter in px (float32): area grows with reported fatalities; unknown = smallest."""
    deaths = np.nan_to_num(np.asarray(fatalities, dtype=np.float32), nan=0.0).clip(min=0)
    return np.minimum(8.0 + 2.4 * np.sqrt(deaths), 34.0)


def type_colour(event_type: str) -> str:
    return EVENT_TYPE_COLOURS.get(event_type, OTHER_TYPE_COLOUR)


def escape(values: pd.Series, limit: int = 300) -> np.ndarray:
    """HTML-escape data text for hover labels (plotly renders some tags in them).

    Missing values become an empty string; long text is cut at ``limit``
    characters. Escapes each distinct value once, so it stays cheap on
    repetitive columns such as actors and sources.
    """
    text = values.astype("string").fillna("")
    uniques = pd.unique(text)
    table = {u: html.escape(u if len(u) <= limit else u[: limit - 1] + "…", quote=False) for u in uniques}
    return text.map(table).to_numpy(dtype=object)


def format_count(value: float) -> str:
    """12345 -> '12,345'."""
    return f"{int(round(value)):,}"


def short_count(value: float) -> str:
    """948000 -> '948k', 1000000 -> '1M' (labels on map symbols)."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2g}M"
    if value >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{int(value)}"


def format_day(value) -> str:
    """A date as '27 Feb 2020' (no leading zero)."""
    return f"{value.day} {value:%b %Y}" if hasattr(value, "day") else format_day(pd.Timestamp(value))
