"""Bringing a file in: read it (one reader per format), validate it with quarantine, store it.

Public names
------------
:data:`FORMATS`, :func:`detect_format`, :func:`read_source`
    The format names (``acled``, ``ucdp``, ``hxl``, ``csv``, ``hnap``,
    ``boundaries``), the guess of a file's format and the reader of each
    (:mod:`geodata.ingest.formats`, the one dispatcher).
:func:`ingest_file`, :func:`reports_root`, :class:`ImportOutcome`
    What the command line and the upload page call: read, validate, merge
    into a stored dataset atomically, and leave a report plus the
    quarantined rows under ``reports_root(catalog)/reports/<dataset>/``
    (:mod:`geodata.ingest.pipeline`).
:func:`import_file`, :func:`import_table`, :class:`ImportResult`, :class:`ImportReport`
    The same reading and validation without a store (:mod:`geodata.ingest.validate`).
:func:`import_acled_stream`
    A big ACLED export (from :data:`~geodata.ingest.stream.STREAM_BYTES`, which
    ``ingest_file`` and ``import_file`` send there) read and validated in batches
    with the one-table result, in memory bounded by a few batches (:mod:`geodata.ingest.stream`).

Guarantee: every source row is imported, quarantined (with line, column and
reason) or counted as a duplicate, ``rows_in == imported + quarantined +
duplicates``; a file that cannot be used changes nothing. Readers live in
:mod:`geodata.ingest.readers`; :mod:`geodata.ingest.fetch` downloads boundaries.
"""
from geodata.ingest.formats import FORMATS, detect_format, read_source
from geodata.ingest.pipeline import ImportOutcome, import_file, ingest_file, reports_root
from geodata.ingest.stream import import_acled_stream
from geodata.ingest.validate import ImportReport, ImportResult, import_table

__all__ = ["FORMATS", "ImportOutcome", "ImportReport", "ImportResult", "detect_format", "import_acled_stream",
           "import_file", "import_table", "ingest_file", "read_source", "reports_root"]
