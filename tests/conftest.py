"""Shared fixtures: where ../shared/data lives, and fresh libraries in tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EVIDENTIA_SHARED_DATA", REPO.parent / "shared" / "data"))
FORMATS = SHARED_DATA / "formats"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared datasets; tests that need them skip on a clone without ../shared."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set EVIDENTIA_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def formats(shared_data: Path) -> Path:
    return shared_data / "formats"


@pytest.fixture(autouse=True)
def _isolated_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the user's real library or the network."""
    monkeypatch.setenv("EVIDENTIA_LIBRARY", str(tmp_path / "default-library.sqlite"))
    monkeypatch.setenv("EVIDENTIA_OFFLINE", "1")  # tests never reach a live source
