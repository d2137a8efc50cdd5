"""Areas of control in Mali read from GeoJSON and GeoPackage: the snapshot in force on a date, and every
bad feature named with the file, feature number, column and reason."""
from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pytest
import shapely

from geodata.geo.control import read_control_areas
from geodata.model.errors import SchemaError, UnreadableFileError

ARMY, JNIM = "Military Forces of Mali (2021-)", "JNIM"
# Around Gao and Menaka: who held the box, per snapshot.
FEATURES = [
    ("2023-01-01", ARMY, (-0.4, 15.9, 0.3, 16.6)),
    ("2023-01-01", JNIM, (2.0, 15.6, 2.8, 16.2)),
    ("2023-06-01", ARMY, (-0.4, 15.9, 0.3, 16.6)),
    ("2023-06-01", JNIM, (1.6, 15.4, 2.8, 16.3)),
    ("2023-06-01", JNIM, (-1.2, 15.0, -0.8, 15.4)),
]


def feature(day, holder, box, **extra):
    return {"type": "Feature", "properties": {"as_of": day, "controller": holder, **extra},
            "geometry": shapely.geometry.mapping(shapely.box(*box))}


def write(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def mali(tmp_path):
    return write(tmp_path / "mali_control.geojson", [feature(*f) for f in FEATURES])


def test_the_snapshot_in_force_is_the_latest_on_or_before_the_day(mali):
    areas = read_control_areas(mali)
    assert areas.dates == [date(2023, 1, 1), date(2023, 6, 1)] and areas.source == "mali_control.geojson"
    assert len(areas.as_of(date(2022, 12, 31))) == 0
    january = areas.as_of(date(2023, 5, 31))
    assert sorted(january["holder"]) == sorted([ARMY, JNIM])
    june = areas.as_of(date(2023, 6, 1))
    assert sorted(june["holder"]) == sorted([ARMY, JNIM, JNIM])
    assert june.geometry.iloc[1].bounds == pytest.approx((1.6, 15.4, 2.8, 16.3))
    assert areas.holders() == [JNIM, ARMY]  # most areas first


def test_a_geopackage_in_another_crs_is_reprojected(tmp_path):
    frame = gpd.GeoDataFrame({"date": ["2023-01-01"], "held_by": [ARMY]}, geometry=[shapely.box(-0.4, 15.9, 0.3, 16.6)],
                             crs="EPSG:4326").to_crs("EPSG:3857")
    frame.to_file(tmp_path / "control.gpkg", driver="GPKG")
    areas = read_control_areas(tmp_path / "control.gpkg")
    assert areas.frame.crs.to_epsg() == 4326
    assert areas.frame.geometry.iloc[0].bounds == pytest.approx((-0.4, 15.9, 0.3, 16.6), abs=1e-6)


def test_every_bad_feature_is_named_and_the_file_refused(tmp_path):
    path = write(tmp_path / "bad.geojson", [
        feature("2023-01-01", ARMY, (-0.4, 15.9, 0.3, 16.6)),
        feature("June 2023", JNIM, (2.0, 15.6, 2.8, 16.2)),
        feature("2023-06-01", "", (2.0, 15.6, 2.8, 16.2)),
        {"type": "Feature", "properties": {"as_of": "2023-06-01", "controller": JNIM},
         "geometry": {"type": "Point", "coordinates": [2.0, 15.6]}},
    ])
    with pytest.raises(SchemaError) as caught:
        read_control_areas(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}, line 2, column 'as_of': expected a date YYYY-MM-DD (got 'June 2023')",
        f"{path}, line 3, column 'controller': who held the area is missing",
        f"{path}, line 4, column 'geometry': expected a polygon (got a Point)",
    ]


def test_a_layer_without_a_date_or_holder_column_is_refused_with_the_names_looked_for(tmp_path):
    path = write(tmp_path / "nodate.geojson", [{"type": "Feature", "properties": {"controller": ARMY},
                                                "geometry": shapely.geometry.mapping(shapely.box(0, 0, 1, 1))}])
    with pytest.raises(SchemaError, match="no date column \\(one of date, as_of, valid_from"):
        read_control_areas(path)
    with pytest.raises(SchemaError, match="'period': the date column is not in the layer"):
        read_control_areas(path, date_column="period")


def test_a_missing_or_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(UnreadableFileError, match="file not found"):
        read_control_areas(tmp_path / "none.geojson")
    (tmp_path / "junk.geojson").write_text("not json", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="junk.geojson: cannot read the file"):
        read_control_areas(tmp_path / "junk.geojson")


def test_a_self_intersecting_polygon_is_repaired_not_dropped(tmp_path):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 15], [1, 16], [1, 15], [0, 16], [0, 15]]]}
    path = write(tmp_path / "bowtie.geojson", [{"type": "Feature", "properties": {"date": "2023-01-01",
                                                                                   "side": JNIM}, "geometry": bow_tie}])
    areas = read_control_areas(path)
    shape = areas.frame.geometry.iloc[0]
    assert shape.is_valid and shape.geom_type == "MultiPolygon" and shape.area == pytest.approx(0.5)
