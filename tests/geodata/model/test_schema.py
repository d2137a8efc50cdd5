"""check_table types cells and names every problem; nothing valid is altered."""
from __future__ import annotations

import pandas as pd

from geodata.model import schema


def _raw(**columns):
    return pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in columns.items()})


def test_types_and_ranges():
    table = schema.TableSchema("t", (schema.Column("id", nullable=False), schema.Column("n", "int", minimum=0),
                                     schema.Column("x", "float", maximum=90), schema.Column("d", "date")), key="id")
    raw = _raw(id=["a", "b", "c", "c", None], n=["1", "-2", "1.5", "", "3"], x=["1.5", "91", "", "x", "0"],
               d=["2020-02-27", "2020-02-30", "", "27/02/2020", "2020-01-01"])
    frame, problems = schema.check_table(raw, table, "f.csv")
    said = {(p.line, p.column, p.reason) for p in problems}
    assert (3, "n", "must be at least 0") in said
    assert (4, "n", "expected a whole number") in said
    assert (3, "x", "must be at most 90") in said
    assert (5, "x", "expected a number") in said
    assert (3, "d", "expected a date as YYYY-MM-DD") in said and (5, "d", "expected a date as YYYY-MM-DD") in said
    assert (5, "id", "duplicate id") in said and (6, "id", "value is required") in said
    assert frame["n"].tolist()[0] == 1 and pd.isna(frame["n"].iloc[3])
    assert str(frame["d"].dtype).startswith("datetime64")
    assert len(frame) == len(raw)


def test_extra_columns_are_kept_and_optional_ones_filled():
    raw = _raw(place_id=["p"], name=["Idlib"], latitude=["35.9"], longitude=["36.6"], source=["OCHA"], extra=["x"])
    frame, problems = schema.check_table(raw, schema.PLACES, "places.csv")
    assert problems == []
    assert frame["extra"].tolist() == ["x"] and frame["aliases"].isna().all()


def test_extra_columns_joined_at_once_keep_their_order_and_types_whatever_the_index():
    import numpy as np
    import pyarrow as pa

    text = pd.StringDtype("pyarrow", na_value=np.nan)
    raw = pd.DataFrame({"place_id": pd.array(["p", "q", "r"], dtype=text), "zeta": [1.5, np.nan, 2.0],
                        "name": ["Idlib", " Ariha ", ""], "latitude": ["35.9", "35.8", "x"],
                        "alpha": pd.array(["a", None, "c"], dtype=text), "longitude": ["36.6", "36.6", "36.6"],
                        "source": ["OCHA"] * 3, "when": pd.to_datetime(["2020-01-01", "2020-01-02", None])})
    frame, problems = schema.check_table(raw, schema.PLACES, "places.csv")
    assert list(frame.columns) == schema.PLACES.names + ["zeta", "alpha", "when"]
    for name in ("zeta", "alpha", "when"):
        pd.testing.assert_series_equal(frame[name], raw[name].reset_index(drop=True))
    # a repeated index (rows of a caller's frame) takes the column-by-column way: the same frame and problems
    repeated = raw.set_axis([5, 5, 7])
    again, said = schema.check_table(repeated, schema.PLACES, "places.csv")
    pd.testing.assert_frame_equal(again, frame)
    assert said == problems and [(p.line, p.column) for p in problems] == [(4, "latitude"), (4, "name")]
    assert schema.strip_changes(pa.chunked_array([pa.array(["a", "b"]), pa.array(["c ", None])]))
    assert not schema.strip_changes(pa.chunked_array([pa.array(["a", None]), pa.array(["c"], pa.string())]))
    assert schema.strip_changes(pa.array(["a", ""], pa.large_string())) and schema.strip_changes(pa.array(["é"]))
