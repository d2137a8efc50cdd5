"""geodata: conflict incidents and displacement figures as validated, queryable tables.

A Dash-free library: the schema every dataset is checked against, loaders,
the gazetteer and the store the dashboard queries. ``import geodata`` never
imports ``dash``.
"""
from .dataset import DEFAULT_DATASET, Dataset, load_dataset
from .errors import GeodataError, Problem, SchemaError, UnreadableFileError
from .filters import LAYERS, FilterState
from .gazetteer import Gazetteer, Match
from .schema import CRS, EVENT_TYPES, GEO_PRECISION
from .store import IncidentStore

# Bring your own data: readers, validation with quarantine, spatial enrichment, places.
from .coordinates import looks_swapped
from .importing import FORMATS, ImportReport, ImportResult, detect_format, import_file, import_table, read_file
from .places import geocode, geonames_places, merge_places
from .readers import (SourceTable, read_acled, read_boundaries, read_generic, read_hnap, read_hxl,
                      read_ucdp)
from .schema import BOUNDARIES, FLOWS
from .spatial import assign_admin_codes

__all__ = [
    "CRS", "DEFAULT_DATASET", "EVENT_TYPES", "GEO_PRECISION", "LAYERS", "Dataset", "FilterState",
    "Gazetteer", "GeodataError", "IncidentStore", "Match", "Problem", "SchemaError",
    "UnreadableFileError", "load_dataset",
    "BOUNDARIES", "FLOWS", "FORMATS", "ImportReport", "ImportResult", "SourceTable", "assign_admin_codes",
    "detect_format", "geocode", "geonames_places", "import_file", "import_table", "looks_swapped",
    "merge_places", "read_acled", "read_boundaries", "read_file", "read_generic", "read_hnap", "read_hxl",
    "read_ucdp",
]
