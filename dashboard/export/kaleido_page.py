"""The page kaleido renders in: plotly.js without its fixed wait for maps, the app's ``map_frames.js`` and
:file:`render_page.js`.

Why: most of a briefing's render time was spent waiting and painting what
nobody sees. plotly's ``toImage`` sleeps 500 ms before taking the picture of
any figure with a map (a wait from before a map's plot promise resolved on
its rendered frame; today it resolves after the frame is drawn), and MapLibre
paints every frame while it loads, each costing the whole canvas on
Chromium's software WebGL. The page gets a copy of the installed plotly.js
without that sleep, and ``map_frames.js`` with ``render_page.js``'s policy
paints a map only once it has everything (the same pixels; see the scripts).

The copy is written once per process into a private temporary folder (never
a shared path another user could have written first) and removed at exit.
If the installed plotly.js no longer contains the expected text, the page
uses it unchanged (slower, same pictures) and a warning says so.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly

from dashboard.figures.basemap import ASSETS

log = logging.getLogger(__name__)

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
RENDER_PAGE_JS = Path(__file__).resolve().parent / "render_page.js"
#: The app's frame holding (assets/), which render_page.js sets a stricter policy for.
MAP_FRAMES_JS = ASSETS / "map_frames.js"
#: plotly.js's ``getDelay``: 500 ms before a figure with a 3D scene or a map is drawn to an image.
DELAY_FOR_MAPS = 'e._has&&(e._has("gl3d")||e._has("map"))?500:0'
#: The same for 3D scenes only (their 500 ms is left alone).
DELAY_FOR_3D = 'e._has&&e._has("gl3d")?500:0'


def without_map_delay(source: str) -> str | None:
    """plotly.js's text without the 500 ms wait for maps, or ``None`` if the text is not the expected one."""
    if source.count(DELAY_FOR_MAPS) != 1:
        return None
    return source.replace(DELAY_FOR_MAPS, DELAY_FOR_3D)


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    """The plotly.js the render page loads: the patched copy, else the installed file."""
    patched = without_map_delay(PLOTLY_JS.read_text(encoding="utf-8"))
    if patched is None:
        log.warning("plotly.js %s has no map delay where expected; maps render with its 500 ms wait",
                    plotly.__version__)
        return PLOTLY_JS
    folder = Path(tempfile.mkdtemp(prefix="conflict-map-render-"))  # mode 0700, this process's own
    atexit.register(_remove, folder, os.getpid())
    path = folder / "plotly.min.js"
    path.write_text(patched, encoding="utf-8")
    return path


def _remove(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # a forked worker exiting leaves its parent's copy alone
        shutil.rmtree(folder, ignore_errors=True)


@lru_cache(maxsize=1)
def page_generator() -> Any:
    """kaleido's page: plotly.js (patched), no MathJax, then ``map_frames.js`` and :file:`render_page.js`.

    One object per process, so that the warm browser's options compare equal from one render to the next.
    """
    from kaleido import PageGenerator  # imported here: the dashboard runs without kaleido

    return PageGenerator(plotly=str(plotly_js()), mathjax=False, others=[str(MAP_FRAMES_JS), str(RENDER_PAGE_JS)])
