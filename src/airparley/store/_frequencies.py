"""The frequency registry, seeded with the international guard frequencies."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, insert, select

from airparley.errors import InvalidInput
from airparley.store import _schema as t
from airparley.store._base import TxBase, _primary_key

__all__ = ["GUARD_FREQUENCIES", "FrequenciesTx"]

#: The international guard frequencies every registry starts with.
GUARD_FREQUENCIES: Final = (
    ("VHF guard (civil emergency)", 121.5, "worldwide", "International aeronautical emergency frequency"),
    ("UHF guard (military emergency)", 243.0, "worldwide", "Military aeronautical emergency frequency"),
)


class FrequenciesTx(TxBase):
    """The frequency registry."""

    def ensure_guard_frequencies(self) -> None:
        count = self.connection.execute(
            select(func.count()).select_from(t.frequencies).where(t.frequencies.c.guard)
        ).scalar_one()
        if count == 0:
            for name, mhz, area, notes in GUARD_FREQUENCIES:
                self.connection.execute(
                    insert(t.frequencies).values(name=name, mhz=mhz, area=area, notes=notes, guard=True)
                )

    def add_frequency(self, name: str, mhz: float, area: str = "", notes: str = "") -> dict[str, Any]:
        if not name.strip():
            raise InvalidInput("name", "missing")
        if not 2.0 <= mhz <= 1000.0:
            raise InvalidInput("mhz", f"must be a frequency in MHz between 2 and 1000, got {mhz}")
        result = self.connection.execute(
            insert(t.frequencies).values(name=name.strip(), mhz=mhz, area=area, notes=notes, guard=False)
        )
        return {
            "id": _primary_key(result),
            "name": name.strip(),
            "mhz": mhz,
            "area": area,
            "notes": notes,
            "guard": False,
        }

    def frequencies(self) -> list[dict[str, Any]]:
        rows = self.connection.execute(select(t.frequencies).order_by(t.frequencies.c.mhz))
        return [
            {"id": r.id, "name": r.name, "mhz": r.mhz, "area": r.area, "notes": r.notes, "guard": bool(r.guard)}
            for r in rows
        ]

    # -- notices -------------------------------------------------------------------------------------
