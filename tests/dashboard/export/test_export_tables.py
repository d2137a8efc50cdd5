"""Data export: exactly the filtered rows, Excel-safe CSV, RFC 7946 GeoJSON, app-built names."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard.export.naming import export_filename, export_stem, safe_stem
from dashboard.export.provenance import Provenance, filter_words
from dashboard.export.service import table_export
from dashboard.export.tables import BOM, csv_bytes, geojson_bytes, neutralise
from geodata import FilterState, IncidentStore, load_dataset

APP = "http://127.0.0.1:8050/"
STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)


def day(store, iso, **filters):
    return FilterState.from_dict({"start": iso, "end": iso, **filters}, store.date_range())


def read_csv(content: bytes) -> pd.DataFrame:
    """The table as pandas reads it with its defaults (the BOM is UTF-8's, which pandas drops)."""
    return pd.read_csv(io.BytesIO(content))


def test_csv_has_exactly_the_rows_of_27_february(store):
    export = table_export(store, day(store, "2020-02-27"), fmt="csv", app_url=APP, generated_at=STAMP)
    assert export.filename == "nw_syria_2020_2020-02-27_2020-02-27_incidents.csv"
    assert export.mime == "text/csv"
    assert export.content.startswith(BOM.encode("utf-8") + b"event_id,")  # header on line 1; Excel reads UTF-8
    table = read_csv(export.content)
    assert list(table["event_id"]) == ["NWS-E15", "NWS-E16"]
    assert table.loc[1, "latitude"] == 35.7
    # Where it comes from is beside it, in the sidecar named after it.
    sidecar = table_export(store, day(store, "2020-02-27"), fmt="provenance.txt", app_url=APP, generated_at=STAMP)
    assert sidecar.filename == "nw_syria_2020_2020-02-27_2020-02-27_incidents.provenance.txt"
    text = sidecar.content.decode("utf-8")
    assert "North-west Syria: the Idlib offensive" in text and "27 Feb 2020 (1 day)" in text
    assert "2026-05-04 13:02 UTC" in text and "start=2020-02-27&end=2020-02-27" in text
    assert "EPSG:4326" in text and "Rows: 2 incidents" in text and export.filename in text


def test_whole_period_and_type_filter_row_counts(store):
    whole = FilterState.default(store.date_range())
    table = read_csv(table_export(store, whole, fmt="csv", app_url=APP).content)
    assert len(table) == len(store.incidents)
    battles = FilterState.from_dict({"event_types": ["Battles"]}, store.date_range())
    table = read_csv(table_export(store, battles, fmt="csv", app_url=APP).content)
    assert len(table) == len(store.select(battles)) == int((store.incidents["event_type"] == "Battles").sum())
    assert set(table["event_type"]) == {"Battles"}


def test_geojson_is_rfc7946_with_the_filtered_points(store):
    state = day(store, "2020-02-27")
    export = table_export(store, state, fmt="geojson", app_url=APP, generated_at=STAMP)
    assert export.filename.endswith("_incidents.geojson") and export.mime == "application/geo+json"
    data = json.loads(export.content.decode("utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data  # RFC 7946 dropped crs: WGS 84 only
    assert [f["id"] for f in data["features"]] == ["NWS-E15", "NWS-E16"]
    rows = store.select(state).set_index("event_id")
    for feature in data["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]  # longitude first
        assert (lon, lat) == (rows.loc[feature["id"], "longitude"], rows.loc[feature["id"], "latitude"])
        assert feature["properties"]["event_date"] == "2020-02-27"
    assert data["features"][0]["properties"]["fatalities_low"] is None  # missing is null, not NaN
    assert data["metadata"]["rows"] == 2 and "4326" in data["metadata"]["coordinates"]
    assert "27 Feb 2020" in data["metadata"]["selection"]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-2+3", "'-2+3"),
    ("-2", "-2"),  # a plain negative number stays a number
    ("-35.5", "-35.5"),
    (-2, -2),
    (3.5, 3.5),
    ("Saraqib", "Saraqib"),
    ("", ""),
    ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),  # fullwidth = + - @: spreadsheets read them as formulas too
    ("\uff0bcmd", "'\uff0bcmd"),
    ("\uff0d2+3", "'\uff0d2+3"),
    ("\uff20SUM(1)", "'\uff20SUM(1)"),
    ("  =1+1", "'  =1+1"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.fixture(scope="module")
def hostile_store():
    """A fresh store of the scenario with formula-like cells, a negative longitude and Arabic text
    in its first row (set in memory: the loader rightly refuses some of these in a file)."""
    store = IncidentStore(load_dataset())
    frame = store.incidents
    for column, value in {"actor1": "=1+1", "notes": "+cmd", "location": "@SUM(A1)",
                          "sub_event_type": "\tTabbed", "admin3": "\rReturn",
                          "actor2": "هيئة تحرير الشام"}.items():
        frame.loc[0, column] = value
    frame.loc[0, "longitude"] = -2.5
    return store


def test_formula_cells_are_neutralised_in_the_csv_and_numbers_kept(hostile_store):
    state = FilterState.default(hostile_store.date_range())
    content = csv_bytes(hostile_store, state)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    header_at = 0
    header, first = rows[header_at], dict(zip(rows[header_at], rows[header_at + 1], strict=True))
    assert first["actor1"] == "'=1+1" and first["notes"] == "'+cmd" and first["location"] == "'@SUM(A1)"
    assert first["sub_event_type"] == "'\tTabbed" and first["admin3"] == "'\rReturn"
    assert first["longitude"] == "-2.5"  # stays a number
    assert first["actor2"] == "هيئة تحرير الشام"
    assert len(rows) - header_at - 1 == len(hostile_store.incidents)
    assert header[0] == "event_id"
    for row in rows[header_at + 1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("'")
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "", 1).isdigit()
    # GeoJSON keeps the data as it is (it is not a spreadsheet) and stays valid UTF-8 JSON.
    data = json.loads(geojson_bytes(hostile_store, state, Provenance.of(hostile_store, state, APP)))
    assert data["features"][0]["properties"]["actor1"] == "=1+1"
    assert data["features"][0]["geometry"]["coordinates"][0] == -2.5


def test_file_names_come_from_the_dataset_and_dates_only():
    d1, d2 = date(2020, 2, 1), date(2020, 2, 27)
    assert export_filename("nw_syria_2020", d1, d2, "briefing", "pdf") == \
        "nw_syria_2020_2020-02-01_2020-02-27_briefing.pdf"
    assert export_stem("../../etc/passwd", d1, d2, "map") == "etc_passwd_2020-02-01_2020-02-27_map"
    assert safe_stem("إدلب / \\ ..") == "conflict-map"
    assert safe_stem("x" * 500) == "x" * 60
    with pytest.raises(ValueError):
        export_filename("x", d1, d2, "briefing", "exe")
    with pytest.raises(ValueError):
        export_stem("x", d1, d2, "../evil")


def test_filter_words(store):
    types = store.event_types()
    bounds = store.date_range()
    assert filter_words(FilterState.default(bounds), types) == \
        "all event types · map layers: incidents, displacement figures, towns & highways"
    assert filter_words(FilterState.default(bounds), types, layers=False) == "all event types"
    state = FilterState.from_dict({"event_types": ["Battles"], "layers": ["incidents"], "actors": ["A", "B"],
                                   "fatalities_min": 10, "text": "market"}, bounds)
    words = filter_words(state, types)
    assert "event types: Battles" in words and "actors: A, B" in words and "fatalities ≥ 10" in words
    assert "notes containing “market”" in words and "map layers: incidents" in words
    assert "no event type selected" in filter_words(FilterState.from_dict({"event_types": []}, bounds), types)
