"""The incidents table's notes and event-id columns: cut notes keep their whole text as a tooltip (issue 14)."""
from __future__ import annotations

import pandas as pd

from dashboard.views.table import COLUMNS, NOTES_CELL, datatable_columns, notes_tooltips, table_rows


def _incidents() -> pd.DataFrame:
    long_note = ("Clashes between the army and an armed group near the river port of Puerto Asís, "
                 "Putumayo; the municipal ombudsman reports families leaving the rural districts.")
    return pd.DataFrame({
        "event_id": ["COL-0001", "COL-0002", "COL-0003"],
        "event_date": pd.to_datetime(["2021-03-01", "2021-03-02", "2021-03-04"]),
        "event_type": ["Battles", "Protests", "Battles"], "sub_event_type": ["Armed clash", "Peaceful protest", None],
        "location": ["Puerto Asís", "Mocoa", "Orito"], "actor1": ["Military Forces of Colombia", "Protesters", None],
        "actor2": ["ELN", None, None], "fatalities": [3, 0, None], "fatalities_low": [None] * 3,
        "fatalities_high": [None] * 3, "geo_precision": [1, 2, 3], "source": ["Defensoría", "El Tiempo", ""],
        "notes": [long_note, "A march to the mayor's office.", None],
    })


def test_notes_and_event_id_are_columns():
    names = {c["id"]: c["name"] for c in datatable_columns()}
    assert names["notes"] == "Notes" and names["event_id"] == "Event id"
    assert COLUMNS["notes"][1] == "notes" and COLUMNS["event_id"][1] == "event_id"  # both sort


def test_a_long_note_is_cut_in_its_cell_and_whole_in_its_tooltip():
    frame = _incidents()
    rows = table_rows(frame)
    assert [r["event_id"] for r in rows] == ["COL-0001", "COL-0002", "COL-0003"]
    assert len(rows[0]["notes"]) == NOTES_CELL and rows[0]["notes"].endswith("…")
    assert frame.notes[0].startswith(rows[0]["notes"][:-1])
    assert rows[1]["notes"] == "A march to the mayor's office." and rows[2]["notes"] == ""
    tips = notes_tooltips(frame)
    assert tips[0] == {"notes": {"value": frame.notes[0], "type": "text"}}
    assert tips[1] == {} and tips[2] == {}
