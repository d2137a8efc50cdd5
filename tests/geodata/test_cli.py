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
from geodata.model.errors import GeodataError
from tests.support import REPO, SHARED, missing, require

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


# --- Issue 13: hostile names, damaged stores and folders that cannot be written --------------------------------


@pytest.mark.parametrize("name", ["boundaries.parquet", "reports", "Reports", "../x", "а" + "cled",  # Cyrillic а
                                  "x" * 65, "", "_store", "a b", "nw.v2"])
def test_hostile_dataset_names_are_refused_as_usage_and_clobber_nothing(tmp_path, acled_file, capsys, name):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "keep") == 0
    data = tmp_path / "data"
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    capsys.readouterr()
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", name) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid dataset name") and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before
    assert DataDirectory(data).names() == ["keep"]


def test_a_file_named_like_the_stores_own_files_gets_a_safe_name(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "first") == 0
    reports = sorted((tmp_path / "data" / "reports").rglob("*"))
    for stem in ("reports", "boundaries"):
        named = tmp_path / f"{stem}.csv"
        named.write_bytes(acled_file.read_bytes())
        assert run(tmp_path, "import", named, "--format", "acled") == 0
        assert f"dataset '{stem}-data'" in capsys.readouterr().out
    data = DataDirectory(tmp_path / "data")
    assert data.names() == ["boundaries-data", "first", "reports-data"]
    assert set(reports) <= set((tmp_path / "data" / "reports").rglob("*"))  # no report lost
    assert run(tmp_path, "report", "first") == 0


def test_list_shows_a_damaged_dataset_as_damaged_and_the_others_normally(tmp_path, acled_file, capsys):
    for name in ("alpha", "beta", "gamma"):
        assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", name) == 0
    (tmp_path / "data" / "beta" / "dataset.json").write_text('{"rows": ', encoding="utf-8")
    capsys.readouterr()
    assert run(tmp_path, "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["alpha", "beta", "gamma"]
    assert lines[1].startswith("beta\tDAMAGED\t") and "dataset.json" in lines[1]
    assert "120 incidents" in lines[0] and "120 incidents" in lines[2]
    assert run(tmp_path, "show", "beta") == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dataset.json" in err and "Traceback" not in err


def test_vanished_table_is_an_error_naming_the_file(tmp_path, acled_file):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "gone") == 0
    data = DataDirectory(tmp_path / "data")
    (tmp_path / "data" / "gone" / "incidents.parquet").unlink()
    with pytest.raises(GeodataError, match=r"incidents\.parquet.*table missing: dataset\.json records 120 rows"):
        data.load("gone")


def _freeze(path):
    """Make the folder ``path`` unwritable for this process (chmod, or as root ``chattr +i``); a restore function."""
    path.chmod(0o555)
    probe = path / ".probe"
    try:
        probe.mkdir()
    except OSError:
        return lambda: path.chmod(0o755)
    probe.rmdir()
    path.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        missing(f"cannot make a folder read-only here (root without chattr: {done.stderr.decode().strip()})")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_data_folder_is_one_line_and_exit_6_and_keeps_the_old_version(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    data = DataDirectory(tmp_path / "data")
    version = data.meta("nw")["version"]
    frame = pd.read_csv(acled_file, dtype=str, keep_default_na=False)
    frame.loc[0, "fatalities"] = "99"
    newer = tmp_path / "newer.csv"
    frame.to_csv(newer, index=False)
    reports = sorted((tmp_path / "data" / "reports").rglob("*"))
    restore = _freeze(tmp_path / "data")  # its reports/nw/ stays writable: the save itself must fail
    try:
        capsys.readouterr()
        assert run(tmp_path, "import", newer, "--format", "acled", "--dataset", "nw") == 6
        err = capsys.readouterr().err
    finally:
        restore()
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "cannot write the dataset" in err and str(tmp_path / "data") in err
    assert sorted((tmp_path / "data" / "reports").rglob("*")) == reports  # the report of a failed save is withdrawn
    assert data.meta("nw")["version"] == version and data.load("nw").incidents["fatalities"].max() != 99


def test_unwritable_reports_folder_refuses_before_the_dataset_is_committed(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    restore = _freeze(tmp_path / "data" / "reports")
    try:
        capsys.readouterr()
        assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "fresh") == 6
        err = capsys.readouterr().err
    finally:
        restore()
    assert "cannot write the import report" in err and err.count("\n") == 1
    assert DataDirectory(tmp_path / "data").names() == ["nw"]  # committed nothing without its report


def test_help_documents_every_exit_status():
    text = subprocess.run([sys.executable, "-m", "geodata", "--help"], capture_output=True, text=True,
                          cwd=REPO, check=True).stdout
    for status in ("0 all imported", "1 some rows quarantined", "2 usage", "3 file refused", "4 no such dataset",
                   "5 download failed", "6 could not write"):
        assert status in " ".join(text.split())


def test_a_dataset_stored_under_a_name_the_rule_now_refuses_is_listed_and_can_be_renamed(tmp_path, acled_file,
                                                                                         capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "acled-v2") == 0
    (tmp_path / "data" / "acled-v2").rename(tmp_path / "data" / "acled.v2")  # as an older version allowed
    capsys.readouterr()
    assert run(tmp_path, "list") == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("acled.v2\tUNREACHABLE\t") and "'acled-v2'" in line
    (tmp_path / "data" / "acled.v2").rename(tmp_path / "data" / "acled-v2")
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "acled-v2") == 0
    assert DataDirectory(tmp_path / "data").load("acled-v2").name == "acled-v2"


def test_report_refuses_a_path_for_a_name(tmp_path, acled_file, capsys):
    assert run(tmp_path, "import", acled_file, "--format", "acled", "--dataset", "nw") == 0
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.json").write_text('{"file": "secret", "format": "x", "rows_in": 1, "imported": 1, '
                                    '"quarantined": 0, "duplicates": 0}')
    capsys.readouterr()
    assert run(tmp_path, "report", "../../elsewhere") == 2
    captured = capsys.readouterr()
    assert "secret" not in captured.out and captured.err.startswith("error: invalid dataset name")
