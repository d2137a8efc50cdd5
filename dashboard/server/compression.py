"""Compressed responses: figures, tables and scripts travel zstd-, brotli- or gzip-compressed,
whichever the browser accepts.

Why: a map of a few thousand points is ~150 KB of base64 typed arrays and
plotly.js is ~4.5 MB; analysts in field offices work over slow links.
Fast levels keep the CPU a callback spends compressing around a
millisecond. A reverse proxy in front sees ``Content-Encoding`` and does
not compress twice.
"""
from __future__ import annotations

from flask import Flask
from flask_compress import Compress

#: What is worth compressing (images are compressed already; glyph PBFs and GeoJSON are not).
MIMETYPES = ["text/html", "text/css", "text/plain", "text/csv", "application/json", "application/javascript",
             "text/javascript", "application/geo+json", "application/x-protobuf", "image/svg+xml"]


def compress_responses(server: Flask) -> None:
    """Compress ``server``'s responses above 1 KB."""
    server.config.update(
        COMPRESS_ALGORITHM=["zstd", "br", "gzip"], COMPRESS_ZSTD_LEVEL=3, COMPRESS_BR_LEVEL=4, COMPRESS_LEVEL=5,
        COMPRESS_MIN_SIZE=1024, COMPRESS_MIMETYPES=MIMETYPES,
    )
    Compress(server)
