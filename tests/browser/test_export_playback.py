"""'Export playback' in headless Chromium, on an imported Sudanese dataset: the analyst picks a format,
clicks, reads the progress while frames render, and receives a GIF, an MP4 or a storyboard PDF of the
dates on the page, stepped as the page's playback controls say."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageSequence

from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"
#: Four weeks: four frames a week apart.
QUERY = "?start=2024-04-15&end=2024-05-12"
NAME = "sudan-2024_2024-04-15_2024-05-12"
INK = np.array([0x1F, 0x23, 0x28])


@pytest.fixture(scope="module")
def sudan_url(serve, tmp_path_factory):
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return serve(Site(catalog=catalog)) + "/datasets/sudan-2024/"


@pytest.fixture
def page(browser, sudan_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(sudan_url + QUERY, wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.locator("#playback-step").get_by_text("week", exact=True).click()
    yield page
    assert log.outside_hosts() == set()
    assert [e for e in log.errors if "503" not in e] == []
    context.close()


def export(page, label: str):
    """Choose ``label``, click 'Export playback', see the progress, return the download."""
    page.locator("#export-playback-format").get_by_text(label, exact=True).click()
    with page.expect_download(timeout=300000) as info:
        page.click("#export-playback")
        page.wait_for_function(
            "() => /Rendering frame \\d of 4/.test(document.getElementById('export-playback-progress').textContent)",
            timeout=120000)
        assert page.is_disabled("#export-playback")  # one playback at a time from this page
    page.wait_for_function("() => document.getElementById('export-playback-status').textContent.includes('4 frames')",
                           timeout=30000)
    page.wait_for_selector("#export-playback-progress", state="hidden", timeout=5000)  # no stale frame count
    return info.value


def title_and_bar(frame: Image.Image) -> bool:
    """A dark title in the top band and a dark scale-bar block at the map's lower left."""
    rgb = np.asarray(frame.convert("RGB")).astype(int)
    dark = np.abs(rgb - INK).sum(axis=2) < 60
    title = dark[10:50, 15:300].sum() > 150
    bar = dark[300:400, 25:120]
    return bool(title and any(bar[r:r + 3, 8:40].mean() > 0.9 for r in range(bar.shape[0] - 3)))


def test_gif_of_the_dates_on_the_page(page):
    download = export(page, "GIF")
    assert download.suggested_filename == f"{NAME}_playback.gif"
    gif = Image.open(download.path())
    assert gif.n_frames == 4 and gif.size == (960, 540) and gif.info["duration"] == 1000  # speed 1×
    frames = [f.convert("RGB") for f in ImageSequence.Iterator(gif)]
    assert len({f.tobytes() for f in frames}) == 4
    assert all(title_and_bar(f) for f in frames)


def test_mp4_follows_the_playback_speed(page):
    import imageio_ffmpeg

    page.locator("#playback-speed").get_by_text("2×", exact=True).click()
    download = export(page, "MP4 video")
    assert download.suggested_filename == f"{NAME}_playback.mp4"
    path = download.path()
    head = open(path, "rb").read(4096)
    assert head[4:8] == b"ftyp" and b"avc1" in head
    assert imageio_ffmpeg.count_frames_and_secs(str(path)) == (4, 2.0)


def test_storyboard_is_one_page_of_the_four_frames(page):
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) not installed")
    download = export(page, "Storyboard PDF")
    assert download.suggested_filename == f"{NAME}_storyboard.pdf"
    info = subprocess.run(["pdfinfo", str(download.path())], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = subprocess.run(["pdftotext", str(download.path()), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "4 frames, a week apart" in text
    assert "1. 15 Apr 2024 – 21 Apr 2024" in text and "4. 29 Apr 2024 – 12 May 2024" in text


def test_a_month_a_frame_from_the_export_panel(page):
    """The screen's playback steps by days or weeks; the file can step by calendar months."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    page.locator("#export-playback-step").get_by_text("a month a frame", exact=True).click()
    page.locator("#export-playback-format").get_by_text("Storyboard PDF", exact=True).click()
    with page.expect_download(timeout=300000) as info:
        page.click("#export-playback")
    page.wait_for_function("() => document.getElementById('export-playback-status').textContent.includes('2 frames')",
                           timeout=30000)
    text = subprocess.run(["pdftotext", str(info.value.path()), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2 frames, a month apart" in text
    # The first frame ends on April's last day, the second on the page's last day (14-day moving window).
    assert "1. 17 Apr 2024 – 30 Apr 2024" in text and "2. 29 Apr 2024 – 12 May 2024" in text
