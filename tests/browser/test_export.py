"""Export in headless Chromium: the analyst clicks, the browser receives the file."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from PIL import Image
from test_dashboard import set_dates, wait_for_text

from tests.browser.support import WAIT_MAP_IDLE

pytestmark = pytest.mark.browser

NAME = "nw_syria_2020_2020-02-27_2020-02-27"


@pytest.fixture
def feb27(app_page, store):
    """The app narrowed to 27 February 2020 (two incidents), map drawn."""
    page, log = app_page
    wait_for_text(page, "headline-incidents", str(len(store.incidents)))
    set_dates(page, "27 Feb 2020", "27 Feb 2020")
    wait_for_text(page, "headline-incidents", "2")
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    return page, log


def page_errors(log):
    """Console errors, less the server's own "busy" answers (503) under a loaded test machine."""
    return [e for e in log.errors if "503" not in e and "SERVICE UNAVAILABLE" not in e]


def download(page, selector, timeout=60000):
    with page.expect_download(timeout=timeout) as info:
        page.click(selector)
    return info.value


def test_csv_and_geojson_hold_the_rows_on_screen(feb27):
    page, log = feb27
    csv_file = download(page, "#export-csv")
    assert csv_file.suggested_filename == f"{NAME}_incidents.csv"
    raw = open(csv_file.path(), "rb").read()
    assert raw.startswith("\ufeff".encode())  # BOM: Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "event_id"  # a plain table: the header on line 1
    assert [row[0] for row in rows[1:]] == ["NWS-E15", "NWS-E16"]
    wait_for_text(page, "export-status", f"Downloaded {NAME}_incidents.csv ({max(len(raw) // 1000, 1)} kB).")

    geojson_file = download(page, "#export-geojson")
    assert geojson_file.suggested_filename == f"{NAME}_incidents.geojson"
    data = json.loads(open(geojson_file.path(), "rb").read().decode("utf-8"))
    assert [f["id"] for f in data["features"]] == ["NWS-E15", "NWS-E16"]
    assert log.outside_hosts() == set() and page_errors(log) == []


def test_briefing_png_is_the_slide_and_other_callbacks_go_on(feb27):
    """The real slide preset, rendered on the server while the analyst keeps filtering."""
    page, log = feb27
    page.fill("#export-title", "Balyun & Saraqeb, 27 February")
    page.press("#export-title", "Enter")
    with page.expect_download(timeout=120000) as info:
        page.click("#export-briefing-png")
        page.wait_for_function("() => document.getElementById('export-busy').textContent.includes('Preparing')",
                               timeout=10000)
        # Another callback (the filter) answers while the briefing renders.
        set_dates(page, "1 Feb 2020", "27 Feb 2020")
        page.wait_for_function("() => document.getElementById('headline-incidents').textContent !== '2'",
                               timeout=10000)
        assert "Preparing" in page.text_content("#export-busy")  # the render was still going on
    png = info.value
    assert png.suggested_filename == f"{NAME}_briefing.png"  # the dates when the button was clicked
    image = Image.open(png.path())
    assert image.size == (1920, 1080)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    assert rgb.std() > 25 and (rgb.sum(axis=2) < 760).mean() > 0.3
    page.wait_for_function("() => document.getElementById('export-status').textContent"
                           f".startsWith('Downloaded {NAME}_briefing.png')", timeout=10000)
    assert log.outside_hosts() == set() and page_errors(log) == []


def test_camera_button_downloads_the_map_at_2x(feb27):
    page, _ = feb27
    page.wait_for_function(  # the camera's file name follows the filter (its own callback)
        "name => window.conflictMapCameraName === name", arg=f"{NAME}_map", timeout=60000)
    page.hover("#incident-map .js-plotly-plot")
    camera = "#incident-map .modebar-btn[data-title='Download plot as a PNG']"
    button = page.locator(camera)
    png = download(page, camera)
    assert png.suggested_filename == f"{NAME}_map.png"
    box = page.locator("#incident-map .js-plotly-plot").bounding_box()
    width, height = Image.open(png.path()).size
    # The map at 2x and the briefing band under it (test_export_pack checks the band).
    assert (width, height) == (pytest.approx(2 * box["width"], abs=2), pytest.approx(2 * (box["height"] + 62), abs=2))
    assert button.count() == 1
