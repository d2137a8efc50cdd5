"""Canonical frames to and from PostgreSQL's COPY (CSV), through Arrow.

Why CSV through Arrow: COPY is PostgreSQL's fast bulk path, and Arrow
writes and parses CSV in C with exact float round trips (shortest
representation both ways), so a million rows go in and out in seconds
without a Python loop per row. Nulls and empty strings stay apart: Arrow
quotes every string and leaves nulls unquoted, which is exactly how COPY's
CSV format tells ``""`` from NULL.

Columns and their types come from :mod:`geodata.schema`; the SQL tables
(see :mod:`geodata.postgis.migrations`) add ``dataset`` and ``ordinal``
(the row's position, in date order for incidents) and a ``geom`` generated
from longitude/latitude, so the geometry can never disagree with them.
Frames read back have the canonical dtypes: ``string`` text (categoricals
for the repetitive incident columns, as the Parquet store reads them),
nullable ``Int64`` whole numbers, ``float64`` numbers, ``datetime64[s]``
dates.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from .. import schema
from ..errors import GeodataError
from ..storage import DICTIONARY_COLUMNS

#: Rows per CSV chunk handed to COPY (bounds the memory of one write).
CHUNK_ROWS = 50_000

_WRITE_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32()}
_READ_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.timestamp("s")}
_PANDAS_TYPES = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype()}


@dataclass(frozen=True)
class TableSpec:
    """A dataset table as stored: its SQL name, canonical schema and the columns read as categoricals."""

    name: str
    schema: schema.TableSchema
    dictionary: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """The canonical columns, in schema order (also their SQL names)."""
        return self.schema.names


#: The per-dataset tables, in the order they are written and read.
TABLES = {
    "incidents": TableSpec("incidents", schema.INCIDENTS, tuple(DICTIONARY_COLUMNS)),
    "displacement": TableSpec("displacement", schema.DISPLACEMENT),
    "places": TableSpec("places", schema.PLACES),
    "highways": TableSpec("highways", schema.HIGHWAYS),
}


def _arrow_column(values: pd.Series | None, column: schema.Column, length: int, table: str) -> pa.Array:
    target = _WRITE_TYPES[column.kind]
    if values is None:
        return pa.nulls(length, target)
    try:
        array = pa.Array.from_pandas(values)
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if column.kind == "date" and pa.types.is_timestamp(array.type):
            array = array.cast(pa.timestamp("s")).cast(pa.date32())
        return array.cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise GeodataError(f"{table}, column {column.name!r}: cannot store as {column.kind}: {exc}") from None


def to_arrow(frame: pd.DataFrame, spec: TableSpec, dataset: str) -> pa.Table:
    """``frame`` as the columns COPY expects: dataset, ordinal, then the canonical columns.

    Rows keep the frame's order (``ordinal`` counts from 0); a canonical
    column the frame lacks is stored as nulls.

    Raises
    ------
    GeodataError
        the frame has columns outside the schema (this store keeps only
        canonical columns and refuses rather than drop data), or a column
        cannot be converted to its canonical type.
    """
    extra = [c for c in frame.columns if c not in spec.columns and c != "geometry"]
    if extra:
        raise GeodataError(f"{spec.name}: the PostGIS store keeps the canonical columns only; "
                           f"drop or rename {', '.join(map(repr, map(str, extra)))}")
    length = len(frame)
    arrays = [pa.repeat(pa.scalar(dataset, pa.string()), length), pa.array(np.arange(length, dtype=np.int64))]
    for column in spec.schema.columns:
        values = frame[column.name] if column.name in frame.columns else None
        arrays.append(_arrow_column(values, column, length, spec.name))
    return pa.table(arrays, names=["dataset", "ordinal", *spec.columns])


def csv_chunks(table: pa.Table, rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The table as CSV without a header, in chunks of at most ``rows`` rows, for ``COPY ... FROM STDIN``."""
    options = pcsv.WriteOptions(include_header=False)
    for batch in table.to_batches(max_chunksize=rows):
        sink = io.BytesIO()
        pcsv.write_csv(batch, sink, options)
        yield sink.getvalue()


def read_csv(data: bytes, spec: TableSpec, *, leading: tuple[str, ...] = ()) -> pd.DataFrame:
    """Parse ``COPY ... TO STDOUT (FORMAT csv)`` output of ``leading`` int64 columns then the canonical ones.

    Unquoted empty fields are nulls, quoted ones empty strings (COPY's
    convention). Returns canonical dtypes (see the module docstring).
    """
    types: dict[str, pa.DataType] = {name: pa.int64() for name in leading}
    for column in spec.schema.columns:
        if column.name in spec.dictionary:
            types[column.name] = pa.dictionary(pa.int32(), pa.string())
        else:
            types[column.name] = _READ_TYPES[column.kind]
    names = list(types)
    if data:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True,
                                                quoted_strings_can_be_null=False),
        )
    else:
        table = pa.table([pa.array([], type=t) for t in types.values()], names=names)
    frame = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    for name in spec.dictionary:
        if table.num_rows == 0:
            frame[name] = frame[name].astype("category")
    return frame


def empty_like(spec: TableSpec) -> pd.DataFrame:
    """A frame with the table's canonical columns and dtypes and no rows."""
    return read_csv(b"", spec)
