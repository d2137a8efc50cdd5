"""The briefing pack and the CSV's provenance, downloaded from the page in headless Chromium."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
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
