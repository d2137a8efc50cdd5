"""Canonical frames to and from PostgreSQL's COPY (CSV), through Arrow.

Why CSV through Arrow: COPY is PostgreSQL's fast bulk path, and Arrow
writes and parses CSV in C with exact float round trips (shortest
representation both ways), so a million rows go in and out in seconds
without a Python loop per row. Nulls and empty strings stay apart: Arrow
quotes every string and leaves nulls unquoted, which is exactly how COPY's
CSV format tells ``""`` from NULL.

Columns and their types come from :mod:`geodata.model.schema`; the SQL tables
(see :mod:`geodata.catalog.postgis.migrations`) add ``dataset`` and ``ordinal``
(the row's position, in date order for incidents) and a ``geom`` generated
from longitude/latitude, so the geometry can never disagree with them.
Columns outside the schema (a source's own columns, which the importers
keep after the canonical ones) travel in a per-row ``extra`` jsonb object
of text cells, with their names and kinds recorded per dataset, so they
come back with their values, order and dtypes (text, whole numbers,
floats, booleans, datetimes; anything else as text).

Frames read back have the canonical dtypes: ``string`` text (categoricals
for the repetitive incident columns, as the Parquet store reads them),
nullable ``Int64`` whole numbers, ``float64`` numbers, ``datetime64[s]``
dates.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
from pandas.api.types import pandas_dtype

from geodata.catalog.parquet import DICTIONARY_COLUMNS
from geodata.model import schema
from geodata.model.errors import GeodataError

#: Rows per CSV chunk handed to COPY (bounds the memory of one write).
CHUNK_ROWS = 50_000
#: Below this many bytes a CSV is parsed on one thread (starting a pool costs more than it saves).
_THREADED_BYTES = 4 << 20

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
    "flows": TableSpec("flows", schema.FLOWS),
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


def extra_columns(frame: pd.DataFrame, spec: TableSpec) -> list[list[str]]:
    """``[name, kind]`` of each column of ``frame`` outside the schema (``geometry`` aside), in frame order."""
    return [[str(c), _kind(frame[c])] for c in frame.columns if c not in spec.columns and c != "geometry"]


def _kind(values: pd.Series) -> str:
    """The dtype to restore (numbers, booleans, datetimes, as named by pandas), else ``"str"``."""
    dtype = values.dtype
    if (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_datetime64_dtype(dtype)):
        return str(dtype)
    return "str"


def _extra_json(frame: pd.DataFrame, names: list[str]) -> pa.Array:
    """One JSON object of text cells per row (null cells as JSON null); floats as their shortest exact text."""
    text = frame[names].reset_index(drop=True).astype("string")  # by position, whatever the frame's index
    if not len(text):
        return pa.array([], pa.string())
    lines = text.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n").split("\n")
    return pa.array(lines, pa.string())  # JSON escapes newlines inside strings: "\n" only ends records


def decode_extra(json_rows: pd.Series, extra: list[list[str]]) -> pd.DataFrame:
    """The extra columns back from the ``extra`` objects, with the kinds :func:`extra_columns` recorded."""
    names = [name for name, _ in extra]
    if not len(json_rows):
        cells = pd.DataFrame({name: pd.Series(dtype="string") for name in names})
    else:
        body = "\n".join(json_rows.fillna("{}").astype(str))
        cells = pd.read_json(io.StringIO(body), lines=True, orient="records", dtype=False)
        cells = cells.reindex(columns=names).set_axis(json_rows.index, axis=0)
    out = {}
    for name, kind in extra:
        values = cells[name].astype("string")
        # astype(kind) resolves the name with pandas_dtype itself; spelled out, the stubs see a dtype
        if kind == "str":
            out[name] = values
        elif kind.startswith("datetime64"):
            out[name] = pd.to_datetime(values, format="ISO8601").astype(pandas_dtype(kind))
        elif kind in ("bool", "boolean"):
            out[name] = values.map({"True": True, "False": False}).astype(pandas_dtype(kind))
        else:  # numbers: their text is exact (shortest round-trip form for floats)
            out[name] = pd.to_numeric(values).astype(pandas_dtype(kind))
    return pd.DataFrame(out, index=json_rows.index)


def to_arrow(frame: pd.DataFrame, spec: TableSpec, dataset: str) -> pa.Table:
    """``frame`` as the columns COPY expects: dataset, ordinal, the canonical columns, then ``extra``.

    Rows keep the frame's order (``ordinal`` counts from 0); a canonical
    column the frame lacks is stored as nulls; ``extra`` is present only
    when the frame has columns outside the schema.

    Raises
    ------
    GeodataError
        a column cannot be converted to its canonical type.
    """
    length = len(frame)
    arrays = [pa.repeat(pa.scalar(dataset, pa.string()), length), pa.array(np.arange(length, dtype=np.int64))]
    names = ["dataset", "ordinal", *spec.columns]
    for column in spec.schema.columns:
        values = frame[column.name] if column.name in frame.columns else None
        arrays.append(_arrow_column(values, column, length, spec.name))
    extra = [c for c in frame.columns if c not in spec.columns and c != "geometry"]
    if extra:
        arrays.append(_extra_json(frame.set_axis([str(c) for c in frame.columns], axis=1),
                                  [str(c) for c in extra]))
        names.append("extra")
    return pa.table(arrays, names=names)


def csv_chunks(table: pa.Table, rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The table as CSV without a header, in chunks of at most ``rows`` rows, for ``COPY ... FROM STDIN``."""
    options = pcsv.WriteOptions(include_header=False)
    for batch in table.to_batches(max_chunksize=rows):
        sink = io.BytesIO()
        pcsv.write_csv(batch, sink, options)
        yield sink.getvalue()


def read_csv(data: bytes, spec: TableSpec, *, leading: tuple[str, ...] = (),
             extra: list[list[str]] | None = None) -> pd.DataFrame:
    """Parse ``COPY ... TO STDOUT (FORMAT csv)`` output: ``leading`` int64 columns, the canonical ones, ``extra``.

    Unquoted empty fields are nulls, quoted ones empty strings (COPY's
    convention). Returns canonical dtypes (see the module docstring); with
    ``extra`` (the recorded ``[name, kind]`` list, the data then ending with
    the ``extra`` column) the extra columns follow the canonical ones.
    """
    types: dict[str, pa.DataType] = {name: pa.int64() for name in leading}
    for column in spec.schema.columns:
        if column.name in spec.dictionary:
            types[column.name] = pa.dictionary(pa.int32(), pa.string())
        else:
            types[column.name] = _READ_TYPES[column.kind]
    if extra:
        types["extra"] = pa.string()
    names = list(types)
    if data:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=names, use_threads=len(data) > _THREADED_BYTES),
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
    if extra:
        frame = frame.join(decode_extra(frame.pop("extra"), extra))
    return frame
