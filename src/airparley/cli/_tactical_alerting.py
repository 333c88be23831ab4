"""``airparley tactical alert`` and ``airparley tactical bands`` (DO-365 alerting and manoeuvre bands)."""

from __future__ import annotations

from airparley.cli._tactical import tactical_app

__all__ = ["tactical_app"]
