"""Colours, sizes and text helpers shared by every figure builder."""
from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping, Sequence
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
#: Colours of categories that the table above does not name (actors, sub-types, precision, another
#: source's event types): Okabe–Ito's, in its order, black last. ``tests/dashboard/figures/test_palette_cvd.py``
#: checks them under simulated colour-vision deficiencies; the marks (:func:`category_marks`) tell apart
#: the pairs that come close.
CATEGORY_PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
#: The bucket of every category past the top few (see ``dashboard.views.colours``).
OTHER_CATEGORY = "Other"
#: Grey discs for the people displaced as of a date, brown rings for those displaced in a period: they
#: differ in colour and in pattern (see ``figures/map.py``), and from every incident colour.
DISPLACEMENT_COLOURS = {"stock": "#7f7f7f", "flow": "#8c510a"}
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


#: Marker diameter (px) of every incident point when the size is fixed.
FIXED_SIZE = 11


def type_colour(event_type: str) -> str:
    return EVENT_TYPE_COLOURS.get(event_type, OTHER_TYPE_COLOUR)


def category_colours(names: Sequence[str], fixed: Mapping[str, str] = EVENT_TYPE_COLOURS) -> list[str]:
    """A colour per category: its own when ``fixed`` names it, else the next palette colour no other
    category of the list has (then round again); "Other" grey. Same list in, same colours out."""
    taken = {fixed[n] for n in names if n in fixed}
    free = [c for c in CATEGORY_PALETTE if c not in taken] or list(CATEGORY_PALETTE)
    out, spare = [], 0
    for name in names:
        if name in fixed:
            out.append(fixed[name])
        elif name == OTHER_CATEGORY:
            out.append(OTHER_TYPE_COLOUR)
        else:
            out.append(free[spare % len(free)])
            spare += 1
    return out


def category_marks(names: Sequence[str]) -> list[str]:
    """One distinct letter or digit per category, drawn on its points so that colour is not the only
    cue: the first free initial of its words, else any free letter of it, else a digit; "" when none
    is left; "+" for "Other". ASCII only (the map's glyphs have it; a name in another script gets a digit)."""
    used: set[str] = set()
    marks = []
    for name in names:
        if name == OTHER_CATEGORY:
            marks.append("+")
            continue
        plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().upper()
        words = [w for w in plain.replace("/", " ").replace("-", " ").split() if w[:1].isalnum()]
        choices = [w[0] for w in words] + [c for c in plain if c.isalpha()] + list("123456789")
        mark = next((c for c in choices if c not in used), "")
        used.add(mark)
        marks.append(mark)
    return marks


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb): WCAG relative luminance."""
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


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
