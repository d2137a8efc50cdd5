"""Origin-to-destination flows survive an import and a save in both stores (Parquet folder and PostGIS); a
dataset stored before flows were kept loads with none and keeps its version; a re-import replaces a month."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from geodata.catalog.parquet import DataDirectory, content_version
from geodata.ingest.pipeline import ingest_file
from geodata.model import schema
from geodata.model.dataset import load_dataset
from tests.geodata.catalog.test_catalogs import cells, pg, postgis_url  # noqa: F401 (fixtures)
from tests.hnap_sudan import BOUNDARIES, FLOWS, write_workbook


@pytest.fixture(params=["parquet", "postgis"])
def catalog(request, tmp_path):
    if request.param == "parquet":
        yield DataDirectory(tmp_path / "data")
        return
    from geodata.catalog.postgis import PostgisCatalog

    with PostgisCatalog(request.getfixturevalue("postgis_url")) as postgis:
        yield postgis


def test_imported_flows_come_back_from_the_store(catalog, tmp_path):
    ingest_file(BOUNDARIES, "boundaries", catalog, report_root=tmp_path)
    ingest_file(write_workbook(tmp_path), "hnap", catalog, dataset="sudan-flows", report_root=tmp_path)
    back = catalog.load("sudan-flows")
    assert list(back.flows.columns) == schema.FLOWS.names
    got = {(o, d): p for o, d, p in zip(back.flows["origin"], back.flows["destination"], back.flows["people"],
                                        strict=True)}
    assert got == FLOWS  # every non-empty cell of the matrix, fractional estimates as given
    assert set(back.flows["period_start"].dt.date) == {date(2023, 5, 1)}
    assert set(back.flows["period_end"].dt.date) == {date(2023, 5, 31)}
    row = back.flows[back.flows["origin"] == "Khartoum"].iloc[0]
    assert row["origin_pcode"] == "SD01" and row["source"] == "HNAP / OCHA IDP movements (May 2023)"
    assert back.flows.loc[back.flows["origin"] == "Blue Nile", "origin_pcode"].isna().all()
    # What the matrix counts is kept with the dataset, in the workbook's words.
    assert back.map_series["hnap_arrivals_od"].kind == "od"
    assert "origin to destination" in back.map_series["hnap_arrivals_od"].label
    assert catalog.meta("sudan-flows")["rows"]["flows"] == len(FLOWS)
    assert back.version == content_version(back)

    # The same month again replaces its flows (never doubles them) ...
    ingest_file(write_workbook(tmp_path), "hnap", catalog, dataset="sudan-flows", report_root=tmp_path)
    again = catalog.load("sudan-flows")
    assert cells(again.flows) == cells(back.flows)
    # ... and another month adds to them.
    ingest_file(write_workbook(tmp_path, "2023-06", scale=0.5), "hnap", catalog, dataset="sudan-flows",
                report_root=tmp_path)
    both = catalog.load("sudan-flows")
    assert len(both.flows) == 2 * len(FLOWS)
    assert both.period == (date(2023, 5, 1), date(2023, 6, 30))  # the dates now offer June
    assert both.flows.groupby(both.flows["period_start"].dt.month)["people"].sum().to_dict() == {
        5: sum(FLOWS.values()), 6: sum(FLOWS.values()) / 2}


def test_a_dataset_without_flows_keeps_its_version_and_loads_with_none(tmp_path):
    """Datasets stored before flows were kept: no flows file, no 'flows' row count; they load, unchanged."""
    from geodata.model.dataset import DEFAULT_DATASET

    scenario = load_dataset(DEFAULT_DATASET)
    assert scenario.flows.empty and list(scenario.flows.columns) == schema.FLOWS.names
    data = DataDirectory(tmp_path)
    version = data.save(scenario)
    folder = data.path(scenario.name)
    meta = json.loads((folder / "dataset.json").read_text())
    assert "flows" not in meta["rows"] and not (folder / "flows.parquet").exists()  # as an older version wrote it
    back = data.load(scenario.name)
    assert back.flows.empty and back.version == version == content_version(back)


def test_a_lost_flows_file_is_reported_not_served_empty(tmp_path):
    from geodata.model.errors import UnreadableFileError

    data = DataDirectory(tmp_path / "data")
    ingest_file(write_workbook(tmp_path), "hnap", data, dataset="sudan-flows", report_root=tmp_path)
    (data.path("sudan-flows") / "flows.parquet").unlink()
    with pytest.raises(UnreadableFileError, match=r"flows\.parquet: .*table missing: dataset.json records 7 rows"):
        data.load("sudan-flows")


def test_flows_in_a_csv_dataset_folder_are_validated(tmp_path):
    """A canonical folder may carry flows.csv; a bad cell names file, line and column."""
    import shutil

    from geodata.model.dataset import DEFAULT_DATASET
    from geodata.model.errors import SchemaError

    folder = tmp_path / "kenya"
    shutil.copytree(DEFAULT_DATASET, folder)
    rows = pd.DataFrame({"origin": ["Mandera", "Wajir"], "origin_pcode": ["KE009", "KE008"],
                         "destination": ["Garissa", "Garissa"], "destination_pcode": ["KE007", "KE007"],
                         "people": ["1200", "many"], "period_start": ["2023-03-01", "2023-03-01"],
                         "period_end": ["2023-03-31", "2023-03-31"], "movement": ["arrivals", "arrivals"],
                         "source": ["DTM Kenya", "DTM Kenya"], "source_url": ["https://dtm.iom.int", "https://dtm.iom.int"]})
    rows.to_csv(folder / "flows.csv", index=False)
    with pytest.raises(SchemaError, match=r"flows\.csv, line 3, column 'people': expected a number"):
        load_dataset(folder)
    rows.loc[1, "people"] = "800"
    rows.to_csv(folder / "flows.csv", index=False)
    assert load_dataset(folder).flows["people"].tolist() == [1200.0, 800.0]
