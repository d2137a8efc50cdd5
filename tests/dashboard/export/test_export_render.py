"""Rendering with kaleido in Debian's Chromium: real images, exact sizes, one-page PDFs, a scale bar
that matches the drawn map, and renders that never mix under concurrency. Small sizes keep it quick;
the browser tests render the real slide preset."""
from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboard.export import render
from dashboard.export.service import briefing_export, briefing_figure, table_export
from dashboard.export.sizes import custom_size
from dashboard.export.view import metres_per_pixel
from dashboard.state.mapview import MapView, opening_view
from dashboard.views.map import update_map
from geodata import FilterState
from tests.dashboard.support import incident_point_count
from tests.support import require

pytestmark = pytest.mark.browser

APP = "http://127.0.0.1:8050/"
STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
BATTLES = np.array([0xD5, 0x5E, 0x00])  # Okabe-Ito vermillion of "Battles"


@pytest.fixture(scope="module", autouse=True)
def chromium():
    path = render.find_chromium()
    require(path, "no Chromium for kaleido (install Debian's chromium)")
    return path


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def near(image: np.ndarray, colour: np.ndarray, tolerance: int = 40) -> np.ndarray:
    return np.abs(image - colour).sum(axis=2) < tolerance


def test_png_is_a_real_briefing_of_the_requested_size(store):
    state = FilterState.default(store.date_range())
    size = custom_size(960, 540)
    figure = briefing_figure(store, state, opening_view(store.dataset.view, store.extent), title="", size=size, app_url=APP,
                             generated_at=STAMP)
    png = render.render_figure(figure, "png", size)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (960, 540)
    rgb = pixels(png)
    assert rgb.std() > 25  # not a blank page
    assert (rgb.sum(axis=2) < 760).mean() > 0.3  # a good share of the page is not white (map, text, strip)
    left, top = int(0.05 * 960), int(0.35 * 540)
    assert near(rgb[top:int(0.75 * 540), left:int(0.7 * 960)], BATTLES).sum() > 100  # incident markers on the map
    # The figure rendered draws every incident the screen draws for the same state.
    screen = update_map(state.to_dict(), store, "/assets/")
    assert incident_point_count(figure) == incident_point_count(screen) == len(store.incidents)


def test_pdf_is_one_page_with_the_title_as_text(store, tmp_path):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) not installed")
    state = FilterState.from_dict({"start": "2020-02-27", "end": "2020-02-27"}, store.date_range())
    export = briefing_export(store, state, opening_view(store.dataset.view, store.extent), fmt="pdf",
                             title="Balyun strike – إدلب", size=custom_size(960, 540), app_url=APP)
    assert export.filename == "nw_syria_2020_2020-02-27_2020-02-27_briefing.pdf"
    assert export.content.startswith(b"%PDF")
    path = tmp_path / export.filename
    path.write_bytes(export.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Title:\s+Balyun strike", info, re.M)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Balyun strike" in text and "27 Feb 2020 (1 day)" in text and "948,000" in text
    assert "as of 23 Feb 2020" in text and "Generated" in text


def test_scale_bar_formula_matches_the_rendered_map():
    """Two markers half a degree of longitude apart: their distance in the image is the ground
    distance divided by the metres per pixel the scale bar uses."""
    lat, lon, zoom = 35.9, 36.75, 7.7
    figure = go.Figure(go.Scattermap(lat=[lat, lat], lon=[lon - 0.25, lon + 0.25], mode="markers",
                                     marker=dict(size=9, color="#ff0000")))
    figure.update_layout(width=640, height=400, margin=dict(l=0, r=0, t=0, b=0),
                         map=dict(style=render.offline_map_style(), center=dict(lat=lat, lon=lon), zoom=zoom))
    rgb = pixels(render.render_figure(figure, "png", custom_size(640, 400)))
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
    _, xs = np.nonzero(red)
    measured = xs[xs >= 320].mean() - xs[xs < 320].mean()
    ground = math.radians(0.5) * 6378137 * math.cos(math.radians(lat))  # along the parallel
    # The page is 900 CSS px wide drawn into 640 px: compare in CSS px.
    scale = custom_size(640, 400).scale
    assert measured / scale == pytest.approx(ground / metres_per_pixel(lat, zoom), abs=1.0)


def test_concurrent_exports_each_get_their_own_image(store):
    state = FilterState.default(store.date_range())
    sizes = [custom_size(640, 360), custom_size(480, 480), custom_size(800, 450)]
    results: dict[int, tuple[int, int] | Exception] = {}
    start = threading.Barrier(len(sizes) + 1)

    def export(i, size):
        start.wait()
        try:
            out = briefing_export(store, state, MapView(35.9, 36.75, 7.7), fmt="png", title=f"Export {i}",
                                  size=size, app_url=APP, queue_timeout=400)
            results[i] = Image.open(io.BytesIO(out.content)).size
        except Exception as exc:  # reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=export, args=(i, s)) for i, s in enumerate(sizes)]
    for thread in threads:
        thread.start()
    start.wait()
    # Meanwhile, work that does not render (like other users' callbacks) is not held up by the lock.
    began = time.monotonic()
    table = table_export(store, state, fmt="csv", app_url=APP)
    assert time.monotonic() - began < 2 and table.content
    for thread in threads:
        thread.join(600)
    assert results == {i: (s.width, s.height) for i, s in enumerate(sizes)}


def test_timeout_busy_and_missing_chromium_are_clear_errors(monkeypatch):
    figure = go.Figure(go.Scatter(x=[1, 2], y=[1, 2]))
    size = custom_size(640, 360)
    began = time.monotonic()
    with pytest.raises(render.RenderTimeout, match="longer than 0.3 s"):
        render.render_figure(figure, "png", size, timeout=0.3, warm=False)  # a browser starting takes longer
    with pytest.raises(render.RenderTimeout, match="longer than 0.005 s"):
        render.render_figure(figure, "png", size, timeout=0.005)  # the warm browser, open or not
    assert time.monotonic() - began < 20
    with render._render_lock:  # another export is rendering
        with pytest.raises(render.ExportBusy):
            render.render_figure(figure, "png", size, queue_timeout=0.1)
    monkeypatch.setenv("CONFLICT_MAP_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(render.ChromiumNotFound, match="^Server-side export needs Chromium; the camera button"):
        render.render_figure(figure, "png", size)
    with pytest.raises(ValueError):
        render.render_figure(figure, "svg", size)
