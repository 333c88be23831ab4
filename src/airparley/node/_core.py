"""The node's core: the store, the live conflict index, and every act a desk can take, one lock wide.

Acts are written in one transaction with the events they cause, and the in-memory index follows the
database: it is changed first (to learn the conflicts), and put back if the transaction fails.
Listeners (the WebSocket hub) are told after each commit that new events exist.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley.errors import InvalidInput
from airparley.hotline import HotlineSettings, PairMinima
from airparley.ledger import public_key_to_text
from airparley.node._access import Tier
from airparley.node._agreements import AgreementService
from airparley.node._disclosure import DisclosureService
from airparley.node._events import shaped
from airparley.node._hotline import Hotline
from airparley.node._hotline_service import HotlineService
from airparley.node._incident_service import IncidentService
from airparley.node._incidents import IncidentRecords, agreed_fields
from airparley.node._ledger import LedgerWriter, key_in_force
from airparley.node._nonresponse import NonResponse
from airparley.node._notices import NoticeService
from airparley.node._parties import PartiesService
from airparley.node._picture import PictureService
from airparley.node._replay import ReplayService
from airparley.node._reports import ReportService
from airparley.node._settings import NodeSettings
from airparley.node._shares import ShareBook, SharedPictures
from airparley.node._sharing import TrackSharing
from airparley.node._state_keeper import StateKeeper
from airparley.node._tactical import TacticalRunner
from airparley.node._tracks import Pictures
from airparley.store import Officer, Store, Tx, hash_token
from airparley.strategic import (
    Buffers,
    Conflict,
    Notice,
)

__all__ = ["PEER_TIER", "Node", "utc_now"]

_log = logging.getLogger("airparley.node")

#: Another node reading this one's feeds (federation); see ``authenticate``.
PEER_TIER = Tier.PEER.value
#: How many recent committed events are kept in memory for the WebSocket fan-out (older cursors: the database).
EVENT_TAIL = 5000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Node:
    """One running node: parties, officers, notices, conflicts, and (later) hotline and ledger."""

    def __init__(
        self,
        store: Store,
        settings: NodeSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        hotline_settings: HotlineSettings | None = None,
        keys: Mapping[str, Ed25519PrivateKey] | None = None,
        ids: Callable[[str], str] | None = None,
    ) -> None:
        """``ids`` makes the ids of messages, cases and shares from their kind (``msg``, ``case``, ``share``);
        random by default. A seeded one makes a run that is replayed in virtual time (the headless demo) sign
        the same ledger entries."""
        self.store = store
        self.settings = settings or NodeSettings()
        self.clock = clock
        self.buffers = Buffers(self.settings.lateral_nm, self.settings.vertical_ft, self.settings.time_min)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._auth_cache: dict[str, tuple[Officer, float]] = {}
        self.ledger = LedgerWriter(keys or {})
        # The WebSocket fan-out reads new events from memory, not once per socket per commit.
        store.keep_event_tail(EVENT_TAIL)
        with store.begin() as tx:
            stored = tx.notices()
            for party, key in (keys or {}).items():
                known = tx.party(party)
                public = public_key_to_text(key)
                if known is None:
                    raise InvalidInput("keys", f"a key was given for {party}, which is not a party on this node")
                if known.public_key is None:
                    tx.set_party_key(party, public)
                elif key_in_force(tx, party) != public:
                    # After a key.rotated entry only the key it announced may sign the feed's next entry.
                    raise InvalidInput("keys", f"the key given for {party} is not the one in force for its feed")
        # The agreements in force decide each pair's buffers (node/_agreements.py); self.buffers is the fallback.
        self.agreements = AgreementService(store, clock, self.ledger, self.buffers)
        self.notices = NoticeService(
            store,
            clock,
            self.agreements.buffers_envelope(),
            self.ledger,
            self._lock,
            stored,
            lambda tx, current, now: self.hotline.on_conflicts_changed(tx, current, now),
            pair_buffers=self.agreements.buffers_between,
            buffers_from=self.agreements.buffers_from,
        )
        self.agreements.on_change = lambda tx: self.notices.rebuffer(tx, self.agreements.buffers_envelope())
        self.index = self.notices.index
        # Sensors post to ``pictures`` (each party's own); everything that reads a party's picture reads
        # ``view``: its own tracks plus the tracks other parties share with it (node/_shares.py).
        # Posted states are judged against the node's clock (scenario time in the demo), never the wall's.
        # Each track keeps long enough for an incident's trail: from incident_history_s before an encounter
        # that may last a minute.
        keep_s = max(180.0, self.settings.incident_history_s + 60.0)
        self.pictures = Pictures(history_s=keep_s, clock=lambda: clock().timestamp())
        # Each party's own accepted states are kept for replay, one batch per party per tick (node/_replay.py).
        self.state_keeper = StateKeeper(self.settings.track_keep_s)
        #: Set by the running scheduler (node/_scheduler.py): kept states are written by a thread of their own,
        #: not in the tick. A tick called directly (tests, the headless demo) writes them before it returns.
        self.keep_states_in_background = False
        if self.settings.track_keep_s > 0:
            self.pictures.keeper = self.state_keeper.add
        self.shares = ShareBook()
        with store.begin() as tx:
            self.shares.load(tx.active_track_shares())
        self.view = SharedPictures(self.pictures, self.shares, clock)
        self.sharing = TrackSharing(self.pictures, self.shares, self.ledger)
        # What an incident entry shares is what the owners' agreement in force says (node/_incidents.py).
        self.incidents = IncidentRecords(self.ledger, agreed_fields(self.agreements.terms_between))
        minima = PairMinima(self.settings.incidents(), self.agreements.terms_between, lambda: self.agreements.in_force)
        self.tactical = TacticalRunner(
            self.view, self.ledger, incidents=self.settings.incidents(), records=self.incidents, minima=minima
        )
        self._scanned: dict[str, float] = {}  # party -> when (time.monotonic) its picture was last scanned
        self.hotline = Hotline(hotline_settings or HotlineSettings(), self.notices.windows, self.ledger)
        self.nonresponse = NonResponse(self.view, self.ledger, self.settings.non_response(), clock())
        if ids is not None:
            self.hotline.new_id = self.sharing.new_id = ids
        # What the routes call (node/_routes_*.py): one service per feature, none of them the store.
        self.parties_service = PartiesService(store, clock)
        self.report_service = ReportService(store, clock)
        self.disclosure_service = DisclosureService(store, clock)
        self.hotline_service = HotlineService(store, clock, self.hotline, self.nonresponse)
        self.hotline_service.agreed_frequencies = self.agreements.frequencies_for
        self.hotline.agreed_deadlines = self.agreements.case_deadlines_between
        self.hotline.agreed_languages = self.agreements.languages_between
        self.parties_service.agreed_frequencies = self.agreements.frequencies_for
        self.incident_service = IncidentService(store, clock, self.incidents)
        self.picture_service = PictureService(
            store, clock, self.pictures, self.view, self.sharing, self.tactical, self.nonresponse
        )
        self.replay_service = ReplayService(
            store,
            clock,
            self.settings.track_keep_s,
            lambda: self.pictures.stale_s,
            lambda: self.tactical.alerting,
        )

    # -- listeners -----------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def events_arrived(self) -> None:
        """Tell the listeners that events another process committed are in the tail (node/_cluster.py)."""
        self._notify()

    @contextmanager
    def write(self, *, serialised: bool = True) -> Iterator[Tx]:
        """One act: the lock, one transaction, and the listeners told once it is committed.

        On PostgreSQL the transaction takes the node-wide write lock first (store/_locks.py): every process's
        acts are then one at a time, as one process's are under ``_lock``, and a transaction never holds a
        row another is waiting on while it waits for that lock (which PostgreSQL would end as a deadlock).
        With ``serialised=False`` the caller takes it (``tx.serialise_writes()``) after reads that lock no
        row and that no other process can change under it (:meth:`idempotent`'s key, held by its own lock)."""
        with self._lock:
            with self.store.begin() as tx:
                if serialised:
                    tx.serialise_writes()
                yield tx
            self._notify()

    # -- officers ------------------------------------------------------------------------------------
    def authenticate(self, token: str, *, peer: bool = False) -> Officer | None:
        """The officer of a bearer token. Answers are kept for ``auth_cache_s`` seconds, so a revoked
        token (``airparley officer revoke``, possibly from another process) stops working within that.

        A ``peer`` token (another node, federation) is accepted only where ``peer=True`` is asked for, and an
        officer's token only where it is not: a peer token opens no officer endpoint, whatever its route."""
        key = hash_token(token)
        now = time.monotonic()
        cached = self._auth_cache.get(key)
        if cached is not None and cached[1] > now:
            officer: Officer | None = cached[0]
        else:
            with self.store.begin() as tx:
                officer = tx.officer_by_token(token)
            if officer is not None:
                if len(self._auth_cache) > 10_000:
                    self._auth_cache.clear()
                self._auth_cache[key] = (officer, now + self.settings.auth_cache_s)
        if officer is None or (officer.tier == PEER_TIER) != peer:
            return None
        return officer

    def holds_token(self, token: str) -> bool:
        """Whether :meth:`authenticate` answers ``token`` from its cache for at least another second (so a
        caller on the event loop may ask it without reaching the store)."""
        cached = self._auth_cache.get(hash_token(token))
        return cached is not None and cached[1] > time.monotonic() + 1.0

    def still_in_force(self, officer: Officer) -> bool:
        """Whether ``officer`` is still known and not revoked (the store, not the cache: an open WebSocket asks
        every ``auth_cache_s``)."""
        if officer.tier == PEER_TIER:
            return True
        with self.store.begin() as tx:
            return tx.officer(officer.id) is not None

    # -- idempotency ---------------------------------------------------------------------------------
    def idempotent(
        self,
        officer: Officer,
        key: str | None,
        method: str,
        path: str,
        body: bytes,
        act: Callable[[Tx], tuple[int, Any]],
    ) -> tuple[int, Any]:
        """Run ``act`` once per (officer, Idempotency-Key); a retry gets the first answer back.

        The remembered answer is written in the same transaction as the act, so a crash can never
        leave an act done whose key would let it be done twice.
        """
        if key is None:
            with self.write() as tx:
                return act(tx)
        if not 1 <= len(key) <= 200:
            raise InvalidInput("Idempotency-Key", "must be 1 to 200 characters")
        request_hash = hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()
        # The key's lock and its remembered answer before the node-wide write lock, which then guards only the
        # act (issue 18: it is what every process's writes queue on). No deadlock: a transaction takes a key's
        # lock only here, before the write lock, and the read locks no row. A retry answered from memory never
        # takes the write lock at all.
        with self.write(serialised=False) as tx:
            seen = tx.idempotent_response(officer.id, key)
            if seen is not None:
                if seen.request_hash != request_hash:
                    raise InvalidInput(
                        "Idempotency-Key", "this key was already used for a different request; use a new key"
                    )
                return seen.status_code, seen.response
            tx.serialise_writes()
            status, response = act(tx)
            tx.remember_response(officer.id, key, method, path, request_hash, status, response, self.clock())
            return status, response

    # -- delegates kept for the demo, federation and tests (the routes call the services) ---------------
    def file_notices(self, tx: Tx, officer: Officer, document: Any) -> list[dict[str, Any]]:
        return self.notices.file_notices(tx, officer, document)

    def apply_replicated(self, tx: Tx, notice: Notice, kind: str, source: str) -> None:
        self.notices.apply_replicated(tx, notice, kind, source)

    def notice_for(self, officer: Officer, notice_id: str) -> dict[str, Any]:
        return self.notices.notice_for(officer, notice_id)

    def conflicts_for(self, officer: Officer) -> list[dict[str, Any]]:
        return self.notices.conflicts_for(officer)

    def conflict_for(self, officer: Officer, conflict_id: str) -> dict[str, Any]:
        return self.notices.conflict_for(officer, conflict_id)

    def conflicts_for_all(self) -> list[Conflict]:
        return self.notices.conflicts_for_all()

    def send_message(self, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.hotline_service.send_message(tx, officer, body)

    def safety_call(self, tx: Tx, officer: Officer, body: Any) -> dict[str, Any]:
        return self.hotline_service.safety_call(tx, officer, body)

    def tracks_for(self, officer: Officer) -> list[dict[str, Any]]:
        return self.picture_service.tracks_for(officer)

    def shares_for(self, officer: Officer) -> list[dict[str, Any]]:
        return self.picture_service.shares_for(officer)

    def flags_for(self, officer: Officer) -> list[dict[str, Any]]:
        return self.picture_service.flags_for(officer)

    # -- events --------------------------------------------------------------------------------------
    def events_for(self, party: str, after: int, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        """Events after the cursor that this party may see, shaped for it, and the new cursor."""
        with self.store.begin() as tx:
            events = tx.events_after(after, limit)
        visible = [shaped(e, party) for e in events if party in e.audience]
        cursor = events[-1].seq if events else after
        return [v for v in visible if v is not None], cursor

    def recent_events_for(self, party: str, after: int, limit: int = 500) -> tuple[list[dict[str, Any]], int] | None:
        """:meth:`events_for` from the in-memory tail of the events committed by this process (no database, no
        blocking), or None if the cursor is older than the tail. Events another process wrote to the same
        database are not in the tail until this node's next write (which finds the gap and starts the tail
        anew): the WebSocket reads the database again whenever it has waited idle."""
        events = self.store.recent_events(after, limit)
        if events is None:
            return None
        visible = [shaped(e, party) for e in events if party in e.audience]
        cursor = events[-1].seq if events else after
        return [v for v in visible if v is not None], cursor

    def tick(self, *, skip_scanned_within_s: float = 0.0, fresh: Collection[str] = (), leader: bool = True) -> None:
        """One scheduler pass (every ``scheduler_interval_s``): what is due now is done now.

        With several processes on one database (docs/deployment.md), only the ``leader`` does the acts that
        must happen once (forgetting keys, the hotline's deadlines, re-rings and escalations, the non-response
        watches); every process reads the agreements and shares and scans the pictures it holds.

        With ``skip_scanned_within_s``, a party whose picture :meth:`scan_tracks` went over that recently (wall
        time) is not scanned again here, unless it is one of the ``fresh`` parties, whose new states are in.

        Each step (the hotline's deadlines, re-rings and escalations; the shares; each party's scan; the
        non-response watches) runs in a transaction of its own, and one that fails is logged, naming the step
        and the party, and rolled back alone: one party's picture must not silence every party's hotline."""
        now = self.clock()
        kept_since = now - timedelta(hours=self.settings.idempotency_keep_h)
        if leader:
            self._step("forgetting old idempotency keys", lambda tx: tx.forget_responses_before(kept_since))
        self._step("the agreements in force", self.agreements.refresh)  # a signed version takes effect at its start
        if leader:

            def hotline(tx: Tx) -> None:
                # Under the node-wide write lock from its first read: what is due is as the last process left it.
                tx.serialise_writes()
                self.hotline.tick(tx, now)

            self._step("the hotline's deadlines, re-rings and escalations", hotline)
        self._step("reading the track shares", lambda tx: self.shares.load(tx.active_track_shares()))
        # Every process keeps the states posted to it (each holds its own); pruning twice is harmless. Not under
        # the node's lock (self.write): the kept states touch nothing in memory, and desks' acts need not wait.
        if self.keep_states_in_background:
            self.state_keeper.flush_in_background(self.store.begin, now)
        else:
            try:
                self.state_keeper.flush(self.store.begin, now)
            except Exception:
                _log.exception("scheduler: keeping track states for replay failed; the other steps go on")
        parties = None
        if skip_scanned_within_s > 0.0:
            recent = time.monotonic() - skip_scanned_within_s
            parties = {p for p in self.view.parties() if p in fresh or self._scanned.get(p, -math.inf) < recent}
        # Every process scans; only the leader writes what the scans find (here and in scan_tracks until the
        # next tick): otherwise each process would raise each alert.
        self.tactical.lead(leader)
        self._scan(now, parties)
        if leader:
            self._step("the non-response watches", lambda tx: self.nonresponse.tick(tx, now))

    def scan_tracks(self, parties: Collection[str]) -> None:
        """A tactical pass over ``parties``' pictures only, as soon as their new states are in (the scheduler
        calls it between its ticks, so an alert need not wait for the next one)."""
        self._scan(self.clock(), set(parties))

    def _step(self, what: str, act: Callable[[Tx], object]) -> None:
        """``act`` in a transaction of its own; if it fails, it is logged and rolled back, and the tick goes on."""
        try:
            with self.write() as tx:
                act(tx)
        except Exception:
            _log.exception("scheduler: %s failed; the other steps go on", what)

    def _scan(self, now: datetime, parties: Collection[str] | None) -> None:
        def notices() -> list[Notice]:
            return [n for n in self.index.notices() if n.takes_part]

        for party in self.view.parties() if parties is None else sorted(parties):
            try:
                self.tactical.scan(self.write, party, now, notices)
            except Exception:
                _log.exception("scheduler: the tactical scan of %s's picture failed; the other parties' go on", party)
            self._scanned[party] = time.monotonic()
