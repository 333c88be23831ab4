"""Responses remembered per officer and Idempotency-Key, so a retried write answers the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select

from airparley.store import _schema as t
from airparley.store._base import TxBase
from airparley.store._locks import serialise_key

__all__ = ["IdempotencyTx", "RememberedResponse"]


@dataclass(frozen=True)
class RememberedResponse:
    """The answer given to the first request under an officer's Idempotency-Key, and what that request was
    (``request_hash``: SHA-256 of its method, path and body), so a retry is answered the same and a
    different request under the same key is refused."""

    method: str
    path: str
    request_hash: str
    status_code: int
    response: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "request_hash": self.request_hash,
            "status_code": self.status_code,
            "response": self.response,
        }


class IdempotencyTx(TxBase):
    """Remembered responses."""

    def idempotent_response(self, officer_id: str, key: str) -> RememberedResponse | None:
        """The remembered answer, read under a lock on the key held to the end of the transaction (PostgreSQL;
        store/_locks.py), so the same key sent to two processes at once is acted on once."""
        serialise_key(self.connection, officer_id, key)
        row = self.connection.execute(
            select(t.idempotency).where(and_(t.idempotency.c.officer_id == officer_id, t.idempotency.c.key == key))
        ).first()
        if row is None:
            return None
        return RememberedResponse(row.method, row.path, row.request_hash, int(row.status_code), row.response)

    def remember_response(
        self,
        officer_id: str,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        status_code: int,
        response: Any,
        now: datetime,
    ) -> None:
        self.connection.execute(
            insert(t.idempotency).values(
                officer_id=officer_id,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=status_code,
                response=response,
                created_at=now,
            )
        )

    def forget_responses_before(self, moment: datetime) -> int:
        result = self.connection.execute(delete(t.idempotency).where(t.idempotency.c.created_at < moment))
        return int(result.rowcount)
