"""The one wire form of an instant: ISO 8601 in UTC with a ``Z`` suffix (``2026-11-26T03:04:15Z``).

Pure and import-free beyond the standard library, so every layer may use it (the import contracts of
``pyproject.toml`` bind packages, not this root module). ``timespec`` is :meth:`datetime.isoformat`'s:
``"auto"`` (the default) writes microseconds only when there are any.

>>> from datetime import UTC, datetime
>>> iso_z(datetime(2026, 11, 26, 3, 4, 15, tzinfo=UTC))
'2026-11-26T03:04:15Z'
>>> iso_z_at(1795662000.25, "milliseconds")
'2026-11-26T03:00:00.250Z'
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso_z", "iso_z_at", "optional_iso_z"]


def iso_z(instant: datetime, timespec: str = "auto") -> str:
    """``instant`` (timezone-aware) in UTC, ISO 8601, ``Z`` for the offset."""
    return instant.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def optional_iso_z(instant: datetime | None, timespec: str = "auto") -> str | None:
    """:func:`iso_z`, or None for no instant."""
    return None if instant is None else iso_z(instant, timespec)


def iso_z_at(time_s: float, timespec: str = "auto") -> str:
    """POSIX seconds as :func:`iso_z` writes them."""
    return iso_z(datetime.fromtimestamp(time_s, UTC), timespec)
