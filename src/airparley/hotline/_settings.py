"""The hotline's timing settings, declared once: name, default, unit and help for each.

``HOTLINE_SETTINGS`` is derived from the dataclass fields, so the node's configuration, CLI help and
``docs/hotline.md`` all read the same declaration. Nothing is read from the environment here: the node
builds a ``HotlineSettings`` (``from_dict``) and passes it to every function that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from airparley.errors import InvalidInput
from airparley.hotline._common import mapping

__all__ = [
    "HOTLINE_SETTINGS",
    "HotlineSettings",
    "Setting",
]


@dataclass(frozen=True)
class Setting:
    """One declared setting: its name, default value, unit and a line of help."""

    name: str
    default: int
    unit: str
    help: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "default": self.default, "unit": self.unit, "help": self.help}

    @classmethod
    def from_dict(cls, data: Any) -> Setting:
        fields = mapping(data, "setting", {"name", "default", "unit", "help"})
        return cls(**dict(fields))


def _declare(default: int, unit: str, help: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help})


@dataclass(frozen=True)
class HotlineSettings:
    """Timings of safety-message ringing, escalation and case response deadlines (whole seconds)."""

    ring_interval_s: int = _declare(
        60, "s", "An unacknowledged safety message rings again at the recipient desk this often."
    )
    escalate_after_s: int = _declare(
        180, "s", "An unacknowledged safety message is escalated to the recipient's senior tier after this long."
    )
    response_deadline_s: int = _declare(
        900, "s", "Time a routine case waits for the next response before it is escalated to the senior tier."
    )
    urgent_response_deadline_s: int = _declare(
        180, "s", "Time an urgent case waits for the next response before it is escalated to the senior tier."
    )

    def __post_init__(self) -> None:
        for declared in fields(self):
            value = getattr(self, declared.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInput(declared.name, f"must be a whole number of seconds > 0, got {value!r}")

    def response_deadline(self, urgent: bool) -> timedelta:
        return timedelta(seconds=self.urgent_response_deadline_s if urgent else self.response_deadline_s)

    @property
    def ring_interval(self) -> timedelta:
        return timedelta(seconds=self.ring_interval_s)

    @property
    def escalate_after(self) -> timedelta:
        return timedelta(seconds=self.escalate_after_s)

    def as_dict(self) -> dict[str, Any]:
        return {declared.name: getattr(self, declared.name) for declared in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> HotlineSettings:
        """Settings from configuration; missing names keep their defaults, unknown names are refused."""
        names = {declared.name for declared in fields(cls)}
        values = mapping(data, "settings", names, required=set())
        return cls(**dict(values))


_DEFAULTS = HotlineSettings()

HOTLINE_SETTINGS: tuple[Setting, ...] = tuple(
    Setting(declared.name, getattr(_DEFAULTS, declared.name), declared.metadata["unit"], declared.metadata["help"])
    for declared in fields(HotlineSettings)
)
