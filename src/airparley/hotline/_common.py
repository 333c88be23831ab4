"""Values every hotline module shares: languages, officer tiers, the acting officer, UTC instants and ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from airparley._time import iso_z
from airparley.errors import InvalidInput

__all__ = [
    "Language",
    "Officer",
    "Tier",
]

_PARTY_CODE = re.compile(r"[A-Z][A-Z0-9]{1,7}")
_OFFICER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
_RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_E = TypeVar("_E", bound=StrEnum)


class Language(StrEnum):
    """A reader's language; every phrase is written in all of them."""

    EN = "en"
    RU = "ru"
    TR = "tr"
    AR = "ar"

    @property
    def direction(self) -> str:
        """``rtl`` for scripts written right to left, ``ltr`` otherwise."""
        return "rtl" if self is Language.AR else "ltr"


class Tier(StrEnum):
    """An officer's tier: ``duty`` desks (tier 1) and ``senior`` officers (tier 2) act; the others never do."""

    DUTY = "duty"
    SENIOR = "senior"
    OBSERVER = "observer"
    SENSOR = "sensor"

    @property
    def may_act(self) -> bool:
        return self in (Tier.DUTY, Tier.SENIOR)


@dataclass(frozen=True)
class Officer:
    """Who does something: the officer's party code, their id within the party and their tier."""

    party: str
    officer_id: str
    tier: Tier

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "party"))
        object.__setattr__(self, "officer_id", matching(self.officer_id, _OFFICER_ID, "officer_id", "an officer id"))
        object.__setattr__(self, "tier", enum_value(Tier, self.tier, "tier"))

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "officer_id": self.officer_id, "tier": self.tier.value}

    @classmethod
    def from_dict(cls, data: Any) -> Officer:
        fields = mapping(data, "officer", {"party", "officer_id", "tier"})
        return cls(party=fields["party"], officer_id=fields["officer_id"], tier=fields["tier"])

    def __str__(self) -> str:
        return f"{self.party}/{self.officer_id} ({self.tier.value})"


def party_code(value: Any, field: str) -> str:
    """A party's short code, upper case (``USA``, ``RUS``)."""
    return matching(value, _PARTY_CODE, field, "a party code (2-8 capital letters or digits, e.g. USA)")


def record_id(value: Any, field: str) -> str:
    """An id of a message, case, notice, conflict or track: letters, digits and ``._:-``, at most 128 long."""
    return matching(value, _RECORD_ID, field, "an id (letters, digits and . _ : -, at most 128 characters)")


def matching(value: Any, pattern: re.Pattern[str], field: str, what: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidInput(field, f"must be {what}, got {value!r}")
    return value


def enum_value(kind: type[_E], value: Any, field: str) -> _E:
    """``value`` as a member of ``kind``; the wire form (its string value) is accepted too."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(field, f"must be one of {allowed}, got {value!r}") from None


def text(value: Any, field: str, *, max_chars: int, allow_empty: bool = True) -> str:
    """Free text of bounded length without control characters other than newlines and tabs."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be text, got {value!r}")
    if not allow_empty and not value.strip():
        raise InvalidInput(field, "must not be empty")
    if len(value) > max_chars:
        raise InvalidInput(field, f"must be at most {max_chars} characters, got {len(value)}")
    if any(ord(char) < 0x20 and char not in "\n\t" for char in value):
        raise InvalidInput(field, "must not contain control characters")
    return value


def utc_instant(value: Any, field: str) -> datetime:
    """A timezone-aware instant, normalised to UTC; ISO 8601 strings (``...Z`` or ``+00:00``) are parsed."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                field, f"must be an ISO 8601 UTC time such as 2025-06-01T12:00:00Z, got {value!r}"
            ) from None
    if not isinstance(value, datetime):
        raise InvalidInput(field, f"must be a UTC time, got {value!r}")
    offset = value.utcoffset()
    if offset is None:
        # A naive time is ambiguous across desks in different zones; refusing it beats guessing.
        raise InvalidInput(field, "must carry a timezone (UTC), got a naive time")
    return value.astimezone(UTC)


def optional_instant(value: Any, field: str) -> datetime | None:
    return None if value is None else utc_instant(value, field)


def iso(instant: datetime) -> str:
    """The wire form of a UTC instant: ISO 8601 with a ``Z`` suffix."""
    return iso_z(instant)


def optional_iso(instant: datetime | None) -> str | None:
    return None if instant is None else iso(instant)


def mapping(data: Any, field: str, allowed: set[str], required: set[str] | None = None) -> Mapping[str, Any]:
    """``data`` as a mapping with no keys outside ``allowed`` and every key of ``required`` (default: all)."""
    if not isinstance(data, Mapping):
        raise InvalidInput(field, f"must be an object, got {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise InvalidInput(f"{field}.{unknown[0]}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(allowed if required is None else required):
        if key not in data:
            raise InvalidInput(f"{field}.{key}", "missing")
    return data


def sequence(data: Any, field: str) -> list[Any]:
    if not isinstance(data, list | tuple):
        raise InvalidInput(field, f"must be a list, got {type(data).__name__}")
    return list(data)


def not_before(now: datetime, last: datetime, field: str = "now") -> datetime:
    """``now`` checked not to precede the last recorded event, so histories stay in time order."""
    now = utc_instant(now, field)
    if now < last:
        raise InvalidInput(field, f"{iso(now)} is earlier than the last recorded event at {iso(last)}")
    return now
