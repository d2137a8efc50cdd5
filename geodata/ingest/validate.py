"""Validation with quarantine: every source row ends up imported, quarantined or a duplicate.

:func:`import_table` takes what a reader produced (:class:`~geodata.ingest.readers.SourceTable`)
and splits it:

1. **geocoding** first, when a gazetteer is given: rows with a place name but
   no coordinates get the gazetteer's coordinates, marked ``geocoded``;
2. **the schema** (:func:`geodata.model.schema.check_table`), one vectorised pass
   over every row: types, ranges, required values, choices, cross-column
   rules, repeated ids;
3. **duplicates**: a row identical in every source cell to an earlier row
   with the same id is counted as a duplicate (it adds nothing); a repeated
   id with different content is quarantined, naming the line of the first
   row with that id (which is kept);
4. **swapped coordinates** (:mod:`geodata.geo.coordinates`): quarantined with
   "latitude and longitude look swapped", or swapped back with a warning
   when the caller opts in with ``fix_swapped=True``.

Rows with any problem go to the quarantine frame with their original cells,
the line, the column(s) and the reason(s); everything else is imported.
``rows_in == imported + quarantined + duplicates`` is checked on every
report. Text is stored exactly as given: HTML or a leading ``=`` is data
here, escaped only where it is displayed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from geodata.geo.coordinates import Area, check_points
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.locate import place_by_name, place_points, row_country_numbers
from geodata.ingest.readers.base import HASHTAG_ROW, SourceTable
from geodata.ingest.readers.encoding import ARABIC_WINDOWS, ENCODING_NAMES
from geodata.ingest.rows import keep_rows
from geodata.model import schema as schema_module
from geodata.model.errors import Problem, SchemaError

SWAPPED = "latitude and longitude look swapped"

#: The columns the quarantine frame puts before the original cells.
QUARANTINE_COLUMNS = ("line", "column", "reason")


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file: the counts, every problem and every warning.

    Guarantee (checked when the report is made, raising ``AssertionError``
    otherwise): ``rows_in == imported + quarantined + duplicates``.
    ``problems`` are the reasons rows were quarantined (file, line, column,
    reason, value); ``warnings`` are things repaired or worth knowing (the
    encoding used, swapped coordinates fixed, polygons repaired).
    """

    file: str
    format: str
    table: str
    encoding: str | None
    rows_in: int
    imported: int
    quarantined: int
    duplicates: int
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    hashtag_rows: int = 0

    def __post_init__(self) -> None:
        if self.rows_in != self.imported + self.quarantined + self.duplicates:
            raise AssertionError(f"{self.file}: rows in ({self.rows_in}) != imported ({self.imported}) + "
                                 f"quarantined ({self.quarantined}) + duplicates ({self.duplicates})")

    def summary(self) -> str:
        """One line for a log or a status bar."""
        skipped = f", {self.hashtag_rows} HXL hashtag row skipped (not data)" if self.hashtag_rows else ""
        return (f"{self.file}: {self.rows_in} rows in, {self.imported} imported, {self.quarantined} quarantined, "
                f"{self.duplicates} duplicate(s), {len(self.warnings)} warning(s){skipped}")

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready) for a store or a ``dcc.Store``."""
        out = asdict(self)
        out["problems"] = [asdict(p) for p in self.problems]
        out["warnings"] = [asdict(p) for p in self.warnings]
        return out


@dataclass(frozen=True)
class ImportResult:
    """The valid canonical rows, the quarantined rows and the report.

    ``frame`` follows the table's schema (typed as :func:`~geodata.model.schema.check_table`
    types it, extra source columns after the canonical ones; a GeoDataFrame
    in EPSG:4326 for boundaries). ``quarantine`` holds one row per
    quarantined source row: ``line``, ``column``, ``reason``, then the
    source cells as read (a source column that clashes with those three
    names is shown as ``"<name> (source)"``). ``tables`` holds related
    tables a format carries (HNAP: ``"flows"``).
    """

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    report: ImportReport
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        return self.report.rows_in

    @property
    def imported(self) -> int:
        return self.report.imported

    @property
    def quarantined(self) -> int:
        return self.report.quarantined

    @property
    def duplicates(self) -> int:
        return self.report.duplicates

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self.report.warnings


def exact_duplicates(original: pd.DataFrame, keys: pd.Series | None, repeated: np.ndarray | None = None,
                     candidates: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """Rows identical in every source cell to an earlier row with the same id.

    Parameters
    ----------
    original
        The source cells.
    keys
        The id of every row (``None`` for tables without ids: then whole rows are compared).
    repeated
        Positions of the rows whose id was seen before (from the schema's
        "duplicate id" findings); ``None`` to find them here.
    candidates
        Every row whose id is one of the repeated ones (a mask, as :func:`repeated_keys` gives it);
        ``None`` to find them here.

    Returns
    -------
    (mask, first)
        The duplicate rows, and the position of the first row of every
        repeated id (for messages).
    """
    out = np.zeros(len(original), dtype=bool)
    if keys is None:
        return original.duplicated(keep="first").to_numpy(dtype=bool), {}
    if repeated is None:
        repeated = np.flatnonzero((keys.duplicated(keep="first") & keys.notna()).to_numpy(dtype=bool))
    if len(repeated) == 0:
        return out, {}
    if candidates is None:
        candidates = keys.isin(set(keys.iloc[repeated].tolist())).to_numpy(dtype=bool)
    rows = np.flatnonzero(candidates)
    first: dict[str, int] = {}
    for key, row in zip(keys.iloc[rows].tolist(), rows.tolist(), strict=True):
        first.setdefault(key, row)
    out[rows] = keep_rows(original, candidates).duplicated(keep="first").to_numpy(dtype=bool)
    return out, first


def repeated_keys(keys: pd.Series, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``keys.duplicated(keep="first") & keys.notna()`` marks, as ascending positions, and a mask of
    every row whose key is one of those repeated (the ``candidates`` of :func:`exact_duplicates`).

    ``shared``: ascending positions of every row whose key's hash another row's shares
    (:meth:`~geodata.ingest.seen.SeenIds.within`), a superset of both; only those keys are compared, in
    Python (a repeat is a few rows of a batch; pandas' ``duplicated`` hashes every key again)."""
    seen: set[object] = set()
    again: set[object] = set()
    repeated: list[int] = []
    rows = shared.tolist()
    values = keys.iloc[shared].tolist()
    for row, value in zip(rows, values, strict=True):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            continue
        if value in seen:
            repeated.append(row)
            again.add(value)
        else:
            seen.add(value)
    candidates = np.zeros(len(keys), dtype=bool)
    candidates[[row for row, value in zip(rows, values, strict=True) if value in again]] = True
    return np.array(repeated, dtype=np.int64), candidates


def _earlier_ids(found: list[Problem], at: list[int], duplicate: np.ndarray, first_line: dict[str, int],
                 keys: pd.Series, earlier: tuple[np.ndarray, np.ndarray], file: str, key: str
                 ) -> tuple[list[Problem], list[int], np.ndarray]:
    """Rows whose id an earlier batch had: identical to an earlier row, a duplicate; otherwise a
    repeated id whose first line is the earlier batch's (the problem check_table gives a repeat
    within one table, added where this batch held the id's first row)."""
    seen_line, same = earlier
    duplicate = duplicate | same
    rows = np.flatnonzero(seen_line > 0)
    flagged = {i for p, i in zip(found, at, strict=True) if p.reason == "duplicate id"}
    found, at = list(found), list(at)
    for i, value in zip(rows.tolist(), keys.iloc[rows].tolist(), strict=True):
        first_line[value] = int(seen_line[i])
        if i not in flagged:
            found.append(Problem(file, schema_module.FIRST_DATA_LINE + i, key, "duplicate id", str(value)))
            at.append(i)
    return found, at, duplicate


def _swap(typed: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    lat, lon = typed["latitude"].to_numpy(copy=True), typed["longitude"].to_numpy(copy=True)
    lat[rows], lon[rows] = lon[rows], lat[rows]
    return typed.assign(latitude=lat, longitude=lon)


def _frame_row(problem: Problem) -> int:
    """The frame row a :func:`~geodata.model.schema.check_table` problem is on (those always have a line)."""
    if problem.line is None:
        raise TypeError(f"a schema problem without a line: {problem}")
    return problem.line - schema_module.FIRST_DATA_LINE


def _row_problem_text(problems: list[Problem]) -> tuple[str, str]:
    columns = list(dict.fromkeys(p.column or "" for p in problems))
    several = len(columns) > 1
    parts = []
    for p in problems:
        said = p.reason if p.value is None else f"{p.reason} (got {p.value!r})"
        parts.append(f"{p.column}: {said}" if several and p.column else said)
    return ", ".join(c for c in columns if c), "; ".join(parts)


def quarantine_frame(original: pd.DataFrame, rows: np.ndarray, lines: np.ndarray,
                     by_row: Mapping[int, list[Problem]]) -> pd.DataFrame:
    """``line``, ``column``, ``reason`` then the original cells, one row per quarantined row."""
    keep = np.zeros(len(original), dtype=bool)
    keep[rows] = True
    cells = keep_rows(original, keep)
    cells = cells.rename(columns={c: f"{c} (source)" for c in cells.columns if c in QUARANTINE_COLUMNS})
    said = [_row_problem_text(by_row[int(i)]) for i in rows]
    meta = pd.DataFrame({
        "line": pd.Series(lines[rows], dtype="int64"),
        "column": pd.Series([c for c, _ in said], dtype="string"),
        "reason": pd.Series([r for _, r in said], dtype="string"),
    })
    out = pd.concat([meta, cells], axis=1)
    return out.drop(columns="geometry") if "geometry" in out.columns else out


@dataclass(frozen=True)
class Checked:
    """One table validated, in the parts a batched import (:mod:`geodata.ingest.stream`) adds up
    batch by batch: warnings stay in their groups so the batches' groups can be joined in file order."""

    source: SourceTable
    #: Every row typed by the schema, and which of them are kept: :attr:`valid` selects them only when
    #: asked (a batched import writing Parquet selects them on the Arrow columns instead).
    typed: pd.DataFrame
    kept: np.ndarray
    quarantine: pd.DataFrame
    problems: list[Problem]
    duplicates: int
    reader_warnings: list[Problem]
    placement_warnings: list[Problem]
    point_warnings: list[Problem]
    swapped_back: list[Problem]
    #: Located rows judged by no country, place or given area: from 20 on (``MIN_POINTS_FOR_BOX``) their
    #: verdict depends on the box of all such rows in the file.
    undecided: int = 0

    @cached_property
    def valid(self) -> pd.DataFrame:
        """The kept rows (a GeoDataFrame when the source was one)."""
        valid = keep_rows(self.typed, self.kept)
        if hasattr(self.source.frame, "crs") and "geometry" in valid.columns:
            import geopandas as gpd

            valid = gpd.GeoDataFrame(valid, geometry="geometry", crs=self.source.frame.crs)
        return valid

    def result(self) -> ImportResult:
        """The :class:`ImportResult` of this table alone."""
        warnings = self.reader_warnings + self.placement_warnings + self.point_warnings + self.swapped_back
        source = self.source
        report = ImportReport(
            file=source.file, format=source.format, table=source.schema.name, encoding=source.encoding,
            rows_in=len(source.frame), imported=len(self.valid), quarantined=len(self.quarantine),
            duplicates=self.duplicates, problems=tuple(self.problems), warnings=tuple(warnings),
            hashtag_rows=sum(1 for w in warnings if w.reason == HASHTAG_ROW),
        )
        return ImportResult(frame=self.valid, quarantine=self.quarantine, report=report, tables=dict(source.tables))


def import_table(source: SourceTable, *, area: Area | None = None, fix_swapped: bool = False,
                 gazetteer: Gazetteer | None = None) -> ImportResult:
    """Validate a reader's table and split it into imported, quarantined and duplicate rows.

    Parameters
    ----------
    source
        What a reader returned.
    area
        Where the points are expected (polygons or a box, see
        :func:`geodata.geo.coordinates.looks_swapped`); ``None`` uses the data's own box.
    fix_swapped
        ``False`` (default): rows whose coordinates look swapped are
        quarantined, since guessing could put an event in the wrong place.
        ``True``: they are swapped back and each one is reported as a warning.
    gazetteer
        Fill missing coordinates from the place name first (see :func:`geodata.geo.places.geocode`).

    Returns
    -------
    ImportResult
        with the guarantee ``rows_in == imported + quarantined + duplicates``;
        valid rows are never dropped.

    Raises
    ------
    SchemaError
        a column the table requires is missing (the whole file is refused).
    """
    return check_source(source, area=area, fix_swapped=fix_swapped, gazetteer=gazetteer).result()


def check_source(source: SourceTable, *, area: Area | None = None, fix_swapped: bool = False,
                 gazetteer: Gazetteer | None = None,
                 earlier: tuple[np.ndarray, np.ndarray] | None = None, shared: np.ndarray | None = None) -> Checked:
    """:func:`import_table` in parts. ``earlier`` (a batch of a longer file) gives, for every row, the
    line of the first earlier-batch row with the same id (0: none) and whether an earlier-batch row is
    identical to it: the row is then a repeated id, or a duplicate, exactly as in one table. ``shared``
    (a caller that hashed the ids already): the rows whose id's hash another row of the table shares,
    among which :func:`repeated_keys` finds the repeated ids instead of the schema's pass over every id."""
    file, table = source.file, source.schema
    lines = np.asarray(source.lines, dtype=np.int64)
    to_source = dict(source.source_columns)
    missing = [c.name for c in table.columns if c.required and c.name not in source.frame.columns]
    if missing:
        raise SchemaError([Problem(file, 1, to_source.get(n, n), "required column is missing from the header")
                           for n in missing])
    warnings = list(source.warnings)
    if source.encoding == ARABIC_WINDOWS:
        warnings.insert(0, Problem(file, None, None, f"not UTF-8: read as {ENCODING_NAMES[ARABIC_WINDOWS]}"))

    frame = source.frame
    has_points = "latitude" in frame.columns and "longitude" in frame.columns
    placement_problems: list[Problem] = []
    placement_warnings: list[Problem] = []
    if has_points:
        frame, placement_warnings, placement_problems = place_by_name(source, frame, gazetteer, area, lines)

    # One pass of the schema over every row (no copy of the table); duplicates are sorted out after.
    candidates = None
    if shared is not None and table.key is not None:
        typed, found = schema_module.check_table(frame, replace(table, key=None), file)
        repeats, candidates = repeated_keys(typed[table.key], shared)
        found += [Problem(file, schema_module.FIRST_DATA_LINE + i, table.key, "duplicate id", str(value))
                  for i, value in zip(repeats.tolist(), typed[table.key].iloc[repeats].tolist(), strict=True)]
        found.sort(key=lambda p: (p.line or 0, p.column or ""))  # as check_table orders its problems
    else:
        typed, found = schema_module.check_table(frame, table, file)
    at = [_frame_row(p) for p in found]
    repeated = np.array(sorted({i for p, i in zip(found, at, strict=True) if p.reason == "duplicate id"}),
                        dtype=np.int64)
    keys = typed[table.key] if table.key is not None else None  # stripped, blank = missing
    duplicate, first = exact_duplicates(source.original, keys, repeated if keys is not None else None, candidates)
    first_line = {key: int(lines[row]) for key, row in first.items()}
    if earlier is not None and keys is not None and table.key is not None:
        found, at, duplicate = _earlier_ids(found, at, duplicate, first_line, keys, earlier, file, table.key)
    found = [replace(p, line=int(lines[i]), column=None if p.column is None else to_source.get(p.column, p.column),
                     reason=(f"duplicate id with different content (first on line {first_line[p.value]})"
                             if p.reason == "duplicate id" and p.value in first_line else p.reason))
             for p, i in zip(found, at, strict=True) if not duplicate[i]]

    swapped = np.zeros(len(frame), dtype=bool)
    swap_problems: list[Problem] = []
    point_warnings: list[Problem] = []
    swapped_back: list[Problem] = []
    undecided = 0
    if has_points:
        lat, lon = typed["latitude"].to_numpy(dtype="float64"), typed["longitude"].to_numpy(dtype="float64")
        countries = row_country_numbers(frame)
        place_lat, place_lon = place_points(frame, gazetteer, countries.values() if countries is not None
                                            and gazetteer is not None else None)
        checked = check_points(lat, lon, countries=countries, place_lat=place_lat, place_lon=place_lon, area=area)
        swapped = checked.swapped & ~duplicate
        rows = np.flatnonzero(swapped)
        column = to_source.get("latitude", "latitude")

        def evidence(i: int) -> str:
            found = checked.said.get(i)
            return f"latitude {lat[i]:g}, longitude {lon[i]:g}" + (f": {found}" if found else "")

        said = [Problem(file, int(lines[i]), column, SWAPPED, evidence(int(i))) for i in rows]
        point_warnings = [Problem(file, int(lines[i]), column, "point outside the row's country", evidence(int(i)))
                          for i in np.flatnonzero(checked.outside & ~duplicate)]
        if area is None:
            located = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
            undecided = int((~checked.decided & located).sum())
        if fix_swapped and len(rows):
            typed = _swap(typed, rows)
            swapped_back = [replace(p, reason=f"{SWAPPED}: swapped back") for p in said]
        else:
            swap_problems = said

    own = list(source.problems) + placement_problems
    reader_cells = {(p.line, p.column) for p in own}
    reader_cells |= {(p.line, to_source.get("longitude", "longitude")) for p in placement_problems}
    swapped_lines = set(lines[swapped].tolist())
    coordinate_columns = {to_source.get("latitude", "latitude"), to_source.get("longitude", "longitude")}
    duplicate_lines = set(lines[duplicate].tolist())
    found = [p for p in found if (p.line, p.column) not in reader_cells
             and not (p.line in swapped_lines and p.column in coordinate_columns)]
    problems = sorted([p for p in own if p.line not in duplicate_lines] + swap_problems + found,
                      key=lambda p: (p.line or 0, p.column or ""))

    positions = np.searchsorted(lines, np.array([p.line for p in problems], dtype=np.int64))
    by_row: dict[int, list[Problem]] = {}
    for position, problem in zip(positions.tolist(), problems, strict=True):
        by_row.setdefault(position, []).append(problem)
    bad = np.zeros(len(frame), dtype=bool)
    bad[list(by_row)] = True
    quarantined_rows = np.flatnonzero(bad)
    return Checked(source=source, typed=typed, kept=~bad & ~duplicate,
                   quarantine=quarantine_frame(source.original, quarantined_rows, lines, by_row), problems=problems,
                   duplicates=int(duplicate.sum()), reader_warnings=warnings, placement_warnings=placement_warnings,
                   point_warnings=point_warnings, swapped_back=swapped_back, undecided=undecided)
