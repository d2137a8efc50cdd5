"""The import page's fields for HXL files that do not name their source or country."""
from __future__ import annotations

import base64

from dashboard.server.upload import hxl_defaults, report_view, run_import
from geodata.catalog.parquet import DataDirectory
from tests.support import REPO

HXL = REPO / "tests" / "data" / "hxl_colombia_incidents.csv"


def test_upload_page_passes_its_hxl_fields(tmp_path):
    data = DataDirectory(tmp_path / "data")
    contents = "data:text/csv;base64," + base64.b64encode(HXL.read_bytes()).decode()
    refused = run_import(contents, "col.csv", "hxl", "col", data)
    assert not refused["ok"] and "no column tagged for it" in refused["error"]
    defaults = hxl_defaults("hxl", " Colombia monitor ", "https://example.org", "CO")
    answer = run_import(contents, "col.csv", "hxl", "col", data, defaults=defaults)
    assert answer["ok"] and answer["imported"] == 3 and answer["changes"]["new"] == 3
    shown = [p.children for p in report_view(answer) if getattr(p, "className", None) == "import-changes"]
    assert shown == ["3 new, 0 updated, 0 unchanged, 0 older than the stored version (ignored), 0 deleted"]
    assert hxl_defaults("acled", "x", "y", "z") == {}
