"""The import contract: counts always add up, problems name line and column, the quarantine keeps the source
cells, encodings are detected, formats are recognised, and large tables are filtered without losing rows."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from shapely.geometry import box

from geodata import (
    ImportReport,
    SchemaError,
    detect_format,
    import_file,
    import_table,
    looks_swapped,
    read_acled,
)
from geodata.ingest.readers.encoding import detect_encoding
from geodata.ingest.rows import keep_rows
from tests.support import BAD


def test_report_refuses_counts_that_do_not_add_up():
    counts = r"rows in \(5\) != imported \(3\) \+ quarantined \(1\) \+ duplicates \(0\)"
    with pytest.raises(AssertionError, match=counts):
        ImportReport("f.csv", "acled", "incidents", "utf-8", rows_in=5, imported=3, quarantined=1, duplicates=0)


def test_report_summary_and_plain_dict():
    result = import_table(read_acled(BAD / "acled_conflicting_ids.csv"))
    assert result.report.summary().endswith("3 rows in, 2 imported, 1 quarantined, 0 duplicate(s), 0 warning(s)")
    plain = result.report.to_dict()
    assert plain["problems"][0]["line"] == 4 and plain["problems"][0]["column"] == "event_id_cnty"
    assert dataclasses.is_dataclass(result.report)


def test_several_problems_in_one_row_are_one_quarantined_row(tmp_path):
    text = (BAD / "acled_negative_fatalities.csv").read_text(encoding="utf-8")
    text = text.replace("SYR-BAD-1,27 February 2020", "SYR-BAD-1,2020-02-31")
    path = tmp_path / "two_problems.csv"
    path.write_text(text, encoding="utf-8")
    result = import_table(read_acled(path))
    assert result.quarantined == 1 and len(result.report.problems) == 2
    row = result.quarantine.iloc[0]
    assert row["column"] == "event_date, fatalities"
    assert row["reason"] == ("event_date: not a real calendar date (got '2020-02-31'); "
                             "fatalities: must be at least 0 (got '-3')")
    assert row["event_id_cnty"] == "SYR-BAD-1" and row["fatalities"] == "-3"


def test_missing_required_column_refuses_the_whole_file(tmp_path):
    frame = pd.read_csv(BAD / "acled_mixed_dates.csv", dtype=str).drop(columns=["location"])
    frame.to_csv(tmp_path / "no_location.csv", index=False)
    with pytest.raises(SchemaError, match="line 1, column 'location': required column is missing"):
        import_table(read_acled(tmp_path / "no_location.csv"))


@pytest.mark.parametrize("data, expected", [
    (b"a,b\n1,2\n", "utf-8"), ("a,b\nإدلب,2\n".encode(), "utf-8"),
    (b"\xef\xbb\xbfa,b\n", "utf-8-sig"), ("a,b\nإدلب,2\n".encode("cp1256"), "cp1256"),
    ("a,b\n".encode("utf-16"), "utf-16"),
])
def test_encoding_detection(data, expected):
    assert detect_encoding(data) == expected


def test_utf16_text_falls_back_to_the_general_parser(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes((BAD / "acled_utf8_arabic.csv").read_text(encoding="utf-8").encode("utf-16"))
    result = import_table(read_acled(path))
    assert result.report.encoding == "utf-16" and result.imported == 2


def test_swapped_points_found_against_polygons_where_a_box_cannot():
    idlib = box(36.2, 35.4, 37.2, 36.3)          # stands in for Idleb governorate
    lat = np.array([35.929, 36.6353, 35.8611])
    lon = np.array([36.6353, 35.929, 36.8061])   # the second point is Idlib given as lon/lat
    assert looks_swapped(lat, lon, idlib).tolist() == [False, True, False]
    syria_box = (35.7, 32.3, 42.4, 37.3)         # the swapped point is inside Syria's bounding box
    assert looks_swapped(lat, lon, syria_box).tolist() == [False, False, False]
    assert not looks_swapped(lat, lon).any()     # too few points to trust the data's own box


def test_swapped_points_found_against_the_datas_own_box():
    rng = np.random.default_rng(3)
    lat = rng.uniform(35.5, 36.3, 200)
    lon = rng.uniform(36.3, 37.2, 200)
    lat[17], lon[17] = lon[17], lat[17]
    flagged = looks_swapped(lat, lon)
    assert np.flatnonzero(flagged).tolist() == ([17] if lon[17] < 36.26 or lat[17] > 36.34 else [])
    lat[17], lon[17] = 36.9, 35.9                # clearly outside, and inside once swapped
    assert np.flatnonzero(looks_swapped(lat, lon)).tolist() == [17]


def test_formats_are_detected():
    assert detect_format(BAD / "acled_mixed_dates.csv") == "acled"
    assert detect_format(BAD / "ucdp_bad_codes.csv") == "ucdp"
    assert detect_format(BAD / "hxl_bad_rows.csv") == "hxl"
    assert detect_format(BAD / "generic_events.csv") == "csv"
    assert detect_format(BAD / "hnap_2020-01_bad_rows.csv") == "hnap"
    assert detect_format(BAD / "boundaries_zipped.zip") == "boundaries"


def test_import_file_adds_admin_codes_and_flags_points_outside(tmp_path):
    import geopandas as gpd

    boundaries = gpd.GeoDataFrame({"pcode": ["SY07", "SY070003"], "name": ["Idleb", "Saraqab"], "name_ar": [None, None],
                                   "admin_level": [1, 3], "parent_pcode": ["SY", "SY0700"]},
                                  geometry=[box(36.2, 35.4, 37.2, 36.3), box(36.7, 35.8, 36.9, 35.9)], crs="EPSG:4326")
    events = pd.read_csv(BAD / "acled_mixed_dates.csv", dtype=str)
    events.loc[1, ["latitude", "longitude"]] = ["34.0", "38.0"]  # in Syria, outside these boundaries
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    result = import_file(path, boundaries=boundaries)
    frame = result.frame.set_index("event_id")
    assert frame.loc["SYR-OK-1", "admin3_pcode"] == "SY070003" and frame.loc["SYR-OK-1", "admin2_pcode"] == "SY0700"
    assert frame.loc["SYR-OK-1", "admin1_pcode"] == "SY07" and frame.loc["SYR-OK-1", "admin3"] == "Saraqab"
    assert bool(frame.loc["SYR-OK-2", "outside_boundaries"]) and pd.isna(frame.loc["SYR-OK-2", "admin1_pcode"])
    assert result.imported == 3  # outside is a flag, not a reason to drop


@pytest.mark.parametrize("kept", [1.0, 0.999, 0.9, 0.01, 0.0])
def test_keep_rows_matches_boolean_indexing(kept):
    rng = np.random.default_rng(11)
    n = 20_000
    chunks = [pa.array([f"v{i}" if i % 7 else None for i in range(a, min(a + 3000, n))], type=pa.large_string())
              for a in range(0, n, 3000)]
    text = pd.array(pa.chunked_array(chunks), dtype=pd.StringDtype("pyarrow"))
    frame = pd.DataFrame({"text": text, "number": np.arange(n, dtype="float64"),
                          "count": pd.array(np.arange(n), dtype="Int64")})
    keep = rng.random(n) < kept
    got = keep_rows(frame, keep)
    expected = frame[keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)


def test_late_non_utf8_bytes_fall_back_to_windows_1256(tmp_path):
    header, row = (BAD / "acled_mixed_dates.csv").read_text(encoding="utf-8").splitlines()[:2]
    rows = [row.replace("SYR-OK-1", f"SYR-OK-{i}") for i in range(1, 1500)]  # > 64 KiB of plain UTF-8 first
    rows.append(row.replace("SYR-OK-1", "SYR-OK-LAST").replace("Saraqib", "سراقب"))
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("cp1256"))
    assert path.stat().st_size > 1 << 16
    result = import_table(read_acled(path))
    assert result.report.encoding == "cp1256" and result.imported == 1500
    assert result.frame["location"].iloc[-1] == "سراقب"


def test_line_breaks_inside_quoted_cells(tmp_path):
    frame = pd.read_csv(BAD / "acled_mixed_dates.csv", dtype=str)
    frame.loc[1, "notes"] = "first line\nsecond line, with a comma"
    frame.to_csv(tmp_path / "multiline.csv", index=False)
    result = import_table(read_acled(tmp_path / "multiline.csv"))
    assert result.imported == 3 and result.frame["notes"].iloc[1] == "first line\nsecond line, with a comma"


def test_problems_name_the_line_a_text_editor_shows(tmp_path):
    """A note with line breaks inside its quotes, and a blank line, come before the bad row: the
    problem still points at the line the analyst sees, not at the record's number."""
    header, good, bad = (BAD / "acled_negative_fatalities.csv").read_text(encoding="utf-8").splitlines()[:3]
    multiline = good.replace("Synthetic test event near Saraqib.", '"Shelling reported.\nTwo sources:\n""A"" and B."')
    path = tmp_path / "multiline.csv"
    path.write_text("\r\n".join([header, multiline, "", bad]) + "\r\n", encoding="utf-8")
    result = import_table(read_acled(path))
    assert result.imported == 1 and result.quarantined == 1
    assert [(p.line, p.column) for p in result.report.problems] == [(6, "fatalities")]
    assert result.frame["notes"].iloc[0] == 'Shelling reported.\nTwo sources:\n"A" and B.'
