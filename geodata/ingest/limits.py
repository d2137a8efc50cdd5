"""How much one imported file may ask of the machine, checked before the work it would cost.

A small file can describe a huge table: a 5 KB workbook declaring a cell at
XFD1048576, a 1.5 MB workbook holding 380 MB of sheet XML, a CSV whose first
line has a million columns, a boundary file of 400,000 polygons that every
dashboard worker would then send to every browser. Each limit below is
checked before parsing (from the zip directory, the sheet's declared
dimension, the CSV header line, the layer's feature count) or while
streaming (a cell budget), and a file over one is refused with
:class:`LimitError` naming the file, the limit and what the file asked for;
nothing is stored. Real files are far below them: the largest HNAP
workbook seen is 0.5 MB with 0.2 MB of sheet XML; ACLED exports have 31
columns; OCHA COD-AB admin 3 layers have a few thousand features.

All limits live here, with their values, so they are documented in one
place (README "Limits") and tests can lower them.
"""
from __future__ import annotations

import os
from functools import lru_cache

from geodata.model.errors import UnreadableFileError


@lru_cache(maxsize=1)
def machine_memory_bytes() -> int | None:
    """Memory this process may use: its cgroup's limit (containers) or the machine's, None if unknown."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as limit:
            text = limit.read().strip()
        if text.isdigit():
            return int(text)
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None

#: Rows of one table (CSV records or sheet rows): two million incidents is a large country's decade.
MAX_ROWS = 5_000_000
#: Columns of one table: source exports have tens; HNAP workbooks about a hundred.
MAX_COLUMNS = 2_000
#: Cells (rows x columns) of one table: the budget that bounds memory whatever the shape.
MAX_CELLS = 100_000_000
#: Bytes of a CSV file's header line (column names).
MAX_HEADER_BYTES = 1_000_000

#: Lines of a file imported in batches (:mod:`geodata.ingest.stream`: ACLED exports from 64 MB), in
#: place of :data:`MAX_ROWS`, which bounds a table read whole. A batched import holds a few batches
#: plus about 24 bytes per row (the id hashes with their lines, the line index): 1.2 GB at this limit.
#: Checked on the number of lines estimated from the file's size before parsing, then on the lines read.
MAX_STREAMED_ROWS = 50_000_000
#: Bytes of a file imported in batches whose valid rows the caller keeps in memory (the command line and
#: the upload page merge, sort and save them as one dataset). Measured once, ``/usr/bin/time -v python -m
#: geodata import`` of the 4.16 GB synthetic ACLED export of 10^7 rows into an empty Parquet catalog: peak
#: RSS 12.05 GB (load 4-5), 2.9 times the file, about 1.2 kB a kept row (the valid rows as Arrow-backed
#: pandas columns, then the sidecar beside the sorted dataset); 20.5 GB, five times the file, before the
#: save held them once. So a file may be at most 1/3.4 of the machine's memory (the process's cgroup limit
#: where there is one; 24 GB if unknown), and 7 GB: about 20 GB of peak on a 24 GB machine. A batched import writing
#: Parquet has no such limit.
MAX_KEPT_BYTES = min(7_000_000_000, int((machine_memory_bytes() or 24_000_000_000) / 3.4))

#: Bytes of all a workbook's members once uncompressed.
MAX_XLSX_UNCOMPRESSED_BYTES = 200_000_000
#: Bytes of one member of a workbook (a sheet's XML, the shared strings) once uncompressed.
MAX_XLSX_MEMBER_BYTES = 100_000_000
#: Uncompressed / compressed size of one member over 1 MB: spreadsheet XML compresses 5-20 times.
MAX_COMPRESSION_RATIO = 100
#: Cells of one sheet: its declared dimension and, while reading, the cells actually seen.
MAX_SHEET_CELLS = 20_000_000

#: Features (areas) in the stored admin boundaries, every level together.
MAX_BOUNDARY_FEATURES = 50_000
#: Vertices in the stored admin boundaries, every level together (the browser gets a simplified copy).
MAX_BOUNDARY_VERTICES = 5_000_000


class LimitError(UnreadableFileError):
    """A file asks for more than a limit allows; refused before the work, nothing changed."""

    def __init__(self, file: str, what: str, found: int | str, limit: int, name: str):
        self.limit_name = name
        super().__init__(file, f"refused: {what} is "
                               f"{found if isinstance(found, str) else f'{found:,}'}; the limit is {limit:,} ({name})")


def check(file: str, what: str, found: int, limit: int, name: str) -> None:
    """Raise :class:`LimitError` when ``found`` exceeds ``limit``."""
    if found > limit:
        raise LimitError(file, what, found, limit, name)
