"""The data model: the canonical tables, the dataset, the filter state and the errors.

Public names
------------
:mod:`~geodata.model.schema`
    The canonical tables (:data:`INCIDENTS`, :data:`DISPLACEMENT`, :data:`PLACES`,
    :data:`BOUNDARIES`, :data:`FLOWS`, :data:`HIGHWAYS`), :data:`CRS`,
    :data:`EVENT_TYPES`, :data:`GEO_PRECISION`, and :func:`check_table` /
    :func:`validate_table`, which type raw text cells and name every
    problem by file, line, column and reason.
:mod:`~geodata.model.dataset`
    :class:`Dataset` (validated tables plus what describes them),
    :func:`load_dataset` (a folder of canonical CSV tables, e.g.
    :data:`DEFAULT_DATASET`, the shipped scenario) and :func:`dataset_from_incidents`.
:mod:`~geodata.model.filters`
    :class:`FilterState`, the one frozen filter every view follows; parsing
    never trusts its input.
:mod:`~geodata.model.errors`
    :class:`GeodataError` (everything this library raises on purpose),
    :class:`SchemaError`, :class:`UnreadableFileError` and :class:`Problem`.

Nothing here reads configuration, touches a store or imports ``dash``.
"""
from geodata.model.dataset import DEFAULT_DATASET, Dataset, dataset_from_incidents, empty_table, load_dataset
from geodata.model.errors import GeodataError, Problem, SchemaError, UnreadableFileError
from geodata.model.filters import LAYERS, FilterState
from geodata.model.schema import (
    BOUNDARIES,
    CRS,
    DISPLACEMENT,
    EVENT_TYPES,
    FLOWS,
    GEO_PRECISION,
    HIGHWAYS,
    INCIDENTS,
    PLACES,
    TableSchema,
    check_table,
    validate_table,
)

__all__ = ["BOUNDARIES", "CRS", "DEFAULT_DATASET", "DISPLACEMENT", "EVENT_TYPES", "FLOWS", "GEO_PRECISION",
           "HIGHWAYS", "INCIDENTS", "LAYERS", "PLACES", "Dataset", "FilterState", "GeodataError", "Problem",
           "SchemaError", "TableSchema", "UnreadableFileError", "check_table", "dataset_from_incidents",
           "empty_table", "load_dataset", "validate_table"]
