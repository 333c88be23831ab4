"""Engines and migrations: SQLite (WAL, foreign keys) by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from airparley.errors import InvalidInput

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["SCHEMA_HEAD", "make_engine", "upgrade"]

#: The newest migration's revision (migrations/versions/; a test holds the two equal). A database already at
#: it is not handed to Alembic, whose loading of every migration script was a third of a CLI command's time.
SCHEMA_HEAD = "0011"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; synchronous=FULL makes a commit durable
    # before it returns, which is what "a 2xx loses nothing after a crash" needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600), or make an existing one so.

    The database holds every party's private notice parts, tracks and hashed tokens. SQLite creates its
    ``-wal`` and ``-shm`` files with the main file's mode, so they are 0600 too; an existing one of those is
    tightened as well (it may come from before this rule). No file for ``:memory:`` or a ``file:`` URI."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    except OSError as error:
        raise InvalidInput("db", f"cannot open the SQLite file {str(path)!r}: {error.strerror}") from None
    os.close(descriptor)
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # not ours: leave it to its owner
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``."""
    try:
        parsed = make_url(url)
    except Exception as error:  # SQLAlchemy raises ArgumentError with no field of its own
        raise InvalidInput("db", f"not a database URL: {url!r} ({error})") from None
    if parsed.get_backend_name() == "sqlite":
        _private_file(parsed.database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise InvalidInput("db", f"unsupported database {parsed.get_backend_name()!r}; use sqlite:/// or postgresql://")


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("airparley.store") / "migrations"))
    return config


def _at_head(engine: Engine) -> bool:
    """Whether the database's Alembic version is :data:`SCHEMA_HEAD` (False when it has none yet)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no such table: a new database
        return False
    return list(versions) == [SCHEMA_HEAD]


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic ``upgrade head``; nothing to do at the head)."""
    if _at_head(engine):
        return
    from alembic import command

    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _has_tables(engine: Engine) -> bool:  # used by tests
    return bool(inspect(engine).get_table_names())
