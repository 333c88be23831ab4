"""Case report exports: the exporting party's private record of each report it made (issue 14)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["ReportExport", "ReportExportsTx"]


@dataclass(frozen=True)
class ReportExport:
    """One exported case report: by whom, when, and the parties it was made readable to."""

    export_id: int
    party: str
    officer: str
    case_id: str
    made_at: datetime
    parties: tuple[str, ...]


class ReportExportsTx(TxBase):
    """Recorded case report exports."""

    def add_report_export(
        self, party: str, officer: str, case_id: str, made_at: datetime, parties: Sequence[str]
    ) -> None:
        self.connection.execute(
            insert(t.report_exports).values(
                party=party, officer=officer, case_id=case_id, made_at=made_at, parties=list(parties)
            )
        )

    def report_exports_of(self, party: str) -> list[ReportExport]:
        """The exports ``party`` made, oldest first."""
        rows = self.connection.execute(
            select(t.report_exports)
            .where(t.report_exports.c.party == party)
            .order_by(t.report_exports.c.made_at, t.report_exports.c.export_id)
        )
        return [_export(row._mapping) for row in rows]


def _export(row: Any) -> ReportExport:
    return ReportExport(
        int(row["export_id"]),
        str(row["party"]),
        str(row["officer"]),
        str(row["case_id"]),
        row["made_at"],
        tuple(str(p) for p in row["parties"]),
    )
