"""Paths to the bad-file corpus and the real shared data, for the reader tests (imported by name: no package)."""
from __future__ import annotations

from pathlib import Path

from tests.support import shared_data as shared_data  # the reader tests import it from here

REPO = Path(__file__).resolve().parents[3]
BAD = REPO / "tests" / "data" / "bad"

#: Where the synthetic Idlib points lie (min_lon, min_lat, max_lon, max_lat).
IDLIB_BOX = (36.0, 35.0, 37.5, 36.5)
