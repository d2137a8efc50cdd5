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
``best``/``low``/``high`` become ``fatalities``/``_low``/``_high``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata.ingest.readers.base import (
    SourceTable,
    cell_problems,
    date_problems,
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

#: UCDP columns kept after the canonical ones (the rest of the 49 are codes for UCDP's own tables).
KEPT = ("where_prec", "date_prec", "date_end", "type_of_violence", "conflict_name", "dyad_name", "where_description",
        "country", "number_of_sources", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "relid", "year")


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
        "fatalities_low": column("low"),
        "fatalities_high": column("high"),
        "notes": column("source_headline"),
        "source": text(column("source_article")).fillna("UCDP GED"),
        "source_url": pd.Series(SOURCE_URL, index=raw.index, dtype="string"),
    })
    for name in KEPT:
        if name in raw.columns and name not in frame.columns:
            frame[name] = raw[name]
    warnings = [Problem(file, 1, name, "column is not part of the UCDP GED format; kept in the quarantine only")
                for name in raw.columns if name not in COLUMNS]
    return SourceTable(
        file=file, format="ucdp", schema=INCIDENTS, frame=frame, original=raw, lines=lines,
        source_columns={"event_id": "id", "event_date": "date_start", "date_precision": "date_prec",
                        "event_type": "type_of_violence", "actor1": "side_a", "actor2": "side_b",
                        "geo_precision": "where_prec", "fatalities": "best", "fatalities_low": "low",
                        "fatalities_high": "high", "admin1": "adm_1", "admin2": "adm_2"},
        encoding=used, problems=tuple(problems), warnings=tuple(warnings),
    )
