"""Watches and track shares come back as typed rows (``StoredWatch``, ``StoredShare``) on both stores: the
columns the store queries by, and the node's document unchanged (``as_dict``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airparley.store import Store, StoredShare, StoredWatch

NOW = datetime(2026, 11, 26, 3, 4, 15, tzinfo=UTC)


def _watch_document(message_id: str, state: str, closed_at: str | None) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "track": "RUS-SU35-1",
        "caller": "USA",
        "owner": "RUS",
        "callsign": "BERKUT21",
        "created_at": "2026-11-26T03:04:15Z",
        "deadline": "2026-11-26T03:07:15Z",
        "at_call": {"time": "2026-11-26T03:04:15Z", "time_s": 1795662255.0, "lat": 35.47, "lon": 40.49},
        "state": state,
        "closed_at": closed_at,
        "reason": "",
        "at_close": None,
        "entry": None,
    }


def test_watches_are_typed_rows_whose_document_is_kept_as_written(db_url: str) -> None:
    store = Store.open(db_url)
    deadline = NOW + timedelta(seconds=180)
    open_document = _watch_document("msg-1", "watching", None)
    flagged_document = _watch_document("msg-2", "non_responsive", "2026-11-26T03:07:15Z")
    with store.begin() as tx:
        tx.put_watch("msg-1", "RUS-SU35-1", "USA", "RUS", "watching", NOW, deadline, None, open_document)
        tx.put_watch("msg-2", "RUS-SU35-1", "USA", "RUS", "watching", NOW, deadline, None, open_document)
        tx.put_watch("msg-2", "RUS-SU35-1", "USA", "RUS", "non_responsive", NOW, deadline, deadline, flagged_document)
    with store.begin() as tx:
        (open_row,) = tx.open_watches()
        assert open_row == StoredWatch(
            "msg-1", "RUS-SU35-1", "USA", "RUS", "watching", NOW, deadline, None, open_document
        )
        assert open_row.as_dict() == open_document
        (flag,) = tx.watches_for("RUS", "non_responsive")
        assert (flag.message_id, flag.state, flag.closed_at) == ("msg-2", "non_responsive", deadline)
        assert flag.as_dict() == flagged_document
        # Open watches first on both stores: PostgreSQL and SQLite sort NULL differently unless told.
        assert [w.message_id for w in tx.watches_for("USA")] == ["msg-1", "msg-2"]
        assert tx.watches_for("FRA") == []
        assert [w.track for w in tx.watches_of_message("msg-2")] == ["RUS-SU35-1"]
    store.close()


def _share_document(share_id: str, state: str) -> dict[str, Any]:
    return {"share_id": share_id, "party": "USA", "track": "T1", "with": ["GBR"], "state": state, "entry": None}


def test_track_shares_are_typed_rows_whose_document_is_kept_as_written(db_url: str) -> None:
    store = Store.open(db_url)
    until = NOW + timedelta(minutes=30)
    with store.begin() as tx:
        tx.put_track_share("share-1", "USA", "T1", ["GBR"], "active", NOW, until, _share_document("share-1", "active"))
        later = NOW + timedelta(seconds=1)
        tx.put_track_share("share-2", "USA", "T2", ["FRA"], "active", later, None, _share_document("share-2", "active"))
        tx.put_track_share(
            "share-2", "USA", "T2", ["FRA"], "revoked", later, None, _share_document("share-2", "revoked")
        )
    with store.begin() as tx:
        share = tx.track_share("share-1")
        assert share == StoredShare("share-1", "USA", "T1", "active", NOW, until, _share_document("share-1", "active"))
        assert share.as_dict() == _share_document("share-1", "active")
        assert tx.track_share("share-9") is None
        assert [s.share_id for s in tx.active_track_shares()] == ["share-1"]
        assert [s.share_id for s in tx.track_shares_for("USA")] == ["share-2", "share-1"]  # newest first
        assert [(s.share_id, s.state) for s in tx.track_shares_for("FRA")] == [("share-2", "revoked")]
        assert tx.track_shares_for("RUS") == []
    store.close()
