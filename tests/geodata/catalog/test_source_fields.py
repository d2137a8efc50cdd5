"""Every field of an ACLED or UCDP export survives storage, in the Parquet folder and in PostGIS alike."""
from __future__ import annotations

import pandas as pd

from geodata.ingest import ingest_file
from tests.geodata.catalog.test_catalogs import catalog, pg, postgis_url  # noqa: F401  (fixtures)
from tests.support import REPO

DATA = REPO / "tests" / "data"
ACLED_FIELDS = ("assoc_actor_1", "assoc_actor_2", "inter1", "inter2", "interaction", "civilian_targeting", "tags",
                "timestamp", "iso", "region", "country", "source_scale", "disorder_type")


def test_acled_and_ucdp_fields_round_trip_through_the_store(catalog, tmp_path):  # noqa: F811
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", report_root=tmp_path)
    ingest_file(DATA / "ucdp_myanmar_sample.csv", "ucdp", catalog, dataset="myanmar", report_root=tmp_path)
    acled = catalog.load("sudan").incidents.set_index("event_id")
    raw = pd.read_csv(DATA / "acled_sudan_sample.csv", dtype=str, keep_default_na=False).set_index("event_id_cnty")
    for field in ACLED_FIELDS:
        assert field in acled.columns, field
        stored = acled[field].astype("string").fillna("")
        assert stored.to_dict() == raw.loc[acled.index, field].to_dict(), field
    assert acled.loc["SDN31002", "assoc_actor_1"] == "Janjaweed Militia"
    ucdp = catalog.load("myanmar").incidents.set_index("event_id")
    assert {"high", "low", "best", "dyad_name", "where_description", "priogrid_gid", "flags"} <= set(ucdp.columns)
    assert ucdp.loc["UCDP-480101", "high"] == "4" and ucdp.loc["UCDP-480101", "fatalities"] == 5
    assert "high (4) is below best (5)" in ucdp.loc["UCDP-480101", "flags"]


def test_boundaries_imported_later_give_p_codes_in_either_store(catalog, tmp_path):  # noqa: F811
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", report_root=tmp_path)
    outcome = ingest_file(DATA / "sudan_adm2_sample.geojson", "boundaries", catalog, report_root=tmp_path)
    incidents = catalog.load("sudan").incidents.set_index("event_id")
    assert outcome.reassigned == (1, int(incidents["admin2_pcode"].notna().sum()))
    assert incidents.loc["SDN31001", "admin2_pcode"] == "SD0102" and incidents.loc["SDN31001", "admin1_pcode"] == "SD01"
