"""Fixtures shared by every test: real places of the theatre and small notice builders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def syria_iraq_path() -> Path:
    return EXAMPLES / "syria-iraq.geojson"
