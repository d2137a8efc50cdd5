"""The embedded persistent store: round trips, versions, atomic replacement, damaged files."""
from __future__ import annotations

from unittest import mock

import pandas as pd
import pytest

from geodata import IncidentStore, UnreadableFileError
from geodata.catalog.parquet import (
    DataDirectory,
    content_version,
    read_dataset,
    write_dataset,
)
from geodata.model.dataset import dataset_from_incidents
from geodata.model.errors import GeodataError
from geodata.synthetic import synthetic_incidents


def test_scenario_round_trip_keeps_tables_and_version(scenario, tmp_path):
    version = write_dataset(scenario, tmp_path / "nw", source="geodata/scenarios/nw_syria_2020")
    back = read_dataset(tmp_path / "nw")
    assert back.version == version == content_version(scenario)
    assert content_version(back) == version  # categoricals and other dtypes on reading do not change it
    plain = pd.DataFrame(scenario.incidents.drop(columns="geometry"))
    # Same cells; repetitive text columns come back as categoricals (smaller in memory).
    assert list(back.incidents.columns) == list(plain.columns)
    assert str(back.incidents["actor1"].dtype) == "category"
    for column in plain.columns:
        assert back.incidents[column].astype(object).where(back.incidents[column].notna(), None).tolist() == \
            plain[column].astype(object).where(plain[column].notna(), None).tolist(), column
    assert back.displacement["displaced"].sum() == scenario.displacement["displaced"].sum()
    assert back.period == scenario.period and back.map_series == scenario.map_series
    store = IncidentStore(back)
    assert store.gazetteer.display_name("Balyun") == "Balyun (Behun)"


def test_version_changes_with_content(scenario):
    edited = scenario.incidents.copy()
    edited.loc[0, "fatalities"] = 99
    changed = dataset_from_incidents(edited, name="x", title="x")
    same = dataset_from_incidents(scenario.incidents.copy(), name="x", title="x")
    assert content_version(changed) != content_version(same)


def test_failed_write_leaves_previous_version(tmp_path, scenario):
    data = DataDirectory(tmp_path)
    first = data.save(scenario)
    bigger = dataset_from_incidents(synthetic_incidents(500), name=scenario.name, title="replacement")
    with mock.patch("pandas.DataFrame.to_parquet", side_effect=OSError("No space left on device")):
        with pytest.raises(OSError, match="No space left"):
            data.save(bigger)
    assert data.meta(scenario.name)["version"] == first
    assert len(data.load(scenario.name).incidents) == len(scenario.incidents)
    assert data.names() == [scenario.name]  # no half-written folder is listed
    assert data.save(bigger) != first and len(data.load(scenario.name).incidents) == 500


def test_damaged_and_missing_datasets_give_one_clear_error(tmp_path, scenario):
    data = DataDirectory(tmp_path)
    data.save(scenario)
    (tmp_path / scenario.name / "incidents.parquet").write_bytes(b"not parquet")
    with pytest.raises(UnreadableFileError, match="incidents.parquet: cannot read the file: damaged table"):
        data.load(scenario.name)
    with pytest.raises(UnreadableFileError, match="no stored dataset here"):
        data.load("absent")
    with pytest.raises(GeodataError, match="invalid dataset name"):
        data.path("../etc")
    data.remove(scenario.name)
    assert data.names() == []
