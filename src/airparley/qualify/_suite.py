"""The scenarios, in the order they run (cheap and broad first, waiting ones last)."""

from __future__ import annotations

from typing import Final

from airparley.qualify._s_access import ACCESS
from airparley.qualify._s_api import API
from airparley.qualify._s_events import EVENTS
from airparley.qualify._s_hostile import HOSTILE_PEER
from airparley.qualify._s_hotline import CASE_DEADLINE, CASES, MESSAGES, SAFETY
from airparley.qualify._s_ledger import LEDGER
from airparley.qualify._s_more import FEDERATION, LAPSE, RATE_LIMIT
from airparley.qualify._s_notices import NOTICES
from airparley.qualify._s_tactical import NON_RESPONSE, PICTURE
from airparley.qualify._scenario import Scenario

__all__ = ["SCENARIOS"]

SCENARIOS: Final[tuple[Scenario, ...]] = (
    NOTICES,
    ACCESS,
    API,
    MESSAGES,
    CASES,
    EVENTS,
    LEDGER,
    PICTURE,
    FEDERATION,
    SAFETY,
    CASE_DEADLINE,
    NON_RESPONSE,
    LAPSE,
    RATE_LIMIT,
    HOSTILE_PEER,
)
