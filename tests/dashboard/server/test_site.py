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


# --- Issue 13: one naming rule on the upload page and in the router; damaged datasets named --------------------

HOSTILE_NAMES = ["boundaries.parquet", "reports", "REPORTS", "../x", "a/b", "\u0430cled", "x" * 65, "_store",
                 "nw.v2", "-x"]


@pytest.mark.parametrize("typed", HOSTILE_NAMES)
def test_upload_refuses_a_typed_hostile_name_and_touches_nothing(catalog, typed):
    frame = as_acled(synthetic_incidents(20, seed=7))
    answer = run_import(upload_of(frame), "fine.csv", "acled", typed, catalog)
    assert not answer["ok"] and "invalid dataset name" in answer["error"]
    assert not catalog.root.exists() or not any(catalog.root.iterdir())


@pytest.mark.parametrize("filename, derived", [
    ("reports.csv", "reports-data"), ("boundaries.parquet", "boundaries-data"), ("Boundaries.CSV", "boundaries-data"),
    ("../../etc/passwd", "passwd"), ("Été 2020 (final).csv", "ete-2020-final"), ("\u0430\u0430.csv", "imported"),
    ("x" * 300 + ".csv", "x" * 64), ("....csv", "imported"),
])
def test_upload_without_a_typed_name_derives_one_by_the_same_rule(catalog, filename, derived):
    from dashboard.server.upload import dataset_name
    from geodata.catalog.protocol import check_name

    assert dataset_name("", filename) == derived == check_name(derived)
    assert dataset_name(None, filename) == derived


def test_uploading_reports_csv_keeps_every_report(catalog):
    frame = as_acled(synthetic_incidents(20, seed=8))
    assert run_import(upload_of(frame), "first.csv", "acled", "", catalog)["ok"]
    kept = sorted((catalog.root / "reports").rglob("*"))
    answer = run_import(upload_of(frame), "reports.csv", "acled", "", catalog)
    assert answer["ok"] and answer["dataset"] == "reports-data"
    assert set(kept) <= set((catalog.root / "reports").rglob("*"))
    assert catalog.names() == ["first", "reports-data"]


@pytest.mark.parametrize("path", ["/datasets/reports/", "/datasets/boundaries.parquet/", "/datasets/Reports/",
                                  "/datasets/%D0%B0cled/", "/datasets/\u0430cled/", "/datasets/" + "a" * 65 + "/",
                                  "/datasets/../x/", "/datasets/.hidden/", "/datasets//", "/datasets/_store/"])
def test_the_router_refuses_what_the_rule_refuses(path):
    from dashboard.server.site import DATASET_PATH
    from geodata.catalog.protocol import is_valid_name

    match = DATASET_PATH.match(path)
    assert match is None or not is_valid_name(match.group(1))


def test_the_router_accepts_every_valid_name():
    from dashboard.server.site import DATASET_PATH

    for name in ("a", "9", "acled-sudan_2024", "A" * 64):
        match = DATASET_PATH.match(f"/datasets/{name}/_dash-layout")
        assert match is not None and match.group(1) == name


@pytest.mark.slow
def test_damaged_datasets_get_an_error_page_naming_the_file_and_reserved_paths_404(catalog):
    from werkzeug.test import Client

    frame = as_acled(synthetic_incidents(30, seed=9))
    for name in ("good", "lost"):
        assert run_import(upload_of(frame), "a.csv", "acled", name, catalog)["ok"]
    (catalog.path("lost") / "incidents.parquet").unlink()
    (catalog.root / "reports" / "dataset.json").write_text("{}")  # a stray description where no dataset may be
    web = Client(Site(catalog=catalog, preload=False))
    assert web.get("/datasets/good/").status_code == 200
    page = web.get("/datasets/lost/")
    text = page.get_data(as_text=True)
    assert page.status_code == 500 and "incidents.parquet" in text and "table missing" in text
    assert str(catalog.root) not in text
    assert web.get("/datasets/reports/").status_code == 404
    assert web.get("/datasets/good/").status_code == 200  # one damaged dataset does not spread


SITE_CHILD = """
import sys
from werkzeug.test import Client
from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory, sidecar_path
catalog = DataDirectory(sys.argv[1])
web = Client(Site(catalog=catalog, preload=False))
print(web.get("/datasets/mali/").status_code, web.get("/datasets/mali/_dash-layout").status_code, flush=True)
path = sidecar_path(catalog.path("mali"))
path.chmod(0o644)
with path.open("r+b") as handle:
    handle.truncate(100)                      # under the running app, as `cp` onto the file would
layout = web.get("/datasets/mali/_dash-layout")
print(layout.status_code, b"mali" in layout.data, flush=True)
print(catalog.damage("mali"), path.stat().st_size > 100, flush=True)
"""


@pytest.mark.slow
def test_a_sidecar_truncated_under_the_running_site_is_rebuilt_not_a_crash(catalog):
    import subprocess

    frame = as_acled(synthetic_incidents(40, seed=12))
    assert run_import(upload_of(frame), "a.csv", "acled", "mali", catalog)["ok"]
    done = subprocess.run([sys.executable, "-c", SITE_CHILD, str(catalog.root)], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"the site process died ({done.returncode}): {done.stderr[-1500:]}"
    assert done.stdout.splitlines()[:3] == ["200 200", "200 True", "None True"]
