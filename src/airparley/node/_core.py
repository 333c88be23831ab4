"""The node's core: the store, the live conflict index, and every act a desk can take, one lock wide.

Acts are written in one transaction with the events they cause, and the in-memory index follows the
database: it is changed first (to learn the conflicts), and put back if the transaction fails.
Listeners (the WebSocket hub) are told after each commit that new events exist.
"""

from __future__ import annotations

import dataclasses
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

from airparley import bounds
from airparley.errors import InvalidInput, InvalidInputs, NotFound, PermissionDenied
from airparley.hotline import HotlineSettings
from airparley.ledger import Kind, public_key_to_text
from airparley.node._access import Act, Tier, require
from airparley.node._events import EventKind, shaped
from airparley.node._hotline import Hotline
from airparley.node._ledger import LedgerWriter
from airparley.node._nonresponse import Criteria, NonResponse, agreed_frequency, call_params, parse_safety_call
from airparley.node._settings import NodeSettings
from airparley.node._shares import ShareBook, SharedPictures
from airparley.node._sharing import TrackSharing
from airparley.node._tactical import TacticalRunner
from airparley.node._tracks import Pictures, state_dict
from airparley.node._visibility import conflict_for, notice_for
from airparley.store import Officer, Store, Tx, hash_token
from airparley.strategic import (
    Buffers,
    Conflict,
    ConflictIndex,
    Notice,
    NoticeState,
    notices_to_geojson,
    parse_notices_data,
)
from airparley.tactical import UNKNOWN_PARTY

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
                elif known.public_key != public:
                    raise InvalidInput("keys", f"the key given for {party} is not the one registered for it")
        self.index = ConflictIndex.build((s.notice for s in stored), self.buffers)
        # The conflicts in force, kept up to date notice by notice (a full check only at start-up).
        self._live: dict[str, Conflict] = {c.id: c for c in self.index.conflicts()}
        # Sensors post to ``pictures`` (each party's own); everything that reads a party's picture reads
        # ``view``: its own tracks plus the tracks other parties share with it (node/_shares.py).
        # Posted states are judged against the node's clock (scenario time in the demo), never the wall's.
        self.pictures = Pictures(clock=lambda: clock().timestamp())
        self.shares = ShareBook()
        with store.begin() as tx:
            self.shares.load(tx.active_track_shares())
        self.view = SharedPictures(self.pictures, self.shares, clock)
        self.sharing = TrackSharing(self.pictures, self.shares, self.ledger)
        self.tactical = TacticalRunner(self.view, self.ledger)
        self._scanned: dict[str, float] = {}  # party -> when (time.monotonic) its picture was last scanned
        self.hotline = Hotline(hotline_settings or HotlineSettings(), self._conflict_windows, self.ledger)
        self.nonresponse = NonResponse(self.view, self.ledger, Criteria.from_settings(self.settings), clock())
        if ids is not None:
            self.hotline.new_id = self.sharing.new_id = ids

    # -- listeners -----------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One act: the lock, one transaction, and the listeners told once it is committed."""
        with self._lock:
            with self.store.begin() as tx:
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
        with self.write() as tx:
            seen = tx.idempotent_response(officer.id, key)
            if seen is not None:
                if seen["request_hash"] != request_hash:
                    raise InvalidInput(
                        "Idempotency-Key", "this key was already used for a different request; use a new key"
                    )
                return int(seen["status_code"]), seen["response"]
            status, response = act(tx)
            tx.remember_response(officer.id, key, method, path, request_hash, status, response, self.clock())
            return status, response

    # -- notices -------------------------------------------------------------------------------------
    def _parse_own(self, officer: Officer, document: Any) -> tuple[list[Notice], dict[str, dict[str, Any]]]:
        if isinstance(document, Mapping) and isinstance(document.get("features"), list):
            bounds.count(document["features"], "features", "features")
        parsed = parse_notices_data(document)
        if parsed.errors:
            raise parsed.errors[0] if len(parsed.errors) == 1 else InvalidInputs(parsed.errors)
        if not parsed.notices:
            raise InvalidInput("features", "no notice in the document")
        for notice in parsed.notices:
            if notice.party != officer.party:
                raise PermissionDenied(
                    f"{officer.party} officers file notices for {officer.party} only, not {notice.party}"
                )
            # Before any lookup by id: a notice id is scoped by its party, so filing never probes another's.
            notice.check_filed_at(self.clock())
        return parsed.notices, parsed.private

    def _apply(
        self,
        tx: Tx,
        officer: Officer,
        notice: Notice,
        private: Mapping[str, Any] | None,
        kind: EventKind,
        *,
        sign: bool = True,
    ) -> dict[str, Any]:
        """Store one notice version and record what it changes; returns the party's view of the result.

        ``sign=False`` for a version another node's party signed (federation): its entry is that party's."""
        now = self.clock()
        previous = self.index.get(notice.notice_id)
        before = {c.id: c for c in self.index.conflicts_of(notice.notice_id)} if previous else {}
        after_list = self.index.add(notice)
        live_before = dict(self._live)
        try:
            after = {c.id: c for c in after_list}
            for cid in before.keys() - after.keys():
                self._live.pop(cid, None)
            self._live.update(after)
            tx.put_notice(notice, private, officer.id, now)
            if sign:
                # The shared part only: a private part never enters the ledger.
                self.ledger.record(tx, notice.party, Kind(kind), {"notice": notices_to_geojson([notice])}, now)
            tx.append_event(
                kind,
                [officer.party],
                {officer.party: {"notice": notice.ref.as_dict(), "state": str(notice.state)}},
                now,
            )
            notices = self._notices_in(after_list)
            for cid in before.keys() - after.keys():
                gone = before[cid]
                tx.append_event(
                    EventKind.CONFLICT_CLEARED,
                    gone.parties,
                    {party: {"id": cid, "because": notice.ref.as_dict()} for party in gone.parties},
                    now,
                )
            for cid in after.keys() - before.keys():
                new = after[cid]
                views = {p: conflict_for(p, new, notices) for p in new.parties}
                tx.append_event(EventKind.CONFLICT_DETECTED, new.parties, views, now)
            self.hotline.on_conflicts_changed(tx, self._live.keys(), now)
        except BaseException:
            self._live = live_before
            if previous is not None:
                self.index.add(previous)
            else:
                self.index.remove(notice.notice_id)
            raise
        return {
            "notice": notice.ref.as_dict(),
            "state": str(notice.state),
            "conflicts": [conflict_for(officer.party, c, notices) for c in after_list],
        }

    def file_notices(self, tx: Tx, officer: Officer, document: Any) -> list[dict[str, Any]]:
        """File new notices (version 1) from a GeoJSON FeatureCollection."""
        require(officer.tier, Act.FILE_NOTICES)
        notices, private = self._parse_own(officer, document)
        results = []
        for notice in notices:
            if tx.notice(notice.notice_id) is not None:
                raise InvalidInput("notice_id", f"notice {notice.notice_id} exists already; revise it instead")
            if notice.version != 1:
                raise InvalidInput("version", "a new notice starts at version 1")
            if notice.state not in (NoticeState.DRAFT, NoticeState.FILED, NoticeState.ACTIVE):
                raise InvalidInput("state", f"a new notice cannot be {notice.state}")
            results.append(self._apply(tx, officer, notice, private.get(notice.notice_id), EventKind.NOTICE_FILED))
        return results

    def revise_notice(self, tx: Tx, officer: Officer, notice_id: str, document: Any) -> dict[str, Any]:
        """A new version of an existing notice of the officer's party (the node numbers it)."""
        require(officer.tier, Act.REVISE_NOTICES)
        current = self._own_notice(tx, officer, notice_id)
        notices, private = self._parse_own(officer, document)
        if len(notices) != 1 or notices[0].notice_id != notice_id:
            raise InvalidInput("notice_id", f"the document must hold exactly notice {notice_id}")
        if current.notice.state in (NoticeState.CLOSED, NoticeState.CANCELLED):
            raise InvalidInput("state", f"notice {notice_id} is {current.notice.state} and cannot be revised")
        revised = dataclasses.replace(notices[0], version=current.notice.version + 1)
        return self._apply(tx, officer, revised, private.get(notice_id, current.private), EventKind.NOTICE_REVISED)

    def end_notice(self, tx: Tx, officer: Officer, notice_id: str, state: NoticeState) -> dict[str, Any]:
        """Cancel or close a notice: a new version in that state, which takes no more part in checks."""
        require(officer.tier, Act.END_NOTICES)
        current = self._own_notice(tx, officer, notice_id)
        if current.notice.state in (NoticeState.CLOSED, NoticeState.CANCELLED):
            raise InvalidInput("state", f"notice {notice_id} is already {current.notice.state}")
        ended = dataclasses.replace(current.notice, version=current.notice.version + 1, state=state)
        kind = EventKind.NOTICE_CANCELLED if state is NoticeState.CANCELLED else EventKind.NOTICE_CLOSED
        return self._apply(tx, officer, ended, current.private, kind)

    def apply_replicated(self, tx: Tx, notice: Notice, kind: str, source: str) -> None:
        """A notice version another node's party filed and signed (federation): stored, indexed and checked
        exactly like a local act, so both nodes derive the same conflicts, but not signed again here.
        ``source`` names the entry it came from (``USA#12``), kept as the version's author."""
        self._apply(
            tx, Officer(source, notice.party, "replicated", PEER_TIER), notice, None, EventKind(kind), sign=False
        )

    def _own_notice(self, tx: Tx, officer: Officer, notice_id: str) -> Any:
        # An id no notice can have (NUL, a direction character, over-long) is not looked up: PostgreSQL would
        # refuse the query where SQLite answers none, and both stores must answer alike.
        stored = tx.notice(notice_id) if bounds.is_plain_id(notice_id) else None
        if stored is None or stored.notice.party != officer.party:
            raise NotFound("notice", notice_id)
        return stored

    def notices_for(self, officer: Officer) -> dict[str, Any]:
        require(officer.tier, Act.READ_NOTICES)
        with self.store.begin() as tx:
            features: list[Any] = []
            for stored in tx.notices(officer.party):
                view = notice_for(officer.party, stored)
                if view is not None:
                    features.extend(view["features"])
        return {"type": "FeatureCollection", "features": features}

    def notice_for(self, officer: Officer, notice_id: str) -> dict[str, Any]:
        require(officer.tier, Act.READ_NOTICES)
        with self.store.begin() as tx:
            stored = tx.notice(notice_id) if bounds.is_plain_id(notice_id) else None
        view = notice_for(officer.party, stored) if stored is not None else None
        if view is None:
            raise NotFound("notice", notice_id)
        return view

    # -- conflicts -----------------------------------------------------------------------------------
    def _conflicts_of_party(self, party: str) -> list[Conflict]:
        with self._lock:
            return sorted((c for c in self._live.values() if party in c.parties), key=lambda c: c.id)

    def conflicts_for(self, officer: Officer) -> list[dict[str, Any]]:
        require(officer.tier, Act.READ_CONFLICTS)
        conflicts = self._conflicts_of_party(officer.party)
        notices = self._notices_in(conflicts)
        views = [conflict_for(officer.party, c, notices) for c in conflicts]
        return [v for v in views if v is not None]

    def _notices_in(self, conflicts: list[Conflict]) -> dict[str, Notice]:
        """The indexed notices these conflicts are between (not a copy of the whole index per request)."""
        found: dict[str, Notice] = {}
        for conflict in conflicts:
            for ref in (conflict.a, conflict.b):
                indexed = self.index.get(ref.notice_id)
                if indexed is not None:
                    found[ref.notice_id] = indexed
        return found

    def conflicts_for_all(self) -> list[Conflict]:
        """Every conflict in force (for the operator of a hub; never shown to an officer as is)."""
        with self._lock:
            return list(self._live.values())

    def conflict_for(self, officer: Officer, conflict_id: str) -> dict[str, Any]:
        for view in self.conflicts_for(officer):
            if view["id"] == conflict_id:
                return view
        raise NotFound("conflict", conflict_id)

    def _conflict_windows(self) -> dict[str, tuple[frozenset[str], datetime]]:
        """Each live conflict's parties and the end of its window (cases lapse after it)."""
        return {cid: (c.parties, datetime.fromtimestamp(c.end_s, UTC)) for cid, c in self._live.items()}

    # -- hotline messages and safety calls -----------------------------------------------------------
    def send_message(self, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send a hotline message; a safety message about a recipient's aircraft arms a non-response watch."""
        now = self.clock()
        message, view = self.hotline.send_message(tx, officer, body, now)
        self.nonresponse.arm(tx, message, now)
        return view

    def safety_call(self, tx: Tx, officer: Officer, body: Any) -> dict[str, Any]:
        """Call another party about one of its aircraft in the officer's own picture: a ``safety`` message from
        the ``safety_call`` phrase (callsign, position, flight level, frequency), watched for a response."""
        require(officer.tier, Act.SAFETY_CALL)
        bounds.check_json(body)  # before the shape: an integer past a double or a lone surrogate is a field error
        call = parse_safety_call(body)
        now = self.clock()
        seen = self.nonresponse.newest(officer.party, call.track, now)
        if seen is None:
            raise InvalidInput("track", f"no track {call.track!r} in your party's live picture (GET /tracks)")
        state, _ = seen
        if state.party == officer.party:
            raise InvalidInput("track", f"{call.track} is your own party's aircraft: a safety call is to another party")
        to = call.to
        if to is None:
            if state.party == UNKNOWN_PARTY:
                raise InvalidInput("to", f"the party of track {call.track} is unknown: say which party to call")
            to = state.party
        if to == officer.party:
            raise InvalidInput("to", "a safety call is to another party")
        if tx.party(to) is None:
            raise InvalidInput("to", f"unknown party {to!r}")
        if not agreed_frequency(call.frequency_mhz, [float(f["mhz"]) for f in tx.frequencies()]):
            raise InvalidInput(
                "frequency_mhz",
                f"{call.frequency_mhz:g} MHz is not an agreed frequency (GET /frequencies) nor a guard (121.5, 243.0)",
            )
        message_body = {
            "recipients": [to],
            "urgency": "safety",
            "template": "safety_call",
            "params": call_params(state.callsign or call.track, state, call.frequency_mhz),
            "references": [{"kind": "track", "id": call.track}],
        }
        try:
            message, view = self.hotline.send_message(tx, officer, message_body, now)
        except InvalidInput as error:
            if error.field.startswith(("references", "params.aircraft")):
                raise InvalidInput("track", f"{call.track!r} cannot be named in a message: {error.reason}") from None
            raise
        self.nonresponse.arm(tx, message, now, owners={call.track: to})
        return view

    # -- the air picture and track shares ------------------------------------------------------------
    def tracks_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The party's live picture: its own tracks and the tracks shared with it (``shared_by``)."""
        require(officer.tier, Act.READ_TRACKS)
        states, sharers = self.view.picture(officer.party, self.clock().timestamp())
        tracks = [state_dict(s) for s in states]
        for track in tracks:
            if track["id"] in sharers:
                track["shared_by"] = sharers[track["id"]]
        return tracks

    def share_track(self, tx: Tx, officer: Officer, body: Any) -> dict[str, Any]:
        """Share a track of the officer's own picture with other parties (a signed ``track.shared`` act)."""
        require(officer.tier, Act.SHARE_TRACKS)
        bounds.check_json(body)  # no lone surrogate, NUL or unbounded number reaches the share's checks
        return self.sharing.grant(tx, officer, body, self.clock())

    def unshare_track(self, tx: Tx, officer: Officer, share_id: str) -> dict[str, Any]:
        """Revoke one of the party's shares (a signed ``track.shared`` act with state ``revoked``)."""
        require(officer.tier, Act.SHARE_TRACKS)
        if not bounds.is_plain_id(share_id):  # never a share's id; not looked up (see _own_notice)
            raise NotFound("share", share_id)
        return self.sharing.revoke(tx, officer, share_id, self.clock())

    def shares_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The shares the party made and those made with it, newest first."""
        require(officer.tier, Act.READ_SHARES)
        with self.store.begin() as tx:
            return self.sharing.shares_for(tx, officer.party, self.clock())

    def alerts_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The party's tactical alerts in force (from its own picture's last scan), most severe first."""
        require(officer.tier, Act.READ_ALERTS)
        live = self.tactical.live.get(officer.party)
        alerts: list[dict[str, Any]] = list(live[1].get("alerts", [])) if live is not None else []
        return sorted(alerts, key=lambda a: (-int(a.get("severity", 0)), a["a"]["id"], a["b"]["id"]))

    def flags_for(self, officer: Officer) -> list[dict[str, Any]]:
        """Aircraft flagged non-responsive that the party called or owns, newest first."""
        require(officer.tier, Act.READ_FLAGS)
        with self.store.begin() as tx:
            return self.nonresponse.flags_for(tx, officer.party)

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

    def tick(self, *, skip_scanned_within_s: float = 0.0, fresh: Collection[str] = ()) -> None:
        """One scheduler pass (every ``scheduler_interval_s``): what is due now is done now.

        With ``skip_scanned_within_s``, a party whose picture :meth:`scan_tracks` went over that recently (wall
        time) is not scanned again here, unless it is one of the ``fresh`` parties, whose new states are in.

        Each step (the hotline's deadlines, re-rings and escalations; the shares; each party's scan; the
        non-response watches) runs in a transaction of its own, and one that fails is logged, naming the step
        and the party, and rolled back alone: one party's picture must not silence every party's hotline."""
        now = self.clock()
        kept_since = now - timedelta(hours=self.settings.idempotency_keep_h)
        self._step("forgetting old idempotency keys", lambda tx: tx.forget_responses_before(kept_since))
        self._step("the hotline's deadlines, re-rings and escalations", lambda tx: self.hotline.tick(tx, now))
        self._step("reading the track shares", lambda tx: self.shares.load(tx.active_track_shares()))
        parties = None
        if skip_scanned_within_s > 0.0:
            recent = time.monotonic() - skip_scanned_within_s
            parties = {p for p in self.view.parties() if p in fresh or self._scanned.get(p, -math.inf) < recent}
        self._scan(now, parties)
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

