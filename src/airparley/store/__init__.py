"""Persistence: SQLAlchemy 2 Core + Alembic, on SQLite (WAL) by default or PostgreSQL (psycopg 3)."""

from airparley.store._engine import make_engine, upgrade
from airparley.store._schema import metadata
from airparley.store._store import (
    GUARD_FREQUENCIES,
    LANGUAGES,
    TIERS,
    Event,
    Evidence,
    Officer,
    Party,
    Peer,
    Store,
    StoredNotice,
    Tx,
    hash_token,
)

__all__ = [
    "GUARD_FREQUENCIES",
    "LANGUAGES",
    "TIERS",
    "Event",
    "Evidence",
    "Officer",
    "Party",
    "Peer",
    "Store",
    "StoredNotice",
    "Tx",
    "hash_token",
    "make_engine",
    "metadata",
    "upgrade",
]
