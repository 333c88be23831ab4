"""The node's settings, declared once: each field of :class:`NodeSettings` carries its default, unit and help.

``SETTINGS`` is derived from those fields (as ``airparley.hotline.HOTLINE_SETTINGS`` is from
``HotlineSettings``'s), so the defaults, the ``AIRPARLEY_*`` environment variables, ``airparley serve
--help`` and the README's table read one declaration (a test checks the README lists every setting). The
environment is read in one place, :func:`settings_from_env`, when a node is built, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, cast

from airparley.errors import InvalidInput
from airparley.hotline import HOTLINE_SETTINGS, HotlineSettings
from airparley.tactical import IncidentSettings, NonResponseSettings

__all__ = ["SETTINGS", "NodeSettings", "Setting", "settings_from_env"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: float | int | str
    unit: str
    help: str

    @property
    def env(self) -> str:
        return env_name(self.name)


def env_name(setting: str) -> str:
    """The environment variable of a setting: ``AIRPARLEY_<NAME>``."""
    return f"AIRPARLEY_{setting.upper()}"


def _declare(default: float, unit: str, help: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help})


_INCIDENT: Final = {item.name: item for item in fields(IncidentSettings)}


def _incident(name: str) -> Any:
    """A node setting that is ``tactical.IncidentSettings.<name>``: its default, unit and help are that one's."""
    declared = _INCIDENT[name]
    help = f"Incidents: {declared.metadata['help']} (tactical.IncidentSettings.{name})."
    return _declare(cast(float, declared.default), declared.metadata["unit"], help)


_NON_RESPONSE: Final = {item.name: item for item in fields(NonResponseSettings)}


def _non_response(name: str) -> Any:
    """A node setting that is ``tactical.NonResponseSettings.<name>``: its default, unit and help are that one's."""
    declared = _NON_RESPONSE[name]
    return _declare(cast(float, declared.default), declared.metadata["unit"], declared.metadata["help"])


@dataclass(frozen=True)
class NodeSettings:
    """How one node runs: buffers, limits and the scheduler's timings (every value positive; ``track_keep_s``
    may be 0, its default: no track states kept)."""

    lateral_nm: float = _declare(5.0, "NM", "Lateral buffer of strategic conflict checks.")
    vertical_ft: float = _declare(1000.0, "ft", "Vertical buffer of strategic conflict checks.")
    time_min: float = _declare(10.0, "min", "Time buffer of strategic conflict checks.")
    max_body_bytes: int = _declare(1_048_576, "bytes", "Request bodies larger than this are refused (413).")
    rate_per_s: float = _declare(20.0, "requests/s", "Sustained request rate allowed per bearer token.")
    rate_burst: int = _declare(200, "requests", "Burst of requests allowed per bearer token.")
    scheduler_interval_s: float = _declare(1.0, "s", "How often deadlines, re-rings and escalations are checked.")
    idempotency_keep_h: float = _declare(24.0, "h", "How long an Idempotency-Key's response is remembered.")
    auth_cache_s: float = _declare(
        5.0,
        "s",
        "How long a token's officer is remembered; a revoked token stops within this, and so does an open"
        " WebSocket of a revoked officer.",
    )
    peer_poll_s: float = _declare(
        10.0,
        "s",
        "How often each peer's feed is pulled even without a push hint (federation); a cut link heals within this.",
    )
    scan_gather_s: float = _declare(
        0.1,
        "s",
        "A party's air picture is scanned this long after its new track states arrive (the rest of its second's"
        " batches gather meanwhile), without waiting for the next tick; at least the tick interval: ticks only.",
    )
    non_response_s: float = _non_response("deadline_s")
    non_response_turn_deg: float = _non_response("turn_deg")
    non_response_climb_ft: float = _non_response("climb_ft")
    non_response_speed_kt: float = _non_response("speed_kt")
    non_response_alt_smoothing_s: float = _non_response("alt_smoothing_s")
    non_response_lost_after_stale: float = _non_response("lost_after_stale")
    incident_h_nm: float = _incident("h_nm")
    incident_v_ft: float = _incident("v_ft")
    incident_history_s: float = _incident("history_s")
    track_keep_s: float = field(
        default=0.0,
        metadata={
            "unit": "s",
            "help": "How long each party's own posted track states are kept for replay (GET /api/v1/picture?at=T,"
            " airparley replay); pruned beyond it every tick. 0 (the default) keeps none: at 20,000 tracks keeping"
            " costs about 5% of a core and 2 GB an hour (docs/replay.md).",
            "zero": True,
        },
    )

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            off = item.metadata.get("zero", False) and value == 0  # a setting that 0 turns off
            if isinstance(value, bool) or not isinstance(value, int | float) or (value <= 0 and not off):
                raise InvalidInput(item.name, f"must be a positive number, got {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> NodeSettings:
        """Defaults, then ``AIRPARLEY_<NAME>`` variables, then explicit overrides (e.g. CLI options)."""
        values = _read_env(SETTINGS, os.environ if environ is None else environ)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def non_response(self) -> NonResponseSettings:
        """When a called aircraft counts as not responding, as the tactical core declares it."""
        return NonResponseSettings(
            deadline_s=self.non_response_s,
            turn_deg=self.non_response_turn_deg,
            climb_ft=self.non_response_climb_ft,
            speed_kt=self.non_response_speed_kt,
            alt_smoothing_s=self.non_response_alt_smoothing_s,
            lost_after_stale=self.non_response_lost_after_stale,
        )

    def incidents(self) -> IncidentSettings:
        """The incident minima and the trail kept before an incident, as the tactical core declares them."""
        return IncidentSettings(h_nm=self.incident_h_nm, v_ft=self.incident_v_ft, history_s=self.incident_history_s)


#: Every node setting, in declaration order, from the fields of :class:`NodeSettings`.
SETTINGS: Final = tuple(
    Setting(item.name, item.default, item.metadata["unit"], item.metadata["help"])  # type: ignore[arg-type]
    for item in fields(NodeSettings)
)


def _read_env(declared: tuple[Any, ...], environ: Mapping[str, str]) -> dict[str, Any]:
    """The declared settings given in ``environ`` as ``AIRPARLEY_<NAME>``, each converted to its default's type."""
    values: dict[str, Any] = {}
    for setting in declared:
        variable = env_name(setting.name)
        raw = environ.get(variable)
        if raw is None:
            continue
        try:
            values[setting.name] = type(setting.default)(raw)
        except ValueError:
            kind = "a whole number" if isinstance(setting.default, int) else "a number"
            raise InvalidInput(variable, f"must be {kind}, got {raw!r}") from None
    return values


def settings_from_env(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> tuple[NodeSettings, HotlineSettings]:
    """The node's and the hotline's settings: defaults, then ``AIRPARLEY_<NAME>`` variables, then explicit
    overrides of node settings (CLI options). The one place the environment is read for settings."""
    environ = os.environ if environ is None else environ
    node = NodeSettings.from_env(environ, **overrides)
    hotline = HotlineSettings.from_dict(_read_env(HOTLINE_SETTINGS, environ))
    return node, hotline
