"""geodata: conflict incidents and displacement figures as validated, queryable tables.

A Dash-free library (``import geodata`` never imports ``dash``), in five packages:

- :mod:`geodata.model`: the canonical tables, :class:`Dataset`, :class:`FilterState`, the errors;
- :mod:`geodata.ingest`: the file formats and their readers, validation with quarantine, the import pipeline;
- :mod:`geodata.catalog`: where datasets are stored (Parquet folder or PostGIS), behind one protocol;
- :mod:`geodata.query`: the in-memory :class:`IncidentStore` the dashboard queries;
- :mod:`geodata.geo`: the gazetteer, geocoding, admin p-codes, swapped coordinates.

The command line is :mod:`geodata.cli` (``python -m geodata``); :mod:`geodata.synthetic`
makes reproducible data for tests and benchmarks. The names below are the library's public API.
"""
from geodata.geo import Gazetteer, Match, assign_admin_codes, geocode, geonames_places, looks_swapped, merge_places
from geodata.ingest import FORMATS, ImportReport, ImportResult, detect_format, import_file, import_table
from geodata.ingest.readers import (
    SourceTable,
    read_acled,
    read_boundaries,
    read_generic,
    read_hnap,
    read_hxl,
    read_ucdp,
)
from geodata.model import (
    BOUNDARIES,
    CRS,
    DEFAULT_DATASET,
    EVENT_TYPES,
    FLOWS,
    GEO_PRECISION,
    LAYERS,
    Dataset,
    FilterState,
    GeodataError,
    Problem,
    SchemaError,
    UnreadableFileError,
    load_dataset,
)
from geodata.query import IncidentStore

__all__ = [
    "CRS", "DEFAULT_DATASET", "EVENT_TYPES", "GEO_PRECISION", "LAYERS", "Dataset", "FilterState",
    "Gazetteer", "GeodataError", "IncidentStore", "Match", "Problem", "SchemaError",
    "UnreadableFileError", "load_dataset",
    "BOUNDARIES", "FLOWS", "FORMATS", "ImportReport", "ImportResult", "SourceTable", "assign_admin_codes",
    "detect_format", "geocode", "geonames_places", "import_file", "import_table", "looks_swapped",
    "merge_places", "read_acled", "read_boundaries", "read_generic", "read_hnap", "read_hxl",
    "read_ucdp",
]
