"""Tiles from local MBTiles files: an analyst's raster basemap at ``/tiles/<z>/<x>/<y>.png``, and the world
outlines' vector tiles under the assets (``basemap/countries/<z>/<x>/<y>.pbf``, see
:data:`dashboard.figures.basemap.COUNTRY_TILES_PATH`).

An MBTiles file is an SQLite database with a ``tiles`` table
(``zoom_level``, ``tile_column``, ``tile_row``, ``tile_data``) whose rows
count from the south (TMS); the web counts from the north (XYZ), so the row
is flipped: ``tile_row = 2**z - 1 - y``. The file is opened read-only, one
connection per request (SQLite connections are not shared across threads).
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flask import Flask, Response, abort

TILE_ROUTE = "tiles/<int:z>/<int:x>/<int:y>.png"
TILE_TEMPLATE = "tiles/{z}/{x}/{y}.png"
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
               "pbf": "application/x-protobuf"}
MAX_ZOOM = 24


class MBTiles:
    """Read-only access to one MBTiles file.

    Raises
    ------
    FileNotFoundError
        the file does not exist.
    ValueError
        it is not an SQLite database with a ``tiles`` table.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"MBTiles file not found: {self.path}")
        try:
            with closing(self._connect()) as db:
                db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
                meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is not an MBTiles file: {exc}") from None
        self.metadata = {str(k): str(v) for k, v in meta.items()}
        self.media_type = MEDIA_TYPES.get(self.metadata.get("format", "png").lower(), "image/png")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)

    @property
    def attribution(self) -> str:
        return self.metadata.get("attribution", "")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` (flipped to the file's TMS row), or ``None``."""
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
            return None
        with closing(self._connect()) as db:
            row = db.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                             (z, x, (2 ** z - 1) - y)).fetchone()
        return bytes(row[0]) if row else None


def register_tile_route(server: Flask, tiles: MBTiles, prefix: str = "/") -> None:
    """Serve ``tiles`` at ``<prefix>tiles/<z>/<x>/<y>.png`` (404 where the file has no tile)."""

    def serve(z: int, x: int, y: int) -> Response:
        data = tiles.tile(z, x, y)
        if data is None:
            abort(404)
        return Response(data, mimetype=tiles.media_type, headers={"Cache-Control": "public, max-age=86400"})

    server.add_url_rule(prefix + TILE_ROUTE, endpoint="conflict_map_tiles", view_func=serve)


def register_outline_tiles(server: Flask, assets_prefix: str, tiles_file: Path) -> None:
    """Serve the outlines' vector tiles at ``<assets_prefix>basemap/countries/<z>/<x>/<y>.pbf``.

    A tile the file lacks (open sea) is an empty tile (204), which MapLibre draws as nothing; GDAL stores
    vector tiles gzipped, so they travel as they are, with ``Content-Encoding: gzip``.
    """
    tiles = MBTiles(tiles_file)

    def serve(z: int, x: int, y: int) -> Response:
        headers = {"Cache-Control": "public, max-age=86400"}
        data = tiles.tile(z, x, y)
        if data is None:
            return Response(status=204, headers=headers)
        if data[:2] == b"\x1f\x8b":
            headers["Content-Encoding"] = "gzip"
        return Response(data, mimetype=tiles.media_type, headers=headers)

    server.add_url_rule(assets_prefix + "basemap/countries/<int:z>/<int:x>/<int:y>.pbf",
                        endpoint="conflict_map_outline_tiles", view_func=serve)
