"""The PostGIS store: datasets in a shared PostgreSQL/PostGIS database (needs ``psycopg``).

:class:`PostgisCatalog` has the methods of :class:`geodata.catalog.parquet.DataDirectory`
(``names``, ``save``, ``load``, ``meta``, ``remove``) plus SQL queries
(``query``, ``count``) that return what the in-memory store returns, and
admin boundaries (``save_boundaries``, ``boundaries``). Choose it with
``CONFLICT_MAP_DATABASE_URL`` through :func:`geodata.catalog.open_catalog`.
Importing :mod:`geodata` does not import this package (nor ``psycopg``).
"""
from geodata.catalog.postgis.catalog import (
           DatabaseError,
           PostgisCatalog,
           check_name,
           display_url,
)
from geodata.catalog.postgis.migrations import (
           MIGRATIONS,
           SCHEMA_VERSION,
           Migration,
           apply_migrations,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "DatabaseError", "Migration", "PostgisCatalog", "apply_migrations",
           "check_name", "display_url"]
