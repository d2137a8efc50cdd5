"""Point-in-polygon p-codes: the source's names are kept, points outside are flagged, never dropped."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from geodata import assign_admin_codes


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"pcode": ["SY07", "SY0700", "SY0701", "SY070003"], "name": ["Idleb", "Idleb", "Ariha", "Saraqab"],
         "name_ar": [None] * 4, "admin_level": [1, 2, 2, 3], "parent_pcode": ["SY", "SY07", "SY07", "SY0700"]},
        geometry=[box(36.0, 35.0, 37.0, 36.5), box(36.5, 35.0, 37.0, 36.5), box(36.0, 35.0, 36.5, 36.5),
                  box(36.7, 35.8, 36.9, 35.9)], crs="EPSG:4326")


def test_codes_names_and_flags():
    events = pd.DataFrame({"event_id": ["a", "b", "c", "d", "e"],
                           "latitude": [35.86, 35.5, 33.5, None, 35.5], "longitude": [36.8, 36.2, 36.3, None, 36.5],
                           "admin1": ["Idlib governorate", "Idleb", "Damascus", None, "Idleb"],
                           "admin1_pcode": [None, None, "SY01", None, None]})
    out = assign_admin_codes(events, _areas())
    assert out["admin1"].tolist()[:3] == ["Idlib governorate", "Idleb", "Damascus"]  # untouched
    assert out["admin1_pcode"].tolist()[:3] == ["SY07", "SY07", "SY01"]           # the source's own code is kept
    assert out["admin2_pcode"].tolist()[:2] == ["SY0700", "SY0701"]
    assert out["admin3_pcode"].iloc[0] == "SY070003" and pd.isna(out["admin3_pcode"].iloc[1])
    assert out["outside_boundaries"].tolist()[:3] == [False, False, True] and pd.isna(out["outside_boundaries"].iloc[3])
    assert out["admin2_pcode"].iloc[4] == "SY0700"  # on the shared edge: the first area by p-code
    assert len(out) == len(events)


def test_missing_levels_come_from_parents_and_overwrite_is_explicit():
    areas = _areas()
    only_adm3 = areas[areas["admin_level"] == 3]
    events = pd.DataFrame({"latitude": [35.86], "longitude": [36.8], "admin3_pcode": ["SY079999"]})
    out = assign_admin_codes(events, only_adm3)
    assert out["admin2_pcode"].iloc[0] == "SY0700" and out["admin3_pcode"].iloc[0] == "SY079999"
    assert assign_admin_codes(events, only_adm3, overwrite=True)["admin3_pcode"].iloc[0] == "SY070003"
