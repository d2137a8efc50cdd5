"""Every CSV the project writes for a person is formula-neutral: exports and the import's quarantine file alike."""
from __future__ import annotations

import csv
import io
import sys

import pytest

from geodata.catalog.parquet import DataDirectory
from geodata.ingest import ingest_file
from geodata.ingest.csvsafe import neutralise
from geodata.synthetic import synthetic_incidents
from tests.support import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import as_acled  # noqa: E402

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(1)", "+cmd|' /C calc'!A0", "-1+1",
            "\uff1dHYPERLINK(1)", "\uff0bcmd", "\uff0d2+3", "\uff20SUM(1)", "\ufe66SUM(1)", "\tx", "\rx",
            "  =1+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_text_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-2", "+1.5e3", "-.5", "Garissa", "", "a=b", "2024-03-01", "email@example.org"])
def test_plain_text_and_numbers_are_kept(value):
    assert neutralise(value) == value


def test_the_quarantine_csv_is_neutralised_including_fullwidth_forms(tmp_path):
    frame = as_acled(synthetic_incidents(len(FORMULAS) + 3, seed=21))
    frame["latitude"] = frame["latitude"].astype(object)
    for row, value in enumerate(FORMULAS):
        frame.loc[row, "notes"] = value
        frame.loc[row, "latitude"] = "north"  # quarantined, so the hostile text lands in the quarantine file
    frame.loc[len(FORMULAS), "actor1"] = "=1+1"  # an imported row keeps its text as data
    path = tmp_path / "nairobi.csv"
    frame.to_csv(path, index=False, lineterminator="\r\n")  # so the cell with a bare CR is quoted
    catalog = DataDirectory(tmp_path / "data")
    outcome = ingest_file(path, "acled", catalog, dataset="nairobi")
    assert outcome.result.quarantined == len(FORMULAS)
    quarantine = outcome.report_path.with_name(outcome.report_path.stem + ".quarantine.csv")
    rows = list(csv.DictReader(io.StringIO(quarantine.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == len(FORMULAS)
    notes = [row["notes"] for row in rows]
    assert sorted(notes) == sorted("'" + value for value in FORMULAS)
    assert all(not cell.lstrip(" ").startswith(("=", "+", "@", "\uff1d", "\uff0b", "\uff20"))
               for row in rows for cell in row.values() if cell and cell[0] != "'")
    assert "=1+1" in set(catalog.load("nairobi").incidents["actor1"].astype(str))  # data itself unchanged
