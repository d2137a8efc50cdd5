"""What every dataset store guarantees: the :class:`Catalog` protocol and the dataset naming rule.

Two stores implement it without inheriting from it:
:class:`geodata.catalog.parquet.DataDirectory` (a folder of Parquet files)
and :class:`geodata.catalog.postgis.PostgisCatalog` (a PostGIS database).
Callers (the command line, the import pipeline, the dashboard) are written
against this protocol, so they need not know which store they were given.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from geodata.model.errors import GeodataError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.model.dataset import Dataset


#: Longest dataset name: fits a folder name, a URL path segment and a table cell everywhere.
MAX_NAME_LENGTH = 64
#: The rule, in one place: ASCII letters, digits, ``-`` and ``_``; first a letter or digit.
#: (``\-`` escaped: the same text is an HTML ``pattern``, which browsers compile with the ``v`` flag.)
NAME_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9_\-]{{0,{MAX_NAME_LENGTH - 1}}}"
_NAME = re.compile(rf"^{NAME_PATTERN}$")
#: Names the stores use for themselves (compared without case, for case-insensitive file systems).
#: The data folder's own files either contain a ``.`` (``boundaries.parquet``, staging folders) or
#: start with ``_`` (none yet), which no valid name can; the folders below are refused by name.
RESERVED_NAMES = frozenset({"reports", "snapshots", "boundaries", "datasets", "import", "assets", "store", "_store",
                            "tmp", "temp", "con", "prn", "aux", "nul"})


def check_name(name: object) -> str:
    """``name`` if it is a valid dataset name, else raise :class:`~geodata.model.errors.GeodataError`.

    One rule for the command line, the upload page and the site's URLs, so
    a name accepted anywhere is reachable everywhere and can never name the
    store's own files: ASCII letters, digits, ``-`` and ``_``, at most
    :data:`MAX_NAME_LENGTH` characters, starting with a letter or digit, and
    not one of :data:`RESERVED_NAMES`. ASCII only, so a homoglyph (Cyrillic
    'а') is refused rather than stored beside its look-alike.
    """
    if not isinstance(name, str) or not name:
        raise GeodataError("invalid dataset name: the name is empty")
    shown = name if len(name) <= 80 else name[:80] + "…"
    if len(name) > MAX_NAME_LENGTH:
        raise GeodataError(f"invalid dataset name {shown!r}: longer than {MAX_NAME_LENGTH} characters "
                           f"({len(name)})")
    if not _NAME.match(name):
        raise GeodataError(f"invalid dataset name {shown!r}: use ASCII letters, digits, '-' or '_', "
                           "starting with a letter or digit")
    if name.lower() in RESERVED_NAMES:
        raise GeodataError(f"invalid dataset name {name!r}: reserved for the store's own files "
                           f"(reserved: {', '.join(sorted(RESERVED_NAMES))})")
    return name


def is_valid_name(name: object) -> bool:
    """Whether :func:`check_name` accepts ``name`` (for listings that skip what is not a dataset)."""
    try:
        check_name(name)
    except GeodataError:
        return False
    return True


def name_from_text(text: str, fallback: str = "imported") -> str:
    """A valid name derived from free text (a file name, a typed title) by the same rule.

    Letters outside ASCII are dropped after their accents are (``é`` -> ``e``),
    runs of anything else become ``-``, the result is cut to the length
    limit, and a reserved or empty result gets the ``fallback`` (or a
    ``-data`` suffix), so the name never clobbers the store.
    """
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-_").lower()[:MAX_NAME_LENGTH].rstrip("-_")
    if not name:
        return fallback
    if name in RESERVED_NAMES:
        name = f"{name}-data"
    return check_name(name)


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
