"""Which store holds the datasets: the embedded Parquet folder (default) or a PostGIS database.

Configuration, read from the environment or from a config object:

| variable | meaning | default |
|---|---|---|
| ``CONFLICT_MAP_DATABASE_URL`` | ``postgresql://user@host:port/dbname``: use PostGIS | unset: Parquet |
| ``CONFLICT_MAP_DATA`` | the Parquet data folder | see below |

The default data folder is ``data/`` beside ``app.py`` in a source checkout,
else ``$XDG_DATA_HOME/conflict-map`` (``~/.local/share/conflict-map``).

Both stores have ``names``, ``save``, ``load``, ``meta`` and ``remove`` with
the same meaning, so callers need not know which one they were given.
``psycopg`` is imported only when a database URL is configured.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Union

from geodata.catalog.parquet import DataDirectory
from geodata.model.errors import GeodataError

if TYPE_CHECKING:
    from geodata.catalog.postgis import PostgisCatalog

Catalog = Union[DataDirectory, "PostgisCatalog"]

DATABASE_URL = "CONFLICT_MAP_DATABASE_URL"
DATA_DIR = "CONFLICT_MAP_DATA"
_SCHEMES = ("postgresql://", "postgres://")
_CHECKOUT = Path(__file__).resolve().parents[2]


def default_data_dir(env: Mapping[str, str]) -> Path:
    """``data/`` beside ``app.py`` when running from a source checkout, else the user's data folder."""
    if (_CHECKOUT / "app.py").is_file() and (_CHECKOUT / "geodata").is_dir():
        return _CHECKOUT / "data"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "conflict-map"


def _settings(config_or_env: Any) -> tuple[str | None, str | None, Mapping[str, str]]:
    if config_or_env is None:
        config_or_env = os.environ
    if isinstance(config_or_env, Mapping):
        env = config_or_env
        return env.get(DATABASE_URL) or None, env.get(DATA_DIR) or None, env
    return (getattr(config_or_env, "database_url", None) or None, getattr(config_or_env, "data_dir", None) or None,
            os.environ)


def open_catalog(config_or_env: Any = None) -> Catalog:
    """The dataset store the configuration names.

    Parameters
    ----------
    config_or_env
        A mapping of environment variables (default ``os.environ``), or a
        config object with ``database_url`` and ``data_dir`` attributes.

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
    url, data_dir, env = _settings(config_or_env)
    if url is None:
        return DataDirectory(Path(data_dir).expanduser() if data_dir else default_data_dir(env))
    if not str(url).startswith(_SCHEMES):
        raise GeodataError(f"{DATABASE_URL} must start with postgresql:// (got a value starting "
                           f"{str(url).split(':', 1)[0]!r})")
    try:
        from geodata.catalog.postgis import PostgisCatalog
    except ImportError as exc:
        raise GeodataError(f"{DATABASE_URL} is set but the PostGIS store needs psycopg: "
                           f"pip install 'psycopg[binary]' ({exc})") from None
    return PostgisCatalog(str(url))
