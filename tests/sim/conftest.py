"""The simulator's tests share the ingest tests' contract stand-in node (tests/ingest/ingest_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingest"))

from airparley.sim import Scenario, Truth, load_scenario, simulate

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "src" / "airparley" / "sim" / "scenarios" / "syria-iraq.yaml"


@pytest.fixture(scope="session")
def syria_iraq() -> Scenario:
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="session")
def syria_iraq_truth(syria_iraq: Scenario) -> Truth:
    return simulate(syria_iraq)
