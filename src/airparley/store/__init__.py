"""Persistence: SQLAlchemy 2 Core + Alembic, on SQLite (WAL) by default or PostgreSQL (psycopg 3)."""

from airparley.store._engine import make_engine, upgrade
from airparley.store._events import Event, EventTail
from airparley.store._federation import Evidence, Peer
from airparley.store._frequencies import GUARD_FREQUENCIES
from airparley.store._hotline import StoredCase, StoredMessage
from airparley.store._idempotency import RememberedResponse
from airparley.store._notices import StoredNotice
from airparley.store._parties import LANGUAGES, TIERS, Officer, Party, hash_token
from airparley.store._schema import metadata
from airparley.store._tracks import StoredShare, StoredWatch
from airparley.store._tx import Store, Tx

__all__ = [
    "GUARD_FREQUENCIES",
    "LANGUAGES",
    "TIERS",
    "Event",
    "EventTail",
    "Evidence",
    "Officer",
    "Party",
    "Peer",
    "RememberedResponse",
    "Store",
    "StoredCase",
    "StoredMessage",
    "StoredNotice",
    "StoredShare",
    "StoredWatch",
    "Tx",
    "hash_token",
    "make_engine",
    "metadata",
    "upgrade",
]
