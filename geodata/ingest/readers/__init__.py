"""One reader per file format, each mapping its format onto a canonical table of :mod:`geodata.model.schema`.

Every reader returns a :class:`SourceTable` (canonical columns, the source
cells, file lines, reader problems and warnings); none decides which rows
are good: :func:`geodata.ingest.validate.import_table` validates and quarantines.
A file that cannot be read at all raises one
:class:`~geodata.model.errors.UnreadableFileError` naming the file and the cause.

==============================  ===================  ====================
reader                          formats              table
==============================  ===================  ====================
:func:`read_acled`              ACLED export CSV     incidents
:func:`read_ucdp`               UCDP GED CSV         incidents
:func:`read_hxl`                HXL-tagged CSV       incidents/displacement
:func:`read_generic`            CSV/XLSX + mapping   incidents/displacement
:func:`read_hnap`               HNAP xlsx / CSV      displacement (+ flows)
:func:`read_boundaries`         GeoJSON/GPKG/SHP     boundaries
==============================  ===================  ====================
"""
from geodata.ingest.readers.acled import read_acled
from geodata.ingest.readers.base import SourceTable
from geodata.ingest.readers.boundaries import read_boundaries
from geodata.ingest.readers.encoding import detect_encoding, read_csv_cells
from geodata.ingest.readers.generic import load_mapping, read_generic
from geodata.ingest.readers.hnap import read_hnap
from geodata.ingest.readers.hxl import read_hxl
from geodata.ingest.readers.ucdp import read_ucdp

__all__ = [
    "SourceTable", "detect_encoding", "load_mapping", "read_acled", "read_boundaries", "read_csv_cells",
    "read_generic", "read_hnap", "read_hxl", "read_ucdp",
]
