"""The PostGIS store: datasets in a shared PostgreSQL/PostGIS database (needs ``psycopg``).

:class:`PostgisCatalog` implements :class:`geodata.catalog.protocol.Catalog`
(``names``, ``save``, ``load``, ``meta``, ``remove``, ``save_boundaries``,
``boundaries``) plus SQL queries (``query``, ``count``) that return what the
in-memory store returns. Choose it with
``CONFLICT_MAP_DATABASE_URL`` through :func:`geodata.catalog.open_catalog`.
Importing :mod:`geodata` does not import this package (nor ``psycopg``).
"""
from geodata.catalog.postgis.catalog import (
           DatabaseError,
           PostgisCatalog,
           display_url,
)
from geodata.catalog.postgis.migrations import (
           MIGRATIONS,
           SCHEMA_VERSION,
           Migration,
           apply_migrations,
)
from geodata.catalog.protocol import check_name

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "DatabaseError", "Migration", "PostgisCatalog", "apply_migrations",
           "check_name", "display_url"]
