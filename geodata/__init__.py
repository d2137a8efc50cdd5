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

__all__ = [
    "CRS", "DEFAULT_DATASET", "EVENT_TYPES", "GEO_PRECISION", "LAYERS", "Dataset", "FilterState",
    "Gazetteer", "GeodataError", "IncidentStore", "Match", "Problem", "SchemaError",
    "UnreadableFileError", "load_dataset",
]
