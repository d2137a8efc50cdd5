"""HXL-tagged CSV (a row of hashtags under, or instead of, the header) for incidents or displacement.

HXL names a column by what it holds (``#affected+killed``, ``#geo+lat``)
rather than by its header, so the mapping here is by tag pattern: a
pattern's hashtag must match, its ``+attributes`` must all be present and
its ``-attributes`` absent (HXL's own pattern syntax). Patterns are tried in
order of preference; among columns matching one pattern the one with the
fewest other attributes wins. Household counts (``+hh``) are never taken as
people. A displacement column's hashtag and header say what the series
counts (:func:`describe_series`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geodata.ingest.readers.base import SourceTable, date_problems, parse_dates
from geodata.ingest.readers.encoding import read_csv_cells, record_lines
from geodata.model.errors import Problem, SchemaError
from geodata.model.schema import DISPLACEMENT, INCIDENTS, TableSchema, text
from geodata.model.series import FLOW, STOCK, SeriesInfo, period_unit

#: How many leading rows may precede the hashtag row (the HXL standard's limit).
MAX_HEADER_ROWS = 25

INCIDENT_TAGS: dict[str, tuple[str, ...]] = {
    "event_id": ("#event+code", "#event+id", "#meta+id"),
    "event_date": ("#date+occurred", "#date-reported-start-end"),
    "event_type": ("#event+type-sub", "#event+category"),
    "sub_event_type": ("#event+type+sub",),
    "actor1": ("#group+name+first", "#org+name+first", "#org+perpetrator", "#actor+first"),
    "actor2": ("#group+name+second", "#org+name+second", "#org+target", "#actor+second"),
    "location": ("#loc+name", "#loc"),
    "admin1": ("#adm1+name",), "admin1_pcode": ("#adm1+code", "#adm1+pcode"),
    "admin2": ("#adm2+name",), "admin2_pcode": ("#adm2+code", "#adm2+pcode"),
    "admin3": ("#adm3+name",), "admin3_pcode": ("#adm3+code", "#adm3+pcode"),
    "latitude": ("#geo+lat",), "longitude": ("#geo+lon",),
    "geo_precision": ("#geo+precision",),
    "fatalities": ("#affected+killed",),
    "notes": ("#description", "#event+description", "#meta+notes"),
    "source": ("#meta+source",), "source_url": ("#meta+url",),
    # not canonical: kept so every point can be checked against its row's country
    "country_code": ("#country+code",), "country": ("#country+name", "#country-code"),
}

DISPLACEMENT_TAGS: dict[str, tuple[str, ...]] = {
    "figure_id": ("#meta+id", "#event+code"),
    "as_of": ("#date+reported", "#date-start-end"),
    "period_start": ("#date+start",), "period_end": ("#date+end",),
    "displaced": ("#affected+idps-hh", "#affected+displaced-hh", "#population+idps-hh"),
    "place": ("#loc+name", "#adm4+name", "#adm3+name", "#adm2+name", "#adm1+name"),
    "latitude": ("#geo+lat",), "longitude": ("#geo+lon",),
    "notes": ("#description", "#meta+notes"),
    "source": ("#meta+source",), "source_url": ("#meta+url",),
}

#: Canonical values a caller may give for a whole file (``defaults``; the CLI's ``--source`` ...).
DEFAULTABLE = ("source", "source_url", "country")
#: The precision of incident points when the file tags none: near the place, not exact.
UNTAGGED_PRECISION = "2"

#: Displacement p-codes: the finest admin level tagged wins.
PCODE_TAGS = ((4, ("#adm4+code", "#adm4+pcode", "#loc+code")), (3, ("#adm3+code", "#adm3+pcode")),
              (2, ("#adm2+code", "#adm2+pcode")), (1, ("#adm1+code", "#adm1+pcode")))

_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*[+-][a-z][a-z0-9_]*)*$", re.IGNORECASE)


def parse_tag(cell: str) -> tuple[str, frozenset[str]] | None:
    """``"#affected +killed"`` -> ``("#affected", {"killed"})``; ``None`` if not a hashtag spec."""
    cell = str(cell).strip().lower()
    if not _TAG.match(cell):
        return None
    parts = re.split(r"\s*\+\s*", cell)
    return parts[0], frozenset(parts[1:])


def _pattern(spec: str) -> tuple[str, frozenset[str], frozenset[str]]:
    tag, *rest = re.split(r"(?=[+-])", spec.lower())
    return tag, frozenset(r[1:] for r in rest if r[0] == "+"), frozenset(r[1:] for r in rest if r[0] == "-")


def find_column(tags: list[tuple[str, frozenset[str]] | None], patterns: tuple[str, ...]) -> int | None:
    """Index of the column the first matching pattern picks, or ``None``."""
    for spec in patterns:
        tag, need, refuse = _pattern(spec)
        hits = [(len(attrs - need), i) for i, t in enumerate(tags) if t is not None
                for name, attrs in [t] if name == tag and need <= attrs and not (refuse & attrs)]
        if hits:
            return min(hits)[1]
    return None


def hashtag_row(cells: pd.DataFrame) -> int | None:
    """The first of the leading :data:`MAX_HEADER_ROWS` rows whose filled cells are all hashtags, or ``None``."""
    for r in range(min(MAX_HEADER_ROWS, len(cells))):
        values = [v for v in cells.iloc[r].tolist() if isinstance(v, str) and v.strip()]
        if values and all(parse_tag(v) is not None for v in values):
            return r
    return None


#: Attributes of the displaced-people column that make a series a flow, and what it then counts.
FLOW_ATTRIBUTES = {"arrivals": "IDP arrivals", "arrived": "IDP arrivals", "departures": "Departures",
                   "departed": "Departures", "returnees": "Returns", "returns": "Returns", "returned": "Returns"}
STOCK_WORDS = {"idps": "IDPs", "displaced": "Displaced", "refugees": "Refugees", "inneed": "People in need"}


def describe_series(tag: tuple[str, frozenset[str]] | None, header: str | None, frame: pd.DataFrame) -> SeriesInfo:
    """What the displaced-people column counts, from its hashtag (``+arrivals`` ... make a flow) and
    header (the source's own words become the label); a flow's unit from its periods."""
    name, attrs = tag or ("#affected", frozenset())
    flow = next((FLOW_ATTRIBUTES[a] for a in sorted(attrs) if a in FLOW_ATTRIBUTES), None)
    words = flow or next((STOCK_WORDS[a] for a in sorted(attrs | {name.lstrip("#")}) if a in STOCK_WORDS),
                         "Displaced")
    starts, ends = frame.get("period_start"), frame.get("period_end")
    unit = period_unit(starts, ends) if starts is not None and ends is not None else None
    since = None
    if flow is None and "cumulative" in attrs and starts is not None:
        first = pd.to_datetime(starts, errors="coerce").dropna().drop_duplicates()
        since = first.iloc[0].date() if len(first) == 1 else None
    sources: list[str] = text(frame["source"]).dropna().unique().tolist() if "source" in frame else []
    label = header.strip() if header and not header.strip().startswith("#") else (
        f"{words} in the {unit or 'period'}" if flow else words)
    return SeriesInfo(kind=FLOW if flow else STOCK, label=label, unit=unit if flow else None, since=since,
                      source=str(sources[0]) if len(sources) == 1 else "")


def _guess_table(tags: list[tuple[str, frozenset[str]] | None]) -> TableSchema:
    displaced = find_column(tags, DISPLACEMENT_TAGS["displaced"]) is not None
    killed = find_column(tags, ("#affected+killed", "#event")) is not None
    return DISPLACEMENT if displaced and not killed else INCIDENTS


def read_hxl(path: str | Path, *, table: str | None = None, series: str = "hxl_idps",
             defaults: Mapping[str, str] | None = None, encoding: str | None = None) -> SourceTable:
    """Read an HXL-tagged CSV as canonical incidents or displacement figures (not yet validated).

    Parameters
    ----------
    table
        ``"incidents"`` or ``"displacement"``; ``None`` guesses from the tags
        (``#affected+idps`` without ``#affected+killed`` or ``#event`` means displacement).
    series
        The displacement series name the rows belong to.
    defaults
        Values for canonical columns the file does not tag or leaves blank,
        e.g. ``{"source": "OCHA", "source_url": "https://...", "geo_precision": "2"}``.

    Guarantees: the original header row (or the tags when there is none)
    names the source columns; canonical columns that may be blank and are
    not tagged are blank; lines count every row above the data;
    displacement rows without a ``#meta+id`` get ``"<file stem>-<line>"``.

    Raises
    ------
    UnreadableFileError
        the file cannot be read as CSV text.
    SchemaError
        no hashtag row, or no tagged column for a required value.
    """
    file = str(path)
    cells, used = read_csv_cells(path, encoding=encoding, header=None)
    row = hashtag_row(cells)
    if row is None:
        raise SchemaError([Problem(file, None, None,
                                   f"no row of HXL hashtags (#geo+lat ...) in the first {MAX_HEADER_ROWS} rows")])
    tags = [parse_tag(v) if isinstance(v, str) else None for v in cells.iloc[row].tolist()]
    headers = cells.iloc[row - 1].tolist() if row > 0 else [None] * len(tags)
    names = [str(h).strip() if isinstance(h, str) and h.strip() else str(t or f"column {i + 1}").strip()
             for i, (h, t) in enumerate(zip(headers, cells.iloc[row].tolist(), strict=True))]
    names = [n if names.index(n) == i else f"{n} ({i + 1})" for i, n in enumerate(names)]
    raw = cells.iloc[row + 1:].reset_index(drop=True)
    raw.columns = names
    lines = record_lines(path, used, len(raw), skip=row + 1)
    schema = {"incidents": INCIDENTS, "displacement": DISPLACEMENT}[table] if table else _guess_table(tags)
    mapping = INCIDENT_TAGS if schema is INCIDENTS else DISPLACEMENT_TAGS
    defaults = dict(defaults or {})

    columns: dict[str, pd.Series] = {}
    source_columns: dict[str, str] = {}
    for canonical, patterns in mapping.items():
        i = find_column(tags, patterns)
        if i is not None:
            columns[canonical] = raw[names[i]]
            source_columns[canonical] = names[i]
    if schema is DISPLACEMENT:
        for level, patterns in PCODE_TAGS:
            i = find_column(tags, patterns)
            if i is not None:
                columns["pcode"] = raw[names[i]]
                columns["admin_level"] = pd.Series(str(level), index=raw.index, dtype="string")
                source_columns["pcode"] = names[i]
                break
        columns["series"] = pd.Series(series, index=raw.index, dtype="string")
        if "figure_id" not in columns:
            columns["figure_id"] = pd.Series([f"{Path(file).stem}-{n}" for n in lines], index=raw.index, dtype="string")
    for canonical, value in defaults.items():
        if canonical in columns:
            columns[canonical] = text(columns[canonical]).fillna(value)
        else:
            columns[canonical] = pd.Series(value, index=raw.index, dtype="string")

    problems: list[Problem] = []
    warnings: list[Problem] = []
    if schema is INCIDENTS and "geo_precision" not in columns:
        columns["geo_precision"] = pd.Series(UNTAGGED_PRECISION, index=raw.index, dtype="string")
        warnings.append(Problem(file, row + 1, None, "no #geo+precision column: every point taken as near its "
                                f"place (geo_precision {UNTAGGED_PRECISION})"))
    for canonical in [c.name for c in schema.columns if c.kind == "date" and c.name in columns]:
        values = columns[canonical]
        columns[canonical], bad = parse_dates(values)
        problems += date_problems(file, lines, bad, source_columns.get(canonical, canonical), values)
    missing = [c.name for c in schema.columns if c.required and not c.nullable and c.name not in columns]
    for name in [c.name for c in schema.columns if c.required and c.nullable and c.name not in columns]:
        columns[name] = pd.Series(pd.NA, index=raw.index, dtype="string")
    if missing:
        raise SchemaError([Problem(file, row + 1, name, "no column tagged for it (e.g. "
                                   + " or ".join(mapping.get(name, ("a default",))[:2]) + ")"
                                   + (f"; or give it: --{name.replace('_', '-')} on the command line, "
                                      "the same field on the upload page" if name in DEFAULTABLE else ""))
                          for name in missing])
    frame = pd.DataFrame(columns, index=raw.index)
    described = {}
    if schema is DISPLACEMENT:
        i = find_column(tags, DISPLACEMENT_TAGS["displaced"])
        header = headers[i] if i is not None and isinstance(headers[i], str) else None
        described[series] = describe_series(tags[i] if i is not None else None, header, frame)
    return SourceTable(file=file, format="hxl", schema=schema, frame=frame, original=raw, lines=lines,
                       source_columns=source_columns, encoding=used, problems=tuple(problems), series=described,
                       warnings=tuple(warnings))
