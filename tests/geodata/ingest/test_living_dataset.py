"""A living dataset: re-imports keep the newer version of each event by its timestamp, deletion lists say which
ids they did not find, and boundaries imported later give stored datasets their p-codes."""
from __future__ import annotations

import json

import pandas as pd

from geodata.catalog.parquet import DataDirectory
from geodata.cli import main
from geodata.ingest import ingest_file
from geodata.ingest.upsert import upsert
from tests.support import REPO

DATA = REPO / "tests" / "data"
SAMPLE, UPDATE, DELETED = DATA / "acled_sudan_sample.csv", DATA / "acled_sudan_update.csv", DATA / "acled_sudan_deleted.csv"


def frame(ids, stamps, fatalities):
    return pd.DataFrame({"event_id": ids, "timestamp": stamps, "fatalities": fatalities})


def test_newer_timestamp_wins_older_is_ignored_equal_is_unchanged():
    old = frame(["a", "b", "c"], ["200", "200", "200"], [1, 1, 1])
    new = frame(["a", "b", "c", "d"], ["300", "100", "200", "50"], [5, 9, 1, 2])
    merged, changes = upsert(old, new, "event_id")
    by_id = merged.set_index("event_id")["fatalities"].to_dict()
    assert by_id == {"a": 5, "b": 1, "c": 1, "d": 2}
    assert (changes.new, changes.updated, changes.unchanged, changes.older_ignored) == (1, 1, 1, 1)


def test_without_timestamps_content_decides():
    old = pd.DataFrame({"event_id": ["a", "b"], "fatalities": [1, 1]})
    merged, changes = upsert(old, pd.DataFrame({"event_id": ["a", "b"], "fatalities": [1, 4]}), "event_id")
    assert merged.set_index("event_id")["fatalities"].to_dict() == {"a": 1, "b": 4}
    assert (changes.updated, changes.unchanged) == (1, 1)


def test_an_older_export_does_not_revert_edits_and_the_report_splits_every_row(tmp_path):
    data = DataDirectory(tmp_path / "data")
    first = ingest_file(SAMPLE, "acled", data, dataset="sudan", report_root=tmp_path)
    assert (first.result.imported, first.changes.new) == (27, 27)   # 3 swapped rows quarantined
    outcome = ingest_file(UPDATE, "acled", data, dataset="sudan", deletions=DELETED, report_root=tmp_path)
    changes = outcome.changes
    # rows 0 and 1 edited later; row 2 an older copy; row 3 and 5 the same; row 4 was quarantined, now fixed;
    # two new events
    assert (changes.new, changes.updated, changes.unchanged, changes.older_ignored) == (3, 2, 2, 1)
    assert sum((changes.new, changes.updated, changes.unchanged, changes.older_ignored)) == outcome.result.imported
    assert (changes.deleted, changes.unknown_deletions) == (1, ("SDN99999",))
    incidents = data.load("sudan").incidents.set_index("event_id")
    assert incidents.loc["SDN31000", "fatalities"] == 7                       # the newer edit
    assert incidents.loc["SDN31002", "fatalities"] == 2                       # the stored newer version kept
    assert "SDN31029" not in incidents.index and len(incidents) == 27 + 3 - 1
    body = json.loads(outcome.report_path.read_text(encoding="utf-8"))
    assert body["changes"]["older_ignored"] == 1 and body["changes"]["unknown_deletions"] == ["SDN99999"]


def test_command_line_prints_the_split(tmp_path, capsys):
    def run(*args):
        return main(["--quiet", "--data", str(tmp_path / "data"), *map(str, args)])

    run("import", SAMPLE, "--format", "acled", "--dataset", "sudan")
    capsys.readouterr()
    run("import", UPDATE, "--format", "acled", "--dataset", "sudan", "--delete", DELETED)
    out = capsys.readouterr().out
    assert "8 rows in, 8 imported, 0 quarantined, 0 duplicate(s)" in out
    assert "3 new, 2 updated, 2 unchanged, 1 older than the stored version (ignored), 1 deleted" in out
    assert "1 id(s) of the deletion list are not in the dataset: SDN99999" in out
    run("report", "sudan")
    assert "1 older than the stored version (ignored)" in capsys.readouterr().out


def test_boundaries_imported_later_give_stored_datasets_their_pcodes(tmp_path, capsys):
    data = DataDirectory(tmp_path / "data")
    ingest_file(SAMPLE, "acled", data, dataset="sudan", report_root=tmp_path)
    assert data.load("sudan").incidents["admin1_pcode"].isna().all()
    outcome = ingest_file(DATA / "sudan_adm1_sample.geojson", "boundaries", data, report_root=tmp_path)
    incidents = data.load("sudan").incidents.set_index("event_id")
    in_boxes = incidents["admin1_pcode"].notna().sum()
    assert outcome.reassigned == (1, in_boxes) and in_boxes > 0
    assert incidents.loc["SDN31001", "admin1_pcode"] == "SD01"            # Omdurman, in the Khartoum box
    main(["--quiet", "--data", str(tmp_path / "data"), "import", str(DATA / "sudan_adm2_sample.geojson"),
          "--format", "boundaries"])
    assert "re-assigned p-codes of 1 dataset(s)" in capsys.readouterr().out
    assert data.load("sudan").incidents.set_index("event_id").loc["SDN31001", "admin2_pcode"] == "SD0102"
