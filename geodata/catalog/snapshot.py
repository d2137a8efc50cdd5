"""A database catalog's dataset served from a local snapshot: written once per version, mapped after.

Why: reading a PostGIS catalog's dataset into memory takes ~53 s and 6.8 GB at 10^7 incidents, in
every process that serves it (each gunicorn worker, each restart). Written once per version the way the
Parquet store writes (Parquet and the mapped Arrow sidecar), the same dataset opens in ~3.5 s with its
text in the mapped file, whose pages the workers share. The database stays the record: a new version
means a new snapshot, and the dataset's older snapshots are removed. A catalog that reads in parts
(PostGIS: :meth:`~geodata.catalog.postgis.PostgisCatalog.load_in_parts`) is copied a million incidents at a
time, so the first open of a version holds one part in memory, not the dataset.

One writer: after a re-import every worker finds the new version at once. Each reading the database and
writing its own copy would cost each ~6.8 GB at 10^7 (four workers: more than the machine); so the first
takes a lock on the dataset's snapshot folder, the others wait for it and map what it wrote.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from geodata.catalog.parquet import read_dataset, write_dataset, write_in_parts
from geodata.catalog.protocol import Catalog
from geodata.model.dataset import Dataset
from geodata.model.errors import GeodataError

#: The snapshots' folder, under the data folder (``CONFLICT_MAP_DATA``).
SNAPSHOTS = "snapshots"
#: What a version must look like to name a folder (content hashes do); anything else is read directly.
_VERSION = re.compile(r"[0-9A-Za-z_-]{1,64}")


def open_stored(catalog: Catalog, name: str, data_dir: Path) -> Dataset:
    """A stored dataset as the app serves it: a Parquet catalog's as it is (its incidents mapped already), a
    database catalog's through its local snapshot under ``data_dir`` (written first if need be)."""
    if getattr(catalog, "path", None) is not None:
        return catalog.load(name)
    return load_through_snapshot(catalog, name, Path(data_dir) / SNAPSHOTS)


def remove_snapshots(name: str, data_dir: Path) -> bool:
    """Delete the local snapshots of dataset ``name`` (when it is removed from its database: its rows must not
    outlive it on an app host); whether there were any. A process still mapping one keeps reading it."""
    home = Path(data_dir) / SNAPSHOTS / name
    if not home.is_dir():
        return False
    shutil.rmtree(home, ignore_errors=True)  # another process removing it too, or a file in use: never an error
    return True


def load_through_snapshot(catalog: Catalog, name: str, folder: Path) -> Dataset:
    """``catalog``'s dataset ``name``, from ``folder/name/<version>`` when that snapshot exists, else read
    from the catalog, written there (atomically: a half-written snapshot is never read) and opened. The
    snapshot keeps the catalog's version (the database's column types hash differently)."""
    version = str(catalog.meta(name).get("version", ""))
    if not _VERSION.fullmatch(version):
        return catalog.load(name)
    home = folder / name
    written = _mapped(home / version, name)
    if written is not None:
        return written
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _writer(home):
        written = _mapped(home / version, name)  # another process may have written it while this one waited
        if written is not None:
            return written
        in_parts = getattr(catalog, "load_in_parts", None)
        if in_parts is not None:  # a part of the incidents at a time: bounded memory
            with in_parts(name) as stored:
                version = str(stored.meta.get("version", ""))  # re-imported since? the version read here
                if not _VERSION.fullmatch(version):
                    return catalog.load(name)
                target = home / version
                write_in_parts(target, stored.meta, stored.tables, stored.incidents)
        else:
            dataset = catalog.load(name)
            if not _VERSION.fullmatch(dataset.version):
                return dataset
            target = home / dataset.version
            write_dataset(dataset, target, version=dataset.version)  # atomic: staged beside it, then swapped in
            del dataset
        for older in home.iterdir():
            if older.name != target.name and not older.name.startswith("."):
                shutil.rmtree(older, ignore_errors=True)
    return replace(read_dataset(target), name=name)


def _mapped(snapshot: Path, name: str) -> Dataset | None:
    """The snapshot, mapped, under the dataset's name (its folder is named by the version); None when it
    is not written yet (or damaged: then it is written again)."""
    try:
        return replace(read_dataset(snapshot), name=name)
    except (OSError, GeodataError):
        return None


@contextlib.contextmanager
def _writer(home: Path) -> Iterator[None]:
    """Held while one process writes a snapshot of the dataset whose folder is ``home``; the others wait.
    The lock is the kernel's (``flock``): a process that dies while writing releases it."""
    fd = os.open(home / ".writing", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
