"""Every file of tests/data/bad/: refused with one clear error, or split into imported,
quarantined (with the reason, line and column) and duplicate rows, with repairs
reported as warnings; valid rows are never lost.

Convention of the corpus: an id, p-code or name containing "OK" marks a
valid row; "BAD" marks the row a case is about.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from geodata import (
    SchemaError,
    UnreadableFileError,
    import_table,
    read_acled,
    read_boundaries,
    read_generic,
    read_hnap,
    read_hxl,
    read_ucdp,
)
from tests.support import BAD, SYNTHETIC_BOX


@dataclass(frozen=True)
class Case:
    file: str
    read: Callable[..., Any]
    options: dict = field(default_factory=dict)
    importing: dict = field(default_factory=dict)
    rejected: tuple[type, str] | None = None
    counts: tuple[int, int, int, int] | None = None  # rows in, imported, quarantined, duplicates
    reasons: tuple[tuple[int, str, str], ...] = ()   # (line, column, part of the reason)
    warnings: tuple[str, ...] = ()
    key: str = "event_id"
    repaired: bool = False  # the BAD row is repaired and imported

    def __str__(self) -> str:
        return self.file + ("+" + ",".join(self.importing) if self.importing else "")


MAPPING = str(BAD / "generic_mapping.json")
CASES = [
    # ACLED: structure and encodings
    Case("acled_missing_column.csv", read_acled, rejected=(SchemaError, "'latitude': required column is missing")),
    Case("acled_extra_column.csv", read_acled, counts=(2, 2, 0, 0),
         warnings=("not part of the ACLED format; kept as is",)),
    Case("acled_utf8_bom.csv", read_acled, counts=(2, 2, 0, 0)),
    Case("acled_utf8_arabic.csv", read_acled, counts=(2, 2, 0, 0)),
    Case("acled_cp1256.csv", read_acled, counts=(2, 2, 0, 0), warnings=("read as Windows-1256 (Arabic)",)),
    Case("acled_header_only.csv", read_acled, counts=(0, 0, 0, 0)),
    Case("acled_ragged.csv", read_acled, rejected=(UnreadableFileError, "Expected 31 fields in line 3")),
    # one cell too many on the first data line: pandas would take the ids for an index and shift every cell
    Case("acled_ragged_first_row.csv", read_acled, rejected=(UnreadableFileError, "Expected 31 fields in line 2")),
    # ACLED: coordinates
    Case("acled_lat_out_of_range.csv", read_acled, counts=(3, 2, 1, 0),
         reasons=((4, "latitude", "must be between -90 and 90"),)),
    Case("acled_lon_out_of_range.csv", read_acled, counts=(3, 2, 1, 0),
         reasons=((4, "longitude", "must be between -180 and 180"),)),
    Case("acled_swapped.csv", read_acled, importing={"area": SYNTHETIC_BOX}, counts=(4, 3, 1, 0),
         reasons=((5, "latitude", "latitude and longitude look swapped"),)),
    Case("acled_swapped.csv", read_acled, importing={"area": SYNTHETIC_BOX, "fix_swapped": True}, counts=(4, 4, 0, 0),
         warnings=("latitude and longitude look swapped: swapped back",), repaired=True),
    Case("acled_missing_coordinates.csv", read_acled, counts=(2, 1, 1, 0),
         reasons=((3, "latitude", "value is required"), (3, "longitude", "value is required"))),
    Case("acled_bad_geo_precision.csv", read_acled, counts=(2, 1, 1, 0),
         reasons=((3, "geo_precision", "must be between 1 and 3"),)),
    # ACLED: dates
    Case("acled_impossible_dates.csv", read_acled, counts=(3, 1, 2, 0),
         reasons=((3, "event_date", "not a real calendar date"), (4, "event_date", "not a real calendar date"))),
    Case("acled_mixed_dates.csv", read_acled, counts=(3, 3, 0, 0)),
    Case("acled_unknown_date_format.csv", read_acled, counts=(2, 1, 1, 0),
         reasons=((3, "event_date", "expected a date such as 2020-02-27 or 27 February 2020"),)),
    Case("acled_bad_time_precision.csv", read_acled, counts=(2, 1, 1, 0),
         reasons=((3, "time_precision", "must be 1 (day), 2 (week) or 3 (month)"),)),
    # ACLED: numbers, ids, text
    Case("acled_negative_fatalities.csv", read_acled, counts=(2, 1, 1, 0),
         reasons=((3, "fatalities", "must be at least 0"),)),
    Case("acled_nonnumeric_fatalities.csv", read_acled, counts=(3, 1, 2, 0),
         reasons=((3, "fatalities", "expected a whole number"), (4, "fatalities", "expected a whole number"))),
    Case("acled_exact_duplicates.csv", read_acled, counts=(3, 2, 0, 1)),
    Case("acled_conflicting_ids.csv", read_acled, counts=(3, 2, 1, 0),
         reasons=((4, "event_id_cnty", "duplicate id with different content (first on line 2)"),)),
    Case("acled_html_script.csv", read_acled, counts=(2, 2, 0, 0)),
    Case("acled_formula_cells.csv", read_acled, counts=(3, 3, 0, 0)),
    # Not readable at all
    Case("empty.csv", read_acled, rejected=(UnreadableFileError, "empty.csv: cannot read the file: the file is empty")),
    Case("binary_as_csv.csv", read_acled, rejected=(UnreadableFileError, "binary file, not a CSV")),
    Case("workbook_as_csv.csv", read_acled, rejected=(UnreadableFileError, "zip archive or an Excel workbook")),
    Case("missing_file.csv", read_acled,
         rejected=(UnreadableFileError, "missing_file.csv: cannot read the file: file not found")),
    Case("not_geodata.geojson", read_boundaries, rejected=(UnreadableFileError, "not_geodata.geojson: cannot read")),
    Case("broken_workbook.xlsx", read_generic, {"mapping": MAPPING},
         rejected=(UnreadableFileError, "not a readable .xlsx workbook")),
    # UCDP
    Case("ucdp_bad_codes.csv", read_ucdp, counts=(4, 1, 3, 0),
         reasons=((3, "type_of_violence", "must be 1 (state-based), 2 (non-state) or 3 (one-sided)"),
                  (4, "where_prec", "where_prec code from 1 to 7"), (5, "date_prec", "date_prec code from 1 to 5"))),
    # UCDP publishes rows whose estimates disagree: kept as published, and said
    Case("ucdp_low_above_best.csv", read_ucdp, counts=(2, 2, 0, 0),
         warnings=("UCDP's own estimates disagree: low (5) is above best (2); kept as published",), repaired=True),
    # HXL
    Case("hxl_no_hashtags.csv", read_hxl, rejected=(SchemaError, "no row of HXL hashtags")),
    Case("hxl_households_only.csv", read_hxl, {"table": "displacement"},
         rejected=(SchemaError, "'displaced': no column tagged for it")),
    Case("hxl_bad_rows.csv", read_hxl, counts=(3, 1, 2, 0),
         reasons=((4, "Lat", "expected a number"), (5, "Date", "not a real calendar date"))),
    # Generic (mapping)
    Case("generic_events.csv", read_generic, {"mapping": str(BAD / "generic_mapping_missing_column.json")},
         rejected=(SchemaError, "'Date': the mapping takes 'event_date' from this column, which the file lacks")),
    Case("generic_bad.xlsx", read_generic, {"mapping": MAPPING}, counts=(4, 2, 2, 0),
         reasons=((3, "When", "not a real calendar date"), (4, "Dead", "must be at least 0"))),
    # HNAP
    Case("hnap_community_extract.csv", read_hnap, rejected=(SchemaError, "cannot tell which month")),
    Case("hnap_2020-01_bad_rows.csv", read_hnap, counts=(4, 2, 2, 0), key="pcode",
         reasons=((3, "IDP_Flow_Estimation", "must be at least 0"), (4, "Community", "value is required")),
         warnings=("fractional estimate rounded to whole people", "not drawable")),
    # Boundaries
    Case("boundaries_self_intersecting.geojson", read_boundaries, counts=(2, 2, 0, 0), key="pcode",
         warnings=("invalid polygon repaired with make_valid (Self-intersection",)),
    Case("boundaries_empty_geometry.geojson", read_boundaries, counts=(3, 1, 2, 0), key="pcode",
         reasons=((2, "geometry", "geometry is empty or missing"), (3, "geometry", "geometry is empty or missing"))),
    Case("boundaries_not_polygon.geojson", read_boundaries, counts=(2, 1, 1, 0), key="pcode",
         reasons=((2, "geometry", "expected a polygon"),)),
    Case("boundaries_duplicate_pcode.geojson", read_boundaries, counts=(2, 1, 1, 0), key="pcode",
         reasons=((2, "pcode", "duplicate id with different content (first on line 1)"),)),
    Case("boundaries_no_pcode.geojson", read_boundaries, rejected=(SchemaError, "no p-code column")),
    Case("boundaries_utm.gpkg", read_boundaries, counts=(1, 1, 0, 0), key="pcode",
         warnings=("reprojected from EPSG:32637 to EPSG:4326",)),
    Case("boundaries_noprj.shp", read_boundaries, rejected=(UnreadableFileError, "without its .prj")),
    Case("boundaries_noprj.shp", read_boundaries, {"crs": "EPSG:4326"}, counts=(1, 1, 0, 0), key="pcode"),
    Case("boundaries_zipped.zip", read_boundaries, counts=(1, 1, 0, 0), key="pcode"),
]


def test_the_corpus_is_large_and_every_file_is_used():
    used = {c.file for c in CASES} | {"generic_mapping.json", "generic_mapping_missing_column.json",
                                      "make_corpus.py", "boundaries_noprj.shx", "boundaries_noprj.dbf",
                                      "boundaries_noprj.cpg"}
    on_disk = {p.name for p in BAD.iterdir()}
    assert len(CASES) >= 30
    assert on_disk - used == set()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_file(case: Case):
    path = BAD / case.file
    if case.rejected is not None:
        error, message = case.rejected
        with pytest.raises(error) as caught:
            import_table(case.read(path, **case.options), **case.importing)
        assert message in str(caught.value)
        if error is UnreadableFileError:
            assert caught.value.file.endswith(case.file) and str(caught.value).count("cannot read the file") == 1
        return

    source = case.read(path, **case.options)
    result = import_table(source, **case.importing)
    report = result.report
    assert (report.rows_in, report.imported, report.quarantined, report.duplicates) == case.counts, report.problems
    assert report.rows_in == report.imported + report.quarantined + report.duplicates
    assert len(result.frame) == report.imported and len(result.quarantine) == report.quarantined

    said = {(p.line, p.column): p.reason for p in report.problems}
    for line, column, reason in case.reasons:
        assert reason in said.get((line, column), ""), (line, column, said)
        row = result.quarantine[result.quarantine["line"] == line]
        assert len(row) == 1 and reason in row["reason"].iloc[0] and column in row["column"].iloc[0]
    warned = " | ".join(p.reason for p in report.warnings)
    for warning in case.warnings:
        assert warning in warned

    # Nothing valid is lost: every "OK" row is imported, no "BAD" row is.
    keys = source.frame[case.key].astype("string")
    wanted = set(keys[keys.str.contains("OK", na=False)])
    imported = set(result.frame[case.key].astype(str))
    assert wanted <= imported
    assert case.repaired or not any("BAD" in k for k in imported)
    # The quarantine shows the source cells as they were.
    assert list(result.quarantine.columns[:3]) == ["line", "column", "reason"]


def test_encodings_are_detected_and_reported():
    bom = import_table(read_acled(BAD / "acled_utf8_bom.csv"))
    cp1256 = import_table(read_acled(BAD / "acled_cp1256.csv"))
    utf8 = import_table(read_acled(BAD / "acled_utf8_arabic.csv"))
    assert (bom.report.encoding, cp1256.report.encoding, utf8.report.encoding) == ("utf-8-sig", "cp1256", "utf-8")
    for result in (bom, cp1256, utf8):
        assert result.frame["event_id"].tolist() == ["SYR-OK-1", "SYR-OK-2"]  # the BOM is not in the first header
        assert result.frame["location"].iloc[0] == "سراقب" and result.frame["admin1"].iloc[0] == "إدلب"
    assert not bom.warnings and not utf8.warnings


def test_extra_columns_are_kept():
    result = import_table(read_acled(BAD / "acled_extra_column.csv"))
    assert result.frame["analyst_comment"].tolist() == ["checked twice"] * 2
    assert result.frame["timestamp"].tolist() == ["1583000000"] * 2


def test_swapped_coordinates_fixed_on_request_only():
    fixed = import_table(read_acled(BAD / "acled_swapped.csv"), area=SYNTHETIC_BOX, fix_swapped=True).frame
    row = fixed[fixed["event_id"] == "SYR-BAD-1"].iloc[0]
    assert (row["latitude"], row["longitude"]) == (35.929, 36.6353)
    kept = import_table(read_acled(BAD / "acled_swapped.csv"), area=SYNTHETIC_BOX)
    assert kept.quarantine["latitude"].tolist() == ["36.6353"]  # the original cells, unchanged


def test_mixed_date_formats_read_alike():
    frame = import_table(read_acled(BAD / "acled_mixed_dates.csv")).frame
    assert frame["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-02-27", "2020-02-28", "2020-03-01"]
    assert str(frame["event_date"].dtype) == "datetime64[s]"


def test_html_and_formulas_are_stored_as_text_unchanged():
    html = import_table(read_acled(BAD / "acled_html_script.csv")).frame
    assert html["notes"].tolist() == ["<script>alert('x')</script> shelling reported",
                                      '<b>bold</b> <img src=x onerror="alert(1)">']
    formulas = import_table(read_acled(BAD / "acled_formula_cells.csv")).frame
    assert formulas["notes"].tolist() == ['=HYPERLINK("http://example.invalid","click")', "-1+2 reported", "=1+1"]
    assert formulas["actor1"].iloc[1] == "+Synthetic Group" and formulas["actor2"].iloc[2] == "@SUM(A1:A2)"


def test_repaired_polygons_are_valid_and_keep_their_area():
    result = import_table(read_boundaries(BAD / "boundaries_self_intersecting.geojson"))
    assert result.frame.is_valid.all()
    bowtie = result.frame[result.frame["pcode"] == "SY99OK2"].geometry.iloc[0]
    assert bowtie.geom_type == "MultiPolygon" and bowtie.area == pytest.approx(0.045)


def test_reprojected_layer_lands_in_idlib():
    frame = import_table(read_boundaries(BAD / "boundaries_utm.gpkg")).frame
    assert frame.crs.to_string() == "EPSG:4326"
    assert np.allclose(frame.total_bounds, (36.5, 35.7, 36.8, 35.95), atol=1e-6)
