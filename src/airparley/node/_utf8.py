"""Texts that can always be written out as UTF-8, whatever an older version stored.

Input is held to printable text at the door (``tactical._states`` for track states, ``airparley.bounds``
elsewhere), so no new lone surrogate reaches the store. But a database written by an older version may hold
events whose payload carries one (a track id ``"\\ud800"`` that the track parser of that version took, then
named in ``alert.raised``): UTF-8 cannot encode it, so every response and WebSocket frame that carried such an
event failed, and with it the party's whole feed, for good. :func:`utf8_safe` is applied where a stored event
is shaped for a party, so such an event is delivered with U+FFFD in place of the surrogate instead.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["utf8_safe"]


def utf8_safe(payload: Any) -> Any:
    """``payload`` (decoded JSON) with every surrogate in its texts and keys made U+FFFD (a surrogate pair is
    joined into its character first). ``json.dumps`` escapes every surrogate as ``\\udXXX``, and C is quick:
    only a payload whose escaped text holds one (or a character beyond U+FFFF) is walked and copied.

    >>> utf8_safe({"id": "A\\ud800"})
    {'id': 'A\ufffd'}
    """
    if "\\ud" not in json.dumps(payload):
        return payload
    return _replaced(payload)


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_replaced(key): _replaced(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item) for item in value]
    return value
