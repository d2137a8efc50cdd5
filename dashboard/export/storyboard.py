"""A playback as one A4 landscape PDF page of small multiples: every frame's map in a grid, each under
its dates, with one header, one legend, the sources and the stamp.

Why crop rendered frames rather than draw small maps: each cell is then the
very map of the frame the GIF shows (its scale bar and north arrow
included, drawn at the frame's zoom), and one kaleido render of a plotly
figure with images keeps the page's text vector and searchable. The legend
is the last frame's (for a cumulative playback, the fullest).
"""
from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from datetime import datetime

import plotly.graph_objects as go
from PIL import Image

from dashboard.export.briefing import (
    INK,
    LINK_FONT,
    MUTED,
    RULE,
    Box,
    Page,
    _link_lines,
    _wrap,
    clean_title,
    default_title,
)
from dashboard.export.pdfdates import stamp_pdf
from dashboard.export.provenance import area_names, date_range_words, filter_words, link_note, utc_stamp
from dashboard.export.render import render_figure
from dashboard.export.service import link_of
from dashboard.export.sizes import PRESETS, OutputSize
from dashboard.figures.style import FONT_FAMILY, format_day
from dashboard.state.mapview import MapView
from geodata import FilterState, IncidentStore

#: Frames one page holds; more cells would be too small to read.
MAX_CELLS = 30
PAGE = PRESETS["a4"]
#: Width (CSS px) of the legend column on the right of the grid.
LEGEND_WIDTH = 190.0


def check_storyboard(frames: int) -> None:
    """Refuse, before rendering, more frames than one page shows legibly."""
    if frames > MAX_CELLS:
        raise ValueError(f"a storyboard holds at most {MAX_CELLS} frames and this playback has {frames}; "
                         "choose a longer step or fewer dates")


def _box(layout: dict, size: OutputSize) -> tuple[int, int, int, int]:
    """The map's rectangle in a frame PNG (left, top, right, bottom px), from the map's domain."""
    domain = layout["map"]["domain"]
    (x0, x1), (y0, y1) = domain["x"], domain["y"]
    return (round(x0 * size.width), round((1 - y1) * size.height),
            round(x1 * size.width), round((1 - y0) * size.height))


def _legend_box(layout: dict, size: OutputSize) -> tuple[int, int, int, int]:
    """The legend's column in a frame PNG: from the legend's top to the footer's rule."""
    legend = layout["legend"]
    sources = next(a for a in layout["annotations"] if a.get("name") == "sources")
    scale = size.width / layout["width"]
    pad = 20 * min(layout["width"] / 960, layout["height"] / 540) * scale
    return (round(legend["x"] * size.width), round((1 - legend["y"]) * size.height),
            round(size.width - pad), round((1 - sources["y"]) * size.height - pad / 2))


def _data_uri(image: Image.Image, max_width: int) -> str:
    if image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def grid(count: int, width: float, height: float, aspect: float, caption: float) -> tuple[int, int, float]:
    """(columns, rows, cell width) that fit ``count`` cells of ``aspect`` (w/h) plus a caption line each
    into ``width`` x ``height``, the cells as large as possible."""
    best = (1, count, 0.0)
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cell = min(width / columns * 0.96, (height / rows - caption) * aspect * 0.96)
        if cell > best[2]:
            best = (columns, rows, cell)
    return best


def storyboard_figure(store: IncidentStore, state: FilterState, view: MapView, pngs: list[bytes],
                      layouts: list[dict], states: list[FilterState], *, steps: str, title: object,
                      size: OutputSize, app_url: str, generated_at: datetime,
                      display: Mapping | None = None) -> go.Figure:
    """The storyboard page: header, the grid of frame maps with their dates, the legend, sources and stamp.

    ``pngs`` and ``layouts`` are the rendered frames (at ``size``) and their
    figures' layouts; ``steps`` says in words how the playback steps.
    """
    width, height = PAGE.layout
    page = Page(width, height)
    u, pad = page.u, 20 * page.u
    inner = width - 2 * pad
    name = clean_title(title, default_title(store))
    title_lines = _wrap(name, inner, 20 * u, max_lines=2)
    page.text(pad, pad - 2 * u, title_lines, 20, bold=True, name="title")
    y = pad + 25 * u * len(title_lines)
    words = filter_words(state, store.event_types(), area_names(store, state))
    subtitle = f"Playback {date_range_words(state)} · {len(pngs)} frames, {steps} · {words}"
    sub_lines = _wrap(subtitle, inner, 11 * u, max_lines=2)
    page.text(pad, y, sub_lines, 11, colour=MUTED, name="subtitle")
    y += 15 * u * len(sub_lines) + 4 * u
    page.line(pad, y, width - pad, y, colour=RULE, width=max(u, 0.8))
    top = y + 8 * u

    # Footer: the frames' sources (the last frame's words), the stamp and the whole playback's link.
    last = layouts[-1]
    sources = next(a["text"] for a in last["annotations"] if a.get("name") == "sources")
    link = link_of(store, state, view, app_url, display)
    note = link_note(link)
    stamp = _wrap(f"Generated {utc_stamp(generated_at)} by conflict-map · View" + (f" ({note})" if note else "")
                  + ":", inner, 8 * u)
    link_lines = _link_lines(link, inner, 8 * u)
    line_px = 10.5 * u
    count = sources.count("<br>") + 1 + len(stamp) + len(link_lines)
    footer_top = height - pad * 0.7 - line_px * count
    page.line(pad, footer_top - 5 * u, width - pad, footer_top - 5 * u, colour=RULE, width=max(u, 0.8))
    page.annotations.append(dict(text=sources, name="sources", x=page.x(pad), y=page.y(footer_top), xref="paper",
                                 yref="paper", xanchor="left", yanchor="top", align="left", showarrow=False,
                                 font=dict(size=8 * u, color=MUTED, family=FONT_FAMILY)))
    y = footer_top + line_px * (sources.count("<br>") + 1)
    page.text(pad, y, stamp, 8, colour=MUTED, name="generated")
    page.text(pad, y + line_px * len(stamp), link_lines, 8, colour=MUTED, name="link", family=LINK_FONT)

    images: list[dict] = []
    frames = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    legend = frames[-1].crop(_legend_box(last, size))
    legend_left = width - pad - LEGEND_WIDTH
    legend_height = min(LEGEND_WIDTH * legend.height / max(legend.width, 1), footer_top - 14 * u - top)
    images.append(dict(source=_data_uri(legend, 600), name="legend", xref="paper", yref="paper",
                       x=page.x(legend_left), y=page.y(top), sizex=LEGEND_WIDTH / width,
                       sizey=legend_height / height, xanchor="left", yanchor="top", sizing="contain",
                       layer="above"))

    crops = [frame.crop(_box(layout, size)) for frame, layout in zip(frames, layouts, strict=True)]
    aspect = crops[0].width / max(crops[0].height, 1)
    area_w, area_h = legend_left - 12 * u - pad, footer_top - 14 * u - top
    caption = 13 * u
    columns, rows, cell_w = grid(len(crops), area_w, area_h, aspect, caption)
    cell_h = cell_w / aspect
    gap_x = (area_w - columns * cell_w) / max(columns, 1)
    gap_y = min((area_h - rows * (cell_h + caption)) / max(rows, 1), 12 * u)  # rows packed from the top
    for i, (crop, frame) in enumerate(zip(crops, states, strict=True)):
        row, column = divmod(i, columns)
        left = pad + column * (cell_w + gap_x)
        cell_top = top + row * (cell_h + caption + gap_y)
        days = (frame.end - frame.start).days + 1
        dates = format_day(frame.end) if days == 1 else f"{format_day(frame.start)} – {format_day(frame.end)}"
        page.text(left, cell_top, f"{i + 1}. {dates}", 8.5, bold=True, name="frame-dates")
        images.append(dict(source=_data_uri(crop, round(cell_w * PAGE.scale)), name="frame", xref="paper",
                           yref="paper", x=page.x(left), y=page.y(cell_top + caption), sizex=cell_w / width,
                           sizey=cell_h / height, xanchor="left", yanchor="top", sizing="stretch", layer="above"))
        page.rect(Box(left, cell_top + caption, left + cell_w, cell_top + caption + cell_h), fill="rgba(0,0,0,0)",
                  line="#b9c0c7", width=max(u, 0.8), name="frame-border")

    figure = go.Figure()
    figure.update_layout(
        width=width, height=height, autosize=False, margin=dict(l=0, r=0, t=0, b=0, pad=0),
        paper_bgcolor="white", plot_bgcolor="white", font=dict(family=FONT_FAMILY, size=10 * u, color=INK),
        xaxis=dict(visible=False), yaxis=dict(visible=False), showlegend=False,
        annotations=page.annotations, shapes=page.shapes, images=images, hovermode=False, title_text="")
    return figure


def storyboard_pdf(store: IncidentStore, state: FilterState, view: MapView, pngs: list[bytes],
                   layouts: list[dict], states: list[FilterState], *, options: object, title: object,
                   size: OutputSize, app_url: str, generated_at: datetime, queue_timeout: float,
                   display: Mapping | None = None) -> bytes:
    """The storyboard page rendered as a one-page PDF (its Title the playback's title, its dates the stamp)."""
    step, mode, window = (getattr(options, k) for k in ("step", "mode", "window_days"))
    steps = f"a {step} apart, " + (f"each the {window} days to its date" if mode == "moving"
                                   else f"each from {format_day(state.start)} to its date")
    figure = storyboard_figure(store, state, view, pngs, layouts, states, steps=steps, title=title, size=size,
                               app_url=app_url, generated_at=generated_at, display=display)
    content = render_figure(figure, "pdf", PAGE, document_title=clean_title(title, default_title(store)),
                            queue_timeout=queue_timeout)
    return stamp_pdf(content, generated_at)  # dated by its stamp: the same playback, the same bytes

