"""Shared fixtures for the vision tests."""

from __future__ import annotations

from pathlib import Path

import pytest

MEDIA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "media"


@pytest.fixture(scope="session")
def media_dir() -> Path:
    """The shared real test media (read-only); skips when this checkout has none."""
    if not (MEDIA_DIR / "labels.csv").is_file():
        pytest.skip(f"shared media not found at {MEDIA_DIR.resolve()} (see PROVENANCE.md)")
    return MEDIA_DIR
