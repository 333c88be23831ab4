from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from airparley.errors import InvalidInput
from airparley.store import Store, metadata
from airparley.strategic import parse_notices

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_migrations_create_exactly_the_declared_schema(empty_db_url: str) -> None:
    store = Store.open(empty_db_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    store.migrate()  # running it again changes nothing
    store.close()


def test_the_schema_head_is_the_newest_migration(empty_db_url: str) -> None:
    """``upgrade`` skips Alembic for a database at ``SCHEMA_HEAD``: it must be the scripts' head, and a
    database one migration behind must still be brought to it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from airparley.store._engine import SCHEMA_HEAD, _config

    assert ScriptDirectory.from_config(_config()).get_current_head() == SCHEMA_HEAD
    store = Store.open(empty_db_url)
    with store.engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    with store.engine.connect() as connection:
        behind = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert behind != SCHEMA_HEAD
    store.migrate()
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == SCHEMA_HEAD
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    store.close()


def test_parties_officers_and_tokens(db_url: str) -> None:
    store = Store.open(db_url)
    with store.begin() as tx:
        tx.add_party("USA", "Coalition desk, Al Udeid", "en", NOW)
        officer, token = tx.add_officer("USA", "Col. Smith", "duty", NOW)
    with store.begin() as tx:
        assert tx.officer_by_token(token) == officer
        assert tx.officer_by_token(token + "x") is None
        assert [p.code for p in tx.parties()] == ["USA"]
    with store.begin() as tx:
        tx.revoke_officer(officer.id, NOW)
    with store.begin() as tx:
        assert tx.officer_by_token(token) is None
    store.close()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("U S A", "x", "en"), "code"),
        (("RUS", "Russian desk", "fr"), "language"),
        (("RUS", " ", "ru"), "name"),
    ],
)
def test_bad_parties_are_refused_naming_the_field(tmp_path, args: tuple[str, str, str], field: str) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(InvalidInput) as caught, store.begin() as tx:
        tx.add_party(*args, now=NOW)
    assert caught.value.field == field
    with store.begin() as tx:
        assert tx.parties() == []


def test_notices_keep_every_version_and_their_private_part(db_url: str, syria_iraq_path) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_notices(syria_iraq_path.read_text())
    store = Store.open(db_url)
    with store.begin() as tx:
        for code in ("USA", "RUS", "TUR", "SYR"):
            tx.add_party(code, f"{code} desk", "en", NOW)
        for notice in parsed.notices:
            tx.put_notice(notice, parsed.private.get(notice.notice_id), "officer-1", NOW)
    with store.begin() as tx:
        stored = tx.notice("USA-0101")
        assert stored is not None
        assert stored.notice == parsed.notices[0]
        assert stored.private == parsed.private["USA-0101"]
        assert stored.updated_at == NOW
        assert len(tx.notices()) == 12
        assert [s.notice.notice_id for s in tx.notices("TUR")] == ["TUR-0301", "TUR-0302"]
        with pytest.raises(InvalidInput, match="already has a version 1"):
            tx.put_notice(parsed.notices[0], None, "officer-1", NOW)
    store.close()


def test_events_are_a_resumable_sequence(db_url: str) -> None:
    store = Store.open(db_url)
    with store.begin() as tx:
        first = tx.append_event("notice.filed", ["USA"], {"notice_id": "USA-1"}, NOW)
        second = tx.append_event("conflict.new", ["USA", "RUS"], {"id": "abc"}, NOW + timedelta(seconds=1))
    with store.begin() as tx:
        assert second > first
        assert [e.seq for e in tx.events_after(0)] == [first, second]
        assert [e.kind for e in tx.events_after(first)] == ["conflict.new"]
        assert tx.events_after(first)[0].audience == ["RUS", "USA"]
        assert tx.last_event_seq() == second
    store.close()


@pytest.mark.parametrize("after", [2**31 - 1, 2**31, 2**62, 2**63 - 1])
def test_a_cursor_up_to_64_bits_reads_nothing_newer_on_either_store(db_url: str, after: int) -> None:
    """The API bounds cursors to signed 64 bits (airparley/bounds.py); PostgreSQL's seq columns are 32-bit, and a
    cursor beyond them must mean "nothing newer" there too, never an out-of-range error (a 500)."""
    store = Store.open(db_url)
    with store.begin() as tx:
        tx.append_event("notice.filed", ["USA"], {"notice_id": "USA-1"}, NOW)
    with store.begin() as tx:
        assert tx.events_after(after) == []
        assert tx.ledger_feed("USA", after) == []
    store.close()


def test_a_failed_transaction_leaves_nothing_behind(db_url: str) -> None:
    store = Store.open(db_url)

    def crash_in_the_middle_of_a_request() -> None:
        with store.begin() as tx:
            tx.add_party("USA", "Coalition", "en", NOW)
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash_in_the_middle_of_a_request()
    with store.begin() as tx:
        assert tx.parties() == []
    store.close()


def test_a_throwaway_cluster_stops_at_once_and_leaves_no_folder_behind() -> None:
    import time
    from urllib.parse import urlsplit

    from airparley.store._local_postgres import local_postgres, postgres_bindir

    if postgres_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (install Debian's postgresql)")
    with local_postgres() as url:
        port = urlsplit(url.replace("postgresql+psycopg", "postgresql")).port
        # The server's socket lives in its cluster's folder (``-k``): that names the folder of this cluster.
        folders = [p for p in Path(tempfile.gettempdir()).glob("airparley-pg-*") if (p / f".s.PGSQL.{port}").exists()]
        assert len(folders) == 1
    started = time.monotonic()
    while folders[0].exists() and time.monotonic() - started < 30:  # removed in the background
        time.sleep(0.05)
    assert not folders[0].exists()


def test_a_committed_event_notifies_the_listeners_once_and_a_rolled_back_one_never(postgres_server: str) -> None:
    """Every process's listener is woken by the commit of a transaction that appended events (node/_cluster.py):
    one notification a transaction, sent by its first event's INSERT, none when it rolls back. The listeners'
    one-second poll would hide a missing notification, so this listens itself."""
    import psycopg

    from airparley.store import EVENTS_CHANNEL
    from airparley.store._local_postgres import create_database

    url = create_database(postgres_server)
    store = Store.open(url)
    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as listener:
            listener.execute(f"LISTEN {EVENTS_CHANNEL}")

            def heard() -> int:
                return sum(1 for _ in listener.notifies(timeout=0.3))

            with store.begin() as tx:
                first = tx.append_event("test.one", ["USA"], {"n": 1}, now)
                second = tx.append_event("test.two", ["RUS"], {"n": 2}, now)
            assert second == first + 1
            assert heard() == 1

            def rolled_back() -> None:
                with store.begin() as tx:
                    tx.append_event("test.three", ["USA"], {"n": 3}, now)
                    raise RuntimeError("rolled back")

            with pytest.raises(RuntimeError):
                rolled_back()
            assert heard() == 0
            with store.begin() as tx:
                assert [e.kind for e in tx.events_after(0)] == ["test.one", "test.two"]
                third = tx.append_event("test.four", ["USA"], {"n": 4}, now)
            assert third > second
            assert heard() == 1
    finally:
        store.close()
