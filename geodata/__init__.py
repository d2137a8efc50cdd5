"""geodata: conflict incidents and displacement figures as validated, queryable tables.

A Dash-free library: the schema every dataset is checked against, loaders,
the gazetteer and the store the dashboard queries. ``import geodata`` never
imports ``dash``.
"""
# Bring your own data: readers, validation with quarantine, spatial enrichment, places.
from geodata.geo.coordinates import looks_swapped
from geodata.geo.gazetteer import Gazetteer, Match
from geodata.geo.places import geocode, geonames_places, merge_places
from geodata.geo.spatial import assign_admin_codes
from geodata.ingest.readers import (
    SourceTable,
    read_acled,
    read_boundaries,
    read_generic,
    read_hnap,
    read_hxl,
    read_ucdp,
)
from geodata.ingest.validate import (
    FORMATS,
    ImportReport,
    ImportResult,
    detect_format,
    import_file,
    import_table,
    read_file,
)
from geodata.model.dataset import DEFAULT_DATASET, Dataset, load_dataset
from geodata.model.errors import GeodataError, Problem, SchemaError, UnreadableFileError
from geodata.model.filters import LAYERS, FilterState
from geodata.model.schema import BOUNDARIES, CRS, EVENT_TYPES, FLOWS, GEO_PRECISION
from geodata.query.store import IncidentStore

__all__ = [
    "CRS", "DEFAULT_DATASET", "EVENT_TYPES", "GEO_PRECISION", "LAYERS", "Dataset", "FilterState",
    "Gazetteer", "GeodataError", "IncidentStore", "Match", "Problem", "SchemaError",
    "UnreadableFileError", "load_dataset",
    "BOUNDARIES", "FLOWS", "FORMATS", "ImportReport", "ImportResult", "SourceTable", "assign_admin_codes",
    "detect_format", "geocode", "geonames_places", "import_file", "import_table", "looks_swapped",
    "merge_places", "read_acled", "read_boundaries", "read_file", "read_generic", "read_hnap", "read_hxl",
    "read_ucdp",
]
