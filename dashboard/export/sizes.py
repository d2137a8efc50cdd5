"""Output sizes of a briefing: presets and ``WIDTHxHEIGHT``, with a sane pixel budget.

A size is the PNG's pixel size plus a *scale*: the page is laid out at
``width / scale`` x ``height / scale`` CSS px (so text keeps a readable size
relative to the page) and drawn at ``scale`` device pixels per CSS pixel.
A PDF page is the layout size in CSS px (1/96 in), drawn vector, with the
map raster at ``scale`` (so "a4" is an A4 landscape page with a 300 dpi map).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MIN_SIDE = 320
MAX_SIDE = 8000
#: About three A4 pages at 300 dpi; Chromium and the WebGL canvas stay comfortable below it.
MAX_PIXELS = 25_000_000
#: Layout widths (CSS px) a custom size is fitted into: narrower cramps the page, wider shrinks text.
LAYOUT_WIDTH_RANGE = (900.0, 1280.0)
#: Device pixels per CSS pixel for the map raster; more costs memory for no visible gain.
MAX_SCALE = 4.0


@dataclass(frozen=True)
class OutputSize:
    """A PNG of ``width`` x ``height`` px, laid out at ``1/scale`` of that in CSS px."""

    name: str
    width: int
    height: int
    scale: float

    @property
    def layout(self) -> tuple[float, float]:
        """The page in CSS px."""
        return self.width / self.scale, self.height / self.scale

    @property
    def label(self) -> str:
        return f"{self.name} ({self.width}×{self.height} px)" if self.name != "custom" else \
            f"{self.width}×{self.height} px"


PRESETS = {
    # 16:9 slide: a 960x540 page drawn at 2x (crisp text on a 1080p projector).
    "slide": OutputSize("slide", 1920, 1080, 2.0),
    # A4 landscape (297 x 210 mm) at 300 dpi: 3508 x 2480 px from a 1122.56 x 793.6 CSS px page.
    "a4": OutputSize("a4", 3508, 2480, 300 / 96),
}
PRESET_LABELS = {"slide": "Slide 16:9 (1920×1080)", "a4": "A4 landscape, 300 dpi"}

_CUSTOM = re.compile(r"^\s*(\d{2,5})\s*[x×]\s*(\d{2,5})\s*$")


def parse_size(text: str) -> OutputSize:
    """``"slide"``, ``"a4"`` or ``"WIDTHxHEIGHT"`` (pixels) as an :class:`OutputSize`.

    Raises
    ------
    ValueError
        an unknown name, or a size outside :data:`MIN_SIDE`..:data:`MAX_SIDE`
        or above :data:`MAX_PIXELS`.
    """
    if not isinstance(text, str) or len(text) > 32:
        raise ValueError("size must be 'slide', 'a4' or WIDTHxHEIGHT")
    key = text.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    match = _CUSTOM.match(key)
    if not match:
        raise ValueError(f"size must be 'slide', 'a4' or WIDTHxHEIGHT, got {text!r}")
    return custom_size(int(match.group(1)), int(match.group(2)))


def custom_size(width: int, height: int) -> OutputSize:
    """A ``width`` x ``height`` px size; its layout width is kept within :data:`LAYOUT_WIDTH_RANGE`."""
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ValueError(f"each side must be {MIN_SIDE}–{MAX_SIDE} px, got {width}×{height}")
    if width * height > MAX_PIXELS:
        raise ValueError(f"{width}×{height} px is more than {MAX_PIXELS // 1_000_000} million pixels")
    if not 0.4 <= width / height <= 4.0:
        raise ValueError(f"{width}×{height} px is too narrow or too wide for a briefing page")
    low, high = LAYOUT_WIDTH_RANGE
    return OutputSize("custom", width, height, min(width / min(max(width, low), high), MAX_SCALE))
