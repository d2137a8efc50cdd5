"""Admin boundaries: COD-AB files read into one canonical frame, simplified GeoJSON for the browser."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import shapely

from geodata.geo import boundaries
from tests.support import SHARED, require

SHARED_ADM1 = SHARED / "data" / "boundaries" / "syr_adm1_ocha_cod_v02.geojson"


def cod_layer(path: Path, level: int, features: list[tuple[str, str, str, shapely.Geometry]]) -> Path:
    """A tiny COD-AB style GeoJSON layer: admN_pcode, admN_name, admN_name1 (Arabic), parent p-code."""
    out = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(shape),
         "properties": {f"adm{level}_pcode": code, f"adm{level}_name": name, f"adm{level}_name1": arabic,
                        f"adm{level - 1}_pcode": code[:-2]}}
        for code, name, arabic, shape in features]}
    path.write_text(json.dumps(out), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path):
    cod_layer(tmp_path / "xx_adm1.geojson", 1, [("SY07", "Idleb", "إدلب", shapely.box(36, 35, 37, 36)),
                                                ("SY02", "Aleppo", "حلب", shapely.box(37, 35.5, 38, 36.5))])
    cod_layer(tmp_path / "xx_adm2.geojson", 2, [("SY0700", "Idleb", "إدلب", shapely.box(36.3, 35.5, 36.9, 36))])
    (tmp_path / "notes.txt").write_text("not a layer")
    return tmp_path


def test_a_folder_of_layers_becomes_one_canonical_frame(folder):
    frame = boundaries.load_boundaries(folder)
    assert list(frame.columns) == ["pcode", "name", "name_ar", "admin_level", "parent_pcode", "geometry"]
    assert frame.crs == "EPSG:4326"
    assert frame.set_index("pcode")["admin_level"].to_dict() == {"SY07": 1, "SY02": 1, "SY0700": 2}
    assert frame.set_index("pcode").loc["SY0700", "parent_pcode"] == "SY07"
    assert frame.set_index("pcode").loc["SY07", "name_ar"] == "إدلب"
    assert boundaries.levels(frame) == [1, 2] and boundaries.levels(None) == []
    assert boundaries.load_boundaries(None) is None and boundaries.load_boundaries("  ") is None


def test_web_geojson_is_compact_and_keyed_by_pcode(folder):
    frame = boundaries.load_boundaries(folder)
    data = json.loads(boundaries.web_geojson(frame, 1))
    assert [f["properties"] for f in data["features"]] == [{"pcode": "SY07", "name": "Idleb"},
                                                           {"pcode": "SY02", "name": "Aleppo"}]
    points = boundaries.label_points(frame)
    inside = [shapely.Point(x, y).within(shape) for x, y, shape in
              zip(points["longitude"], points["latitude"], frame.geometry, strict=True)]
    assert all(inside)


def test_paths_joined_by_the_path_separator(folder):
    spec = os.pathsep.join([str(folder / "xx_adm2.geojson"), str(folder / "xx_adm1.geojson")])
    assert len(boundaries.load_boundaries(spec)) == 3


def test_a_missing_file_is_an_error(tmp_path):
    from geodata.model.errors import GeodataError
    with pytest.raises(GeodataError):
        boundaries.load_boundaries(tmp_path / "nope.geojson")


def test_the_shared_ocha_layer_if_present():
    require(SHARED_ADM1.exists(), f"{SHARED_ADM1} is not on this machine")
    frame = boundaries.load_boundaries(SHARED_ADM1)
    assert len(frame) == 14 and set(frame["admin_level"]) == {1}
    assert "SY07" in set(frame["pcode"]) and len(boundaries.web_geojson(frame, 1)) < 200_000
