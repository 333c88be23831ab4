"""The node's settings, declared once: name, default, unit and help.

This table is the single source for defaults, the ``AIRPARLEY_*`` environment variables, ``airparley
serve --help`` and the README's table (a test checks the README lists every setting). Settings are read
when a node is built (:meth:`NodeSettings.from_env`), never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Final

from airparley.errors import InvalidInput

__all__ = ["SETTINGS", "NodeSettings", "Setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: float | int | str
    unit: str
    help: str

    @property
    def env(self) -> str:
        return f"AIRPARLEY_{self.name.upper()}"


SETTINGS: Final = (
    Setting("lateral_nm", 5.0, "NM", "Lateral buffer of strategic conflict checks."),
    Setting("vertical_ft", 1000.0, "ft", "Vertical buffer of strategic conflict checks."),
    Setting("time_min", 10.0, "min", "Time buffer of strategic conflict checks."),
    Setting("max_body_bytes", 1_048_576, "bytes", "Request bodies larger than this are refused (413)."),
    Setting("rate_per_s", 20.0, "requests/s", "Sustained request rate allowed per bearer token."),
    Setting("rate_burst", 200, "requests", "Burst of requests allowed per bearer token."),
    Setting("scheduler_interval_s", 1.0, "s", "How often deadlines, re-rings and escalations are checked."),
    Setting("idempotency_keep_h", 24.0, "h", "How long an Idempotency-Key's response is remembered."),
    Setting("auth_cache_s", 5.0, "s", "How long a token's officer is remembered; a revoked token stops within this."),
    Setting(
        "peer_poll_s",
        10.0,
        "s",
        "How often each peer's feed is pulled even without a push hint (federation); a cut link heals within this.",
    ),
    Setting(
        "scan_gather_s",
        0.1,
        "s",
        "A party's air picture is scanned this long after its new track states arrive (the rest of its second's"
        " batches gather meanwhile), without waiting for the next tick; at least the tick interval: ticks only.",
    ),
    Setting(
        "non_response_s",
        180.0,
        "s",
        "A safety message about another party's aircraft flags it non_responsive if, this long after it was sent,"
        " the owner has not acknowledged it and the aircraft has not manoeuvred.",
    ),
    Setting(
        "non_response_turn_deg",
        15.0,
        "deg",
        "A change of track at least this large since the safety message counts as a manoeuvre.",
    ),
    Setting(
        "non_response_climb_ft",
        300.0,
        "ft",
        "A change of altitude at least this large (climb or descent; altitudes are the median of 30 s of reports)"
        " counts as a manoeuvre.",
    ),
    Setting(
        "non_response_speed_kt",
        40.0,
        "kt",
        "A change of ground speed at least this large counts as a manoeuvre.",
    ),
)


@dataclass(frozen=True)
class NodeSettings:
    lateral_nm: float = 5.0
    vertical_ft: float = 1000.0
    time_min: float = 10.0
    max_body_bytes: int = 1_048_576
    rate_per_s: float = 20.0
    rate_burst: int = 200
    scheduler_interval_s: float = 1.0
    idempotency_keep_h: float = 24.0
    auth_cache_s: float = 5.0
    peer_poll_s: float = 10.0
    scan_gather_s: float = 0.1
    non_response_s: float = 180.0
    non_response_turn_deg: float = 15.0
    non_response_climb_ft: float = 300.0
    non_response_speed_kt: float = 40.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise InvalidInput(item.name, f"must be a positive number, got {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> NodeSettings:
        """Defaults, then ``AIRPARLEY_<NAME>`` variables, then explicit overrides (e.g. CLI options)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        types = {item.name: type(getattr(cls(), item.name)) for item in fields(cls)}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is not None:
                try:
                    values[setting.name] = types[setting.name](raw)
                except ValueError:
                    raise InvalidInput(setting.env, f"must be a number, got {raw!r}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)
