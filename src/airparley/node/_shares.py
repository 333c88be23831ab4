"""Track sharing (DESIGN 5): a party lets other parties see one track of its own picture.

Tracks are private to the party whose sensors produced them (``_tracks.Pictures``). A duty or senior desk
may **share** a track of its own picture (any track its sensors report, whoever owns the aircraft) with
named parties, for a number of minutes or until it revokes the share. Each grant and each revocation is a
shared act (``node/_sharing.py``): a signed ``track.shared`` entry of the sharing party (body: the share
document, ``state`` ``active`` or ``revoked``) and a ``track.shared`` / ``track.unshared`` event to the
sharer and the recipients. Shares are stored (``track_shares``); one whose ``until`` has passed stops
applying by itself, with no act, and reads as ``expired``.

What a recipient gets is :class:`SharedPictures`, a view over the node's pictures that the tactical runner,
the non-response watches and ``GET /tracks`` read instead of the pictures themselves:

* the recipient's own tracks, plus the **newest state** of each track shared with it (never another track
  of the sharer's), marked ``shared_by``;
* **de-duplication**: the recipient's sensors often see the shared aircraft too. An own track of the
  recipient that is not of the recipient's party (``UNKNOWN`` or another party) and lies within
  ``DEDUP_H_NM`` and ``DEDUP_V_FT`` of a shared track, the two states no more than ``DEDUP_DT_S`` apart
  (compared at the shared state's time, the own state flown there in a straight line), is left out of the
  view: one aircraft seen as two tracks would alert against itself, and the owner's report is the
  authoritative one;
* a track's history (for incident records and non-response watches) holds the shared states from
  ``stale_s`` before the share was made (so the newest state at the grant is in it) until it last applied.

A shared track keeps the sharer's id, unless the recipient's view already holds that id: then it is
``<sharer>/<id>``. The sharer's own picture is unchanged by its shares.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley._time import iso_z, optional_iso_z
from airparley.geo import distance_nm
from airparley.node._tracks import Pictures, Row, TrackRejection
from airparley.store import StoredShare
from airparley.tactical import TimeWindow, TrackState, TrackStates, extrapolate_to

__all__ = [
    "DEDUP_DT_S",
    "DEDUP_H_NM",
    "DEDUP_V_FT",
    "Share",
    "ShareBook",
    "ShareState",
    "SharedPictures",
    "duplicates",
]

#: An own track this close to a shared one is taken for the same aircraft (DESIGN 5.4's incident cylinder:
#: two real aircraft that close are an incident, not two tracks to keep apart).
DEDUP_H_NM: Final = 0.5
DEDUP_V_FT: Final = 500.0
#: ...when the two reports are this close in time (older ones say too little about where it is now).
DEDUP_DT_S: Final = 10.0


class ShareState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


def _moment(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text)).astimezone(UTC)


@dataclass(frozen=True)
class Share:
    """One grant: ``party`` lets the parties ``recipients`` see its track ``track`` until ``until`` (None:
    until revoked). ``state`` is the stored one, ``active`` or ``revoked``; expiry is read off the clock."""

    share_id: str
    party: str
    track: str
    recipients: tuple[str, ...]
    created_by: str
    created_at: datetime
    until: datetime | None = None
    state: ShareState = ShareState.ACTIVE
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    entry: Mapping[str, Any] | None = None

    def state_at(self, now: datetime) -> ShareState:
        if self.state is ShareState.ACTIVE and self.until is not None and self.until <= now:
            return ShareState.EXPIRED
        return self.state

    def applies(self, recipient: str, now: datetime) -> bool:
        return recipient in self.recipients and self.state_at(now) is ShareState.ACTIVE

    def body(self) -> dict[str, Any]:
        """The share as its ledger entry records it (the stored state: never ``expired``)."""
        return {
            "share_id": self.share_id,
            "party": self.party,
            "track": self.track,
            "with": list(self.recipients),
            "created_by": self.created_by,
            "created_at": iso_z(self.created_at),
            "until": optional_iso_z(self.until),
            "state": self.state.value,
            "revoked_at": optional_iso_z(self.revoked_at),
            "revoked_by": self.revoked_by,
        }

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """The stored document; with ``now``, the state as it reads then (``expired`` once ``until`` passed)."""
        document = {**self.body(), "entry": None if self.entry is None else dict(self.entry)}
        if now is not None:
            document["state"] = self.state_at(now).value
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Share:
        created_at = _moment(data["created_at"])
        assert created_at is not None  # every stored share has one
        return cls(
            share_id=str(data["share_id"]),
            party=str(data["party"]),
            track=str(data["track"]),
            recipients=tuple(data["with"]),
            created_by=str(data["created_by"]),
            created_at=created_at,
            until=_moment(data.get("until")),
            state=ShareState(data.get("state", "active")),
            revoked_at=_moment(data.get("revoked_at")),
            revoked_by=data.get("revoked_by"),
            entry=data.get("entry"),
        )


# -- the shares in force ------------------------------------------------------------------------------------
class ShareBook:
    """The shares not revoked, in memory (the view reads them every second), thread-safe."""

    def __init__(self) -> None:
        self._shares: dict[str, Share] = {}
        self._recipients: set[str] = set()
        self._lock = threading.Lock()

    def load(self, rows: Iterable[StoredShare]) -> None:
        """Replace the book with the store's shares not revoked (the store is the truth: a share whose
        transaction rolled back, or that another process revoked, goes)."""
        loaded = (Share.from_dict(row.document) for row in rows)
        shares = {s.share_id: s for s in loaded if s.state is ShareState.ACTIVE}
        with self._lock:
            self._shares = shares
            for share in shares.values():
                self._recipients.update(share.recipients)

    def put(self, share: Share) -> None:
        with self._lock:
            if share.state is ShareState.ACTIVE:
                self._shares[share.share_id] = share
                self._recipients.update(share.recipients)
            else:
                self._shares.pop(share.share_id, None)

    def applying_to(self, recipient: str, now: datetime) -> list[Share]:
        with self._lock:
            shares = list(self._shares.values())
        return sorted((s for s in shares if s.applies(recipient, now)), key=lambda s: (s.created_at, s.share_id))

    def of_track(self, party: str, track: str, now: datetime) -> list[Share]:
        with self._lock:
            shares = list(self._shares.values())
        return [s for s in shares if s.party == party and s.track == track and s.state_at(now) is ShareState.ACTIVE]

    def recipients(self) -> set[str]:
        """Every party ever a recipient since the node started: the runner keeps scanning their pictures, so a
        revoked or expired share's alerts clear even for a party with no sensors of its own."""
        with self._lock:
            return set(self._recipients)


# -- the recipient's view -------------------------------------------------------------------------------------
def duplicates(own: TrackStates, viewer: str, shared: Sequence[TrackState]) -> npt.NDArray[np.bool_]:
    """Which of ``viewer``'s own tracks are the aircraft of a shared state (the rule in the module docstring)."""
    found = np.zeros(len(own), dtype=bool)
    if not len(own) or not shared:
        return found
    others = own.party != viewer
    for state in shared:
        rows = np.flatnonzero(others & (np.abs(own.time_s - state.time_s) <= DEDUP_DT_S))
        if not rows.size:
            continue
        flown = extrapolate_to(own.take(rows), state.time_s)
        h_nm = distance_nm(flown.lon, flown.lat, state.lon, state.lat)
        v_ft = np.abs(flown.alt_ft - state.alt_ft)
        found[rows[(h_nm <= DEDUP_H_NM) & (v_ft <= DEDUP_V_FT)]] = True
    return found


@dataclass(frozen=True)
class _Source:
    """Where a shared track of a view comes from: the sharer's track, and the times its states may be from."""

    sharer: str
    track: str
    since_s: float
    last_s: float


def _stack(parts: Sequence[TrackStates]) -> TrackStates:
    names = ("id", "party", "time_s", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "callsign", "source")
    return TrackStates(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in names})


class SharedPictures(Pictures):
    """Each party's picture with the tracks shared with it: what the tactical runner, the non-response watches
    and ``GET /tracks`` read. It is a ``Pictures`` so that it goes wherever one is expected, but holds no
    states of its own: posts go to the wrapped pictures, and the sharer's picture is never changed."""

    def __init__(self, pictures: Pictures, book: ShareBook, clock: Callable[[], datetime]) -> None:
        # No super().__init__(): every method and attribute is the wrapped pictures'.
        self.pictures = pictures
        self.book = book
        self.clock = clock
        self._seen: dict[str, dict[str, _Source]] = {}
        self._marks: dict[str, dict[str, str]] = {}
        self._seen_lock = threading.Lock()

    @property
    def stale_s(self) -> float:
        return self.pictures.stale_s

    @stale_s.setter
    def stale_s(self, value: float) -> None:
        self.pictures.stale_s = value

    @property
    def history_s(self) -> float:
        return self.pictures.history_s

    @history_s.setter
    def history_s(self, value: float) -> None:
        self.pictures.history_s = value

    def window(self, now_s: float | None = None) -> TimeWindow:
        return self.pictures.window(now_s)

    def post(
        self, party: str, states: Sequence[Mapping[str, Any]], now_s: float | None = None
    ) -> tuple[int, list[TrackRejection]]:
        return self.pictures.post(party, states, now_s)

    def add_relayed(self, party: str, rows: Sequence[Row]) -> None:
        self.pictures.add_relayed(party, rows)

    def parties(self) -> list[str]:
        return sorted(set(self.pictures.parties()) | self.book.recipients())

    def latest(self, party: str, now_s: float) -> TrackStates:
        """The view at ``now_s`` (the runner's call): remembered, so that history and the live picture's marks
        follow what the runner saw."""
        states, sources = self._compose(party, now_s)
        with self._seen_lock:
            before = self._seen.get(party, {})
            kept = {
                view_id: source
                for view_id, source in before.items()
                if view_id not in sources and now_s - source.last_s <= self.pictures.history_s
            }
            self._seen[party] = {**kept, **sources}
            self._marks[party] = {view_id: source.sharer for view_id, source in sources.items()}
        return states

    def picture(self, party: str, now_s: float) -> tuple[TrackStates, dict[str, str]]:
        """The view at ``now_s`` and the sharer of each shared track in it, by view id (``GET /tracks``)."""
        states, sources = self._compose(party, now_s)
        return states, {view_id: source.sharer for view_id, source in sources.items()}

    def shared_in_view(self, party: str) -> dict[str, str]:
        """The shared tracks of the runner's last view of ``party``: view id -> sharer."""
        with self._seen_lock:
            return dict(self._marks.get(party, {}))

    def history(self, party: str, track_ids: Sequence[str]) -> dict[str, list[TrackState]]:
        with self._seen_lock:
            seen = dict(self._seen.get(party, {}))
        own_ids = [t for t in track_ids if t not in seen]
        found = self.pictures.history(party, own_ids) if own_ids else {}
        for track_id in own_ids:
            if not found.get(track_id):
                source = self._shared_now(party, track_id)
                if source is not None:
                    seen[track_id] = source
        for track_id in track_ids:
            source = seen.get(track_id)
            if source is None:
                continue
            trail = self.pictures.history(source.sharer, [source.track]).get(source.track, [])
            found[track_id] = [replace(s, id=track_id) for s in trail if source.since_s <= s.time_s <= source.last_s]
        return {t: found.get(t, []) for t in track_ids}

    def _shared_now(self, party: str, track_id: str) -> _Source | None:
        """A track shared with ``party`` that no tick has put in its view yet (a desk acting on a fresh share)."""
        now = self.clock()
        for share in self.book.applying_to(party, now):
            if share.track == track_id:
                return self._source(share, now.timestamp())
        return None

    def _source(self, share: Share, now_s: float) -> _Source:
        return _Source(share.party, share.track, share.created_at.timestamp() - self.pictures.stale_s, now_s)

    def _compose(self, party: str, now_s: float) -> tuple[TrackStates, dict[str, _Source]]:
        own = self.pictures.latest(party, now_s)
        shares = self.book.applying_to(party, datetime.fromtimestamp(now_s, UTC))
        if not shares:
            return own, {}
        shared: list[tuple[Share, TrackState]] = []
        taken: set[tuple[str, str]] = set()
        for share in shares:
            if (share.party, share.track) in taken or share.party == party:
                continue
            trail = self.pictures.history(share.party, [share.track]).get(share.track, [])
            if trail and now_s - trail[-1].time_s <= self.pictures.stale_s:
                taken.add((share.party, share.track))
                shared.append((share, trail[-1]))
        if not shared:
            return own, {}
        kept = own.take(~duplicates(own, party, [state for _, state in shared]))
        used = set(kept.id.tolist())
        rows: list[TrackState] = []
        sources: dict[str, _Source] = {}
        for share, state in shared:
            view_id = state.id if state.id not in used else f"{share.party}/{state.id}"
            used.add(view_id)
            rows.append(replace(state, id=view_id))
            sources[view_id] = self._source(share, now_s)
        return _stack([kept, TrackStates.from_states(rows)]), sources
