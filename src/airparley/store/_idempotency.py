"""Responses remembered per officer and Idempotency-Key, so a retried write answers the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["IdempotencyTx"]


class IdempotencyTx(TxBase):
    """Remembered responses."""

    def idempotent_response(self, officer_id: str, key: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            select(t.idempotency).where(and_(t.idempotency.c.officer_id == officer_id, t.idempotency.c.key == key))
        ).first()
        if row is None:
            return None
        return {
            "method": row.method,
            "path": row.path,
            "request_hash": row.request_hash,
            "status_code": row.status_code,
            "response": row.response,
        }

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
