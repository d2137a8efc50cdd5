"""Files as analysts get them: HDX's hashtag row under any CSV header is skipped and said, UCDP rows whose own
estimates disagree are kept and flagged, HXL files take their source and country from the command line, and
every source field survives the import."""
from __future__ import annotations

import pandas as pd
import pytest

from geodata import import_table, read_acled
from geodata.catalog.parquet import DataDirectory
from geodata.cli import main
from geodata.ingest.readers import read_generic, read_ucdp
from geodata.ingest.readers.base import HASHTAG_ROW
from tests.support import REPO

DATA = REPO / "tests" / "data"
UCDP = DATA / "ucdp_myanmar_sample.csv"
HXL = DATA / "hxl_colombia_incidents.csv"


def run(tmp_path, *args):
    return main(["--quiet", "--data", str(tmp_path / "data"), *map(str, args)])


def test_ucdp_from_hdx_skips_its_hashtag_row_and_keeps_rows_whose_estimates_disagree():
    result = import_table(read_ucdp(UCDP))
    assert (result.rows_in, result.imported, result.quarantined) == (12, 12, 0)
    assert result.report.hashtag_rows == 1 and "1 HXL hashtag row skipped" in result.report.summary()
    assert [(w.line, w.reason) for w in result.warnings if w.reason == HASHTAG_ROW] == [(2, HASHTAG_ROW)]
    assert not result.frame["event_id"].str.startswith("UCDP-#").any()
    rows = result.frame.set_index("event_id")
    flagged = rows["flags"].dropna()
    assert sorted(flagged.index) == ["UCDP-480101", "UCDP-480105", "UCDP-480109"]
    assert flagged["UCDP-480101"] == "UCDP's own estimates disagree: high (4) is below best (5); kept as published"
    assert rows.loc["UCDP-480101", "fatalities"] == 5 and rows.loc["UCDP-480101", "high"] == "4"  # published deaths kept
    assert pd.isna(rows.loc["UCDP-480101", "fatalities_high"])        # the inconsistent estimate is not canonical
    assert [w.line for w in result.warnings if w.reason.startswith("UCDP's own")] == [4, 8, 12]


def test_every_ucdp_and_acled_field_is_kept():
    ucdp = import_table(read_ucdp(UCDP)).frame
    raw = pd.read_csv(UCDP, dtype=str, skiprows=[1])
    assert set(raw.columns) <= set(ucdp.columns)
    acled = import_table(read_acled(DATA / "acled_sudan_sample.csv")).frame
    for field in ("assoc_actor_1", "inter1", "inter2", "interaction", "civilian_targeting", "tags", "timestamp",
                  "iso", "region", "country", "source_scale", "disorder_type"):
        assert field in acled.columns, field


@pytest.mark.parametrize("fmt", ["acled", "csv"])
def test_hashtag_row_under_an_acled_or_mapped_header_is_not_data(tmp_path, fmt):
    frame = pd.read_csv(DATA / "acled_sudan_sample.csv", dtype=str, keep_default_na=False).head(4)
    tags = pd.DataFrame([["#event+code" if c == "event_id_cnty" else "#date+occurred" if c == "event_date"
                          else "#geo+lat" if c == "latitude" else "" for c in frame.columns]], columns=frame.columns)
    path = tmp_path / "hdx_export.csv"
    pd.concat([tags, frame]).to_csv(path, index=False)
    if fmt == "acled":
        source = read_acled(path)
    else:
        mapping = {"columns": {"event_id": "event_id_cnty", "event_date": "event_date", "event_type": "event_type",
                               "location": "location", "latitude": "latitude", "longitude": "longitude",
                               "fatalities": "fatalities", "source": "source"},
                   "constants": {"geo_precision": "1", "source_url": "https://acleddata.com"}}
        source = read_generic(path, mapping)
    result = import_table(source)
    assert (result.rows_in, result.imported, result.quarantined, result.report.hashtag_rows) == (4, 4, 0, 1)
    assert int(source.lines[0]) == 3                                   # lines still count the file's own lines


def test_hxl_file_without_source_is_refused_then_imported_with_defaults_from_the_command_line(tmp_path, capsys):
    assert run(tmp_path, "import", HXL, "--format", "hxl", "--dataset", "col") == 3
    err = capsys.readouterr().err
    assert "no column tagged for it" in err and "--source on the command line" in err
    assert run(tmp_path, "import", HXL, "--format", "hxl", "--dataset", "col", "--source", "Colombia monitor",
               "--source-url", "https://example.org/monitor", "--country", "COL") == 1
    out = capsys.readouterr().out
    assert "5 rows in, 3 imported, 2 quarantined" in out               # two rows written longitude first
    incidents = DataDirectory(tmp_path / "data").load("col").incidents.set_index("event_id")
    assert set(incidents["source"]) == {"Colombia monitor"}
    assert set(incidents["source_url"]) == {"https://example.org/monitor"}
    assert run(tmp_path, "import", HXL, "--format", "acled", "--source", "x") == 3


def test_hxl_country_default_fills_rows_that_name_none_so_their_swap_is_seen(tmp_path, capsys):
    # COL-0005 names no country: only --country makes its swapped point checkable
    assert run(tmp_path, "import", HXL, "--format", "hxl", "--dataset", "col", "--source", "m",
               "--source-url", "https://example.org", "--fix-swapped") == 0
    stored = DataDirectory(tmp_path / "data").load("col").incidents.set_index("event_id")
    assert stored.loc["COL-0004", "latitude"] == pytest.approx(0.5051)
    assert stored.loc["COL-0005", "latitude"] == pytest.approx(-76.6611)  # nothing said it is in Colombia
    assert run(tmp_path, "import", HXL, "--format", "hxl", "--dataset", "col2", "--source", "m",
               "--source-url", "https://example.org", "--country", "Colombia", "--fix-swapped") == 0
    stored = DataDirectory(tmp_path / "data").load("col2").incidents.set_index("event_id")
    assert stored.loc["COL-0005", "latitude"] == pytest.approx(5.6947)

