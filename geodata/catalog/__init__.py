"""Where the datasets are stored: the Parquet folder (default) or a PostGIS database, behind one protocol.

Public names
------------
:func:`open_catalog`
    The store the settings name.
:class:`Catalog`
    The protocol both stores implement (:mod:`geodata.catalog.protocol`):
    ``names``, ``save``, ``load``, ``meta``, ``remove``, ``save_boundaries``,
    ``boundaries``, each with its guarantee (saves are atomic, names sorted,
    a missing dataset raises :class:`~geodata.model.errors.UnreadableFileError`).
:class:`CatalogSettings`
    The data folder and the database URL (:mod:`geodata.catalog.settings`,
    the one place ``CONFLICT_MAP_DATA`` and ``CONFLICT_MAP_DATABASE_URL`` are read).
:class:`DataDirectory`
    The Parquet store (:mod:`geodata.catalog.parquet`, with its Arrow sidecar
    in :mod:`geodata.catalog.arrow`); the PostGIS store is
    :class:`geodata.catalog.postgis.PostgisCatalog`.

``psycopg`` is imported only when a database URL is configured.
"""
from __future__ import annotations

from typing import Any

from geodata.catalog.parquet import DataDirectory
from geodata.catalog.protocol import Catalog, check_name
from geodata.catalog.settings import DATA_DIR, DATABASE_URL, CatalogSettings, default_data_dir, resolve_settings
from geodata.model.errors import GeodataError

__all__ = ["DATABASE_URL", "DATA_DIR", "Catalog", "CatalogSettings", "DataDirectory", "check_name",
           "default_data_dir", "open_catalog"]


def open_catalog(settings: CatalogSettings | Any = None) -> Catalog:
    """The dataset store the settings name.

    Parameters
    ----------
    settings
        :class:`CatalogSettings`; ``None`` (the default) reads them from the
        environment. A mapping of environment variables is read as such, and
        an object with ``data_dir``/``database_url`` attributes is still
        accepted (see :func:`geodata.catalog.settings.resolve_settings`).

    Returns
    -------
    A :class:`~geodata.catalog.postgis.PostgisCatalog` when a database URL is set
    (nothing connects until its first call), else a
    :class:`~geodata.catalog.parquet.DataDirectory` (the folder is created on the
    first save).

    Raises
    ------
    GeodataError
        the URL is not a ``postgresql://`` URL, or it is set and ``psycopg``
        is not installed.
    """
    settings = resolve_settings(settings)
    if settings.database_url is None:
        return DataDirectory(settings.data_dir)
    try:
        from geodata.catalog.postgis import PostgisCatalog
    except ImportError as exc:
        raise GeodataError(f"{DATABASE_URL} is set but the PostGIS store needs psycopg: "
                           f"pip install 'psycopg[binary]' ({exc})") from None
    return PostgisCatalog(settings.database_url)
