"""Paths to the bad-file corpus and the real shared data, for the reader tests (imported by name: no package)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BAD = REPO / "tests" / "data" / "bad"
SHARED = REPO / ".." / "shared"

#: Where the synthetic Idlib points lie (min_lon, min_lat, max_lon, max_lat).
IDLIB_BOX = (36.0, 35.0, 37.5, 36.5)


def shared_data(*parts: str) -> Path:
    """A file of the real test data in the repo's sibling ``shared/`` folder.

    Skips (with the reason) only when ``shared/`` is absent and CI is not
    "true"; in CI a missing file fails the test.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing, and CI=true requires the shared test data")
        if not SHARED.exists():
            pytest.skip(f"shared test data not found at {SHARED.resolve()} (the repository's sibling shared/ folder)")
        pytest.fail(f"{path} is missing from the shared test data")
    return path
