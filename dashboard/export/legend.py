"""The briefing's legend, made to fit its column: plotly never shrinks a legend, it runs on.

A plotly legend row is at least :data:`LEGEND_MIN_ROW` px high whatever its font (its symbol is
16 px), so a smaller font gains nothing: what does not fit is left out instead, least useful first:
the context layers' entries (towns, highways: the map shows them, named), the note on counts at shared
spots (a screen's "click for the list"), then the group titles.
"""
from __future__ import annotations

import textwrap

import plotly.graph_objects as go

#: A plotly legend row is never shorter than this (px): its symbol's 16 px and 3 px of spacing.
LEGEND_MIN_ROW = 19.0
#: The layers whose legend entries go first when the legend does not fit.
LEGEND_DROPPABLE = ("town-labels", "context", "incidents-count")
#: The legend's font (page units).
LEGEND_FONT = 9.0
#: Average advance of a character, in em (as the briefing's wrapping).
CHAR_EM = 0.58
#: Where an entry's text starts, after its symbol (page units).
ENTRY_INDENT = 44.0


def _wrapped(text: str, chars: int) -> str:
    """Legend text broken into lines of at most ``chars`` (plotly draws a legend as wide as its longest
    line and, past the page's edge, shrinks the whole page to make room)."""
    if len(text) <= chars or "<br>" in text:
        return text
    return "<br>".join(textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False))


def fit_legend(figure: go.Figure, room: float, u: float, width: float) -> float:
    """Wrap the legend's text to ``width`` px and hide what does not fit in ``room`` px (see the
    module's docstring); the font size to use."""
    entries = [t for t in figure.data if t.type == "scattermap" and t.showlegend is not False]
    per_char = CHAR_EM * LEGEND_FONT * u
    for trace in entries:
        if trace.name:
            trace.name = _wrapped(str(trace.name), max(int((width - ENTRY_INDENT * u) / per_char), 10))
        if trace.legendgrouptitle and trace.legendgrouptitle.text:
            trace.legendgrouptitle.text = _wrapped(str(trace.legendgrouptitle.text), max(int(width / per_char), 10))

    def rows(text: str | None) -> int:
        return 0 if not text else text.count("<br>") + 1

    def height() -> float:
        line = 1.3 * LEGEND_FONT * u
        titles = {t.legendgroup: t.legendgrouptitle.text for t in entries
                  if t.legendgrouptitle and t.legendgrouptitle.text}
        total = sum(max(LEGEND_MIN_ROW, line * rows(str(t.name or "x")) + 3) for t in entries)
        total += sum(max(LEGEND_MIN_ROW, line * rows(str(text)) + 3) for text in titles.values())
        return total + len({t.legendgroup for t in entries}) * 5 * u + 6 * u

    for meta in LEGEND_DROPPABLE:
        if height() <= room:
            return LEGEND_FONT
        for trace in [t for t in entries if t.meta == meta]:
            trace.showlegend = False
            entries.remove(trace)
    if height() > room:
        for trace in entries:
            trace.legendgrouptitle = None
    return LEGEND_FONT
