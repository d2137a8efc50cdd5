"""Writes the bad-file corpus in this folder (synthetic rows only; no real ACLED/UCDP rows).

Run from the repository root: ``.venv/bin/python tests/data/bad/make_corpus.py``.
The files are committed; the tests read them and never regenerate them.
Convention: an id, p-code or name containing ``OK`` marks a valid row that
must be imported; ``BAD`` marks the row a case is about.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, Polygon, box

HERE = Path(__file__).parent

ACLED = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
         "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
         "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp").split(",")

UCDP = ("id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
        "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
        "number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,"
        "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,"
        "region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,"
        "high,low,gwnoa,gwnob").split(",")

# Synthetic places in Idlib governorate (OCHA admin-capital style points).
PLACES = {
    "Saraqib": ("Idleb", "Idleb", "Saraqab", 35.8611, 36.8061),
    "Ariha": ("Idleb", "Ariha", "Ariha", 35.814, 36.61),
    "Idlib": ("Idleb", "Idleb", "Idleb", 35.929, 36.6353),
    "Taftanaz": ("Idleb", "Idleb", "Taftanaz", 35.998, 36.783),
    "Binnish": ("Idleb", "Idleb", "Bennsh", 35.957, 36.714),
}


def acled_row(event_id: str, place: str = "Saraqib", **cells: object) -> dict[str, object]:
    admin1, admin2, admin3, lat, lon = PLACES[place]
    row = {
        "event_id_cnty": event_id, "event_date": "27 February 2020", "year": 2020, "time_precision": 1,
        "disorder_type": "Political violence", "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Synthetic Armed Group A", "assoc_actor_1": "", "inter1": 1, "actor2": "Synthetic Armed Group B",
        "assoc_actor_2": "", "inter2": 2, "interaction": 12, "civilian_targeting": "", "iso": 760,
        "region": "Middle East", "country": "Syria", "admin1": admin1, "admin2": admin2, "admin3": admin3,
        "location": place, "latitude": lat, "longitude": lon, "geo_precision": 1, "source": "Synthetic Monitor",
        "source_scale": "National", "notes": f"Synthetic test event near {place}.", "fatalities": 2, "tags": "",
        "timestamp": 1583000000,
    }
    row.update(cells)
    return row


def write_csv(name: str, columns: list[str], rows: list[dict[str, object]], *, encoding: str = "utf-8",
              drop: tuple[str, ...] = (), extra: dict[str, object] | None = None) -> None:
    columns = [c for c in columns if c not in drop] + list(extra or {})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, **(extra or {})})
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def ok(n: int, place: str = "Saraqib", **cells: object) -> list[dict[str, object]]:
    names = list(PLACES)
    return [acled_row(f"SYR-OK-{i}", names[(i - 1) % len(names)] if place == "*" else place, **cells)
            for i in range(1, n + 1)]


def acled_cases() -> None:
    write_csv("acled_missing_column.csv", ACLED, ok(2), drop=("latitude",))
    write_csv("acled_extra_column.csv", ACLED, ok(2), extra={"analyst_comment": "checked twice"})
    arabic = [acled_row("SYR-OK-1", admin1="إدلب", location="سراقب"), acled_row("SYR-OK-2", location="Ariha")]
    (HERE / "acled_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf")
    write_csv("_tmp.csv", ACLED, arabic)
    (HERE / "acled_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + (HERE / "_tmp.csv").read_bytes())
    (HERE / "_tmp.csv").unlink()
    write_csv("acled_utf8_arabic.csv", ACLED, arabic)
    write_csv("acled_cp1256.csv", ACLED, arabic, encoding="cp1256")
    write_csv("acled_lat_out_of_range.csv", ACLED, ok(2) + [acled_row("SYR-BAD-1", latitude=95.86)])
    write_csv("acled_lon_out_of_range.csv", ACLED, ok(2) + [acled_row("SYR-BAD-1", longitude=236.8)])
    write_csv("acled_swapped.csv", ACLED, ok(3, "*") + [acled_row("SYR-BAD-1", "Idlib", latitude=36.6353,
                                                                      longitude=35.929)])
    write_csv("acled_impossible_dates.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", event_date="30 February 2020"),
                                                            acled_row("SYR-BAD-2", event_date="2020-02-30")])
    write_csv("acled_mixed_dates.csv", ACLED, [acled_row("SYR-OK-1", event_date="27 February 2020"),
                                               acled_row("SYR-OK-2", event_date="2020-02-28"),
                                               acled_row("SYR-OK-3", event_date="1 March 2020")])
    write_csv("acled_unknown_date_format.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", event_date="Feb 27th 2020")])
    write_csv("acled_negative_fatalities.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", fatalities=-3)])
    write_csv("acled_nonnumeric_fatalities.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", fatalities="many"),
                                                                 acled_row("SYR-BAD-2", fatalities="3.5")])
    rows = ok(2)
    write_csv("acled_exact_duplicates.csv", ACLED, rows + [dict(rows[0])])
    write_csv("acled_conflicting_ids.csv", ACLED, ok(2) + [acled_row("SYR-OK-1", fatalities=9, notes="BAD: edited")])
    write_csv("acled_html_script.csv", ACLED, [
        acled_row("SYR-OK-1", notes="<script>alert('x')</script> shelling reported"),
        acled_row("SYR-OK-2", location="Ariha", notes='<b>bold</b> <img src=x onerror="alert(1)">'),
    ])
    write_csv("acled_formula_cells.csv", ACLED, [
        acled_row("SYR-OK-1", notes='=HYPERLINK("http://example.invalid","click")'),
        acled_row("SYR-OK-2", actor1="+Synthetic Group", notes="-1+2 reported"),
        acled_row("SYR-OK-3", actor2="@SUM(A1:A2)", notes="\t=1+1"),
    ])
    write_csv("acled_bad_time_precision.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", time_precision=7)])
    write_csv("acled_bad_geo_precision.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", geo_precision=4)])
    write_csv("acled_missing_coordinates.csv", ACLED, ok(1) + [acled_row("SYR-BAD-1", latitude="", longitude="")])
    write_csv("acled_header_only.csv", ACLED, [])
    lines = (HERE / "acled_mixed_dates.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",surplus,cells"
    (HERE / "acled_ragged.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def unreadable_cases() -> None:
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "binary_as_csv.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    (HERE / "workbook_as_csv.csv").write_bytes(buffer.getvalue())
    (HERE / "not_geodata.geojson").write_text("this is not GeoJSON\n", encoding="utf-8")
    (HERE / "broken_workbook.xlsx").write_bytes(b"PK\x03\x04 truncated")


def ucdp_row(uid: str, **cells: object) -> dict[str, object]:
    row = {c: "" for c in UCDP}
    row.update({"id": uid, "relid": f"SYR-2020-1-{uid}", "year": 2020, "type_of_violence": 1, "side_a":
                "Government of Syria", "side_b": "Synthetic Opposition", "source_article": "Synthetic Wire 2020-02-27",
                "where_prec": 1, "where_coordinates": "Saraqib town", "adm_1": "Idlib governorate",
                "adm_2": "Idlib district", "latitude": 35.8611, "longitude": 36.8061, "country": "Syria",
                "date_prec": 1, "date_start": "2020-02-27", "date_end": "2020-02-27", "best": 4, "low": 3, "high": 6})
    row.update(cells)
    return row


def ucdp_cases() -> None:
    write_csv("ucdp_bad_codes.csv", UCDP, [ucdp_row("OK1"), ucdp_row("BAD1", type_of_violence=4),
                                           ucdp_row("BAD2", where_prec=9), ucdp_row("BAD3", date_prec=0)])
    write_csv("ucdp_low_above_best.csv", UCDP, [ucdp_row("OK1"), ucdp_row("BAD1", best=2, low=5, high=6)])


def hxl_cases() -> None:
    (HERE / "hxl_no_hashtags.csv").write_text(
        "ID,Date,Lat,Lon\nSYR-OK-1,2020-02-27,35.86,36.80\n", encoding="utf-8")
    (HERE / "hxl_households_only.csv").write_text(
        "Place,Pcode,Date,Households\n#loc+name,#adm3+code,#date+reported,#affected+idps+hh\n"
        "Saraqab,SY070003,2020-02-23,2400\n", encoding="utf-8")
    (HERE / "hxl_bad_rows.csv").write_text(
        "Event,Date,Type,Place,Lat,Lon,Precision,Killed,Source,Link\n"
        "#event+code,#date+occurred,#event+type,#loc+name,#geo+lat,#geo+lon,#geo+precision,#affected+killed,"
        "#meta+source,#meta+url\n"
        "HXL-OK-1,2020-02-27,Battles,Saraqib,35.8611,36.8061,1,4,Synthetic Monitor,https://example.org/1\n"
        "HXL-BAD-1,2020-02-27,Battles,Ariha,north,36.61,1,0,Synthetic Monitor,https://example.org/2\n"
        "HXL-BAD-2,2020-13-01,Battles,Idlib,35.929,36.6353,1,0,Synthetic Monitor,https://example.org/3\n",
        encoding="utf-8")


def generic_cases() -> None:
    (HERE / "generic_events.csv").write_text(
        "Ref,When,Town,Y,X,Dead\nGEN-OK-1,27/02/2020,Saraqib,35.8611,36.8061,1\n", encoding="utf-8")
    (HERE / "generic_mapping_missing_column.json").write_text(
        '{"table": "incidents", "columns": {"event_id": "Ref", "event_date": "Date", "location": "Town",'
        ' "latitude": "Y", "longitude": "X", "fatalities": "Dead"},'
        ' "constants": {"event_type": "Battles", "geo_precision": "2", "source": "Team",'
        ' "source_url": "https://example.org"}, "date_formats": ["%d/%m/%Y"]}\n', encoding="utf-8")
    (HERE / "generic_mapping.json").write_text(
        '{"table": "incidents", "sheet": "Events", "columns": {"event_id": "Ref", "event_date": "When",'
        ' "location": "Town", "latitude": "Y", "longitude": "X", "fatalities": "Dead"},'
        ' "constants": {"event_type": "Battles", "geo_precision": "2", "source": "Team",'
        ' "source_url": "https://example.org"}, "date_formats": ["%d/%m/%Y"]}\n', encoding="utf-8")
    frame = pd.DataFrame({
        "Ref": ["GEN-OK-1", "GEN-BAD-1", "GEN-BAD-2", "GEN-OK-2"],
        "When": [pd.Timestamp("2020-02-27"), "31/02/2020", "28/02/2020", "29/02/2020"],
        "Town": ["Saraqib", "Ariha", "Idlib", "Binnish"],
        "Y": [35.8611, 35.814, 35.929, 35.957], "X": [36.8061, 36.61, 36.6353, 36.714],
        "Dead": [1, 0, -4, 2.0],
    })
    with pd.ExcelWriter(HERE / "generic_bad.xlsx", engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Events", index=False)


def hnap_cases() -> None:
    header = "Mohafaza,Mohafaza PCODE,Mantika,Mantika PCODE,Nahya,Nahya PCODE,Community,Community PCODE,IDP_Flow_Estimation\n"
    (HERE / "hnap_community_extract.csv").write_text(
        header + "Idleb,SY07,Idleb,SY0700,Saraqab,SY070003,Saraqab,C-OK-1,120\n", encoding="utf-8")
    (HERE / "hnap_2020-01_bad_rows.csv").write_text(
        header + "Idleb,SY07,Idleb,SY0700,Saraqab,SY070003,Saraqab,C-OK-1,120\n"
        "Idleb,SY07,Ariha,SY0701,Ariha,SY070100,Ariha,C-BAD-1,-40\n"
        "Idleb,SY07,Ariha,SY0701,Ariha,SY070100,,C-BAD-2,15\n"
        "Idleb,SY07,Idleb,SY0700,Idleb,SY070000,Idleb,C-OK-2,35.5\n", encoding="utf-8")


def _layer(rows: list[tuple[str, str, object]], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"adm2_pcode": [r[0] for r in rows], "adm2_name": [r[1] for r in rows],
                             "adm2_name1": ["منطقة" for _ in rows], "adm1_pcode": ["SY07" for _ in rows]},
                            geometry=[r[2] for r in rows], crs=crs)


def boundary_cases() -> None:
    square = box(36.5, 35.7, 36.8, 35.95)
    bowtie = Polygon([(36.3, 35.6), (36.6, 35.9), (36.6, 35.6), (36.3, 35.9)])
    _layer([("SY99OK1", "Square", square), ("SY99OK2", "Bow tie", bowtie)]).to_file(
        HERE / "boundaries_self_intersecting.geojson", driver="GeoJSON")
    _layer([("SY99OK1", "Square", square), ("SY99BAD1", "Nothing", None), ("SY99BAD2", "Empty", Polygon())]).to_file(
        HERE / "boundaries_empty_geometry.geojson", driver="GeoJSON")
    _layer([("SY99OK1", "Square", square), ("SY99BAD1", "A point", Point(36.6, 35.8))]).to_file(
        HERE / "boundaries_not_polygon.geojson", driver="GeoJSON")
    _layer([("SY99OK1", "Square", square), ("SY99OK1", "Square again, other shape", box(36.9, 35.7, 37.0, 35.8))]
           ).to_file(HERE / "boundaries_duplicate_pcode.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"name": ["No code"]}, geometry=[square], crs="EPSG:4326").to_file(
        HERE / "boundaries_no_pcode.geojson", driver="GeoJSON")
    _layer([("SY99OK1", "Square", square)]).to_crs("EPSG:32637").to_file(
        HERE / "boundaries_utm.gpkg", driver="GPKG", layer="adm2")
    folder = HERE / "_shp"
    folder.mkdir(exist_ok=True)
    _layer([("SY99OK1", "Square", square)]).to_file(folder / "boundaries_noprj.shp", driver="ESRI Shapefile")
    with zipfile.ZipFile(HERE / "boundaries_zipped.zip", "w") as archive:
        for part in sorted(folder.glob("boundaries_noprj.*")):
            archive.write(part, f"boundaries_zipped{part.suffix}")
    for part in sorted(folder.glob("boundaries_noprj.*")):
        if part.suffix != ".prj":
            (HERE / part.name).write_bytes(part.read_bytes())
        part.unlink()
    folder.rmdir()


if __name__ == "__main__":
    acled_cases()
    unreadable_cases()
    ucdp_cases()
    hxl_cases()
    generic_cases()
    hnap_cases()
    boundary_cases()
    print(f"{len([p for p in HERE.iterdir() if p.name != 'make_corpus.py'])} files in {HERE}")
