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

from airparley.store import Store  # noqa: E402
from airparley.store._local_postgres import create_database, local_postgres, postgres_bindir  # noqa: E402
from db_support import migrated_sqlite  # noqa: E402

#: The database every test's migrated database is copied from (on the test server, or a file).
TEMPLATE = "airparley_migrated"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of our own on 127.0.0.1 for the whole session (skipped only without binaries)."""
    if postgres_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (install Debian's postgresql)")
    with local_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A database on the test server migrated to the newest schema once, for ``db_url`` to copy: the
    migrations were about a third of a second of each test's setup. Nothing stays connected to it."""
    Store.open(create_database(postgres_server, TEMPLATE)).close()
    return TEMPLATE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once, for ``db_url`` to copy. Closing the store's last
    connection checkpoints the write-ahead log into the file, so the file alone is the whole database."""
    path = tmp_path_factory.mktemp("template") / "airparley.db"
    Store.open(f"sqlite:///{path}").close()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of its own for each test on each backend, already migrated to the newest schema and empty
    (``Store.open`` finds it at the head and does not migrate again): a SQLite file or a database on the
    test server. The migrations themselves are tested on ``empty_db_url``."""
    if request.param == "sqlite":
        return migrated_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    return create_database(
        request.getfixturevalue("postgres_server"), template=request.getfixturevalue("postgres_template")
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database with nothing in it, not even the schema: a SQLite file not yet made, or a new database
    on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'airparley.db'}"
    return create_database(request.getfixturevalue("postgres_server"))
