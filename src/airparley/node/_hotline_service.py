"""The hotline service: messages, safety calls and negotiation cases, as the routes ask for them.

``Hotline`` (node/_hotline.py) stores and shapes messages and cases inside a caller's transaction; this
service opens the reading transactions, reads the clock and arms the non-response watches, so a route
calls one method and never touches the store."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley import hotline as hl
from airparley.errors import InvalidInput
from airparley.node._access import Act, require
from airparley.node._hotline import Hotline
from airparley.node._nonresponse import NonResponse
from airparley.store import Officer, Store, Tx
from airparley.tactical import (
    BROADCAST,
    UNKNOWN_PARTY,
    SafetyCall,
    TrackState,
    agreed_frequency,
    broadcast_params,
    call_params,
    guard_frequency,
    parse_safety_call,
)

__all__ = ["HotlineService"]


class HotlineService:
    """Every hotline act and view a desk can take."""

    def __init__(self, store: Store, clock: Callable[[], datetime], hotline: Hotline, nonresponse: NonResponse) -> None:
        #: The frequencies agreed between parties (node/_agreements.py); set by the node.
        self.agreed_frequencies: Callable[[Collection[str]], list[dict[str, Any]]] = lambda _parties: []
        self._store = store
        self._clock = clock
        self._hotline = hotline
        self._nonresponse = nonresponse

    # -- messages ------------------------------------------------------------------------------------
    def send_message(self, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send a hotline message; a safety message about a recipient's aircraft arms a non-response watch."""
        now = self._clock()
        message, view = self._hotline.send_message(tx, officer, body, now)
        self._nonresponse.arm(tx, message, now)
        return view

    def messages_for(self, officer: Officer) -> list[dict[str, Any]]:
        with self._store.begin() as tx:
            return self._hotline.messages_for(tx, officer)

    def message_for(self, officer: Officer, message_id: str) -> dict[str, Any]:
        with self._store.begin() as tx:
            return self._hotline.message_for(tx, officer, message_id)

    def mark(self, tx: Tx, officer: Officer, message_id: str, action: str) -> dict[str, Any]:
        """``read`` or ``acknowledge`` a received message."""
        return self._hotline.mark(tx, officer, message_id, action, self._clock())

    def phrases(self) -> dict[str, Any]:
        return self._hotline.catalogue.as_dict()

    # -- cases ---------------------------------------------------------------------------------------
    def open_case(self, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._hotline.open(tx, officer, body, self._clock())

    def cases_for(self, officer: Officer) -> list[dict[str, Any]]:
        with self._store.begin() as tx:
            return self._hotline.cases_for(tx, officer)

    def case_for(self, officer: Officer, case_id: str) -> dict[str, Any]:
        with self._store.begin() as tx:
            return self._hotline.case_for(tx, officer, case_id)

    def act_on_case(
        self, tx: Tx, officer: Officer, case_id: str, action: str, move: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._hotline.act(tx, officer, case_id, action, move, self._clock())

    # -- safety calls --------------------------------------------------------------------------------
    def safety_call(self, tx: Tx, officer: Officer, body: Any) -> dict[str, Any]:
        """Call another party about one of its aircraft in the officer's own picture: a ``safety`` message from
        the ``safety_call`` phrase (callsign, position, flight level, frequency), watched for a response."""
        require(officer.tier, Act.SAFETY_CALL)
        bounds.check_json(body)  # before the shape: an integer past a double or a lone surrogate is a field error
        call = parse_safety_call(body)
        now = self._clock()
        seen = self._nonresponse.newest(officer.party, call.track, now)
        if seen is None:
            raise InvalidInput("track", f"no track {call.track!r} in your party's live picture (GET /tracks)")
        state, _ = seen
        if state.party == officer.party:
            raise InvalidInput("track", f"{call.track} is your own party's aircraft: a safety call is to another party")
        if call.to == BROADCAST:
            return self._broadcast(tx, officer, call, state, now)
        to = call.to
        if to is None:
            if state.party == UNKNOWN_PARTY:
                raise InvalidInput("to", f"the party of track {call.track} is unknown: say which party to call")
            to = state.party
        if to == officer.party:
            raise InvalidInput("to", "a safety call is to another party")
        if tx.party(to) is None:
            raise InvalidInput("to", f"unknown party {to!r}")
        # Agreed between the caller and the party called, in an agreement both signed (docs/agreements.md).
        agreed = [float(f["mhz"]) for f in self.agreed_frequencies((officer.party, to))]
        if not agreed_frequency(call.frequency_mhz, agreed):
            raise InvalidInput(
                "frequency_mhz",
                f"{call.frequency_mhz:g} MHz is not agreed between {officer.party} and {to} "
                "(GET /agreements/in-force) nor a guard (121.5, 243.0)",
            )
        message_body = {
            "recipients": [to],
            "urgency": "safety",
            "template": "safety_call",
            "params": call_params(state.callsign or call.track, state, call.frequency_mhz),
            "references": [{"kind": "track", "id": call.track}],
        }
        message, view = self._send_call(tx, officer, call, message_body, now)
        self._nonresponse.arm(tx, message, now, owners={call.track: to})
        return view

    def _broadcast(
        self, tx: Tx, officer: Officer, call: SafetyCall, state: TrackState, now: datetime
    ) -> dict[str, Any]:
        """A safety call to every other party on the node at once, on a guard frequency (the one frequency they
        all listen on and have all agreed): the caller does not know whose the aircraft is. Each recipient
        acknowledges it on its own, and one that does not is rung and escalated like any safety message."""
        if not guard_frequency(call.frequency_mhz):
            raise InvalidInput(
                "frequency_mhz",
                f"a call to all parties is made on a guard frequency (121.5 or 243.0 MHz), not {call.frequency_mhz:g}",
            )
        recipients = sorted(p.code for p in tx.parties() if p.code != officer.party)
        if not recipients:
            raise InvalidInput("to", "there is no other party on this node to call")
        message_body = {
            "recipients": recipients,
            "urgency": "safety",
            "template": "safety_broadcast",
            "params": broadcast_params(state.callsign or call.track, state, call.frequency_mhz),
            "references": [{"kind": "track", "id": call.track}],
        }
        message, view = self._send_call(tx, officer, call, message_body, now)
        # A non-response watch needs the aircraft's owner: armed only when the picture names a party called.
        self._nonresponse.arm(tx, message, now)
        return view

    def _send_call(
        self, tx: Tx, officer: Officer, call: SafetyCall, body: Mapping[str, Any], now: datetime
    ) -> tuple[hl.Message, dict[str, Any]]:
        try:
            return self._hotline.send_message(tx, officer, body, now)
        except InvalidInput as error:
            if error.field.startswith(("references", "params.aircraft")):
                raise InvalidInput("track", f"{call.track!r} cannot be named in a message: {error.reason}") from None
            raise
