"""Where the datasets live: the one place the catalog's configuration is read.

| variable | meaning | default |
|---|---|---|
| ``CONFLICT_MAP_DATABASE_URL`` | ``postgresql://user@host:port/dbname``: use PostGIS | unset: Parquet |
| ``CONFLICT_MAP_DATA`` | the data folder (the Parquet store; import reports) | see below |

The default data folder is ``data/`` beside ``app.py`` in a source checkout,
else ``$XDG_DATA_HOME/conflict-map`` (``~/.local/share/conflict-map``).
Nothing else in :mod:`geodata` reads these variables: the command line, the
import pipeline and the dashboard all take a :class:`CatalogSettings`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.model.errors import GeodataError

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


@dataclass(frozen=True)
class CatalogSettings:
    """Which store holds the datasets, and the data folder.

    Attributes
    ----------
    data_dir
        The Parquet store's folder; with a database, where import reports go.
        A ``str`` is accepted and becomes a :class:`~pathlib.Path` (``~`` expanded).
    database_url
        ``postgresql://...`` to use the PostGIS store; ``None`` (or ``""``) for the Parquet folder.

    Raises
    ------
    GeodataError
        ``database_url`` is set and is not a ``postgresql://`` URL (checked on construction).
    """

    data_dir: Path
    database_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser())
        url = self.database_url or None
        if url is not None and not str(url).startswith(_SCHEMES):
            raise GeodataError(f"{DATABASE_URL} must start with postgresql:// (got a value starting "
                               f"{str(url).split(':', 1)[0]!r})")
        object.__setattr__(self, "database_url", None if url is None else str(url))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CatalogSettings:
        """The settings the environment gives (``env``, default ``os.environ``; see the module docstring)."""
        env = os.environ if env is None else env
        data = env.get(DATA_DIR)
        return cls(data_dir=Path(data) if data else default_data_dir(env), database_url=env.get(DATABASE_URL) or None)


def resolve_settings(given: Any = None) -> CatalogSettings:
    """:class:`CatalogSettings` from what a caller of :func:`geodata.catalog.open_catalog` passed.

    ``None`` reads ``os.environ``; a mapping is read as environment
    variables; an object with a ``catalog`` attribute holding settings (the
    dashboard's ``Config``) gives those. Until every caller passes settings,
    an object with ``data_dir`` and ``database_url`` attributes is read too
    (a missing or empty ``data_dir`` means the default folder).
    """
    if given is None or isinstance(given, Mapping):
        return CatalogSettings.from_env(given)
    if isinstance(given, CatalogSettings):
        return given
    if isinstance(getattr(given, "catalog", None), CatalogSettings):
        return given.catalog
    data_dir = getattr(given, "data_dir", None) or None
    return CatalogSettings(data_dir=Path(data_dir) if data_dir else default_data_dir(os.environ),
                           database_url=getattr(given, "database_url", None) or None)
