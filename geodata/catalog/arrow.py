"""The memory-mapped Arrow sidecar of a stored dataset's incidents.

Next to ``incidents.parquet`` (the durable, interchangeable file) each
dataset folder keeps ``incidents.<hash>.arrow``: the same rows, date-sorted,
as an uncompressed Arrow IPC file of one record batch, tagged with the
dataset's version and named by that tag, read-only. Each version gets a new
file and nothing ever rewrites one in place: a memory-mapped file truncated
under a running app (``cp`` onto it, say) would crash the processes mapping
it. :func:`map_sidecar` memory-maps it, so text columns (ids, notes) are
zero-copy views of the file: page cache, shared between worker processes
and evictable, not private memory; repetitive text columns are
dictionary-encoded there and read as pandas categoricals with one-byte codes.

The sidecar is a cache: :mod:`geodata.catalog.parquet` rebuilds it from the
Parquet file when it is missing, stale (a folder written by an older
version) or damaged, and reads the Parquet file into memory instead in a
read-only folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

#: The first sidecar's name (one file, rewritten per version); removed when a current one is built.
SIDECAR = "incidents.arrow"
#: The sidecar format; part of the tag, so a new format makes old sidecars stale.
SIDECAR_FORMAT = "1"
#: The schema metadata key holding the tag.
TAG_KEY = b"conflict_map.sidecar"


def sidecar_tag(folder: Path, version: str) -> str:
    """What a sidecar must say to be current: format, dataset version, size of the Parquet file it copies."""
    return json.dumps({"format": SIDECAR_FORMAT, "version": version,
                       "parquet_bytes": (folder / "incidents.parquet").stat().st_size}, sort_keys=True)


def arrow_table(frame: pd.DataFrame, tag: str, *, consume: bool = False):
    """``frame`` as one record batch: pandas dtypes kept in the schema, dictionaries with the smallest codes.

    Converted one column at a time (:func:`arrow_columns`); ``consume`` drops each column from
    ``frame`` (the caller's only copy) once converted, so the conversion holds the frame plus one
    column: converting it whole, then joining each column's chunks (one per Parquet row group) held
    the frame and the table together, 3-4 GB more at 10^7 rows.
    """
    def one_by_one() -> Iterator[pd.DataFrame]:
        for name in list(frame.columns):
            column = frame[[name]]
            if consume:
                del frame[name]
            yield column

    return arrow_columns(one_by_one(), tag)


def arrow_columns(columns: Iterable[pd.DataFrame], tag: str):
    """One-column frames, in order, as one record batch: the table :func:`arrow_table` makes of the
    frame they form (the same types, the same pandas metadata, byte for byte), holding one of them at a time."""
    import pyarrow as pa

    fields, arrays, described = [], [], []
    pandas: dict = {}
    for one in columns:
        schema = pa.Schema.from_pandas(one, preserve_index=False)
        column = pa.Table.from_pandas(one, schema=schema, preserve_index=False).column(0)
        del one
        pandas = schema.pandas_metadata or {}
        described.extend(pandas.get("columns", []))
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if pa.types.is_dictionary(column.type):
            size = len(column.dictionary)
            index = pa.int8() if size < 2**7 else pa.int16() if size < 2**15 else pa.int32()
            if column.indices.type != index:
                column = pa.DictionaryArray.from_arrays(column.indices.cast(index), column.dictionary)
        fields.append(pa.field(schema[0].name, column.type, schema[0].nullable))
        arrays.append(column)
    # the frame's pandas metadata: each column's entry, in order, in the frame-wide record
    metadata = {b"pandas": json.dumps({**pandas, "columns": described}).encode(), TAG_KEY: tag.encode()} \
        if pandas else {TAG_KEY: tag.encode()}
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=metadata))


def sidecar_file(folder: Path | str, version: str) -> Path:
    """Where the sidecar of ``folder`` at ``version`` is (or goes): ``incidents.<hash of its tag>.arrow``."""
    folder = Path(folder)
    digest = hashlib.sha256(sidecar_tag(folder, version).encode()).hexdigest()[:16]
    return folder / f"incidents.{digest}.arrow"


def write_sidecar_file(folder: Path | str, version: str, incidents: pd.DataFrame | Iterable[pd.DataFrame]) -> Path:
    """Write ``incidents`` (date-sorted, as read from ``incidents.parquet``: a frame, or its columns as
    one-column frames in order) as the sidecar of ``folder``, atomically, read-only; then remove older
    sidecars (a process still mapping one keeps reading it: unlinking is safe).

    Raises ``OSError`` when the folder cannot be written.
    """
    import pyarrow as pa
    import pyarrow.ipc as ipc

    folder = Path(folder)
    tag = sidecar_tag(folder, version)
    table = arrow_table(incidents, tag, consume=True) if isinstance(incidents, pd.DataFrame) \
        else arrow_columns(incidents, tag)  # a frame: the caller's only reference
    del incidents
    path = sidecar_file(folder, version)
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    os.close(fd)
    try:
        with pa.OSFile(staging, "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=max(len(table), 1))
        os.chmod(staging, (folder / "incidents.parquet").stat().st_mode & 0o444)  # as readable as the data
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    finally:
        del table
        pa.default_memory_pool().release_unused()
    for old in [folder / SIDECAR, *folder.glob("incidents.*.arrow")]:
        if old != path:
            old.unlink(missing_ok=True)
    return path


#: An Arrow IPC file starts with these 6 bytes (plus 2 of padding) and ends with them.
_MAGIC = b"ARROW1"
#: Open read-only descriptors of the sidecars this process mapped, by folder, and their size when
#: mapped: ``fstat`` on them tells whether the file was truncated under us (:func:`mapped_damage`).
_MAPPED: dict[str, tuple[int, int, str]] = {}


def _whole_file(path: Path) -> bool:
    """Whether ``path`` is a complete IPC file: magic at both ends, footer length inside the file.

    Read with ordinary reads, never mapped: touching a mapping past the end of
    a truncated file kills the process (SIGBUS), so a file is checked before it is mapped.
    """
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 2 * len(_MAGIC) + 6:
                return False
            head = handle.read(len(_MAGIC))
            handle.seek(size - len(_MAGIC) - 4)
            tail = handle.read(len(_MAGIC) + 4)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little", signed=True)
    return head == _MAGIC and tail[4:] == _MAGIC and 0 < footer < size - 2 * len(_MAGIC) - 4


def _remember(folder: Path, path: Path) -> None:
    """Keep a read-only descriptor of the mapped ``path`` (the previous one of ``folder`` closed)."""
    fd = os.open(path, os.O_RDONLY)
    old = _MAPPED.pop(str(folder), None)
    if old is not None:
        os.close(old[0])
    _MAPPED[str(folder)] = (fd, os.fstat(fd).st_size, str(path))


def mapped_damage(folder: Path | str) -> str | None:
    """Why the sidecar this process mapped for ``folder`` can no longer be read, or ``None``.

    A file truncated after it was mapped cannot be read without the process
    being killed; callers (the site, between requests) check here and load
    the dataset again, which rebuilds the sidecar from the Parquet file.
    """
    entry = _MAPPED.get(str(Path(folder)))
    if entry is None:
        return None
    fd, size, path = entry
    now = os.fstat(fd).st_size
    return None if now == size else f"{path}: the mapped incidents file changed size ({size} -> {now} bytes)"


def map_sidecar(folder: Path, version: str) -> pd.DataFrame | None:
    """The incidents from the current sidecar (memory-mapped), ``None`` if missing, stale or damaged.

    The file is checked whole (:func:`_whole_file`) before it is mapped, so
    a truncated sidecar is rebuilt instead of crashing the process.
    """
    import pyarrow as pa
    import pyarrow.ipc as ipc

    path = sidecar_file(folder, version)
    if not path.exists() or not _whole_file(path):
        return None
    try:
        _remember(folder, path)
        reader = ipc.open_file(pa.memory_map(str(path)))
        if (reader.schema.metadata or {}).get(TAG_KEY, b"").decode() != sidecar_tag(folder, version):
            return None
        table = reader.read_all()
    except (OSError, pa.ArrowException):
        return None  # damaged: rebuilt from the Parquet file
    return _to_pandas(table)


def _to_pandas(table) -> pd.DataFrame:
    """The mapped table as pandas: nullable integer columns (fatalities, geo-precision) as masked arrays
    whose values stay in the mapped file (read-only, shared by workers, evictable), not copied out of it
    as pandas' own conversion does (80 MB of private memory each at 10^7 rows); only their masks are new."""
    import numpy as np
    import pyarrow as pa

    meta = table.schema.pandas_metadata or {}
    kept: dict[str, pd.arrays.IntegerArray] = {}
    for entry in meta.get("columns", []):
        name, kind = entry.get("field_name"), str(entry.get("numpy_type", ""))
        if not kind.startswith(("Int", "UInt")) or name not in table.column_names:
            continue
        column = table.column(name)
        dtype = np.dtype(kind.lower())  # Int64 -> int64, UInt8 -> uint8
        if column.num_chunks != 1 or not pa.types.is_integer(column.type) or \
                np.dtype(column.type.to_pandas_dtype()) != dtype:
            continue
        array = column.chunk(0)
        values: np.ndarray = np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset:array.offset + len(array)]
        missing = array.is_null().to_numpy(zero_copy_only=False)
        kept[name] = pd.arrays.IntegerArray(values, missing, copy=False)
    if not kept:
        # split_blocks: each column its own block, so nothing is consolidated (copied) into 2-D arrays
        return table.to_pandas(split_blocks=True)
    order = table.column_names
    rest = table.drop_columns(list(kept))
    columns = [c for c in meta.get("columns", []) if c.get("field_name") not in kept]
    metadata = {**(table.schema.metadata or {}), b"pandas": json.dumps({**meta, "columns": columns}).encode()}
    frame = rest.replace_schema_metadata(metadata).to_pandas(split_blocks=True)
    for name, integers in kept.items():
        frame.insert(order.index(name), name, pd.Series(integers, index=frame.index, copy=False))
    return frame
