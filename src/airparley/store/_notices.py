"""Strategic notices: the shared part as GeoJSON, the private part beside it, and their history."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from airparley.errors import InvalidInput
from airparley.store import _schema as t
from airparley.store._base import TxBase
from airparley.strategic import Notice, notices_to_geojson, parse_notices_data

__all__ = ["NoticesTx", "StoredNotice"]


@dataclass(frozen=True)
class StoredNotice:
    notice: Notice
    private: dict[str, Any] | None
    updated_at: datetime


def _notice_from_shared(shared: Mapping[str, Any]) -> Notice:
    parsed = parse_notices_data(shared)
    if parsed.errors or len(parsed.notices) != 1:
        # Only validated notices are ever stored, so this means the database was edited by hand.
        raise RuntimeError(f"stored notice does not parse: {[e.describe() for e in parsed.errors]}")
    return parsed.notices[0]


#: A notice version for the history, built once (``.values()`` per act cost more than running it).
_INSERT_VERSION = insert(t.notice_versions)


@functools.cache
def _notice_upsert_sqlite() -> Any:
    """Store a notice's newest version: one upsert, not a read then an insert or an update. Built once; building
    it per act took about 0.7 ms, ``excluded`` included."""
    upsert = sqlite.insert(t.notices)
    changed = {column.name: upsert.excluded[column.name] for column in t.notices.c if column.name != "notice_id"}
    return upsert.on_conflict_do_update(index_elements=[t.notices.c.notice_id], set_=changed)


@functools.cache
def _notice_put_postgresql() -> Any:
    """The history's new version and the newest-version upsert in one statement (the version's insert as a
    data-modifying CTE): a notice act holds the node-wide write lock (issue 18), and each round trip under it
    counts."""
    shared = {
        name: bindparam(name, type_=t.notices.c[name].type)
        for name in ("notice_id", "party", "version", "state", "shared", "private")
    }
    at = bindparam("at", type_=t.notices.c.updated_at.type)
    by = bindparam("by", type_=t.notices.c.updated_by.type)
    version = insert(t.notice_versions).values(**shared, created_at=at, created_by=by).cte("new_version")
    upsert = postgresql.insert(t.notices).values(**shared, updated_at=at, updated_by=by)
    changed = {column.name: upsert.excluded[column.name] for column in t.notices.c if column.name != "notice_id"}
    return upsert.on_conflict_do_update(index_elements=[t.notices.c.notice_id], set_=changed).add_cte(version)


class NoticesTx(TxBase):
    """Notices and their history."""

    def put_notice(self, notice: Notice, private: Mapping[str, Any] | None, officer_id: str, now: datetime) -> None:
        """Store a notice's newest version (and keep every version in the history)."""
        shared = notices_to_geojson([notice])
        values = {
            "party": notice.party,
            "version": notice.version,
            "state": str(notice.state),
            "shared": shared,
            "private": dict(private) if private else None,
        }
        postgresql = self.connection.dialect.name == "postgresql"
        try:
            if postgresql:
                self.connection.execute(
                    _notice_put_postgresql(), {"notice_id": notice.notice_id, "at": now, "by": officer_id, **values}
                )
                return
            self.connection.execute(
                _INSERT_VERSION, {"notice_id": notice.notice_id, "created_at": now, "created_by": officer_id, **values}
            )
        except IntegrityError as error:
            # On PostgreSQL the statement upserts the notice too: only the history's key says the version exists.
            if postgresql and getattr(getattr(error.orig, "diag", None), "table_name", None) != "notice_versions":
                raise
            raise InvalidInput("version", f"notice {notice.notice_id} already has a version {notice.version}") from None
        row = {"notice_id": notice.notice_id, "updated_at": now, "updated_by": officer_id, **values}
        self.connection.execute(_notice_upsert_sqlite(), row)

    def notice_exists(self, notice_id: str) -> bool:
        """Whether a notice has this id (any party, any state), without reading it back."""
        found = self.connection.execute(select(t.notices.c.notice_id).where(t.notices.c.notice_id == notice_id))
        return found.first() is not None

    def notice(self, notice_id: str) -> StoredNotice | None:
        row = self.connection.execute(select(t.notices).where(t.notices.c.notice_id == notice_id)).first()
        return None if row is None else StoredNotice(_notice_from_shared(row.shared), row.private, row.updated_at)

    def notices(self, party: str | None = None) -> list[StoredNotice]:
        query = select(t.notices).order_by(t.notices.c.notice_id)
        if party is not None:
            query = query.where(t.notices.c.party == party)
        return [
            StoredNotice(_notice_from_shared(r.shared), r.private, r.updated_at) for r in self.connection.execute(query)
        ]

    # -- hotline documents ---------------------------------------------------------------------------
