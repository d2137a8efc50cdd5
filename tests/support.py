"""Helpers shared by every test suite: ``from tests.support import missing, require, shared_data``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

#: The repository's root, and the corpus of bad files the readers are tested on.
REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad"
#: The real test data, in the repository's sibling ``shared/`` folder (not in git).
SHARED = REPO.parent / "shared"
#: Where the synthetic points of :func:`geodata.synthetic.synthetic_incidents` lie (min_lon, min_lat, max_lon, max_lat).
SYNTHETIC_BOX = (36.0, 35.0, 37.5, 36.5)


def in_ci() -> bool:
    """Whether this is a CI run (``CI=true``): there a test that cannot run fails, so CI never passes untested."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(reason: str) -> NoReturn:
    """Stop a test whose database, browser or data file is not on this machine: skip it, or fail it in CI."""
    if in_ci():
        pytest.fail(f"{reason}; CI=true requires this test to run", pytrace=False)
    pytest.skip(reason)


def require(condition: object, reason: str) -> None:
    """:func:`missing` with ``reason`` unless ``condition`` holds (e.g. ``require(path.exists(), f"no {path}")``)."""
    if not condition:
        missing(reason)


def shared_data(*parts: str) -> Path:
    """A file of the real test data in ``SHARED``.

    Skips (with the reason) only when ``shared/`` is absent and CI is not
    "true"; in CI, or when ``shared/`` lacks the file, the test fails.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        require(SHARED.exists(), f"shared test data not found at {SHARED} (the repository's sibling shared/ folder)")
        pytest.fail(f"{path} is missing from the shared test data")
    return path
