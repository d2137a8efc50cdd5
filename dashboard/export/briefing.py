"""The briefing page as ONE plotly figure: title, map with legend, scale bar and north
arrow, headline figures, timeline strip, sources, time stamp and link.

Why one figure: a single kaleido render gives the PNG and a one-page PDF
whose text stays vector (searchable, crisp at any zoom); the map is the
only raster. The layers, headline and timeline come from the same functions
the dashboard's callbacks use (:func:`~dashboard.views.map.update_map` and
friends in :mod:`dashboard.views`), so the briefing shows exactly what the screen shows for the same
:class:`~geodata.FilterState`; only their placement changes.

Everything is placed in paper coordinates on a page of ``width`` x
``height`` CSS px (margins 0), sized from a unit ``u`` (1 on a 960x540
slide) so that the page keeps its proportions at every size. This module is
pure: no I/O, no clock (the caller passes ``generated_at``).
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from datetime import datetime

import plotly.graph_objects as go

from dashboard.export.labels import PAD_PX, Label, declutter_traces
from dashboard.export.legend import fit_legend
from dashboard.export.page import INK, MUTED, RULE, Box, Page
from dashboard.export.provenance import (
    area_names,
    basemap_words,
    date_range_words,
    displacement_sources,
    filter_words,
    incident_sources,
    link_note,
    public_attribution,
    utc_stamp,
)
from dashboard.export.view import fit_view, relayout_for, scale_bar
from dashboard.figures.style import FONT_FAMILY, esc, format_day, short_count
from dashboard.state.mapview import MapView
from dashboard.views.headline import update_headline
from dashboard.views.map import update_map
from dashboard.views.timeline import update_timeline
from geodata import FilterState, IncidentStore

MAX_TITLE = 120
#: Average advance of a DejaVu Sans character, in em (for wrapping text plotly will not wrap).
CHAR_EM = 0.56
#: A link's font: monospaced, without the "fl"/"fi" ligatures a proportional font draws (a ligature
#: copied from the PDF is one character, and the copied link is broken).
LINK_FONT = "'DejaVu Sans Mono', 'Liberation Mono', monospace"
#: Advance of a :data:`LINK_FONT` character (DejaVu Sans Mono's is 0.602 em), with room to spare.
LINK_CHAR_EM = 0.64


def default_title(store: IncidentStore) -> str:
    """The title a briefing gets when the analyst types none."""
    return store.dataset.short_title or store.dataset.title


def clean_title(text: object, fallback: str) -> str:
    """A user's title as plain text: one line, no control characters, at most :data:`MAX_TITLE`."""
    if not isinstance(text, str):
        return fallback
    words = "".join(ch if ch.isprintable() else " " for ch in text[: 4 * MAX_TITLE]).split()
    title = " ".join(words)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return title or fallback


def _wrap(text: str, width_px: float, font_px: float, max_lines: int | None = None) -> list[str]:
    """Plain ``text`` broken into lines that fit ``width_px`` (plotly does not wrap annotations)."""
    chars = max(int(width_px / (CHAR_EM * font_px)), 10)
    lines = textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return lines


def _link_lines(link: str, width_px: float, font_px: float) -> list[str]:
    """``link`` in lines that fit ``width_px`` in :data:`LINK_FONT`: broken after an ``&`` where it can
    be, inside a parameter only when one is longer than a line (a URL survives copying from the PDF)."""
    chars = max(int(width_px / (LINK_CHAR_EM * font_px)), 10)
    tokens: list[str] = []
    for token in re.split(r"(?<=&)", link):
        tokens += [token[i:i + chars] for i in range(0, len(token), chars)] or [""]
    lines, line = [], ""
    for token in tokens:
        if line and len(line) + len(token) > chars:
            lines.append(line)
            line = ""
        line += token
    lines.append(line)
    return lines


def _wrap_link(prefix: str, link: str, width_px: float, font_px: float, max_lines: int | None = None) -> list[str]:
    """``prefix`` (wrapped as prose) then ``link`` on the lines after it, each line within ``width_px``
    (for pages that print both in one font; ``max_lines`` is accepted and ignored: a link is never cut)."""
    return _wrap(prefix.rstrip(), width_px, font_px) + _link_lines(link, width_px, font_px)


def _sources_lines(store: IncidentStore, state: FilterState, page: Page, width: float, size: float) -> list[str]:
    """Attribution for every dataset shown, each with its 'as of' date."""
    period_end = format_day(store.date_range()[1])
    cited = incident_sources(store, state)
    incidents = (f"Incidents: {store.dataset.title} (as of {period_end}; {cited} source"
                 f"{'s' if cited != 1 else ''} cited in the rows shown, listed in the CSV export). "
                 f"{public_attribution(store.dataset.attribution)}")
    lines = _wrap(incidents, width, size * page.u, max_lines=2)
    displaced = displacement_sources(store, state)
    if displaced:
        text = "Displacement: " + "; ".join(
            source if f"as of {format_day(day)}" in source else f"{source} (as of {format_day(day)})"
            for source, day in displaced)
        lines += _wrap(text, width, size * page.u, max_lines=2)
    basemap = basemap_words(store, state)
    lines.append(basemap + ". Boundaries imply no judgement on the legal status of any territory.")
    return lines


def _headline_column(page: Page, store: IncidentStore, state: FilterState, box: Box,
                      display: Mapping | None = None) -> float:
    """The three headline figures at the top of ``box``, with their changes against the screen's
    comparison period (``display`` holds its baseline); returns the y (px) under them."""
    u = page.u
    figures = update_headline(state.to_dict(), store, display)
    half = box.width / 2
    y = box.top
    page.text(box.left, y, figures.incidents, 20, bold=True, name="headline-incidents")
    page.text(box.left + half, y, figures.fatalities, 20, bold=True, name="headline-fatalities")
    y += 24 * u
    page.text(box.left, y, figures.incidents_detail, 9.5, colour=MUTED, name="headline-incidents-what")
    page.text(box.left + half, y, "reported fatalities", 9.5, colour=MUTED)
    y += 12.5 * u
    detail = re.sub(r"^\((.*?)\)", r"\1", figures.fatalities_detail.removeprefix("reported fatalities").strip(" ;"))
    if detail:
        lines = _wrap(f"Fatalities: {detail}", box.width, 9 * u, max_lines=2)
        page.text(box.left, y, lines, 9, colour=MUTED, name="headline-fatalities-what")
        y += 11.5 * u * len(lines)
    for label, change, name in (("Incidents", figures.incidents_change, "headline-incidents-change"),
                                ("Fatalities", figures.fatalities_change, "headline-fatalities-change")):
        if change:
            lines = _wrap(f"{label}: {change}", box.width, 9 * u, max_lines=2)
            page.text(box.left, y, lines, 9, name=name)
            y += 11.5 * u * len(lines)
    y += 9 * u
    page.text(box.left, y, figures.displaced, 20, bold=True, name="headline-displaced")
    y += 24 * u
    lines = _wrap(figures.displaced_detail, box.width, 9 * u, max_lines=3)
    page.text(box.left, y, lines, 9, colour=MUTED, name="headline-displaced-what")
    y += 11.5 * u * len(lines)
    if figures.displaced_change:
        lines = _wrap(figures.displaced_change, box.width, 9 * u, max_lines=2)
        page.text(box.left, y, lines, 9, name="headline-displaced-change")
        y += 11.5 * u * len(lines)
    y += 7 * u
    page.line(box.left, y, box.right, y, colour=RULE, width=max(u, 0.8))
    return y


def _map_furniture(page: Page, view: MapView, box: Box) -> None:
    """Scale bar (bottom left) and north arrow (top left), drawn over the map."""
    u = page.u
    bar = scale_bar(view.lat, view.zoom, max_pixels=min(0.28 * box.width, 160 * u))
    x0, base = box.left + 12 * u, box.bottom - 12 * u
    page.rect(Box(x0 - 6 * u, base - 24 * u, x0 + bar.pixels + 8 * u, base + 6 * u),
              fill="rgba(255,255,255,0.8)", name="scale-bar-background")
    half = bar.pixels / 2
    page.rect(Box(x0, base - 4 * u, x0 + half, base), fill=INK, line=INK, width=0.8 * u, name="scale-bar")
    page.rect(Box(x0 + half, base - 4 * u, x0 + bar.pixels, base), fill="white", line=INK, width=0.8 * u,
              name="scale-bar")
    page.text(x0, base - 6 * u, "0", 9, yanchor="bottom", xanchor="center", name="scale-bar-label")
    page.text(x0 + bar.pixels, base - 6 * u, bar.label, 9, yanchor="bottom", xanchor="center",
              name="scale-bar-label")
    # North arrow: a split triangle under an "N", on a white disc.
    cx, top = box.left + 24 * u, box.top + 10 * u
    page.shapes.append(dict(type="circle", xref="paper", yref="paper", layer="above", name="north-arrow",
                            x0=page.x(cx - 15 * u), x1=page.x(cx + 15 * u), y0=page.y(top + 46 * u),
                            y1=page.y(top - 2 * u), fillcolor="rgba(255,255,255,0.8)", line=dict(width=0)))
    tip, foot = top + 14 * u, top + 40 * u
    page.path([(cx, tip), (cx - 7 * u, foot), (cx, foot - 6 * u)], fill=INK, line=INK, name="north-arrow")
    page.path([(cx, tip), (cx + 7 * u, foot), (cx, foot - 6 * u)], fill="white", line=INK, name="north-arrow")
    page.text(cx, top + 1 * u, "N", 11, bold=True, xanchor="center", name="north-arrow-label")


def _static(trace: dict) -> dict:
    """A map trace as the static render draws it: a text-only scattermap trace gets an invisible marker
    (kaleido's MapLibre fails the whole map with "Error 525: Map error" on a ``mode="text"`` trace)."""
    if trace.get("type") == "scattermap" and trace.get("mode") == "text":
        return {**trace, "mode": "markers+text", "marker": {"size": 1, "opacity": 0}}
    return trace


def _scale_in_map(trace: dict, page: Page, box: Box) -> dict:
    """A trace's colour scale (density, squares, hexagons) inside the map's box, on its right: on screen
    its place is a fraction of the map, here of the page (it would land on the title)."""
    bar = trace.get("colorbar")
    if not isinstance(bar, dict):
        return trace
    y, length = float(bar.get("y", 0.5)), float(bar.get("len", 0.4))
    return {**trace, "colorbar": {**bar, "x": page.x(box.right - 8 * page.u), "xanchor": "right",
                                  "y": page.y(box.top + (1 - y) * box.height), "yanchor": "middle",
                                  "len": length * box.height / page.height}}


def _map_labels(page: Page, chosen: list[Label], box: Box) -> None:
    """The labels :func:`~.labels.declutter_traces` kept, as page text over the map (map px = page px)."""
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    for label in chosen:
        body = esc(label.text)
        page.annotations.append(dict(
            text=f"<b>{body}</b>" if label.bold else body, name="map-label",
            x=page.x(cx + label.box[0] + PAD_PX), y=page.y(cy + label.box[1] + PAD_PX), xref="paper", yref="paper",
            xanchor="left", yanchor="top", align="left", showarrow=False, borderpad=0,
            bgcolor="rgba(255,255,255,0.45)",
            font=dict(size=label.size, color=label.colour, family=FONT_FAMILY)))


def _furniture_boxes(page: Page, view: MapView, box: Box, status: str) -> list[tuple[float, float, float, float]]:
    """The boxes of the north arrow, scale bar and status line (as :func:`_map_furniture` draws them),
    in px from the map's centre: no label may cover them."""
    u = page.u
    bar = scale_bar(view.lat, view.zoom, max_pixels=min(0.28 * box.width, 160 * u))
    x0, base = box.left + 12 * u, box.bottom - 12 * u
    boxes = [(x0 - 6 * u, base - 24 * u, x0 + bar.pixels + 8 * u, base + 6 * u),
             (box.left + 9 * u, box.top + 8 * u, box.left + 39 * u, box.top + 56 * u)]
    if status:
        plain = re.sub(r"<[^>]*>", "", status)
        boxes.append((box.right - 8 * u - CHAR_EM * 9 * u * len(plain), box.bottom - 20 * u, box.right, box.bottom))
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    return [(left - cx, top - cy, right - cx, bottom - cy) for left, top, right, bottom in boxes]


def _timeline(figure: go.Figure, page: Page, store: IncidentStore, state: FilterState, box: Box) -> None:
    """The dashboard's timeline, its axes placed in ``box``."""
    u = page.u
    strip = update_timeline(state.to_dict(), store)
    for trace in strip.data:
        figure.add_trace(trace.update(showlegend=False))
    for shape in strip.layout.shapes:  # the selected dates, kept inside the strip
        spec = shape.to_plotly_json()
        if spec.get("yref") in ("paper", "y domain", None):
            spec["yref"] = "y domain"
        page.shapes.insert(0, spec)
    peak = max([float(max(t.y)) for t in strip.data if t.yaxis == "y2" and t.y is not None and len(t.y)] or [0.0])
    people_ticks = [0.0, peak / 2, peak] if peak > 0 else [0.0]
    tick = dict(size=8.5 * u, color=MUTED, family=FONT_FAMILY)
    x_domain = [page.x(box.left), page.x(box.right)]
    y_domain = [page.y(box.bottom), page.y(box.top)]
    figure.update_layout(
        barmode="stack", bargap=strip.layout.bargap,
        xaxis=strip.layout.xaxis.to_plotly_json() | dict(domain=x_domain, anchor="y", tickfont=tick,
                                                         tickformat="%-d %b %Y", nticks=8, ticklen=3 * u),
        yaxis=strip.layout.yaxis.to_plotly_json() | dict(
            domain=y_domain, anchor="x", tickfont=tick, title=dict(text="per day", font=tick, standoff=2 * u)),
        yaxis2=strip.layout.yaxis2.to_plotly_json() | dict(
            anchor="x", overlaying="y", side="right", tickfont=tick, range=[0, max(peak, 1.0) * 1.08],
            tickvals=people_ticks, ticktext=[short_count(v) for v in people_ticks],
            title=dict(text="displaced", font=tick, standoff=2 * u)),
    )
    line = next((t.name for t in strip.data if t.meta == "displacement"), None)  # the series' own words
    page.text(box.left, box.top - 4 * u,
              "Incidents per day by type (bars) · " + (f"{line} (line, right axis) · " if line else "")
              + "shaded: the dates selected", 9, colour=MUTED, yanchor="bottom", name="timeline-label")


def build_briefing(store: IncidentStore, state: FilterState, view: MapView, *, title: str,
                   size: tuple[float, float], generated_at: datetime, link: str, base_url: str,
                   map_style: dict | None = None, screen: tuple[float, float] | None = None,
                   display: Mapping | None = None) -> go.Figure:
    """The briefing figure for ``state`` seen through ``view`` on a ``size`` (CSS px) page.

    Parameters
    ----------
    view, screen
        The screen's centre and zoom, and the size (CSS px) of the screen's
        map (``None``: :data:`~.view.REFERENCE_SCREEN_MAP`). The briefing
        keeps the centre and shows the same extent (:func:`~.view.fit_view`).
    title
        Plain text (escaped here); use :func:`clean_title` on user input first.
    generated_at
        The time stamp printed in the footer (UTC).
    link
        The view's link (:func:`~dashboard.export.links.view_link`), printed in the footer.
    display
        The screen's display settings (the ``display`` store: colour, size, aggregate...).
    base_url, map_style
        Passed to the map builder as on screen; ``map_style`` (if given) then
        replaces the style, e.g. with the offline one the renderer needs.

    Returns
    -------
    go.Figure
        One figure: the map subplot (traces with ``meta`` = layer, as on
        screen), the timeline on ``x``/``y``/``y2``, and annotations and
        shapes with names (``title``, ``subtitle``, ``scale-bar``,
        ``north-arrow``, ``headline-*``, ``sources``, ``generated``).
    """
    width, height = size
    page = Page(width, height)
    u = page.u
    pad = 20 * u
    inner = width - 2 * pad

    # Header: title, then the selection in words, then a rule.
    title_lines = _wrap(title, inner, 22 * u, max_lines=2)
    page.text(pad, pad - 2 * u, title_lines, 22, bold=True, name="title")
    y = pad + 28 * u * len(title_lines)
    subtitle = (f"{date_range_words(state)} · "
                f"{filter_words(state, store.event_types(), area_names(store, state), layers=False)}")
    sub_lines = _wrap(subtitle, inner, 12 * u, max_lines=2)
    page.text(pad, y, sub_lines, 12, colour=MUTED, name="subtitle")
    y += 16 * u * len(sub_lines) + 4 * u
    page.line(pad, y, width - pad, y, colour=RULE, width=max(u, 0.8))
    header_bottom = y + 10 * u

    # Footer: sources, then when and which view.
    foot_size = 8.5
    lines = _sources_lines(store, state, page, inner, foot_size)
    note = link_note(link)
    stamp_lines = _wrap(f"Generated {utc_stamp(generated_at)} by conflict-map · View"
                        + (f" ({note})" if note else "") + ":", inner, foot_size * u)
    link_lines = _link_lines(link, inner, foot_size * u)
    line_px = 11 * u
    footer_top = height - pad * 0.7 - line_px * (len(lines) + len(stamp_lines) + len(link_lines))
    page.line(pad, footer_top - 5 * u, width - pad, footer_top - 5 * u, colour=RULE, width=max(u, 0.8))
    page.text(pad, footer_top, lines, foot_size, colour=MUTED, name="sources")
    y = footer_top + line_px * len(lines)
    page.text(pad, y, stamp_lines, foot_size, colour=MUTED, name="generated")
    page.text(pad, y + line_px * len(stamp_lines), link_lines, foot_size, colour=MUTED, name="link",
              family=LINK_FONT)

    # Left: the map, the timeline strip under it. Right: headline figures, then the legend.
    side = 262 * u
    column = Box(width - pad - side, header_bottom, width - pad, footer_top - 14 * u)
    strip = Box(pad + 34 * u, column.bottom - 22 * u - 52 * u, column.left - 18 * u - 40 * u,
                column.bottom - 22 * u)
    map_box = Box(pad, header_bottom, column.left - 18 * u, strip.top - 22 * u)
    legend_top = _headline_column(page, store, state, column, display) + 8 * u

    view = fit_view(view, screen, (map_box.width, map_box.height))
    relayout = relayout_for(view, map_box.width, map_box.height)
    # The view store as the screen's would be (centre, zoom, corners): town labels follow the briefing's view.
    shown = {**view.to_dict(), "corners": relayout["map._derived"]["coordinates"]}
    on_screen = update_map(state.to_dict(), store, base_url, relayout, display=display, view=shown)
    status = [a.text for a in on_screen.layout.annotations
              if a.name == "status" and a.visible is not False and a.text]
    positions = store.positions(state)
    traces, town_labels = declutter_traces([_static(t.to_plotly_json()) for t in on_screen.data], (view.lat, view.lon),
                                 view.zoom,
                                 (map_box.width, map_box.height),
                                 (store.columns.latitude[positions], store.columns.longitude[positions]),
                                 _furniture_boxes(page, view, map_box, status[0] if status else ""))
    figure = go.Figure([_scale_in_map(t, page, map_box) for t in traces])

    map_layout = on_screen.layout.map.to_plotly_json()
    map_layout.pop("bounds", None)  # a static map must keep the exact centre and zoom (scale bar)
    if map_style is not None:
        map_layout["style"] = map_style
    map_layout.update(center=dict(lat=view.lat, lon=view.lon), zoom=view.zoom, bearing=0, pitch=0,
                      domain=dict(x=[page.x(map_box.left), page.x(map_box.right)],
                                  y=[page.y(map_box.bottom), page.y(map_box.top)]))
    _map_labels(page, town_labels, map_box)
    page.rect(map_box, fill="rgba(0,0,0,0)", line="#b9c0c7", width=max(u, 0.8), name="map-frame")
    _map_furniture(page, view, map_box)
    if status:
        page.annotations.append(dict(text=status[0], name="status", x=page.x(map_box.right - 4 * u),
                                     y=page.y(map_box.bottom - 4 * u), xref="paper", yref="paper",
                                     xanchor="right", yanchor="bottom", showarrow=False,
                                     bgcolor="rgba(255,255,255,0.85)",
                                     font=dict(size=9 * u, color=INK, family=FONT_FAMILY)))

    _timeline(figure, page, store, state, strip)

    legend_font = fit_legend(figure, column.bottom - legend_top, u, column.width)

    figure.update_layout(
        width=width, height=height, autosize=False, margin=dict(l=0, r=0, t=0, b=0, pad=0),
        paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=10 * u, color=INK),
        map=map_layout,
        showlegend=True,
        legend=dict(x=page.x(column.left - 4 * u), y=page.y(legend_top), xanchor="left", yanchor="top",
                    xref="paper", yref="paper", bgcolor="rgba(255,255,255,0)", borderwidth=0,
                    font=dict(size=legend_font * u, family=FONT_FAMILY, color=INK),
                    grouptitlefont=dict(size=legend_font * u, family=FONT_FAMILY, color=MUTED),
                    tracegroupgap=5 * u, itemsizing="constant", groupclick="toggleitem"),
        annotations=page.annotations,
        shapes=list(figure.layout.shapes) + page.shapes,
        hovermode=False,
        title_text="",
    )
    return figure
