"""The hotline: messages, acknowledgements, negotiation cases, deadlines and escalation (pure state machines).

Plain data in, plain data out: every value is a frozen dataclass with ``as_dict()``/``from_dict()`` JSON
round trips, every move returns a new value, and every deadline takes ``now`` from the caller. The only
thing read is the package's own phrase catalogue (``load_catalogue``). See ``docs/hotline.md``.

Each private module declares ``__all__``; this package re-exports them.
"""

from airparley.hotline import (
    _agreements,
    _alarms,
    _cases,
    _common,
    _incident_terms,
    _merge,
    _messages,
    _moves,
    _negotiation,
    _params,
    _phrases,
    _proposals,
    _requests,
    _settings,
    _terms,
)
from airparley.hotline._agreements import *  # noqa: F403
from airparley.hotline._alarms import *  # noqa: F403
from airparley.hotline._cases import *  # noqa: F403
from airparley.hotline._common import *  # noqa: F403
from airparley.hotline._incident_terms import *  # noqa: F403
from airparley.hotline._merge import *  # noqa: F403
from airparley.hotline._messages import *  # noqa: F403
from airparley.hotline._moves import *  # noqa: F403
from airparley.hotline._negotiation import *  # noqa: F403
from airparley.hotline._params import *  # noqa: F403
from airparley.hotline._phrases import *  # noqa: F403
from airparley.hotline._proposals import *  # noqa: F403
from airparley.hotline._requests import *  # noqa: F403
from airparley.hotline._settings import *  # noqa: F403
from airparley.hotline._terms import *  # noqa: F403

__all__ = [
    *_agreements.__all__,
    *_alarms.__all__,
    *_cases.__all__,
    *_common.__all__,
    *_incident_terms.__all__,
    *_merge.__all__,
    *_messages.__all__,
    *_moves.__all__,
    *_negotiation.__all__,
    *_params.__all__,
    *_phrases.__all__,
    *_proposals.__all__,
    *_requests.__all__,
    *_settings.__all__,
    *_terms.__all__,
]
