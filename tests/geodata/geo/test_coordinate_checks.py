"""Every point is judged against the country its row names and the place it names, whatever the file's size;
a point near a border is never called swapped."""
from __future__ import annotations

import numpy as np
import pandas as pd
from shapely.geometry import box

from geodata import import_table, read_acled
from geodata.geo.coordinates import check_points, looks_swapped
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.validate import SWAPPED
from geodata.model.schema import PLACES
from tests.support import REPO

SUDAN = REPO / "tests" / "data" / "acled_sudan_sample.csv"


def small_file(tmp_path, rows: list[int]):
    """The first rows of the Sudan sample, as a file of its own (a handful of rows: no data box to lean on)."""
    frame = pd.read_csv(SUDAN, dtype=str, keep_default_na=False).iloc[rows]
    path = tmp_path / "five_rows.csv"
    frame.to_csv(path, index=False)
    return path


def test_swap_in_a_five_row_file_is_found_by_the_rows_country_and_repaired_with_a_warning(tmp_path):
    path = small_file(tmp_path, [0, 1, 2, 3, 4])   # row 4 (Nyala) is written longitude first
    kept = import_table(read_acled(path))
    assert (kept.imported, kept.quarantined) == (4, 1)
    problem = kept.report.problems[0]
    assert (problem.line, problem.reason) == (6, SWAPPED)
    assert "lies in Libya" in problem.value and "swapped it lies in Sudan" in problem.value
    fixed = import_table(read_acled(path), fix_swapped=True)
    assert (fixed.imported, fixed.quarantined) == (5, 0)
    nyala = fixed.frame.set_index("event_id").loc["SDN31004"]
    assert (nyala["latitude"], nyala["longitude"]) == (12.0489, 24.8807)
    assert [w.line for w in fixed.warnings if w.reason.startswith(SWAPPED)] == [6]


def test_point_a_few_km_over_the_border_is_kept_as_given(tmp_path):
    path = small_file(tmp_path, [17, 0, 1])        # Adikong: 2.6 km inside Chad by the 1:50m outline
    result = import_table(read_acled(path))
    assert result.quarantined == 0 and not result.warnings
    adikong = result.frame.set_index("event_id").loc["SDN31017"]
    assert (adikong["latitude"], adikong["longitude"]) == (13.45, 22.2)


def test_point_far_outside_its_country_but_not_swapped_is_kept_and_said():
    lat, lon = np.array([15.5, 9.06]), np.array([32.56, 7.49])       # Khartoum; Abuja, Nigeria
    checked = check_points(lat, lon, countries=np.array(["SD", "SD"], dtype=object))
    assert checked.swapped.tolist() == [False, False] and checked.outside.tolist() == [False, True]
    assert "lies in Nigeria" in checked.said[1] and "kept as given" in checked.said[1]


def test_named_place_tells_a_swap_where_the_country_cannot():
    # Both ways round inside the country (Colombia: 4.71 N 74.07 W is Bogota; swapped it is nowhere near).
    places = pd.DataFrame([{"place_id": "p1", "name": "Mitu", "latitude": 1.2536, "longitude": -70.2346,
                            "source": "test"}], columns=PLACES.names)
    gazetteer = Gazetteer(places)
    hit = gazetteer.find("Mitu")[0]
    lat, lon = np.array([-70.2346, 1.2536]), np.array([1.2536, -70.2346])
    checked = check_points(lat, lon, place_lat=np.full(2, hit.latitude), place_lon=np.full(2, hit.longitude))
    assert checked.swapped.tolist() == [True, False]
    assert "km once swapped" in checked.said[0]


def test_border_points_are_not_swaps_against_admin_polygons_either():
    area = box(36.0, 35.0, 37.0, 36.0)
    lat = np.array([35.5, 36.03, 36.5])        # inside; 3 km north of the line; a real swap
    lon = np.array([36.5, 36.03, 35.5])
    assert looks_swapped(lat, lon, area).tolist() == [False, False, True]


def test_a_point_just_offshore_where_latitude_and_longitude_are_close_is_not_called_swapped():
    # 35.84 N 35.62 E is 19 km off the Syrian coast; swapped (35.62 N 35.84 E) it is on land, 31 km away
    checked = check_points(np.array([35.8411]), np.array([35.6241]), countries=np.array(["SY"], dtype=object))
    assert not checked.swapped[0] and checked.outside[0]


def test_countries_numbered_or_as_codes_give_the_same_check():
    from geodata.geo.coordinates import RowCountries

    rng = np.random.default_rng(3)
    lat = np.concatenate([rng.normal(15.5, 3, 300), [12.0489, 35.8411, np.nan, 95.0]])
    lon = np.concatenate([rng.normal(30.0, 6, 300), [24.8807, 35.6241, 30.0, 30.0]])
    codes = np.array(rng.choice(["SD", "TD", "XX", "SS", None], len(lat)), dtype=object)
    codes[-4:] = ["SD", "SY", "SD", "SD"]
    lat[-4], lon[-4] = lon[-4], lat[-4]  # Nyala written longitude first
    given = check_points(lat, lon, countries=codes)
    distinct = ["SS", "SD", "SY", "TD", "XX"]
    number = np.array([distinct.index(c) if c is not None else -1 for c in codes])
    numbered = check_points(lat, lon, countries=RowCountries(number, np.array(distinct, dtype=object)))
    assert given.swapped[-4] and given.outside.any() and given.said
    for field in ("swapped", "outside", "decided"):
        assert (getattr(given, field) == getattr(numbered, field)).all()
    assert given.said == numbered.said
    assert RowCountries(number, np.array(distinct, dtype=object)).values().tolist() == codes.tolist()
