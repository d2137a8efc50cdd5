"""The briefing pack and the CSV's provenance, downloaded from the page in headless Chromium."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_dashboard import wait_for_text

from dashboard.export import render
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import missing

pytestmark = pytest.mark.browser

NAME = "nw_syria_2020_2020-02-27_2020-02-27"


@pytest.fixture
def one_day(browser, live_server):
    """The app opened from a shared link on 27 February 2020 (two incidents), map drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    log = PageLog(page)
    page.goto(live_server.rstrip("/") + "/?start=2020-02-27&end=2020-02-27", wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot")
    wait_for_text(page, "headline-incidents", "2")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    yield page, log
    context.close()


def download(page, selector, timeout=60000):
    with page.expect_download(timeout=timeout) as info:
        page.click(selector)
    return info.value


def test_the_csv_is_plain_and_its_provenance_is_a_download_beside_it(one_day):
    page, _ = one_day
    rows = pd.read_csv(download(page, "#export-csv").path())  # pandas' defaults read it
    assert list(rows["event_id"]) == ["NWS-E15", "NWS-E16"]
    sidecar = download(page, "#export-provenance")
    assert sidecar.suggested_filename == f"{NAME}_incidents.provenance.txt"
    text = open(sidecar.path(), encoding="utf-8").read()
    assert "Selection: 27 Feb 2020 (1 day); all event types" in text and "Rows: 2 incidents" in text
    view = next(line for line in text.splitlines() if line.startswith("View: "))
    assert view.startswith("View: /?start=2020-02-27&end=2020-02-27")  # no public URL here: a path
    assert "127.0.0.1" not in text and "a path on the conflict-map server" in text


@pytest.mark.slow
def test_the_pack_button_downloads_the_whole_briefing(one_day):
    if render.find_chromium() is None:
        missing("no Chromium for kaleido")
    page, log = one_day
    pack = download(page, "#export-pack", timeout=240000)
    assert pack.suggested_filename == f"{NAME}_pack.zip"
    archive = zipfile.ZipFile(pack.path())
    names = [n.split("/", 1)[1] for n in archive.namelist()]
    assert names == [f"{NAME}_briefing.pdf", f"{NAME}_briefing.png", f"{NAME}_incidents.csv",
                     f"{NAME}_incidents.geojson", f"{NAME}_summary.csv", "provenance.txt"]
    files = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}
    assert files[f"{NAME}_briefing.pdf"].startswith(b"%PDF")
    assert files[f"{NAME}_briefing.png"].startswith(b"\x89PNG")
    assert list(pd.read_csv(io.BytesIO(files[f"{NAME}_incidents.csv"]))["event_id"]) == ["NWS-E15", "NWS-E16"]
    assert "Rows: 2 incidents" in files["provenance.txt"].decode("utf-8")
    page.wait_for_function("() => document.getElementById('export-status').textContent"
                           f".startsWith('Downloaded {NAME}_pack.zip')", timeout=10000)
    assert "a path on the conflict-map server" in page.text_content("#export-status")
    assert log.outside_hosts() == set()


def test_the_camera_picture_has_the_briefing_band(one_day, tmp_path):
    """The camera's PNG: the map at 2x, a north arrow and scale bar on it, and a band under it with the
    title, dates and sources (drawn in the browser: no server round trip)."""
    page, log = one_day
    page.wait_for_function("() => window.conflictMapCameraBand && window.conflictMapCameraBand.start === "
                           "'2020-02-27'", timeout=30000)
    band = page.evaluate("() => window.conflictMapCameraBand")
    assert band["title"] == "North-west Syria: incidents and displacement"
    assert "Natural Earth" in band["sources"] and "geodata/" not in band["sources"]
    page.hover("#incident-map .js-plotly-plot")
    png = download(page, "#incident-map .modebar-btn[data-title='Download plot as a PNG']")
    assert png.suggested_filename == f"{NAME}_map.png"
    box = page.locator("#incident-map .js-plotly-plot").bounding_box()
    image = Image.open(png.path()).convert("RGB")
    image.save(tmp_path / "camera.png")
    width, height = image.size
    assert width == pytest.approx(2 * box["width"], abs=2)
    assert height == pytest.approx(2 * (box["height"] + 62), abs=2)  # the band under the map
    pixels = np.asarray(image).astype(int)
    band_area = pixels[-2 * 62 + 4:, : width // 2]
    assert (band_area.sum(axis=2) < 300).sum() > 200  # dark text: title, dates, sources
    assert (band_area.sum(axis=2) > 740).mean() > 0.7  # on white
    arrow = pixels[2 * 12: 2 * 56, 2 * 10: 2 * 46]
    assert (arrow.sum(axis=2) < 150).sum() > 50  # the north arrow's dark half and its "N"
    assert log.outside_hosts() == set()
