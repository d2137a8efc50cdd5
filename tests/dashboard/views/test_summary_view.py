"""The Summary tab's view-model: the table the analyst sorts and clicks, its note, and the CSV download,
on the shipped scenario and on a small Colombian file with a formula-looking actor name."""
from __future__ import annotations

import base64
import io
from datetime import date

import pandas as pd
import pytest

from dashboard.views.summary import (
    BLOCKS,
    area_names,
    by_options,
    parse_by,
    sparkline,
    summary_csv,
    summary_download,
    summary_frame,
    summary_table,
)
from geodata import FilterState, IncidentStore
from geodata.model import schema
from geodata.model.dataset import dataset_from_incidents, load_table

FEBRUARY = FilterState(date(2020, 2, 1), date(2020, 2, 29)).to_dict()
RISKY = "=HYPERLINK(\"http://example.org\")"


@pytest.fixture(scope="module")
def colombia(tmp_path_factory):
    path = tmp_path_factory.mktemp("colombia-view") / "incidents.csv"
    header = ("event_id,event_date,date_precision,event_type,sub_event_type,actor1,actor2,location,admin1,"
              "admin1_pcode,admin2,admin3,latitude,longitude,geo_precision,fatalities,notes,source,source_url")
    rows = [("V1", "2022-06-01", "ELN", "CO05"), ("V2", "2022-06-03", '"' + RISKY.replace('"', '""') + '"', "CO05"),
            ("V3", "2022-06-04", "ELN", "CO19"), ("V4", "2022-05-30", "ELN", "CO19")]
    lines = [header] + [f"{i},{d},day,Battles,,{actor},Military Forces of Colombia,Medellín,Antioquia,{code},,,"
                        f"6.2,-75.6,1,2,test row,test fixture,https://example.org" for i, d, actor, code in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    incidents = load_table(path, schema.INCIDENTS)
    return IncidentStore(dataset_from_incidents(incidents, name="colombia-view", title="Colombia test"))


def test_february_2020_ranks_idleb_first_with_its_change_and_displacement(store):
    table = summary_table(FEBRUARY, {}, "admin1", store)
    first = table.data[0]
    assert first["label"] == "Idleb" and first["id"] == "admin1|SY07"
    previous = store.positions(FilterState(date(2020, 1, 3), date(2020, 1, 31), admin_codes=("SY07",)))
    now = store.positions(FilterState(date(2020, 2, 1), date(2020, 2, 29), admin_codes=("SY07",)))
    assert first["incidents"] == len(now) and first["incidents_change"] == len(now) - len(previous)
    assert first["incidents_change_pct"] == pytest.approx((len(now) - len(previous)) / len(previous))
    assert first["displaced"] == store.displaced_in_range(date(2020, 2, 1), date(2020, 2, 29), ["SY07"]).people
    assert len(first["trend"]) == 29 and set(first["trend"]) <= set(BLOCKS)
    assert "Changes against the previous 29 days, 3 Jan 2020 – 31 Jan 2020." in table.note
    names = {c["id"]: c["name"] for c in table.columns}
    assert names["label"] == ["", "Admin area"] and names["incidents_change"] == ["Incidents", "change"]
    assert names["displaced"] == ["", store.dataset.map_series[store.dataset.headline].label]
    tip = table.tooltips[0]["trend"]["value"]
    assert tip.startswith("Daily incidents from 1 Feb 2020: ") and tip.count(",") == 28


def test_a_baseline_in_the_display_store_is_what_the_changes_compare_with(store):
    table = summary_table(FEBRUARY, {"baseline": ["2019-12-01", "2019-12-31"]}, "event_type", store)
    assert "Changes against the baseline, 1 Dec 2019 – 31 Dec 2019." in table.note
    assert all(row["id"].startswith("event_type|") for row in table.data)
    assert "displaced" not in {c["id"] for c in table.columns}  # only areas carry a displaced figure


def test_malformed_client_values_fall_back_to_defaults(store):
    table = summary_table({"start": "yesterday", "end": 7}, ["not", "a", "dict"], {"by": "me"}, store)
    assert table.data and table.data[0]["id"].startswith("admin1|")
    assert parse_by("admin9", store) == "admin1" and parse_by("actor", store) == "actor"


def test_only_admin_levels_the_data_names_are_offered(colombia, store):
    assert [o["value"] for o in by_options(colombia)] == ["admin1", "actor", "event_type"]
    assert [o["value"] for o in by_options(store)][:3] == ["admin1", "admin2", "admin3"]


def test_sparkline_blocks_scale_to_the_largest_count():
    assert sparkline((0, 0, 0)) == BLOCKS[0] * 3
    assert sparkline((0, 5, 10)) == BLOCKS[0] + BLOCKS[4] + BLOCKS[-1]
    assert sparkline(()) == ""


def test_the_csv_has_its_header_on_line_one_a_bom_and_no_formula(colombia):
    state = FilterState(date(2022, 6, 1), date(2022, 6, 4))
    frame = summary_frame(colombia, state, "actor")
    raw = summary_csv(frame)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("group,key,name,incidents,previous_incidents,incidents_change")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    assert "'" + RISKY in set(back["name"]) and "'" + RISKY in set(back["key"])
    assert not any(str(cell).startswith("=") for cell in back.to_numpy().ravel())
    eln = back[back["name"] == "ELN"].iloc[0]
    # V1 and V3 in the selection; V4 (30 May) in the previous four days, clipped at the data's first day
    assert (eln["incidents"], eln["previous_incidents"], float(eln["incidents_change_pct"])) == (2, 1, 100.0)
    assert (back["compared_start"].iloc[0], back["compared_end"].iloc[0]) == ("2022-05-30", "2022-05-31")


def test_the_download_is_named_after_the_data_and_dates(colombia):
    state = FilterState(date(2022, 6, 1), date(2022, 6, 4)).to_dict()
    sent = summary_download(state, None, "admin1", colombia, {"CO05": "Antioquia (COD-AB)"})
    assert sent["filename"] == "colombia-view_2022-06-01_2022-06-04_summary-admin1.csv"
    body = base64.b64decode(sent["content"]).decode("utf-8-sig")
    assert "Antioquia (COD-AB)" in body and body.count("\n") == 3  # header and two departments


def test_area_names_come_from_the_boundaries(squares):
    assert area_names(None) == {} and area_names(squares)["SY07"] == "Idleb"
