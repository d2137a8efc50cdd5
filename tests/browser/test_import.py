"""In the browser: upload an ACLED file on /import/, read the report, open the dataset on the map."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.synthetic import synthetic_incidents
from tests.browser.support import WAIT_MAP_IDLE, PageLog
from tests.support import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import as_acled  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def site_url(serve, tmp_path):
    return serve(Site(catalog=DataDirectory(tmp_path / "data")))


def test_upload_report_and_open_the_dataset(browser, site_url, tmp_path):
    frame = as_acled(synthetic_incidents(60, seed=9))
    frame["latitude"] = frame["latitude"].astype(object)
    frame.loc[4, "latitude"] = "north"
    upload = tmp_path / "acled_export.csv"
    frame.to_csv(upload, index=False)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(site_url + "/import/", wait_until="networkidle")
    page.fill("#import-dataset", "my-acled")
    page.set_input_files("#import-upload input[type=file]", str(upload))
    page.wait_for_selector("#import-counts", timeout=90000)
    counts = page.text_content("#import-counts")
    assert "60 rows in · 59 imported · 1 quarantined" in counts
    assert "line 6" in page.text_content("#import-problems") or "6" in page.text_content("#import-problems")
    with page.expect_download() as download:
        page.click("#download-quarantine")
    assert "north" in Path(download.value.path()).read_text(encoding="utf-8-sig")

    page.click("#open-dataset")
    page.wait_for_url("**/datasets/my-acled/**")
    page.wait_for_selector("#incident-map .js-plotly-plot", timeout=30000)
    page.wait_for_function("""() => {
        const gd = document.querySelector('#incident-map .js-plotly-plot');
        return gd && gd._fullData && gd._fullData.filter(t => t.meta === 'incidents')
                                     .reduce((n, t) => n + Array.from(t.lat || []).filter(v => v !== null).length, 0) === 59; }""", timeout=30000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    assert page.text_content("#headline-incidents") == "59"
    assert log.outside_hosts() == set(), log.requests
    assert log.errors == []
    context.close()
