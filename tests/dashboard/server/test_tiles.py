"""Local raster tiles: an MBTiles file served at /tiles/z/x/y.png, rows flipped from TMS."""
from __future__ import annotations

import sqlite3
import struct
import zlib

import pytest
from flask import Flask

from dashboard.server.tiles import MBTiles, register_tile_route


def png(colour: tuple[int, int, int]) -> bytes:
    """A 1x1 PNG of one colour (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"\x00" + bytes(colour)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_mbtiles(path, tiles: dict[tuple[int, int, int], bytes], attribution="Test tiles") -> str:
    """``tiles`` keyed by XYZ (z, x, y); stored with TMS rows as MBTiles requires."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("attribution", attribution)])
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, 2 ** z - 1 - y, data) for (z, x, y), data in tiles.items()])
    return str(path)


@pytest.fixture
def mbtiles(tmp_path):
    return write_mbtiles(tmp_path / "t.mbtiles", {(1, 0, 0): png((255, 0, 0)), (1, 0, 1): png((0, 0, 255))})


def test_rows_are_flipped_and_missing_tiles_are_404(mbtiles):
    server = Flask(__name__)
    tiles = MBTiles(mbtiles)
    register_tile_route(server, tiles)
    client = server.test_client()
    north, south = client.get("/tiles/1/0/0.png"), client.get("/tiles/1/0/1.png")
    assert north.status_code == south.status_code == 200 and north.mimetype == "image/png"
    assert north.data == png((255, 0, 0)) and south.data == png((0, 0, 255))
    for path in ("/tiles/1/1/0.png", "/tiles/30/0/0.png", "/tiles/1/5/0.png", "/tiles/x/0/0.png"):
        assert client.get(path).status_code == 404, path
    assert tiles.attribution == "Test tiles"


def test_unusable_files_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        MBTiles(tmp_path / "missing.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(ValueError):
        MBTiles(junk)


def test_the_app_serves_local_tiles_under_its_prefix(store, mbtiles):
    from dashboard.app import create_app
    app = create_app(store, mbtiles=mbtiles)
    client = app.server.test_client()
    assert client.get("/tiles/1/0/1.png").data == png((0, 0, 255))
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Local tiles (MBTiles" in layout


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


@pytest.mark.parametrize("prefix", ["/", "/datasets/mali/"])
def test_the_app_serves_the_outline_tiles_below_its_assets(store, tmp_path, prefix):
    import gzip

    import pyogrio

    from dashboard.app import create_app

    client = create_app(store, url_base_pathname=prefix).server.test_client()
    x, y = _tile_of(-4.0, 14.5, 6)  # Mopti, Mali
    land = client.get(f"{prefix}assets/basemap/countries/6/{x}/{y}.pbf")
    assert land.status_code == 200 and land.mimetype == "application/x-protobuf"
    assert land.headers["Content-Encoding"] == "gzip"
    tile = tmp_path / "6" / str(x) / f"{y}.pbf"  # GDAL places a lone tile by its z/x/y path
    tile.parent.mkdir(parents=True)
    tile.write_bytes(gzip.decompress(land.data))
    names = set(pyogrio.read_dataframe(tile, layer="countries")["name"])
    assert "Mali" in names and "Brazil" not in names
    sea = client.get(f"{prefix}assets/basemap/countries/6/%d/%d.pbf" % _tile_of(-30.0, 0.0, 6))  # mid-Atlantic
    assert sea.status_code == 204 and sea.data == b""
    assert client.get(f"{prefix}assets/basemap/countries/7/0/0.pbf").status_code == 204  # deeper: MapLibre's own
    assert client.get(f"{prefix}assets/basemap/countries/6/99/0.pbf").status_code == 204
    # Everything else under the assets is still Dash's.
    assert client.get(f"{prefix}assets/basemap/country-labels.geojson").status_code == 200
