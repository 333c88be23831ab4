"""The frequency registry, seeded with the international guard frequencies."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import func, insert, select

from airparley.errors import InvalidInput
from airparley.store import _schema as t
from airparley.store._base import TxBase, _primary_key

__all__ = ["GUARD_FREQUENCIES", "FrequenciesTx", "RegisteredFrequency"]

#: The international guard frequencies every registry starts with.
GUARD_FREQUENCIES: Final = (
    ("VHF guard (civil emergency)", 121.5, "worldwide", "International aeronautical emergency frequency"),
    ("UHF guard (military emergency)", 243.0, "worldwide", "Military aeronautical emergency frequency"),
)


@dataclass(frozen=True)
class RegisteredFrequency:
    """One row of the node's frequency catalogue (agreeing a frequency is an agreement's, not this row's)."""

    id: int
    name: str
    mhz: float
    area: str
    notes: str
    guard: bool

    def as_dict(self) -> dict[str, Any]:
        """The catalogue entry as the API and the ``frequency.added`` event show it."""
        return asdict(self)


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

    def add_frequency(self, name: str, mhz: float, area: str = "", notes: str = "") -> RegisteredFrequency:
        if not name.strip():
            raise InvalidInput("name", "missing")
        if not 2.0 <= mhz <= 1000.0:
            raise InvalidInput("mhz", f"must be a frequency in MHz between 2 and 1000, got {mhz}")
        result = self.connection.execute(
            insert(t.frequencies).values(name=name.strip(), mhz=mhz, area=area, notes=notes, guard=False)
        )
        return RegisteredFrequency(_primary_key(result), name.strip(), mhz, area, notes, False)

    def frequencies(self) -> list[RegisteredFrequency]:
        rows = self.connection.execute(select(t.frequencies).order_by(t.frequencies.c.mhz))
        return [RegisteredFrequency(r.id, r.name, r.mhz, r.area, r.notes, bool(r.guard)) for r in rows]

    # -- notices -------------------------------------------------------------------------------------
