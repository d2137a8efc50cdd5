"""The site: import a file through the import page, then open it as its own dataset."""
from __future__ import annotations

import base64
import sys

import pytest

from dashboard.server.site import Site
from dashboard.server.upload import quarantine_file, run_import
from geodata.catalog.parquet import DataDirectory
from geodata.synthetic import synthetic_incidents
from tests.support import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import as_acled  # noqa: E402


def upload_of(frame) -> str:
    return "data:text/csv;base64," + base64.b64encode(frame.to_csv(index=False).encode()).decode()


@pytest.fixture
def catalog(tmp_path):
    return DataDirectory(tmp_path / "data")


def test_run_import_reports_counts_and_quarantine(catalog):
    frame = as_acled(synthetic_incidents(40, seed=5))
    frame.loc[2, "latitude"] = 200
    answer = run_import(upload_of(frame), "my export.csv", "acled", "", catalog)
    assert answer["ok"] and answer["dataset"] == "my-export"
    assert (answer["rows_in"], answer["imported"], answer["quarantined"]) == (40, 39, 1)
    assert answer["problems"][0]["line"] == 4 and "latitude" in answer["problems"][0]["column"]
    path = quarantine_file(catalog, answer)
    assert path is not None and "200" in path.read_text(encoding="utf-8-sig")
    assert quarantine_file(catalog, {**answer, "report_id": "../../etc/passwd"}) is None
    assert quarantine_file(catalog, {**answer, "dataset": "../x"}) is None


@pytest.mark.parametrize("contents, fmt, message", [
    (None, "acled", "Choose a file"),
    ("data:text/csv;base64,@@@", "acled", "damaged"),
    ("data:text/csv;base64," + base64.b64encode(b"\xff\xfe\x00garbage").decode(), "acled", "Nothing was imported"),
    ("data:text/csv;base64,YQ==", "python", "Choose the file's format"),
])
def test_bad_uploads_get_one_clear_message(catalog, contents, fmt, message):
    answer = run_import(contents, "x.csv", fmt, "x", catalog)
    assert not answer["ok"] and message in answer["error"] and "/tmp/" not in answer["error"]
    assert catalog.names() == []


def test_imported_dataset_is_served_at_its_own_path(catalog, store):
    frame = as_acled(synthetic_incidents(30, seed=6))
    assert run_import(upload_of(frame), "a.csv", "acled", "acled-test", catalog)["ok"]
    site = Site(catalog=catalog)
    client = site.server.test_client()  # the default app
    assert client.get("/").status_code == 200
    from werkzeug.test import Client
    web = Client(site)
    page = web.get("/datasets/acled-test/")
    assert page.status_code == 200 and b"/datasets/acled-test/" in page.data
    layout = web.get("/datasets/acled-test/_dash-layout")
    assert layout.status_code == 200 and b"acled-test" in layout.data
    assert web.get("/datasets/absent/").status_code == 404
    assert web.get("/import/").status_code == 200
    assert web.get("/").status_code == 200
