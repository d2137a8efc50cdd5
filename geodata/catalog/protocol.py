"""What every dataset store guarantees: the :class:`Catalog` protocol and the dataset naming rule.

Two stores implement it without inheriting from it:
:class:`geodata.catalog.parquet.DataDirectory` (a folder of Parquet files)
and :class:`geodata.catalog.postgis.PostgisCatalog` (a PostGIS database).
Callers (the command line, the import pipeline, the dashboard) are written
against this protocol, so they need not know which store they were given.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from geodata.model.errors import GeodataError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.model.dataset import Dataset


def check_name(name: str) -> str:
    """``name`` if it is a valid dataset name, else raise :class:`~geodata.model.errors.GeodataError`.

    A name is letters, digits, ``-``, ``_`` and ``.``, not starting with
    ``.`` (so it is a safe folder name and never a hidden or parent folder).
    """
    if not isinstance(name, str) or not name or name.startswith(".") or \
            not all(ch.isalnum() or ch in "-_." for ch in name):
        raise GeodataError(f"invalid dataset name {name!r}: use letters, digits, '-', '_' or '.'")
    return name


@runtime_checkable
class Catalog(Protocol):
    """The stored datasets and admin boundaries, as both stores offer them.

    Every method that takes a dataset name refuses an invalid one (see
    :func:`check_name`) with :class:`~geodata.model.errors.GeodataError`
    before touching the store. Errors of the store itself (a disk that is
    full, a database that is down) are raised as ``GeodataError`` subclasses
    naming the store and the cause.
    """

    def names(self) -> list[str]:
        """Names of the stored datasets, sorted as Python sorts strings; ``[]`` for an empty store."""
        ...

    def save(self, dataset: Dataset, *, source: str | None = None) -> str:
        """Store ``dataset`` under ``dataset.name`` and return its version.

        Atomic: readers see the previous version until the new one is
        complete, and a failure leaves the previous version whole. The
        version is :func:`geodata.catalog.parquet.content_version` (equal
        content, equal version, in either store); ``source`` is recorded in
        the metadata as ``source_file``.

        Raises
        ------
        GeodataError
            an invalid name, or the store could not write (nothing changed).
        """
        ...

    def load(self, name: str) -> Dataset:
        """The stored dataset with its version; incidents sorted by ``event_date`` (stable).

        The PostGIS store reads one snapshot; the Parquet folder is only
        ever swapped whole, so a load sees the version before or after a save.

        Raises
        ------
        UnreadableFileError
            no dataset of that name ("no stored dataset here"), or stored files are damaged.
        GeodataError
            an invalid name, or the store is unavailable.
        """
        ...

    def meta(self, name: str) -> dict:
        """The dataset's description: ``name``, ``title``, ``period``, ``version``, ``source_file``,
        ``imported_at``, ``rows`` (per table) and the view settings; same keys in both stores.

        Raises
        ------
        UnreadableFileError
            no dataset of that name.
        """
        ...

    def remove(self, name: str) -> None:
        """Delete the dataset and all its rows (PostGIS: in one transaction; Parquet: its folder).

        Raises
        ------
        GeodataError
            no dataset of that name ("no dataset named ..."), or an invalid name.
        """
        ...

    def save_boundaries(self, boundaries: gpd.GeoDataFrame) -> int:
        """Replace the stored admin boundaries with ``boundaries`` (atomically); return their number.

        Callers merge new levels with the stored ones first
        (:func:`geodata.ingest.pipeline.merge_boundaries`).
        """
        ...

    def boundaries(self, admin_level: int | None = None) -> gpd.GeoDataFrame:
        """The stored admin boundaries (every level, or one) as a GeoDataFrame; an empty one when none.

        Both stores give back what :meth:`save_boundaries` stored (the
        pipeline stores EPSG:4326); PostGIS orders them by level and p-code.
        """
        ...
