"""The shipped scenario loads, follows the schema, and a broken file fails loudly."""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date

import pytest

from geodata import CRS, DEFAULT_DATASET, SchemaError, UnreadableFileError, load_dataset


def test_scenario_holds_the_key_events_with_sources(scenario):
    incidents = scenario.incidents
    assert len(incidents) >= 22
    assert incidents.crs.to_string() == CRS
    assert incidents["source"].notna().all() and incidents["source_url"].str.startswith("http").all()
    assert incidents["event_date"].is_monotonic_increasing
    # The seed report: the Balyun ("Behun") strike and Saraqeb retaken, both on 27 Feb 2020.
    feb27 = incidents[incidents["event_date"] == "2020-02-27"]
    assert set(feb27["location"]) >= {"Balyun", "Saraqib"}
    balyun = feb27[feb27["location"] == "Balyun"].iloc[0]
    assert (balyun["fatalities_low"], balyun["fatalities_high"]) == (33, 34)
    assert balyun["latitude"] == pytest.approx(35.70, abs=0.01)
    assert balyun["longitude"] == pytest.approx(36.50, abs=0.01)


def test_scenario_displacement_and_places(scenario):
    cumulative = scenario.displacement[scenario.displacement["series"] == "nw_cumulative"]
    as_of = dict(zip(cumulative["as_of"].dt.date, cumulative["displaced"], strict=True))
    assert as_of[date(2019, 12, 29)] == 284_000 and as_of[date(2020, 2, 23)] == 948_000
    assert scenario.displacement["source"].notna().all()
    assert scenario.displacement[["latitude", "longitude", "pcode"]].notna().all().all()
    names = set(scenario.places["name"])
    assert {"Balyun", "Saraqib", "Idlib"} <= names
    assert set(scenario.incidents["location"]) - names <= {"Southern Idlib front", "Idlib governorate",
                                                           "Western Aleppo countryside"} | names
    assert scenario.period == (date(2019, 12, 1), date(2020, 3, 10))


def _copy_scenario(tmp_path):
    folder = tmp_path / "scenario"
    shutil.copytree(DEFAULT_DATASET, folder)
    return folder


def test_broken_cell_names_file_line_and_column(tmp_path):
    folder = _copy_scenario(tmp_path)
    path = folder / "incidents.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",35.929,", ",north,", 1)  # line 4 of the file: latitude not a number
    assert ",north," in lines[3]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_dataset(folder)
    message = str(caught.value)
    assert "incidents.csv, line 4, column 'latitude'" in message
    assert "expected a number" in message and "'north'" in message


def test_missing_column_and_bad_date_are_reported(tmp_path):
    folder = _copy_scenario(tmp_path)
    path = folder / "displacement.csv"
    text = path.read_text(encoding="utf-8").replace("2020-02-23", "2020-02-31", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_dataset(folder)
    assert "displacement.csv" in str(caught.value) and "column 'as_of'" in str(caught.value)

    (folder / "displacement.csv").write_text("figure_id,series\nX,nw\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="column 'as_of': required column is missing"):
        load_dataset(folder)


def test_duplicate_ids_and_inconsistent_ranges_are_refused(tmp_path):
    folder = _copy_scenario(tmp_path)
    path = folder / "incidents.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.append(lines[1])
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SchemaError, match=rf"line {len(lines)}, column 'event_id': duplicate id"):
        load_dataset(folder)


def test_missing_file_is_one_clear_error(tmp_path):
    folder = _copy_scenario(tmp_path)
    (folder / "incidents.csv").unlink()
    with pytest.raises(UnreadableFileError, match="incidents.csv: cannot read the file: file not found"):
        load_dataset(folder)


def test_import_geodata_does_not_import_dash():
    code = "import sys, geodata; geodata.IncidentStore(geodata.load_dataset()); print('dash' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
