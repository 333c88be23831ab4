"""What lets several processes share one database, and what keeps a second one off an SQLite file.

On PostgreSQL any number of ``airparley serve`` processes may run against one database (issue 18). What
must stay one across them is serialised in the database itself:

- ``serialise_writes``: a transaction-level advisory lock taken before a transaction reads a ledger head or
  appends an event. It makes the ledger's chains contiguous (the head is read under the lock, so two
  processes never sign the same seq) and makes events commit in ``seq`` order, so a reader that has seen
  seq N and reads ``seq > N`` can never later miss an event that committed behind a higher one. One key for
  both, not one per party: an act may sign entries for several parties and append events in any order, and
  one lock cannot deadlock with itself. A process's writes were already one at a time (``Node.write``).
- ``LEADER_KEY``: the session-level advisory lock the scheduler's leader holds (node/_cluster.py).
- ``serialise_key``: an officer's Idempotency-Key, so a retry sent to another process waits for the first.
- ``EVENTS_CHANNEL``: the ``LISTEN``/``NOTIFY`` channel that wakes every process's event tail on a commit.

SQLite is the embedded, single-process store: :func:`hold_sqlite_file` takes an exclusive ``flock`` on a
``.lock`` file beside the database for the whole life of a ``serve`` or ``demo`` process, and a second one
is refused with one line instead of running with its own scheduler and caches over the same file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from airparley.errors import InvalidInput

__all__ = [
    "EVENTS_CHANNEL",
    "LEADER_KEY",
    "WRITE_KEY",
    "hold_sqlite_file",
    "must_notify",
    "notified",
    "serialise_key",
    "serialise_writes",
]

#: Advisory lock keys (64-bit; arbitrary, but fixed: every version of airparley must use the same ones).
WRITE_KEY = 0x61697270_00000001  # "airp" 1: the ledger heads and the event sequence
LEADER_KEY = 0x61697270_00000002  # "airp" 2: the scheduler's leader
EVENTS_CHANNEL = "airparley_events"
_KEYS_SPACE = 0x61697270  # "airp": the space of the Idempotency-Key locks (the two-number form)

_SERIALISED = "airparley_serialised"  # marks a connection's current transaction as holding WRITE_KEY
_NOTIFIED = "airparley_notified"  # marks a connection's current transaction as having notified EVENTS_CHANNEL
_held_files: dict[str, int] = {}  # realpath -> the descriptor holding its flock, for the process's life


def serialise_writes(connection: Connection) -> None:
    """Take the node-wide write lock for the rest of this transaction (PostgreSQL; once per transaction).

    SQLite needs none: one process (see :func:`hold_sqlite_file`), whose writes ``Node.write`` serialises."""
    if connection.dialect.name != "postgresql":
        return
    transaction = connection.get_transaction()
    if transaction is not None and connection.info.get(_SERIALISED) is transaction:
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_KEY})
    connection.info[_SERIALISED] = transaction


def serialise_key(connection: Connection, officer_id: str, key: str) -> None:
    """Hold one officer's Idempotency-Key for the rest of this transaction (PostgreSQL).

    Two processes given the same key at once would both find it unused and both act; under this lock the
    second waits for the first to commit, then finds its remembered answer. The two-number form keeps these
    locks apart from ``WRITE_KEY`` and ``LEADER_KEY`` (PostgreSQL keeps the two forms in separate spaces); two
    keys hashing alike only wait for each other."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
            {"space": _KEYS_SPACE, "name": f"{officer_id}\n{key}"},
        )


def must_notify(connection: Connection) -> bool:
    """Whether this transaction has yet to notify ``EVENTS_CHANNEL``, to tell every process's listener, when it
    commits, that new events are in (PostgreSQL; SQLite has one process).

    PostgreSQL folds identical notifications of one transaction into one, and delivers none on rollback; so
    it is sent once a transaction (a catch-up appends hundreds of events in one), not once an event: with the
    transaction's first event (store/_events.py), by the same statement."""
    if connection.dialect.name != "postgresql":
        return False
    transaction = connection.get_transaction()
    return transaction is None or connection.info.get(_NOTIFIED) is not transaction


def notified(connection: Connection) -> None:
    """Record that this transaction has notified ``EVENTS_CHANNEL`` (by a statement of the caller's own)."""
    connection.info[_NOTIFIED] = connection.get_transaction()


def hold_sqlite_file(url: str) -> None:
    """Keep other processes off the SQLite database at ``url`` while this process lives, or raise
    ``InvalidInput("db", ...)`` naming the reason if another process already holds it.

    The lock is ``flock`` on ``<database>.lock``: the kernel drops it when the process ends, even by
    ``kill -9``, so a crashed node never leaves a stale lock behind. Nothing to hold for PostgreSQL or an
    in-memory database; holding the same file twice in one process is allowed (tests, the demo's restarts)."""
    try:
        parsed = make_url(url)
    except Exception:  # not a URL: opening the store names that problem
        return
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(os.path.realpath(database))
    if str(path) in _held_files:
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        # No folder, or not writable: SQLite could not write its -wal file there either, so opening the store
        # fails next and names the problem better than the lock file would.
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise InvalidInput(
            "db",
            f"another airparley process is already serving {str(path)!r}; SQLite takes one process "
            "(stop the other, or use PostgreSQL to run several)",
        ) from None
    with contextlib.suppress(OSError):  # who holds it, for whoever looks at the file; the lock is the flock
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
    _held_files[str(path)] = descriptor
