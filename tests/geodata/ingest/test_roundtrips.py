"""Write canonical rows in each format, read them back, get the same canonical rows.

The writers here are independent of the readers: they follow each format's
own column names (as listed in shared/facts/FACTS.md).
"""
from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from geodata import (
    import_table,
    load_dataset,
    read_acled,
    read_boundaries,
    read_generic,
    read_hnap,
    read_hxl,
    read_ucdp,
)
from geodata.ingest.readers.acled import COLUMNS as ACLED_COLUMNS
from geodata.ingest.readers.ucdp import COLUMNS as UCDP_COLUMNS

INCIDENT_FIELDS = ["event_id", "event_date", "date_precision", "event_type", "sub_event_type", "actor1", "actor2",
                   "location", "admin1", "admin2", "admin3", "latitude", "longitude", "geo_precision", "fatalities",
                   "notes", "source"]


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    frame = pd.DataFrame(load_dataset().incidents.drop(columns="geometry"))
    return frame.sort_values("event_id").reset_index(drop=True)


def _same(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    got = got.sort_values(columns[0]).reset_index(drop=True)[columns]
    expected = expected.sort_values(columns[0]).reset_index(drop=True)[columns]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "")


def test_acled_roundtrip(incidents, tmp_path):
    n = len(incidents)
    long_dates = incidents["event_date"].dt.strftime("%d %B %Y").str.lstrip("0")
    iso_dates = incidents["event_date"].dt.strftime("%Y-%m-%d")
    out = pd.DataFrame({c: "" for c in ACLED_COLUMNS}, index=incidents.index)
    out = out.assign(
        event_id_cnty=incidents["event_id"], event_date=np.where(np.arange(n) % 2 == 0, long_dates, iso_dates),
        time_precision=incidents["date_precision"].map({"day": 1, "week": 2, "month": 3}),
        event_type=incidents["event_type"], sub_event_type=_text(incidents["sub_event_type"]),
        actor1=_text(incidents["actor1"]), actor2=_text(incidents["actor2"]), location=incidents["location"],
        admin1=_text(incidents["admin1"]), admin2=_text(incidents["admin2"]), admin3=_text(incidents["admin3"]),
        latitude=incidents["latitude"], longitude=incidents["longitude"], geo_precision=incidents["geo_precision"],
        source=incidents["source"], notes=_text(incidents["notes"]), fatalities=_text(incidents["fatalities"]),
        timestamp=1583000000 + np.arange(n), iso=760, country="Syria",
    )
    path = tmp_path / "acled.csv"
    out.to_csv(path, index=False)
    result = import_table(read_acled(path))
    assert (result.imported, result.quarantined, result.duplicates) == (n, 0, 0), result.report.problems
    _same(result.frame, incidents, INCIDENT_FIELDS)
    assert (result.frame["source_url"] == "https://acleddata.com").all()
    assert result.frame["timestamp"].notna().all()


def test_ucdp_roundtrip(incidents, tmp_path):
    rows = incidents[incidents["event_type"].isin(["Battles", "Violence against civilians"])].reset_index(drop=True)
    out = pd.DataFrame({c: "" for c in UCDP_COLUMNS}, index=rows.index)
    out = out.assign(
        id=rows["event_id"], type_of_violence=rows["event_type"].map({"Battles": 1, "Violence against civilians": 3}),
        side_a=_text(rows["actor1"]), side_b=_text(rows["actor2"]), source_article=rows["source"],
        where_prec=rows["geo_precision"], where_coordinates=rows["location"], adm_1=_text(rows["admin1"]),
        adm_2=_text(rows["admin2"]), latitude=rows["latitude"], longitude=rows["longitude"],
        date_prec=rows["date_precision"].map({"day": 1, "week": 3, "month": 4, "year": 5}),
        date_start=rows["event_date"].dt.strftime("%Y-%m-%d 00:00:00.000"),
        date_end=rows["event_date"].dt.strftime("%Y-%m-%d"), best=_text(rows["fatalities"]),
        low=_text(rows["fatalities_low"]), high=_text(rows["fatalities_high"]), source_headline=_text(rows["notes"]),
    )
    path = tmp_path / "ged.csv"
    out.to_csv(path, index=False)
    result = import_table(read_ucdp(path))
    assert (result.imported, result.quarantined) == (len(rows), 0), result.report.problems
    got = result.frame.assign(event_id=result.frame["event_id"].str.removeprefix("UCDP-"))
    fields = ["event_id", "event_date", "date_precision", "event_type", "actor1", "actor2", "location", "admin1",
              "admin2", "latitude", "longitude", "geo_precision", "fatalities", "fatalities_low", "fatalities_high",
              "notes", "source"]
    _same(got, rows, fields)
    assert set(result.frame["source_url"]) == {"https://ucdp.uu.se"}
    assert result.frame["where_prec"].notna().all()


HXL_INCIDENT_TAGS = {
    "event_id": "#event+code", "event_date": "#date+occurred", "date_precision": None,
    "event_type": "#event+type", "sub_event_type": "#event+type+sub", "actor1": "#group+name+first",
    "actor2": "#group+name+second", "location": "#loc+name", "admin1": "#adm1+name", "admin2": "#adm2+name",
    "admin3": "#adm3+name", "admin1_pcode": "#adm1+pcode", "latitude": "#geo+lat", "longitude": "#geo+lon",
    "geo_precision": "#geo+precision", "fatalities": "#affected+killed", "notes": "#description",
    "source": "#meta+source", "source_url": "#meta+url",
}


def _write_hxl(frame: pd.DataFrame, tags: dict[str, str | None], path) -> None:
    columns = [c for c, t in tags.items() if t]
    body = frame[columns].copy()
    for column in columns:
        if str(body[column].dtype).startswith("datetime"):
            body[column] = body[column].dt.strftime("%Y-%m-%d")
    header = pd.DataFrame([[c.replace("_", " ").title() for c in columns], [tags[c] for c in columns]],
                          columns=columns)
    pd.concat([header, body.astype("object")]).to_csv(path, index=False, header=False)


def test_hxl_incidents_roundtrip(incidents, tmp_path):
    path = tmp_path / "incidents_hxl.csv"
    _write_hxl(incidents, HXL_INCIDENT_TAGS, path)
    result = import_table(read_hxl(path))
    assert (result.imported, result.quarantined) == (len(incidents), 0), result.report.problems
    fields = [c for c in INCIDENT_FIELDS if c != "date_precision"] + ["admin1_pcode", "source_url"]
    _same(result.frame, incidents, fields)


def test_hxl_displacement_roundtrip(tmp_path):
    figures = load_dataset().displacement
    figures = figures[figures["series"] == "nw_cumulative"].reset_index(drop=True)
    tags = {"figure_id": "#meta+id", "as_of": "#date+reported", "period_start": "#date+start",
            "period_end": "#date+end", "displaced": "#affected+idps+ind", "place": "#loc+name",
            "pcode": "#adm1+code", "latitude": "#geo+lat", "longitude": "#geo+lon", "source": "#meta+source",
            "source_url": "#meta+url"}
    path = tmp_path / "displacement_hxl.csv"
    _write_hxl(figures, tags, path)
    result = import_table(read_hxl(path, series="nw_cumulative"))
    assert (result.imported, result.quarantined) == (len(figures), 0), result.report.problems
    assert result.report.table == "displacement"
    _same(result.frame, figures, list(tags) + ["series"])


MAPPING = {
    "table": "incidents",
    "columns": {"event_id": "Ref", "event_date": "Date", "event_type": "Type", "location": "Place",
                "latitude": "Lat", "longitude": "Lon", "geo_precision": "Precision", "fatalities": "Killed",
                "source": "Source", "source_url": "Link"},
    "constants": {"date_precision": "day"},
    "date_formats": ["%d/%m/%Y"],
}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_generic_roundtrip(incidents, tmp_path, suffix):
    out = pd.DataFrame({source: incidents[canonical] for canonical, source in MAPPING["columns"].items()})
    out["Date"] = incidents["event_date"].dt.strftime("%d/%m/%Y")
    out["Analyst"] = "kept"
    path = tmp_path / f"events{suffix}"
    if suffix == ".csv":
        out.to_csv(path, index=False)
    else:
        out.astype("object").where(out.notna(), None).to_excel(path, index=False, engine="openpyxl")
    result = import_table(read_generic(path, MAPPING))
    assert (result.imported, result.quarantined) == (len(incidents), 0), result.report.problems
    fields = list(MAPPING["columns"]) + ["date_precision"]
    _same(result.frame, incidents.assign(date_precision="day"), fields)
    assert (result.frame["Analyst"] == "kept").all()


def test_generic_mapping_from_json_file(incidents, tmp_path):
    import json

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    out = pd.DataFrame({source: incidents[canonical] for canonical, source in MAPPING["columns"].items()})
    out.to_csv(tmp_path / "events.csv", index=False)
    result = import_table(read_generic(tmp_path / "events.csv", mapping))
    assert result.imported == len(incidents)
    assert result.report.format == "csv"  # the name the command line and detect_format use


def test_hnap_workbook_roundtrip(tmp_path):
    communities = pd.DataFrame({
        "Mohafaza": ["Idleb", "Idleb", "Aleppo"], "Mohafaza PCODE": ["SY07", "SY07", "SY02"],
        "Mantika": ["Idleb", "Ariha", "Jebel Saman"], "Mantika PCODE": ["SY0700", "SY0701", "SY0200"],
        "Nahya": ["Saraqab", "Ariha", "Atareb"], "Nahya PCODE": ["SY070003", "SY070100", "SY020001"],
        "Community": ["Saraqab", "Ariha", "Atareb"], "Community PCODE": ["C3916", "C4001", "C1100"],
        "IDP_Flow_Estimation": [1200, 300, 450],
    })
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet_named_after_another_month"
    sheet.append(list(communities.columns))
    for row in communities.itertuples(index=False):
        sheet.append(list(row))
    matrix = book.create_sheet("Table-Origin_vs_Departure")
    matrix.append(["Origin", "Aleppo", "Idleb", "Grand Total"])
    matrix.append(["Aleppo", 400, 0, "=SUM(B2:C2)"])
    matrix.append(["Idleb", 50, 1500, "=SUM(B3:C3)"])
    matrix.append(["Grand Total", 450, 1500, None])
    path = tmp_path / "idp_movements.xlsx"
    book.save(path)

    result = import_table(read_hnap(path, period="2020-02"))
    assert (result.imported, result.quarantined) == (3, 0), result.report.problems
    frame = result.frame
    assert frame["pcode"].tolist() == communities["Community PCODE"].tolist()
    assert frame["displaced"].tolist() == [1200, 300, 450] and set(frame["series"]) == {"hnap_arrivals"}
    assert frame["place"].tolist() == communities["Community"].tolist()
    assert frame["admin3_pcode"].tolist() == communities["Nahya PCODE"].tolist()
    assert set(frame["as_of"].dt.strftime("%Y-%m-%d")) == {"2020-02-29"}
    assert set(frame["period_start"].dt.strftime("%Y-%m-%d")) == {"2020-02-01"}
    assert not frame["drawable"].any()  # no capitals or boundaries given: kept, flagged
    flows = result.tables["flows"]
    got = {(o, d): p
           for o, d, p in zip(flows["origin_pcode"], flows["destination_pcode"], flows["people"], strict=True)}
    assert got == {("SY02", "SY02"): 400.0, ("SY07", "SY02"): 50.0, ("SY07", "SY07"): 1500.0}


def _cod_layer(level: int, rows: list[tuple[str, str, str, str]]) -> gpd.GeoDataFrame:
    shapes = [box(36.0 + i * 0.2, 35.5, 36.2 + i * 0.2, 35.7) for i in range(len(rows))]
    return gpd.GeoDataFrame({f"adm{level}_pcode": [r[0] for r in rows], f"adm{level}_name": [r[1] for r in rows],
                             f"adm{level}_name1": [r[2] for r in rows], f"adm{level - 1}_pcode": [r[3] for r in rows]},
                            geometry=shapes, crs="EPSG:4326")


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".zip"])
def test_boundaries_roundtrip(tmp_path, suffix):
    layer = _cod_layer(3, [("SY070003", "Saraqab", "سراقب", "SY0700"), ("SY070100", "Ariha", "أريحا", "SY0701")])
    if suffix == ".zip":
        layer.to_file(tmp_path / "adm3.shp", driver="ESRI Shapefile")
        path = tmp_path / "adm3.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in tmp_path.glob("adm3.*"):
                if part.suffix != ".zip":
                    archive.write(part, part.name)
    else:
        path = tmp_path / f"adm3{suffix}"
        layer.to_file(path)
    result = import_table(read_boundaries(path))
    assert (result.imported, result.quarantined) == (2, 0) and not result.warnings
    frame = result.frame
    assert list(frame.columns) == ["pcode", "name", "name_ar", "admin_level", "parent_pcode", "geometry"]
    assert frame["pcode"].tolist() == ["SY070003", "SY070100"] and frame["name_ar"].tolist() == ["سراقب", "أريحا"]
    assert frame["admin_level"].tolist() == [3, 3] and frame["parent_pcode"].tolist() == ["SY0700", "SY0701"]
    assert frame.geometry.normalize().geom_equals_exact(layer.geometry.normalize(), tolerance=1e-9).all()
