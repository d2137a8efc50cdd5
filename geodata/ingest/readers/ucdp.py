"""UCDP Georeferenced Event Dataset (GED) CSV mapped onto the canonical incidents table.

UCDP codes violence in three types, which become canonical (ACLED-style)
event types as follows; the UCDP type is kept in ``sub_event_type`` and the
code in ``type_of_violence``, so nothing is lost:

====================  ============================  ============================
type_of_violence      UCDP meaning                  event_type
====================  ============================  ============================
1                     state-based armed conflict    Battles
2                     non-state conflict            Battles
3                     one-sided violence            Violence against civilians
====================  ============================  ============================

UCDP's location precision ``where_prec`` (1 exact place ... 7 international
waters) becomes ``geo_precision`` 1 -> 1, 2 -> 2, 3-7 -> 3, and is kept;
``date_prec`` (1 day ... 5 year) becomes day/week/week/month/year; deaths
``best``/``low``/``high`` become ``fatalities``/``_low``/``_high``; a row whose ``high`` is below ``best``
(or ``low`` above it), as UCDP publishes some, is kept: that estimate is left out of the canonical
column, kept under its UCDP name, and the row gets a ``flags`` note and a warning. Every UCDP column
is kept after the canonical ones.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geodata.ingest.readers.base import (
    SourceTable,
    cell_problems,
    date_problems,
    drop_hashtag_row,
    map_codes,
    optional_column,
    parse_dates,
    read_export,
)
from geodata.model.errors import Problem
from geodata.model.schema import INCIDENTS, text

SOURCE_URL = "https://ucdp.uu.se"

COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)

EVENT_TYPE = {"1": "Battles", "2": "Battles", "3": "Violence against civilians"}
VIOLENCE = {"1": "State-based armed conflict", "2": "Non-state conflict", "3": "One-sided violence"}
GEO_PRECISION = {"1": "1", "2": "2", "3": "3", "4": "3", "5": "3", "6": "3", "7": "3"}
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}

REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "where_prec", "latitude", "longitude", "date_prec",
            "date_start", "best")

#: Where a row's own estimates disagree (UCDP publishes such rows), what the import says; the row is kept.
FLAGS = "flags"


def _estimate_flags(raw: pd.DataFrame) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A note for each row whose ``high`` is below ``best`` or ``low`` above it, and the masks of those cells."""
    best = pd.to_numeric(text(raw["best"]), errors="coerce")
    low = pd.to_numeric(text(optional_column(raw, "low")), errors="coerce")
    high = pd.to_numeric(text(optional_column(raw, "high")), errors="coerce")
    high_below = (high < best).fillna(False).to_numpy(dtype=bool)
    low_above = (low > best).fillna(False).to_numpy(dtype=bool)
    notes = pd.Series(pd.NA, index=raw.index, dtype="string")
    for i in np.flatnonzero(high_below | low_above).tolist():
        said = [f"high ({high.iloc[i]:g}) is below best ({best.iloc[i]:g})"] if high_below[i] else []
        said += [f"low ({low.iloc[i]:g}) is above best ({best.iloc[i]:g})"] if low_above[i] else []
        notes.iloc[i] = "UCDP's own estimates disagree: " + " and ".join(said) + "; kept as published"
    return notes, high_below, low_above


def _first_present(*columns: pd.Series) -> pd.Series:
    out = text(columns[0])
    for more in columns[1:]:
        out = out.fillna(text(more))
    return out


def read_ucdp(path: str | Path, *, encoding: str | None = None) -> SourceTable:
    """Read a UCDP GED CSV as canonical incidents (not yet validated).

    Guarantees: ``event_id`` is ``"UCDP-<id>"``; ``event_date`` is
    ``date_start`` (``date_end`` kept); ``location`` is ``where_coordinates``
    (else ``adm_2``, ``adm_1``, ``country``); ``admin1``/``admin2`` are
    ``adm_1``/``adm_2``; ``actor1``/``actor2`` are ``side_a``/``side_b``;
    ``notes`` is ``source_headline``; ``source`` is ``source_article`` (else
    "UCDP GED") and ``source_url`` https://ucdp.uu.se. Codes outside
    UCDP's code lists are reader problems naming the UCDP column.

    Raises
    ------
    UnreadableFileError
        the file cannot be read as CSV text.
    SchemaError
        a column the mapping needs is missing from the header.
    """
    file = str(path)
    raw, used, lines = read_export(path, encoding, REQUIRED)
    raw, lines, skipped = drop_hashtag_row(raw, lines, file)
    problems: list[Problem] = []

    def column(name: str) -> pd.Series:
        return optional_column(raw, name)

    def coded(name: str, mapping: dict[str, str], reason: str) -> pd.Series:
        values, bad = map_codes(raw[name], mapping)
        problems.extend(cell_problems(file, lines, bad, name, reason, raw[name]))
        return values

    event_type = coded("type_of_violence", EVENT_TYPE, "must be 1 (state-based), 2 (non-state) or 3 (one-sided)")
    sub_type, _ = map_codes(raw["type_of_violence"], VIOLENCE)
    geo_precision = coded("where_prec", GEO_PRECISION, "must be a UCDP where_prec code from 1 to 7")
    date_precision = coded("date_prec", DATE_PRECISION, "must be a UCDP date_prec code from 1 to 5")
    dates, bad_dates = parse_dates(raw["date_start"])
    problems += date_problems(file, lines, bad_dates, "date_start", raw["date_start"], "a date such as 2020-02-27")
    ids = text(raw["id"])
    flags, high_below, low_above = _estimate_flags(raw)
    frame = pd.DataFrame({
        "event_id": ("UCDP-" + ids).where(ids.notna()),
        "event_date": dates,
        "date_precision": date_precision,
        "event_type": event_type,
        "sub_event_type": sub_type,
        "actor1": raw["side_a"],
        "actor2": raw["side_b"],
        "location": _first_present(column("where_coordinates"), column("adm_2"), column("adm_1"), column("country")),
        "admin1": column("adm_1"),
        "admin2": column("adm_2"),
        "admin3": pd.Series(pd.NA, index=raw.index, dtype="string"),
        "latitude": raw["latitude"],
        "longitude": raw["longitude"],
        "geo_precision": geo_precision,
        "fatalities": raw["best"],
        "fatalities_low": text(column("low")).where(~low_above),
        "fatalities_high": text(column("high")).where(~high_below),
        "notes": column("source_headline"),
        "source": text(column("source_article")).fillna("UCDP GED"),
        "source_url": pd.Series(SOURCE_URL, index=raw.index, dtype="string"),
    })
    frame[FLAGS] = flags
    for name in raw.columns:  # every UCDP field survives, after the canonical ones, under its own name
        if name not in frame.columns:
            frame[name] = raw[name]
    warnings = skipped + [Problem(file, 1, name, "column is not part of the UCDP GED format; kept as is")
                          for name in raw.columns if name not in COLUMNS]
    warnings += [Problem(file, int(lines[i]), "high" if high_below[i] else "low", str(flags.iloc[i]))
                 for i in np.flatnonzero(high_below | low_above).tolist()]
    return SourceTable(
        file=file, format="ucdp", schema=INCIDENTS, frame=frame, original=raw, lines=lines,
        source_columns={"event_id": "id", "event_date": "date_start", "date_precision": "date_prec",
                        "event_type": "type_of_violence", "actor1": "side_a", "actor2": "side_b",
                        "geo_precision": "where_prec", "fatalities": "best", "fatalities_low": "low",
                        "fatalities_high": "high", "admin1": "adm_1", "admin2": "adm_2"},
        encoding=used, problems=tuple(problems), warnings=tuple(warnings),
    )
