"""The notices service: filing, revising and ending notices, the live conflict index, and conflict views.

Acts are written in the caller's transaction with the events they cause, and the in-memory index follows the
database: it is changed first (to learn the conflicts), and put back if the transaction fails.

Buffers are agreed per pair of parties (docs/agreements.md): the index searches with the widest buffers any
pair uses (``rebuffer``), and each conflict it finds is judged again under its own pair's buffers
(``pair_buffers``), so a USA-RUS conflict uses the USA-RUS buffers in force and shows them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airparley import bounds
from airparley.errors import InvalidInput, InvalidInputs, NotFound, PermissionDenied
from airparley.ledger import Kind
from airparley.node._access import Act, Tier, require
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._visibility import conflict_for, notice_for
from airparley.store import Officer, Store, StoredNotice, Tx
from airparley.strategic import (
    Buffers,
    Conflict,
    ConflictIndex,
    Notice,
    NoticeState,
    draw_overlaps,
    notices_to_geojson,
    parse_notices_data,
    volume_conflict,
)

__all__ = ["NoticeService", "ReadDocument", "judged_under", "read_document"]


@dataclass(frozen=True)
class ReadDocument:
    """A notices document read before the act: its notices and private parts, or the error reading it gave.

    Reading (schema, bounds, footprints) needs nothing of the node's state, so a route does it before the
    node-wide write lock, which every process's acts queue on (issue 18: about a millisecond of each notice
    act's hold). The error is raised when the act runs, where it was raised before: after the tier check,
    and never for a retry answered from its Idempotency-Key."""

    notices: list[Notice]
    private: dict[str, dict[str, Any]]
    error: InvalidInput | None = None


def read_document(document: Any) -> ReadDocument:
    """The notices of a filed or revised document, or the first error (``InvalidInputs`` for several)."""
    try:
        if isinstance(document, Mapping) and isinstance(document.get("features"), list):
            bounds.count(document["features"], "features", "features")
        parsed = parse_notices_data(document)
    except InvalidInput as error:
        return ReadDocument([], {}, error)
    if parsed.errors:
        return ReadDocument([], {}, parsed.errors[0] if len(parsed.errors) == 1 else InvalidInputs(parsed.errors))
    if not parsed.notices:
        return ReadDocument([], {}, InvalidInput("features", "no notice in the document"))
    return ReadDocument(parsed.notices, parsed.private)


def judged_under(conflicts: Iterable[Conflict], pair_buffers: Callable[[str, str], Buffers]) -> list[Conflict]:
    """``conflicts`` (found under wider buffers) judged under each pair of parties' own buffers: a conflict whose
    buffers are its pair's is kept as found; under narrower ones only the volume pairs still within them are
    kept (exactly, one pair at a time), and a conflict with none left is no conflict."""
    judged = []
    for conflict in conflicts:
        buffers = pair_buffers(conflict.a.party, conflict.b.party)
        if buffers == conflict.buffers:
            judged.append(conflict)
            continue
        kept = tuple(p for p in conflict.pairs if volume_conflict(p.a, p.b, buffers) is not None)
        if kept:
            judged.append(dataclasses.replace(conflict, buffers=buffers, pairs=kept))
    return judged


class NoticeService:
    """Every notice and conflict act and view. ``lock`` is the node's write lock (the live conflicts are read
    under it); ``on_conflicts_changed`` is told the conflicts in force after each act (the hotline's cases)."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        buffers: Buffers,
        ledger: LedgerWriter,
        lock: threading.RLock,
        stored: Iterable[StoredNotice],
        on_conflicts_changed: Callable[[Tx, Collection[str], datetime], None],
        pair_buffers: Callable[[str, str], Buffers] | None = None,
        buffers_from: Callable[[str, str], dict[str, Any]] | None = None,
    ) -> None:
        self._store = store
        self._pair_buffers = pair_buffers
        self._buffers_from = buffers_from
        self._clock = clock
        self._ledger = ledger
        self._lock = lock
        self._on_conflicts_changed = on_conflicts_changed
        self.index = ConflictIndex.build((s.notice for s in stored), buffers)
        # The conflicts in force, kept up to date notice by notice (a full check only at start-up).
        self._live: dict[str, Conflict] = {c.id: c for c in self._judged(self.index.conflicts())}

    # -- buffers per pair of parties -------------------------------------------------------------------
    def _judged(self, conflicts: Iterable[Conflict]) -> list[Conflict]:
        if self._pair_buffers is None:
            return list(conflicts)
        return judged_under(conflicts, self._pair_buffers)

    def _view(self, party: str, conflict: Conflict, notices: Mapping[str, Notice]) -> dict[str, Any] | None:
        """The conflict as ``party`` sees it, naming where its buffers come from (``buffers_from``)."""
        view = conflict_for(party, conflict, notices)
        if view is not None and self._buffers_from is not None:
            view["buffers_from"] = self._buffers_from(conflict.a.party, conflict.b.party)
        return view

    def rebuffer(self, tx: Tx, envelope: Buffers) -> None:
        """The agreements in force changed: search with ``envelope`` (the widest buffers of any pair), judge
        every conflict again under its pair's buffers, and tell the parties what appeared or cleared."""
        now = self._clock()
        with self._lock:
            before = dict(self._live)
            self.index.buffers = envelope
            self._live = {c.id: c for c in self._judged(self.index.conflicts())}
            after = dict(self._live)
        for cid in before.keys() - after.keys():
            gone = before[cid]
            tx.append_event(
                EventKind.CONFLICT_CLEARED,
                gone.parties,
                {party: {"id": cid, "because": "agreement"} for party in gone.parties},
                now,
            )
        new = [after[cid] for cid in sorted(after.keys() - before.keys())]
        draw_overlaps(new)  # every new conflict's view shows its overlap: draw them in one pass
        notices = self._notices_in(new)
        for conflict in new:
            views = {p: self._view(p, conflict, notices) for p in conflict.parties}
            tx.append_event(EventKind.CONFLICT_DETECTED, conflict.parties, views, now)
        self._on_conflicts_changed(tx, self._live.keys(), now)

    # -- notices -------------------------------------------------------------------------------------
    def _parse_own(
        self, officer: Officer, document: Any, read: ReadDocument | None = None
    ) -> tuple[list[Notice], dict[str, dict[str, Any]]]:
        read = read if read is not None else read_document(document)
        if read.error is not None:
            raise read.error
        for notice in read.notices:
            if notice.party != officer.party:
                raise PermissionDenied(
                    f"{officer.party} officers file notices for {officer.party} only, not {notice.party}"
                )
            # Before any lookup by id: a notice id is scoped by its party, so filing never probes another's.
            notice.check_filed_at(self._clock())
        return read.notices, read.private

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
        now = self._clock()
        previous = self.index.get(notice.notice_id)
        before = {c.id: c for c in self._judged(self.index.conflicts_of(notice.notice_id))} if previous else {}
        after_list = self._judged(self.index.add(notice))
        live_before = dict(self._live)
        try:
            after = {c.id: c for c in after_list}
            for cid in before.keys() - after.keys():
                self._live.pop(cid, None)
            self._live.update(after)
            tx.put_notice(notice, private, officer.id, now)
            if sign:
                # The shared part only: a private part never enters the ledger.
                self._ledger.record(tx, notice.party, Kind(kind), {"notice": notices_to_geojson([notice])}, now)
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
                views = {p: self._view(p, new, notices) for p in new.parties}
                tx.append_event(EventKind.CONFLICT_DETECTED, new.parties, views, now)
            self._on_conflicts_changed(tx, self._live.keys(), now)
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
            "conflicts": [self._view(officer.party, c, notices) for c in after_list],
        }

    def file_notices(
        self, tx: Tx, officer: Officer, document: Any, read: ReadDocument | None = None
    ) -> list[dict[str, Any]]:
        """File new notices (version 1) from a GeoJSON FeatureCollection (``read``: ``read_document`` of it,
        done before the write lock)."""
        require(officer.tier, Act.FILE_NOTICES)
        notices, private = self._parse_own(officer, document, read)
        results = []
        for notice in notices:
            if tx.notice_exists(notice.notice_id):
                raise InvalidInput("notice_id", f"notice {notice.notice_id} exists already; revise it instead")
            if notice.version != 1:
                raise InvalidInput("version", "a new notice starts at version 1")
            if notice.state not in (NoticeState.DRAFT, NoticeState.FILED, NoticeState.ACTIVE):
                raise InvalidInput("state", f"a new notice cannot be {notice.state}")
            results.append(self._apply(tx, officer, notice, private.get(notice.notice_id), EventKind.NOTICE_FILED))
        return results

    def revise_notice(
        self, tx: Tx, officer: Officer, notice_id: str, document: Any, read: ReadDocument | None = None
    ) -> dict[str, Any]:
        """A new version of an existing notice of the officer's party (the node numbers it; ``read`` as for
        ``file_notices``)."""
        require(officer.tier, Act.REVISE_NOTICES)
        current = self._own_notice(tx, officer, notice_id)
        notices, private = self._parse_own(officer, document, read)
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
            tx, Officer(source, notice.party, "replicated", Tier.PEER.value), notice, None, EventKind(kind), sign=False
        )

    def _own_notice(self, tx: Tx, officer: Officer, notice_id: str) -> StoredNotice:
        # An id no notice can have (NUL, a direction character, over-long) is not looked up: PostgreSQL would
        # refuse the query where SQLite answers none, and both stores must answer alike.
        stored = tx.notice(notice_id) if bounds.is_plain_id(notice_id) else None
        if stored is None or stored.notice.party != officer.party:
            raise NotFound("notice", notice_id)
        return stored

    def notices_for(self, officer: Officer) -> dict[str, Any]:
        require(officer.tier, Act.READ_NOTICES)
        with self._store.begin() as tx:
            features: list[Any] = []
            for stored in tx.notices(officer.party):
                view = notice_for(officer.party, stored)
                if view is not None:
                    features.extend(view["features"])
        return {"type": "FeatureCollection", "features": features}

    def notice_for(self, officer: Officer, notice_id: str) -> dict[str, Any]:
        require(officer.tier, Act.READ_NOTICES)
        with self._store.begin() as tx:
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
        views = [self._view(officer.party, c, notices) for c in conflicts]
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

    def windows(self) -> dict[str, tuple[frozenset[str], datetime]]:
        """Each live conflict's parties and the end of its window (cases lapse after it)."""
        return {cid: (c.parties, datetime.fromtimestamp(c.end_s, UTC)) for cid, c in self._live.items()}
