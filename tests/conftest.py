"""Fixtures shared by every test: real places of the theatre and small notice builders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The scenarios ship inside the package (airparley/sim/scenarios/), found by importlib.resources.
EXAMPLES = ROOT / "src" / "airparley" / "sim" / "scenarios"


@pytest.fixture
def syria_iraq_path() -> Path:
    return EXAMPLES / "syria-iraq.geojson"


# -- databases: a real SQLite file and a real PostgreSQL server ------------------------------------------
from collections.abc import Iterator  # noqa: E402

from airparley.store._local_postgres import create_database, local_postgres, postgres_bindir  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of our own on 127.0.0.1 for the whole session (skipped only without binaries)."""
    if postgres_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (install Debian's postgresql)")
    with local_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'airparley.db'}"
        return
    yield create_database(request.getfixturevalue("postgres_server"))
