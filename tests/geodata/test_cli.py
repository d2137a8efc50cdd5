"""The command line end to end: import, upsert, deletions, reports, exit codes, boundaries download."""
from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading

import pandas as pd
import pytest

from geodata.catalog.parquet import DataDirectory
from geodata.cli import main
from tests.support import REPO, SHARED, require

sys.path.insert(0, str(REPO / "bench"))
from generate import as_acled  # noqa: E402

from geodata.synthetic import synthetic_incidents  # noqa: E402

SHARED_BOUNDARIES = SHARED / "data" / "boundaries"


@pytest.fixture
def acled_file(tmp_path):
    path = tmp_path / "acled.csv"
    as_acled(synthetic_incidents(120, seed=11)).to_csv(path, index=False)
    return path


def run(tmp_path, *args):
    return main(["--quiet", "--data", str(tmp_path / "data"), *map(str, args)])


def test_import_list_show_and_report(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    out = capsys.readouterr().out
    assert "120 rows in, 120 imported, 0 quarantined" in out
    assert run(tmp_path, "list") == 0 and "nw\t" in capsys.readouterr().out
    assert run(tmp_path, "show", "nw") == 0 and '"incidents": 120' in capsys.readouterr().out
    assert run(tmp_path, "report", "nw") == 0 and "120 imported" in capsys.readouterr().out
    assert run(tmp_path, "show", "nope") == 4 and run(tmp_path, "remove", "nope") == 4


def test_reimport_upserts_edits_and_deletes_idempotently(tmp_path, acled_file):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    data = DataDirectory(tmp_path / "data")
    first = data.meta("nw")["version"]
    # ACLED edits an event (new fatalities, new timestamp) and deletes two.
    frame = pd.read_csv(acled_file, dtype=str, keep_default_na=False)
    edited_id = frame.loc[5, "event_id_cnty"]
    frame.loc[5, ["fatalities", "timestamp"]] = ["77", "1700000000"]
    newer = tmp_path / "acled_newer.csv"
    frame.to_csv(newer, index=False)
    deleted = tmp_path / "deleted.csv"
    pd.DataFrame({"event_id_cnty": frame["event_id_cnty"].iloc[:2], "deleted_timestamp": "1700000001"}).to_csv(
        deleted, index=False)
    assert run(tmp_path, "import", newer, "--format", "acled", "--dataset", "nw", "--delete", deleted) == 0
    incidents = data.load("nw").incidents
    assert len(incidents) == 118
    assert int(incidents.loc[incidents["event_id"] == edited_id, "fatalities"].iloc[0]) == 77
    second = data.meta("nw")["version"]
    assert second != first
    # The same edit and deletions again change nothing.
    assert run(tmp_path, "import", newer, "--format", "acled", "--dataset", "nw", "--delete", deleted) == 0
    assert data.meta("nw")["version"] == second and len(data.load("nw").incidents) == 118


def test_bad_rows_are_quarantined_with_reasons_and_exit_1(tmp_path, acled_file):
    frame = pd.read_csv(acled_file, dtype=str, keep_default_na=False)
    frame.loc[3, "latitude"] = "135.2"
    frame.loc[7, "fatalities"] = "-4"
    frame.loc[9, "event_date"] = "30 February 2020"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    assert run(tmp_path, "import", bad, "--format", "acled", "--dataset", "nw") == 1
    data = DataDirectory(tmp_path / "data")
    assert len(data.load("nw").incidents) == 117  # nothing valid lost
    report = sorted((tmp_path / "data" / "reports" / "nw").glob("*.quarantine.csv"))[-1]
    quarantine = pd.read_csv(report, dtype=str, encoding="utf-8-sig")
    assert sorted(quarantine["line"].astype(int)) == [5, 9, 11]
    assert quarantine["reason"].str.len().min() > 0


def test_unreadable_file_changes_nothing(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    before = DataDirectory(tmp_path / "data").meta("nw")["version"]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01\x02 not a csv \xff\xfe")
    assert run(tmp_path, "import", broken, "--format", "acled", "--dataset", "nw") == 3
    assert "broken.csv" in capsys.readouterr().err
    assert run(tmp_path, "import", tmp_path / "missing.csv", "--format", "acled", "--dataset", "nw") == 3
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "../escape") == 2  # usage
    assert DataDirectory(tmp_path / "data").meta("nw")["version"] == before


@pytest.mark.slow
def test_exit_status_from_a_real_process(tmp_path, acled_file):
    env = {**os.environ, "PYTHONPATH": str(REPO), "CONFLICT_MAP_DATA": str(tmp_path / "data")}
    env.pop("CONFLICT_MAP_DATABASE_URL", None)
    ok = subprocess.run([sys.executable, "-m", "geodata", "import", str(acled_file), "--format", "acled"],
                        env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    usage = subprocess.run([sys.executable, "-m", "geodata", "import", str(acled_file)], env=env,
                           capture_output=True, text=True)
    assert usage.returncode == 2 and "--format" in usage.stderr


@pytest.fixture
def boundary_server():
    require(SHARED_BOUNDARIES.is_dir(), f"{SHARED_BOUNDARIES} not present (the COD-AB test files live in ../shared)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SHARED_BOUNDARIES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_fetch_boundaries_downloads_caches_and_imports(tmp_path, boundary_server, capsys):
    template = boundary_server + "/syr_adm{level}_ocha_cod_v02.geojson"
    cache = tmp_path / "cache"
    assert run(tmp_path, "fetch-boundaries", "SYR", "--levels", "1", "2", "--url-template", template,
               "--cache", cache) in (0, 1)
    stored = DataDirectory(tmp_path / "data").boundaries()
    assert (stored["admin_level"] == 1).sum() == 14 and "SY07" in set(stored["pcode"])
    assert (stored["admin_level"] == 2).sum() > 50
    assert (cache / "SYR" / "adm1.geojson").exists()
    # Offline afterwards: the cache serves, nothing is downloaded again.
    assert run(tmp_path, "fetch-boundaries", "SYR", "--levels", "1", "--url-template",
               "http://127.0.0.1:9/none{level}", "--cache", cache) in (0, 1)
    assert run(tmp_path, "fetch-boundaries", "SYR", "--levels", "3", "--url-template",
               "http://127.0.0.1:9/none{level}", "--cache", cache) == 5
    assert "is this machine online?" in capsys.readouterr().err


def test_points_get_pcodes_from_stored_boundaries_and_names_are_geocoded(tmp_path):
    adm1 = SHARED_BOUNDARIES / "syr_adm1_ocha_cod_v02.geojson"
    require(adm1.exists(), f"{adm1} not present (the COD-AB test files live in ../shared)")
    assert run(tmp_path, "import", adm1, "--format", "boundaries") in (0, 1)
    frame = as_acled(synthetic_incidents(30, seed=12))
    frame["admin1"] = ""
    frame[["latitude", "longitude"]] = frame[["latitude", "longitude"]].astype(object)
    frame.loc[0, ["location", "latitude", "longitude"]] = ["Saraqeb", "", ""]  # a name, no coordinates
    path = tmp_path / "acled.csv"
    frame.to_csv(path, index=False)
    assert run(tmp_path, "import", path, "--format", "acled", "--dataset", "nw") == 0
    incidents = DataDirectory(tmp_path / "data").load("nw").incidents
    saraqeb = incidents[incidents["event_id"] == frame.loc[0, "event_id_cnty"]].iloc[0]
    assert saraqeb["latitude"] == pytest.approx(35.86, abs=0.01) and bool(saraqeb["geocoded"])
    assert saraqeb["admin1_pcode"] == "SY07"
    assert incidents["admin1_pcode"].notna().sum() + incidents["outside_boundaries"].astype(bool).sum() == 30
