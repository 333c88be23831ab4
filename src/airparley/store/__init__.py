"""Persistence: SQLAlchemy 2 Core + Alembic, on SQLite (WAL) by default or PostgreSQL (psycopg 3)."""

from airparley.store._engine import make_engine, upgrade
from airparley.store._events import Event, EventTail
from airparley.store._federation import Evidence, Peer
from airparley.store._frequencies import GUARD_FREQUENCIES, RegisteredFrequency
from airparley.store._hotline import StoredCase, StoredMessage
from airparley.store._idempotency import RememberedResponse
from airparley.store._incidents import StoredIncident
from airparley.store._locks import EVENTS_CHANNEL, LEADER_KEY, hold_sqlite_file
from airparley.store._notices import StoredNotice
from airparley.store._parties import LANGUAGES, TIERS, Officer, Party, hash_token
from airparley.store._schema import metadata
from airparley.store._tracks import StoredShare, StoredWatch
from airparley.store._tx import Store, Tx

__all__ = [
    "EVENTS_CHANNEL",
    "GUARD_FREQUENCIES",
    "LANGUAGES",
    "LEADER_KEY",
    "TIERS",
    "Event",
    "EventTail",
    "Evidence",
    "Officer",
    "Party",
    "Peer",
    "RegisteredFrequency",
    "RememberedResponse",
    "Store",
    "StoredCase",
    "StoredIncident",
    "StoredMessage",
    "StoredNotice",
    "StoredShare",
    "StoredWatch",
    "Tx",
    "hash_token",
    "hold_sqlite_file",
    "make_engine",
    "metadata",
    "upgrade",
]
