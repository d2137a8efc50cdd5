"""Download admin boundaries for a country when the machine is online, and keep them in a cache.

The default source is geoBoundaries (open licence, one GeoJSON per country
and admin level, with p-code-like ``shapeID``s); OCHA COD-AB files from HDX
work the same way with ``--url-template``. Downloads go to a temporary
file first and are renamed into the cache only when complete, so an
interrupted download never leaves a half file that looks valid. The
network is used only here, only when the user asks for it.
"""
from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from geodata.model.errors import GeodataError

DEFAULT_TEMPLATE = ("https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/{ISO}/ADM{level}/"
                    "geoBoundaries-{ISO}-ADM{level}.geojson")
MAX_BYTES = 500_000_000
TIMEOUT_SECONDS = 60


class FetchError(GeodataError):
    """A download failed; the message names the URL and the cause."""


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/conflict-map/boundaries`` (``~/.cache/...``): the desktop's cache convention,
    not a setting of this project (see :mod:`geodata.catalog.settings` for those)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conflict-map" / "boundaries"


def _download(url: str, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "conflict-map (boundaries download)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as part:
                copied = 0
                while chunk := response.read(1 << 16):
                    copied += len(chunk)
                    if copied > MAX_BYTES:
                        raise FetchError(f"{url}: larger than {MAX_BYTES:,} bytes; refused")
                    part.write(chunk)
        os.replace(part.name, target)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{url}: cannot download ({reason}); is this machine online?") from None
    finally:
        leftover = locals().get("part")
        if leftover is not None and Path(leftover.name).exists():
            Path(leftover.name).unlink()


def fetch_boundaries(country: str, *, levels: Sequence[int] = (1, 2, 3), url_template: str | None = None,
                     cache: Path | None = None, refresh: bool = False,
                     progress: Callable[[str], None] | None = None) -> list[Path]:
    """Local GeoJSON files of ``country``'s admin boundaries at ``levels`` (downloaded unless cached).

    Raises
    ------
    FetchError
        a download failed (nothing is left in the cache for that level).
    """
    iso = country.strip().upper()
    if len(iso) != 3 or not iso.isalpha():
        raise FetchError(f"{country!r} is not an ISO 3166 alpha-3 country code (e.g. SYR)")
    template = url_template or DEFAULT_TEMPLATE
    folder = Path(cache or default_cache()) / iso
    folder.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    paths = []
    for level in levels:
        target = folder / f"adm{int(level)}.geojson"
        if refresh or not target.exists():
            url = template.format(ISO=iso, iso=iso.lower(), level=int(level))
            say(f"downloading admin level {level} of {iso}")
            _download(url, target)
        paths.append(target)
    return paths
