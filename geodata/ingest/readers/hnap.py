"""OCHA/HNAP community-level IDP movement workbooks (or their CSV extracts) as displacement figures.

An HNAP workbook holds, for one month, a sheet of IDP arrivals per
community (``Mohafaza ... Community PCODE, IDP_Flow_Estimation``), a sheet
of spontaneous returns (``Ret_Flow_Estimation``), governorate summaries, and
an origin x destination matrix per movement ("Table-Origin_vs_Departure":
origin governorates down, destination governorates across). Sheet names
are not reliable (the January 2019 workbook calls its sheets "December_..."),
so sheets are recognised by their columns, and the month comes from the
caller, else the file name (``..._2019-01_...``), else the latest month
filled in the summary sheet.

Each community row becomes one figure of series ``hnap_arrivals`` or
``hnap_returns`` for the month. Its point is, in order: the community's own
point in the admin capitals layer, the sub-district (Nahya) capital, the
centroid of the sub-district polygon of the loaded boundaries (a point
inside it when the centroid falls outside), the district's, the
governorate's; rows with none are kept with no coordinates and
``drawable`` False. ``location_basis`` says which was used.

The matrix becomes a separate ``flows`` table (``SourceTable.tables["flows"]``,
:data:`~geodata.model.schema.FLOWS` columns); empty and zero cells are not flows.
``SourceTable.series`` says what each counts: the community series are
flows over the month ("IDP arrivals in the month"), the matrix an
origin-to-destination series (``<series>_od``).
"""
from __future__ import annotations

import calendar
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.geo.gazetteer import normalise
from geodata.ingest.readers.base import SourceTable, missing_columns
from geodata.ingest.readers.encoding import read_csv_cells
from geodata.ingest.readers.excel import read_workbook_cells, with_header
from geodata.model.errors import Problem, SchemaError
from geodata.model.schema import CRS, DISPLACEMENT, FLOWS, check_table, text
from geodata.model.series import FLOW, OD, SeriesInfo

SOURCE = "HNAP / OCHA IDP movements"
SOURCE_URL = "https://data.humdata.org"
MOVEMENTS = {"arrivals": "IDP_Flow_Estimation", "returns": "Ret_Flow_Estimation"}
SCOPES = {"arrivals": "IDP arrivals in the community during the month",
          "returns": "spontaneous IDP returns to the community during the month"}
#: What each series counts, in the workbook's terms: community figures are flows over the month.
LABELS = {"arrivals": "IDP arrivals in the month", "returns": "Spontaneous IDP returns in the month"}
OD_LABELS = {"arrivals": "IDP movements from governorate of origin to destination in the month",
             "returns": "IDP returns from governorate of origin to destination in the month"}
ADMIN = (("admin1", "Mohafaza"), ("admin1_pcode", "Mohafaza PCODE"), ("admin2", "Mantika"),
         ("admin2_pcode", "Mantika PCODE"), ("admin3", "Nahya"), ("admin3_pcode", "Nahya PCODE"))
_MONTH_IN_NAME = re.compile(r"(20\d\d)[-_ ]?(0[1-9]|1[0-2])(?!\d)")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}


def _month(period: str, file: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        start = pd.Timestamp(f"{period}-01" if len(period) == 7 else period).replace(day=1)
    except ValueError:
        raise SchemaError([Problem(file, None, None, "period must be a month as YYYY-MM", period)]) from None
    return start, start + pd.offsets.MonthEnd(0)


def _latest_summary_month(cells: pd.DataFrame) -> str | None:
    """The last month with a figure in a summary sheet (row 1 years, row 2 month names)."""
    if len(cells) < 3:
        return None
    years = pd.to_numeric(cells.iloc[0], errors="coerce").ffill()
    latest = None
    for column in range(cells.shape[1]):
        month = _MONTHS.get(str(cells.iat[1, column]).strip().lower())
        values = pd.to_numeric(cells.iloc[2:, column], errors="coerce")
        if month and not pd.isna(years.iloc[column]) and values.notna().any():
            latest = f"{int(years.iloc[column]):04d}-{month:02d}"
    return latest


def _header_row(cells: pd.DataFrame) -> int | None:
    for r in range(min(10, len(cells))):
        if any(str(v).strip().lower() == "community pcode" for v in cells.iloc[r].tolist() if not pd.isna(v)):
            return r
    return None


def _community_sheets(book: dict[str, pd.DataFrame]) -> dict[str, tuple[str, pd.DataFrame, np.ndarray]]:
    """movement -> (sheet name, rows, sheet row numbers) for the community sheets of a workbook."""
    found = {}
    for name, cells in book.items():
        row = _header_row(cells)
        if row is None:
            continue
        frame, lines = with_header(cells, row)
        for movement, value in MOVEMENTS.items():
            if value in frame.columns and movement not in found:
                found[movement] = (name, frame, lines)
    return found


def _flows_sheet(book: dict[str, pd.DataFrame], movement: str) -> tuple[str, pd.DataFrame] | None:
    for name, cells in book.items():
        if len(cells) and str(cells.iat[0, 0]).strip().lower() == "origin":
            is_return = "return" in name.lower()
            if is_return == (movement == "returns"):
                return name, cells
    return None


def _representative(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    # Planar centroids in degrees: fine at sub-district size, and only a label point.
    centroids = gpd.GeoSeries(shapely.centroid(geometry.values), index=geometry.index, crs=geometry.crs)
    inside = centroids.within(geometry)
    return centroids.where(inside, geometry.representative_point())


def _points(rows: pd.DataFrame, capitals: gpd.GeoDataFrame | None, boundaries: gpd.GeoDataFrame | None
            ) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Latitude, longitude and basis for each community, by the rule in the module docstring."""
    n = len(rows)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    basis = pd.Series(pd.NA, index=rows.index, dtype="string")
    lookups: list[tuple[str, str, dict[str, tuple[float, float]]]] = []
    if capitals is not None and len(capitals):
        caps = capitals.to_crs(CRS) if capitals.crs is not None and not capitals.crs.equals(CRS) else capitals
        xy = {str(k).strip(): (p.y, p.x)
              for k, p in zip(caps.get("loc_pcode", pd.Series(dtype=str)), caps.geometry, strict=False)
              if isinstance(k, str) and k.strip()}
        lookups.append(("Community PCODE", "community point (admin capitals)", xy))
        level3 = caps[pd.to_numeric(caps.get("adm_p_lvl"), errors="coerce") == 3] if "adm_p_lvl" in caps else caps
        xy3 = {str(k): (p.y, p.x)
               for k, p in zip(level3.get("adm3_pcode", pd.Series(dtype=str)), level3.geometry, strict=False)
               if isinstance(k, str) and k.strip()}
        lookups.append(("Nahya PCODE", "sub-district capital (admin capitals)", xy3))
    if boundaries is not None and len(boundaries):
        reproject = boundaries.crs is not None and not boundaries.crs.equals(CRS)
        polygons = boundaries.to_crs(CRS) if reproject else boundaries
        points = _representative(polygons.geometry)
        xy = {str(k): (p.y, p.x) for k, p in zip(polygons["pcode"], points, strict=True)
              if p is not None and not p.is_empty}
        for column, label in (("Nahya PCODE", "sub-district centroid"), ("Mantika PCODE", "district centroid"),
                              ("Mohafaza PCODE", "governorate centroid")):
            lookups.append((column, label, xy))
    todo = np.ones(n, dtype=bool)
    for column, label, table in lookups:
        if column not in rows.columns or not table:
            continue
        keys = text(rows[column])
        for i in np.flatnonzero(todo).tolist():
            hit = table.get(keys.iloc[i]) if not pd.isna(keys.iloc[i]) else None
            if hit is not None:
                lat[i], lon[i] = hit
                basis.iloc[i] = label
                todo[i] = False
    return lat, lon, basis


def _governorate_codes(frames: list[pd.DataFrame], boundaries: gpd.GeoDataFrame | None) -> dict[str, str]:
    codes: dict[str, str] = {}
    if boundaries is not None and "admin_level" in boundaries:
        level1 = boundaries[pd.to_numeric(boundaries["admin_level"]) == 1]
        codes.update({normalise(n): str(p) for n, p in zip(level1["name"], level1["pcode"], strict=True)
                      if isinstance(n, str)})
    for frame in frames:
        if {"Mohafaza", "Mohafaza PCODE"} <= set(frame.columns):
            pairs = frame[["Mohafaza", "Mohafaza PCODE"]].dropna().drop_duplicates()
            codes.update({normalise(n): str(p) for n, p in pairs.itertuples(index=False)})
    return codes


def _flows(cells: pd.DataFrame, movement: str, codes: dict[str, str], start: pd.Timestamp, end: pd.Timestamp,
           source: str, source_url: str, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    destinations = [str(v).strip() for v in cells.iloc[0, 1:].tolist()]
    rows = []
    no_origin = cells.iloc[:, 0].isna().to_numpy(dtype=bool)
    for r in range(1, len(cells)):
        origin = cells.iat[r, 0]
        if no_origin[r] or str(origin).strip().lower() == "grand total":
            continue
        for c, destination in enumerate(destinations, start=1):
            if destination.lower() in ("grand total", "<na>", "nan", ""):
                continue
            people = pd.to_numeric(pd.Series([cells.iat[r, c]]), errors="coerce").iloc[0]
            if pd.isna(people) or people == 0:
                continue
            rows.append({"origin": str(origin).strip(), "origin_pcode": codes.get(normalise(str(origin))),
                         "destination": destination, "destination_pcode": codes.get(normalise(destination)),
                         "people": str(float(people)), "period_start": start.strftime("%Y-%m-%d"),
                         "period_end": end.strftime("%Y-%m-%d"), "movement": movement,
                         "source": source, "source_url": source_url})
    raw = pd.DataFrame(rows, columns=FLOWS.names, dtype="string")
    typed, problems = check_table(raw, FLOWS, file)
    bad = sorted({p.line - 2 for p in problems if p.line})
    return typed.drop(index=bad).reset_index(drop=True), problems


def read_hnap(path: str | Path, *, movement: str = "arrivals", period: str | None = None,
              capitals: gpd.GeoDataFrame | str | Path | None = None, boundaries: gpd.GeoDataFrame | None = None,
              series: str | None = None, source: str | None = None, source_url: str = SOURCE_URL,
              encoding: str | None = None) -> SourceTable:
    """Read an HNAP workbook (.xlsx) or community CSV extract as displacement figures (not yet validated).

    Parameters
    ----------
    movement
        ``"arrivals"`` (IDP_Flow_Estimation) or ``"returns"`` (Ret_Flow_Estimation);
        for a CSV extract, the value column decides.
    period
        The month, ``"YYYY-MM"`` (see the module docstring for the default).
    capitals
        The OCHA admin capitals points (GeoDataFrame or file), for community points.
    boundaries
        Normalised boundaries (:func:`~geodata.ingest.readers.read_boundaries`), for centroids
        and governorate p-codes.

    Guarantees: ``figure_id`` is ``HNAP-<YYYY-MM>-<movement>-<community p-code>``;
    ``as_of`` is the month's last day, ``period_start``/``period_end`` its
    bounds; ``admin_level`` 4 (community); Mohafaza/Mantika/Nahya and their
    p-codes are kept as ``admin1`` ... ``admin3_pcode``; ``drawable`` and
    ``location_basis`` say whether and how the row got a point; fractional
    estimates are rounded to whole people with a warning.

    Raises
    ------
    UnreadableFileError
        the file cannot be read.
    SchemaError
        no community sheet or columns, or the month cannot be told.
    """
    path = Path(path)
    file = str(path)
    warnings: list[Problem] = []
    flows = None
    book: dict[str, pd.DataFrame] = {}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        book = read_workbook_cells(path)
        sheets = _community_sheets(book)
        if movement not in sheets:
            raise SchemaError([Problem(file, None, MOVEMENTS.get(movement, movement),
                                       f"no community sheet with {MOVEMENTS.get(movement, movement)} in the workbook")])
        sheet, raw, lines = sheets[movement]
        where = f"{file} [{sheet}]"
        used = None
        if period is None and not _MONTH_IN_NAME.search(path.name):
            summaries = [n for n in book if "summary" in n.lower()]
            period = _latest_summary_month(book[summaries[0]]) if summaries else None
    else:
        raw, used = read_csv_cells(path, encoding=encoding)
        lines = np.arange(2, 2 + len(raw), dtype=np.int64)
        movement = next((m for m, v in MOVEMENTS.items() if v in raw.columns), movement)
        where, sheets = file, {}
    value_column = MOVEMENTS[movement]
    needed = ["Community", "Community PCODE", value_column]
    missing = missing_columns(where, list(raw.columns), needed)
    if missing:
        raise SchemaError(missing)
    if period is None:
        found = _MONTH_IN_NAME.search(path.name)
        if found is None:
            raise SchemaError([Problem(where, None, None, "cannot tell which month the figures are for: "
                                                          "pass period='YYYY-MM'")])
        period = f"{found.group(1)}-{found.group(2)}"
    start, end = _month(period, where)
    source = source or f"{SOURCE} ({start.strftime('%B %Y')})"

    numbers = pd.to_numeric(text(raw[value_column]), errors="coerce")
    fractional = (numbers.notna() & (numbers % 1 != 0)).to_numpy(dtype=bool)
    warnings += [Problem(where, int(lines[i]), value_column, "fractional estimate rounded to whole people",
                         str(raw[value_column].iloc[i])) for i in np.flatnonzero(fractional)]
    displaced = raw[value_column].astype("string").where(~fractional, numbers.round().astype("Int64").astype("string"))
    if isinstance(capitals, (str, Path)):
        capitals = gpd.read_file(capitals)
    lat, lon, basis = _points(raw, capitals, boundaries)
    drawable = ~np.isnan(lat)
    if (~drawable).any():
        warnings.append(Problem(where, None, None, f"{int((~drawable).sum())} of {len(raw)} communities have no point "
                                                   "from admin capitals or boundaries given to the reader: placed by "
                                                   "name inside their admin area where the import can, else kept, "
                                                   "not drawable"))
    pcodes = text(raw["Community PCODE"])
    ids = pd.Series([f"HNAP-{start:%Y-%m}-{movement}-{p if not pd.isna(p) else f'line{n}'}"
                     for p, n in zip(pcodes, lines, strict=True)], index=raw.index, dtype="string")
    columns = {
        "figure_id": ids,
        "series": pd.Series(series or f"hnap_{movement}", index=raw.index, dtype="string"),
        "as_of": pd.Series(end, index=raw.index).astype("datetime64[s]"),
        "period_start": pd.Series(start, index=raw.index).astype("datetime64[s]"),
        "period_end": pd.Series(end, index=raw.index).astype("datetime64[s]"),
        "displaced": displaced,
        "qualifier": pd.Series("estimate", index=raw.index, dtype="string"),
        "place": raw["Community"],
        "pcode": raw["Community PCODE"],
        "admin_level": pd.Series(4, index=raw.index, dtype="Int64"),
        "latitude": lat,
        "longitude": lon,
        "scope": pd.Series(SCOPES[movement], index=raw.index, dtype="string"),
        "source": pd.Series(source, index=raw.index, dtype="string"),
        "source_url": pd.Series(source_url, index=raw.index, dtype="string"),
    }
    frame = pd.DataFrame(columns, index=raw.index)
    for canonical, column in ADMIN:
        if column in raw.columns:
            frame[canonical] = raw[column]
    frame["drawable"] = drawable
    frame["location_basis"] = basis
    tables = {}
    if book:
        matrix = _flows_sheet(book, movement)
        if matrix is not None:
            codes = _governorate_codes([s[1] for s in sheets.values()], boundaries)
            flows, flow_problems = _flows(matrix[1], movement, codes, start, end, source, source_url,
                                          f"{file} [{matrix[0]}]")
            warnings += [Problem(p.file, p.line, p.column, f"flow left out: {p.reason}", p.value)
                         for p in flow_problems]
            tables["flows"] = flows
    name = series or f"hnap_{movement}"
    described = {name: SeriesInfo(kind=FLOW, label=LABELS[movement], unit="month", source=source)}
    if "flows" in tables:
        described[f"{name}_od"] = SeriesInfo(kind=OD, label=OD_LABELS[movement], unit="month", source=source)
    return SourceTable(file=where, format="hnap", schema=DISPLACEMENT, frame=frame, original=raw, lines=lines,
                       series=described,
                       source_columns={"figure_id": "Community PCODE", "displaced": value_column, "place": "Community",
                                       "pcode": "Community PCODE"},
                       encoding=used, warnings=tuple(warnings), tables=tables)
