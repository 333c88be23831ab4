"""Non-response watches (DESIGN 5.5) as the node runs them: armed on safety messages, decided at each tick.

The rules (when a watch opens, what closes it, when an aircraft counts as non-responding, what the flag
says) are the tactical core's: ``airparley.tactical`` :func:`~airparley.tactical.open_watch`,
:func:`~airparley.tactical.assess`, :func:`~airparley.tactical.flag_body`, with their thresholds in
:class:`~airparley.tactical.NonResponseSettings` (the node's ``non_response_*`` settings). This module is
the glue: it reads the caller's picture and the owner's receipt, stores each watch (``watches``, so a
restart loses none), and for a ``non_responsive`` outcome signs the caller's ``track.non_responsive``
ledger entry and sends the ``track.non_responsive`` event to the caller and the owner (marked
``escalated_to: "senior"``, as the seniors of both are now concerned); the flag is then listed by
``GET /api/v1/flags``.

The picture is not stored (live data held in memory), so after a start the node does not take a missing
track as lost for ``lost_after_stale`` stale times (the rule is :func:`~airparley.tactical.assess`'s,
given when the node started). A watch whose stored document cannot be decided (one an older version wrote,
a bug) is logged and left, and the others are decided.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from airparley import hotline as hl
from airparley.ledger import Kind
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._tracks import Pictures
from airparley.node._visibility import flag_for
from airparley.store import Tx
from airparley.tactical import (
    NonResponseSettings,
    Observation,
    Outcome,
    TrackState,
    Watch,
    assess,
    flag_body,
    observe,
    open_watch,
)

_log = logging.getLogger("airparley.node")

__all__ = ["NonResponse"]


class NonResponse:
    """Arms watches on safety messages and runs them at every scheduler tick."""

    def __init__(
        self, pictures: Pictures, ledger: LedgerWriter, settings: NonResponseSettings, started: datetime
    ) -> None:
        self.pictures = pictures
        self.ledger = ledger
        self.settings = settings
        self.started = started

    def newest(self, party: str, track: str, now: datetime) -> tuple[TrackState, Observation] | None:
        """The newest report of ``track`` in ``party``'s picture and the aircraft as observed, if it is fresh."""
        trail = self.pictures.history(party, [track]).get(track, [])
        observed = observe(trail, now.timestamp(), self.pictures.stale_s, self.settings)
        return None if observed is None else (trail[-1], observed)

    def arm(self, tx: Tx, message: hl.Message, now: datetime, owners: Mapping[str, str] | None = None) -> list[Watch]:
        """Watch every aircraft a safety message refers to that the sender sees and a recipient owns.

        ``owners`` names the owner of a track the picture does not identify (the safety-call action's ``to``)."""
        if message.urgency is not hl.Urgency.SAFETY:
            return []
        caller = message.author.party
        armed = []
        for reference in message.references:
            if reference.kind is not hl.ReferenceKind.TRACK:
                continue
            seen = self.newest(caller, reference.ref_id, now)
            if seen is None:
                continue
            state, observed = seen
            owner = (owners or {}).get(reference.ref_id) or state.party
            if owner not in message.recipients:  # neither UNKNOWN nor the caller can be a recipient
                continue
            if any(w.track == reference.ref_id for w in tx.watches_of_message(message.message_id)):
                continue
            watch = open_watch(
                message.message_id,
                reference.ref_id,
                caller=caller,
                owner=owner,
                callsign=state.callsign,
                at_call=observed,
                now=now,
                settings=self.settings,
            )
            self._store(tx, watch)
            armed.append(watch)
        return armed

    def _store(self, tx: Tx, watch: Watch) -> None:
        tx.put_watch(
            watch.message_id,
            watch.track,
            watch.caller,
            watch.owner,
            watch.state.value,
            watch.created_at,
            watch.deadline,
            watch.closed_at,
            watch.as_dict(),
        )

    def tick(self, tx: Tx, now: datetime) -> None:
        """Decide every open watch at ``now``; flag, sign and announce the non-responsive aircraft."""
        rows = tx.open_watches()
        for row in rows:
            # Reading and deciding write nothing: a watch that cannot be decided (a document an older version
            # stored, a bug) is logged and left, and the others are decided. What is written after is not
            # guarded: a failed write fails the step, whose transaction is then rolled back whole.
            try:
                watch = Watch.from_dict(row.document)
                decided = assess(
                    watch,
                    self.pictures.history(watch.caller, [watch.track]).get(watch.track, []),
                    now=now,
                    up_since=self.started,
                    stale_s=self.pictures.stale_s,
                    acknowledged_at=self._acknowledged_at(tx, watch),
                    settings=self.settings,
                )
            except Exception:
                _log.exception(
                    "scheduler: the non-response watch on message %s (caller %s) was not decided; the others go on",
                    row.message_id,
                    row.caller,
                )
                continue
            if decided is watch:
                continue
            if decided.state is Outcome.NON_RESPONSIVE:
                decided = self._flag(tx, decided, now)
            self._store(tx, decided)

    def _acknowledged_at(self, tx: Tx, watch: Watch) -> datetime | None:
        receipt = tx.receipt(watch.message_id, watch.owner)
        return None if receipt is None else receipt.acknowledged_at

    def _flag(self, tx: Tx, watch: Watch, now: datetime) -> Watch:
        if watch.caller in self.ledger.hosted:
            entry = self.ledger.record(
                tx, watch.caller, Kind.TRACK_NON_RESPONSIVE, flag_body(watch, self.settings), now
            )
            watch = replace(watch, entry={"party": entry.party, "seq": entry.seq, "hash": entry.hash})
        self._announce(tx, watch, now)
        return watch

    @staticmethod
    def _announce(tx: Tx, watch: Watch, now: datetime) -> None:
        document = watch.as_dict()
        parties = sorted({watch.caller, watch.owner})
        payloads = {party: view for party in parties if (view := flag_for(party, document)) is not None}
        tx.append_event(EventKind.TRACK_NON_RESPONSIVE, payloads.keys(), payloads, now)

    def put_replicated_flag(self, tx: Tx, watch: Watch, now: datetime) -> None:
        """Keep a flag another node raised (its caller's ledger entry) and tell the parties here."""
        self._store(tx, watch)
        self._announce(tx, watch, now)

    def flags_for(self, tx: Tx, party: str) -> list[dict[str, Any]]:
        """The aircraft flagged non-responsive that ``party`` called or owns, newest first, shaped for it."""
        views = (flag_for(party, row.as_dict()) for row in tx.watches_for(party, Outcome.NON_RESPONSIVE.value))
        return [v for v in views if v is not None]
