#!/usr/bin/env python3
"""Build MapLibre SDF glyph PBFs from Debian's DejaVu fonts.

MapLibre draws map text from pre-rendered *signed distance field* (SDF)
glyphs, fetched per 256-codepoint range from the style's ``glyphs`` URL
(``.../{fontstack}/{range}.pbf``).  We ship our own so that the map never
asks an outside host for fonts.

Output::

    assets/glyphs/DejaVu Sans Regular/<start>-<end>.pbf   (see RANGES)
    assets/glyphs/DejaVu Sans Bold/<start>-<end>.pbf

Usage (build-only deps in tools/requirements.txt, keep them out of the
app's virtualenv)::

    python -m venv /tmp/toolsvenv
    /tmp/toolsvenv/bin/pip install -r tools/requirements.txt
    /tmp/toolsvenv/bin/python tools/build_glyphs.py          # writes assets/glyphs
    /tmp/toolsvenv/bin/python tools/build_glyphs.py --check  # compare only

The output is deterministic, so ``--check`` can tell whether the committed
files match what this script (and the installed fonts) would produce.

Glyph metrics follow the conventions of MapLibre / Mapbox glyph servers
(node-fontnik): glyphs rendered at 24 px, a 3 px buffer around each
bitmap, SDF radius 8 px, cutoff 0.25, i.e.
``value = clamp(round(255 - 255 * (d / 8 + 0.25)))`` with ``d`` the signed
distance in px (positive outside the outline), so the outline sits at
about 192 and MapLibre's 0.75 threshold.  ``top`` is the glyph's top edge
above the baseline minus a fixed 25 px "ascender", the baseline that
MapLibre's shaping (``SHAPING_DEFAULT_OFFSET = -17``) is calibrated for:
text then sits vertically centred on its anchor like MapLibre's demo fonts.
Using DejaVu's own ascender (23 px at 24 px) would draw labels ~2 px high.

The PBF is written by hand (no protobuf dependency)::

    message glyphs    { repeated fontstack stacks = 1; }
    message fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3; }
    message glyph     { uint32 id = 1; bytes bitmap = 2; uint32 width = 3;
                        uint32 height = 4; sint32 left = 5; sint32 top = 6;
                        uint32 advance = 7; }

The distance field is computed exactly from a supersampled rendering
(``SUPERSAMPLE`` x 24 px, unhinted) with ``scipy.ndimage`` Euclidean
distance transforms, then averaged down to the 24 px grid; this gives
sub-pixel accurate edges without a hand-written outline rasteriser.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import freetype
import numpy as np
from scipy import ndimage

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "assets" / "glyphs"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

#: fontstack name -> font file.  The names are what traces and style layers
#: put in ``text-font`` / ``textfont.family`` (see dashboard/basemap.py).
FONTS = {
    "DejaVu Sans Regular": FONT_DIR / "DejaVuSans.ttf",
    "DejaVu Sans Bold": FONT_DIR / "DejaVuSans-Bold.ttf",
}
#: 0-255 Basic Latin + Latin-1; 256-511 Latin Extended-A/B; 7680-7935 Latin
#: Extended Additional (transliterated Arabic: ḥ ṣ ṭ ḍ ẓ); 8192-8447 General
#: Punctuation (dashes, curly quotes, ellipsis); 1536-1791, 64256-64511 and
#: 65024-65279 Arabic and its presentation forms (MapLibre shapes Arabic to
#: presentation forms; without these ranges it 404s and draws them locally).
RANGES = ((0, 255), (256, 511), (7680, 7935), (8192, 8447),
          (1536, 1791), (64256, 64511), (65024, 65279))

SIZE = 24  # px, MapLibre's ONE_EM
BUFFER = 3  # px, MapLibre's GLYPH_PBF_BORDER
RADIUS = 8.0  # px
CUTOFF = 0.25
BASELINE_ASCENDER = 25  # px, see module docstring
SUPERSAMPLE = 8


# --------------------------------------------------------------- protobuf
def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 31) if value < 0 else value << 1


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def _uint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _sint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(_zigzag(value))


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def encode_glyph(g: dict) -> bytes:
    msg = _uint(1, g["id"])
    if g["bitmap"]:
        msg += _bytes(2, g["bitmap"])
    msg += _uint(3, g["width"]) + _uint(4, g["height"])
    msg += _sint(5, g["left"]) + _sint(6, g["top"]) + _uint(7, g["advance"])
    return msg


def encode_glyphs(name: str, start: int, end: int, glyphs: list[dict]) -> bytes:
    stack = _bytes(1, name.encode()) + _bytes(2, f"{start}-{end}".encode())
    for g in glyphs:
        stack += _bytes(3, encode_glyph(g))
    return _bytes(1, stack)


# -------------------------------------------------------------------- SDF
def _signed_distance(coverage: np.ndarray) -> np.ndarray:
    """Signed distance (px, positive outside) from a coverage image (0..255)."""
    inside = coverage >= 128
    if not inside.any():
        return np.full(coverage.shape, np.inf)
    # Distance from each pixel centre to the nearest pixel of the other
    # class, minus half a pixel: the edge lies between the two centres.
    d_out = ndimage.distance_transform_edt(~inside) - 0.5
    d_in = ndimage.distance_transform_edt(inside) - 0.5
    return np.where(inside, -d_in, d_out)


def render_glyph(face_lo: freetype.Face, face_hi: freetype.Face, codepoint: int) -> dict | None:
    index = face_lo.get_char_index(codepoint)
    if index == 0:
        return None
    face_lo.load_glyph(index, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP)
    slot = face_lo.glyph
    advance = int(round(slot.linearHoriAdvance / 65536.0))
    glyph = {"id": codepoint, "bitmap": b"", "width": 0, "height": 0,
             "left": 0, "top": -BASELINE_ASCENDER, "advance": advance}
    if slot.outline.n_points == 0:  # space and friends
        return glyph

    # Integer pixel box of the unhinted outline at 24 px (y up).
    bbox = slot.outline.get_bbox()
    x_min, x_max = int(np.floor(bbox.xMin / 64)), int(np.ceil(bbox.xMax / 64))
    y_min, y_max = int(np.floor(bbox.yMin / 64)), int(np.ceil(bbox.yMax / 64))
    width, height = x_max - x_min, y_max - y_min
    if width <= 0 or height <= 0:
        return glyph

    # Render the same outline SUPERSAMPLE times larger onto a canvas that
    # covers the buffered 24 px box exactly.
    s = SUPERSAMPLE
    face_hi.load_glyph(index, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP
                       | freetype.FT_LOAD_RENDER)
    bmp = face_hi.glyph.bitmap
    hi = np.array(bmp.buffer, dtype=np.uint8).reshape(bmp.rows, bmp.pitch)[:, : bmp.width]
    bw, bh = width + 2 * BUFFER, height + 2 * BUFFER
    canvas = np.zeros((bh * s, bw * s), dtype=np.uint8)
    ox = face_hi.glyph.bitmap_left - (x_min - BUFFER) * s  # column of hi[:, 0]
    oy = (y_max + BUFFER) * s - face_hi.glyph.bitmap_top  # row of hi[0, :]
    r0, c0 = max(oy, 0), max(ox, 0)
    r1, c1 = min(oy + hi.shape[0], canvas.shape[0]), min(ox + hi.shape[1], canvas.shape[1])
    canvas[r0:r1, c0:c1] = hi[r0 - oy: r1 - oy, c0 - ox: c1 - ox]

    dist = _signed_distance(canvas) / s
    # Average each s x s block: the distance at the 24 px pixel centre.
    dist = dist.reshape(bh, s, bw, s).mean(axis=(1, 3))
    values = np.clip(np.round(255 - 255 * (dist / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)

    glyph.update(bitmap=values.tobytes(), width=width, height=height,
                 left=x_min, top=y_max - BASELINE_ASCENDER)
    return glyph


def build_range(font: Path, name: str, start: int, end: int) -> bytes:
    face_lo = freetype.Face(str(font))
    face_lo.set_char_size(SIZE * 64, 0, 72, 72)
    face_hi = freetype.Face(str(font))
    face_hi.set_char_size(SIZE * SUPERSAMPLE * 64, 0, 72, 72)
    glyphs = [g for cp in range(start, end + 1)
              if (g := render_glyph(face_lo, face_hi, cp)) is not None]
    return encode_glyphs(name, start, end, glyphs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if any file differs")
    args = parser.parse_args(argv)

    stale = []
    for name, font in FONTS.items():
        if not font.exists():
            parser.error(f"{font} missing: apt-get install fonts-dejavu-core")
        for start, end in RANGES:
            data = build_range(font, name, start, end)
            path = args.out / name / f"{start}-{end}.pbf"
            if args.check:
                if not path.exists() or path.read_bytes() != data:
                    stale.append(path)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"{path.relative_to(args.out.parent)}  {len(data):>7} bytes")
    if stale:
        print("out of date:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
