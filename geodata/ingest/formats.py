"""The file formats an import understands: their names, how a file's format is guessed, the reader of each.

One vocabulary for the command line (``--format``), the dashboard's upload
page and the library (:func:`geodata.import_file`):

==============  ===========================================  ==========================================
name            what                                         reader
==============  ===========================================  ==========================================
``acled``       ACLED export (CSV)                           :func:`~geodata.ingest.readers.read_acled`
``ucdp``        UCDP GED (CSV)                               :func:`~geodata.ingest.readers.read_ucdp`
``hxl``         HXL-tagged table (CSV)                       :func:`~geodata.ingest.readers.read_hxl`
``csv``         any CSV/XLSX table with a column mapping     :func:`~geodata.ingest.readers.read_generic`
``hnap``        OCHA/HNAP IDP workbook (XLSX) or extract     :func:`~geodata.ingest.readers.read_hnap`
``boundaries``  admin boundaries (GeoJSON, GPKG, shapefile)  :func:`~geodata.ingest.readers.read_boundaries`
==============  ===========================================  ==========================================
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geodata.ingest.readers import (
    SourceTable,
    excel,
    hxl,
    read_acled,
    read_boundaries,
    read_generic,
    read_hnap,
    read_hxl,
    read_ucdp,
)
from geodata.ingest.readers.encoding import read_csv_cells
from geodata.model.errors import GeodataError

#: Every format name, in the order the command line lists them.
FORMATS = ("acled", "ucdp", "hxl", "csv", "hnap", "boundaries")
BOUNDARY_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def detect_format(path: str | Path) -> str:
    """Guess a file's format from its name and header (one of :data:`FORMATS`).

    Boundaries by extension; workbooks with a ``Community PCODE`` column are
    HNAP; CSV by its header: ``event_id_cnty`` -> ACLED, ``type_of_violence``
    and ``where_prec`` -> UCDP, ``Community PCODE`` -> HNAP, a row of
    hashtags -> HXL. Anything else needs a mapping: ``"csv"``.

    Raises
    ------
    UnreadableFileError
        the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in BOUNDARY_SUFFIXES:
        return "boundaries"
    if suffix in WORKBOOK_SUFFIXES:
        book = excel.read_workbook_cells(path)
        text_cells = " ".join(str(v) for cells in book.values() for v in cells.head(10).to_numpy().ravel())
        return "hnap" if "community pcode" in text_cells.lower() else "csv"
    cells, _ = read_csv_cells(path, header=None)
    head = cells.head(hxl.MAX_HEADER_ROWS)
    header = {str(v).strip().lower() for v in head.iloc[0].tolist()} if len(head) else set()
    if "event_id_cnty" in header:
        return "acled"
    if {"type_of_violence", "where_prec"} <= header:
        return "ucdp"
    if "community pcode" in header:
        return "hnap"
    if hxl.hashtag_row(head) is not None:
        return "hxl"
    return "csv"


def read_source(path: str | Path, fmt: str | None = None, *, mapping: Mapping[str, Any] | str | Path | None = None,
                crs: str | None = None, table: str | None = None, **options: Any) -> SourceTable:
    """Run the reader of ``fmt`` (detected when ``None``) on ``path``.

    ``mapping`` (required for ``"csv"``), ``crs`` (``"boundaries"``) and
    ``table`` (``"hxl"``, ``"csv"``) are the options the command line and
    the upload page have: each goes only to the formats that use it. Other
    keyword ``options`` go to the reader as they are (e.g. ``period=`` or
    ``boundaries=`` for ``"hnap"``).

    Raises
    ------
    GeodataError
        an unknown format, or ``"csv"`` without a mapping.
    UnreadableFileError, SchemaError
        what the reader raises: the file cannot be read, or lacks a column its format requires.
    """
    fmt = fmt or detect_format(path)
    if fmt == "acled":
        return read_acled(path, **options)
    if fmt == "ucdp":
        return read_ucdp(path, **options)
    if fmt == "hxl":
        return read_hxl(path, table=table, **options)
    if fmt == "csv":
        if mapping is None:
            raise GeodataError("--format csv needs a column mapping (--mapping FILE)")
        return read_generic(path, mapping, table=table, **options)
    if fmt == "hnap":
        return read_hnap(path, **options)
    if fmt == "boundaries":
        return read_boundaries(path, crs=crs, **options)
    raise GeodataError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
