"""The view's playback as a file: a GIF, an MP4 (H.264) or a one-page storyboard PDF.

Every frame is the briefing page (:mod:`~dashboard.export.briefing`) of one
playback window, so each carries the title, the frame's dates, the legend,
the scale bar, the sources and the stamp. Windows step through the link's
dates as the page's playback steps (:func:`~dashboard.state.controls.step_window`):
a *moving* window of ``window_days`` days (never before the link's first
day) or a *cumulative* one from the link's first day, ending one step
further each frame; the last frame ends on the link's last day.

Frames render on the warm browser (:func:`~dashboard.export.render.render_frames`),
two at a time, while the next ones are built. The work is bounded before
anything renders (:data:`MAX_FRAMES`). Given the same link, dataset version
and stamp, the file is the same, byte for byte, from a cold or a warm
Chromium: no clock in the frames (a map is painted once, its labels never
fade: :mod:`~dashboard.export.kaleido_page`), the GIF carries no date, the
storyboard's PDF dates are the stamp (:mod:`~dashboard.export.pdfdates`).
"""
from __future__ import annotations

import calendar
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from PIL import Image

from dashboard.export.briefing import build_briefing, clean_title, default_title
from dashboard.export.naming import MIME_TYPES, export_filename
from dashboard.export.render import ASSETS, QUEUE_TIMEOUT, RenderFailed, offline_map_style, render_frames
from dashboard.export.service import Export, link_of
from dashboard.export.sizes import OutputSize, custom_size
from dashboard.state.controls import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, WINDOW_MODES
from dashboard.state.mapview import MapView
from geodata import FilterState, IncidentStore

STEPS = ("day", "week", "month")
#: Output formats: the file's extension for each.
PLAYBACK_FORMATS = {"gif": "gif", "mp4": "mp4", "storyboard": "pdf"}
#: Frames one export may have; more is refused before anything renders.
MAX_FRAMES = 120
#: Frames speed, in frames per second.
DEFAULT_FPS = 2.0
MAX_FPS = 30.0
#: Frame size when none is chosen: a 960x540 page at 1x (a GIF of slides would be tens of MB).
DEFAULT_SIZE = custom_size(960, 540)
#: Seconds a playback may take: a fixed part plus this much per frame.
SECONDS_PER_FRAME = 10.0

#: Stands for the map style while a frame is built (the real one is put in its dict afterwards).
PLACEHOLDER_STYLE = {"version": 8, "sources": {}, "layers": []}
#: (frames finished, frames in all) as frames finish; called from a helper thread.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PlaybackOptions:
    """How the playback steps and how fast the file plays."""

    step: str = "week"
    mode: str = "moving"
    window_days: int = DEFAULT_WINDOW_DAYS
    fps: float = DEFAULT_FPS

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"step must be one of {', '.join(STEPS)}, got {self.step!r}")
        if self.mode not in WINDOW_MODES:
            raise ValueError(f"mode must be one of {', '.join(WINDOW_MODES)}, got {self.mode!r}")
        if isinstance(self.window_days, bool) or not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise ValueError(f"window must be 1–{MAX_WINDOW_DAYS} days, got {self.window_days!r}")
        if not 0.1 <= self.fps <= MAX_FPS:
            raise ValueError(f"fps must be 0.1–{MAX_FPS:g} frames a second, got {self.fps!r}")


def _next_end(end: date, step: str) -> date:
    """The end of the window one step after the window ending on ``end``."""
    if step == "month":  # calendar months: every frame ends on a month's last day
        year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
        return date(year, month, calendar.monthrange(year, month)[1])
    return end + timedelta(days=7 if step == "week" else 1)


def frame_windows(start: date, end: date, options: PlaybackOptions) -> list[tuple[date, date]]:
    """The (first day, last day) of every frame from ``start`` to ``end``, at most ``MAX_FRAMES + 1``.

    The first window ends one step in (a month: at the end of ``start``'s
    month), each next one a step later, the last on ``end``.
    """
    if end < start:
        return []
    if options.step == "month":
        first_end = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    else:
        first_end = start + timedelta(days=(7 if options.step == "week" else 1) - 1)
    ends: list[date] = []
    day = min(first_end, end)
    while len(ends) <= MAX_FRAMES:
        ends.append(day)
        if day >= end:
            break
        day = min(_next_end(day, options.step), end)
    if options.mode == "cumulative":
        return [(start, e) for e in ends]
    return [(max(e - timedelta(days=options.window_days - 1), start), e) for e in ends]


def check_frames(windows: list[tuple[date, date]], state: FilterState) -> None:
    """Refuse, before any rendering, a playback of no frame or of more than :data:`MAX_FRAMES`."""
    if state.is_empty_range or not windows:
        raise ValueError("the link's dates are empty (the start is after the end): nothing to play")
    if len(windows) > MAX_FRAMES:
        days = (state.end - state.start).days + 1
        raise ValueError(f"a playback of {days} days would make more than {MAX_FRAMES} frames; "
                         "choose a longer step (week or month) or fewer dates")


def playback_timeout(frames: int) -> float:
    """Seconds a playback of ``frames`` frames may take to render."""
    return 120.0 + SECONDS_PER_FRAME * frames


def frame_states(state: FilterState, windows: list[tuple[date, date]]) -> list[FilterState]:
    """The filter state of every frame: the link's filters, the frame's dates."""
    return [replace(state, start=first, end=last) for first, last in windows]


def frame_figures(store: IncidentStore, states: list[FilterState], view: MapView, *, title: object,
                  size: OutputSize, app_url: str, generated_at: datetime,
                  screen: tuple[float, float] | None = None, display: Mapping | None = None) -> Iterator[dict]:
    """The briefing of each frame as a plain figure dict, built one at a time (the renderer draws as they come).

    Each is :func:`~dashboard.export.service.briefing_figure`'s figure, except
    that the offline map style (megabytes, with the outlines inlined) is made
    once and shared by every frame's dict instead of being built, validated
    and copied per frame.
    """
    style = offline_map_style(store.countries)
    name = clean_title(title, default_title(store))
    for frame in states:
        figure = build_briefing(store, frame, view, title=name, size=size.layout, generated_at=generated_at,
                                link=link_of(store, frame, view, app_url, display), base_url=ASSETS.as_uri() + "/",
                                map_style=dict(PLACEHOLDER_STYLE), screen=screen, display=display)
        spec = figure.to_plotly_json()
        spec["layout"]["map"]["style"] = style
        yield spec


def _rgb(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB")


def encode_gif(pngs: list[bytes], fps: float) -> bytes:
    """An endlessly looping GIF of the frames, each shown ``1/fps`` s (an adaptive palette per frame)."""
    frames = [_rgb(png).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
              for png in pngs]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=max(round(1000 / fps), 20), optimize=False, disposal=1)
    return out.getvalue()


def _even(image: Image.Image) -> np.ndarray:
    """The frame as RGB with even sides (H.264 in yuv420p needs them), padded with white."""
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    return np.pad(pixels, ((0, height % 2), (0, width % 2), (0, 0)), constant_values=255)


def encode_mp4(pngs: list[bytes], fps: float) -> bytes:
    """An H.264 MP4 (yuv420p, even sides, fast start) of the frames at ``fps`` frames a second."""
    import imageio_ffmpeg

    first = _even(_rgb(pngs[0]))
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            path, (first.shape[1], first.shape[0]), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
            macro_block_size=1, quality=None, ffmpeg_log_level="error",
            output_params=["-crf", "20", "-preset", "medium", "-tune", "stillimage", "-movflags", "+faststart",
                           "-threads", "2", "-map_metadata", "-1", "-fflags", "+bitexact"])
        writer.send(None)
        for png in pngs:
            frame = _even(_rgb(png))
            if frame.shape != first.shape:
                raise RenderFailed("Rendering failed: the frames are not all the same size")
            writer.send(np.ascontiguousarray(frame))
        writer.close()
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, RenderFailed):
            raise
        raise RenderFailed(f"Encoding the MP4 failed: {' '.join(str(exc).split())[:200]}") from exc
    finally:
        os.unlink(path)


def playback_export(store: IncidentStore, state: FilterState, view: MapView, *, fmt: str,
                    options: PlaybackOptions, title: object, size: OutputSize = DEFAULT_SIZE, app_url: str,
                    generated_at: datetime | None = None, screen: tuple[float, float] | None = None,
                    timeout: float | None = None, queue_timeout: float = QUEUE_TIMEOUT,
                    progress: Progress | None = None, display: Mapping | None = None) -> Export:
    """The playback of ``state``'s dates as ``fmt`` (``gif``, ``mp4`` or ``storyboard``).

    ``generated_at`` is the stamp printed on every frame (default: now, the
    same on all). ``timeout`` bounds the rendering (default
    :func:`playback_timeout`). Raises ``ValueError`` for bad options or too
    many frames (before rendering), else as :func:`~.render.render_frames`.
    """
    if fmt not in PLAYBACK_FORMATS:
        raise ValueError(f"a playback is {', '.join(PLAYBACK_FORMATS)}, not {fmt!r}")
    windows = frame_windows(state.start, state.end, options)
    check_frames(windows, state)
    if fmt == "storyboard":
        from dashboard.export.storyboard import check_storyboard

        check_storyboard(len(windows))
    stamp = generated_at or datetime.now(UTC)
    states = frame_states(state, windows)
    total = len(states)
    if progress is not None:
        progress(0, total)
    figures = frame_figures(store, states, view, title=title, size=size, app_url=app_url, generated_at=stamp,
                            screen=screen, display=display)
    layouts: list[dict] = []

    def kept(items: Iterator[dict]) -> Iterator[dict]:
        for figure in items:  # the storyboard crops each frame by its layout
            layouts.append(figure["layout"])
            yield figure

    pngs = render_frames(kept(figures) if fmt == "storyboard" else figures, size,
                         timeout=timeout or playback_timeout(total), queue_timeout=queue_timeout,
                         on_frame=None if progress is None else (lambda done: progress(done, total)))
    kind = "storyboard" if fmt == "storyboard" else "playback"
    extension = PLAYBACK_FORMATS[fmt]
    if fmt == "gif":
        content = encode_gif(pngs, options.fps)
    elif fmt == "mp4":
        content = encode_mp4(pngs, options.fps)
    else:
        from dashboard.export.storyboard import storyboard_pdf

        content = storyboard_pdf(store, state, view, pngs, layouts, states, options=options, title=title,
                                 size=size, app_url=app_url, generated_at=stamp, queue_timeout=queue_timeout,
                                 display=display)
    return Export(export_filename(store.name, state.start, state.end, kind, extension), MIME_TYPES[extension],
                  content, generated_at=stamp)
