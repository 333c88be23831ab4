"""What the air picture's routes return (track states, alerts, shares, flags, incidents, the disclosure account,
a past picture) and the event feed's and the federation's pages, as models: see ``node/_models.py``, whose
base (:class:`View`: describe, never reshape) they share."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from airparley.node._models import CaseView, Conflict, EntryRef, MessageView, NoticeCollection, View

__all__ = [
    "AcceptedTracks",
    "Alert",
    "AlertCleared",
    "Disclosure",
    "Event",
    "EventPage",
    "EvidenceItem",
    "FeedPage",
    "Flag",
    "Hint",
    "Incident",
    "IncidentDisclosed",
    "Intrusion",
    "LiveTracks",
    "Picture",
    "Share",
    "ShareView",
    "SharedTrack",
    "SimulationLag",
    "TrackState",
]

Object = dict[str, Any]


# -- the air picture -----------------------------------------------------------------------------------
class TrackState(View):
    """A track state: WGS84 degrees, altitude feet MSL, seconds of the scenario or POSIX time."""

    id: str
    party: str
    time_s: float
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float
    vs_fpm: float
    callsign: str | None = None
    source: str | None = None
    shared_by: str | None = Field(default=None, description="The party that shared it, if not the reader's own.")


class RejectedState(View):
    index: int = Field(description="Its place in the posted states, from 0.")
    field: str
    reason: str


class AcceptedTracks(View):
    accepted: int
    rejected: list[RejectedState] = Field(description="Each refused state: its index, field and reason.")


class SharedTrack(View):
    id: str
    party: str
    callsign: str | None = None
    shared_by: str | None = None


class Alert(View):
    a: SharedTrack
    b: SharedTrack
    level: int
    level_name: str
    caution: bool
    severity: int
    time_to_lowc_s: float | None = None
    hmd_nm: float | None = None
    tcpa_s: float | None = None
    dcpa_nm: float | None = None
    horizontal_sep_nm: float | None = None
    vertical_sep_ft: float | None = None


class TrackId(View):
    id: str


class AlertCleared(View):
    """The pair whose alert cleared, by track id."""

    a: TrackId
    b: TrackId


class LiveTracks(View):
    """``tracks.update``: the live picture as the last scan saw it."""

    time: str | None = Field(default=None, description="When the scan ran (ISO 8601, Z).")
    tracks: list[TrackState] | None = None
    alerts: list[Alert] | None = None


class Intrusion(View):
    track: SharedTrack
    notice_id: str
    volume: int
    inside_now: bool
    entry_s: float
    entry_time: str


class Share(View):
    share_id: str
    party: str
    track: str
    with_: list[str] = Field(alias="with", description="The parties it is shared with (a recipient sees itself).")
    created_by: str
    created_at: str
    until: str | None
    state: str
    revoked_at: str | None
    revoked_by: str | None
    entry: EntryRef | None = None


class ShareView(View):
    share: Share


class StateAt(View):
    time: str
    time_s: float
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float


class FlagEscalation(View):
    tier: str
    parties: list[str] = Field(description="The calling party and the aircraft's owner.")
    escalated_at: str | None


class Flag(View):
    track: SharedTrack
    message_id: str
    caller: str
    owner: str
    state: str
    called_at: str
    deadline: str
    flagged_at: str | None = None
    at_call: StateAt | None = None
    now: StateAt | None = None
    reason: str | None = None
    escalated_to: str | None = None
    escalation: FlagEscalation | None = None
    entry: EntryRef | None = None


class SimulationLag(View):
    behind_s: float
    lagging: bool
    note: str


# -- incidents, disclosure, replay ----------------------------------------------------------------------
class MinSeparation(View):
    at: str | None = None
    horizontal_nm: float
    vertical_ft: float


class Thresholds(View):
    horizontal_nm: float
    vertical_ft: float


class IncidentDisclosure(View):
    """A signed disclosure act (the body of its ``incident.disclosed`` ledger entry, and the entry)."""

    incident_id: str
    recorded: EntryRef | None = Field(description="The entry that recorded the incident (null: none signed).")
    to: list[str]
    case_id: str | None
    trails_sha256: str
    disclosed_by: str = Field(description="The disclosing officer's id.")
    disclosed_at: str
    entry: EntryRef


class Incident(View):
    incident_id: str
    party: str
    tracks: list[str]
    owners: list[str] | None = None
    started: str
    ended: str | None
    min_separation: MinSeparation
    thresholds: Thresholds | None = None
    history: dict[str, list[TrackState]] | None = Field(default=None, description="Track id -> its trail.")
    trails_sha256: str | None = None
    fields: list[str] | None = None
    fields_from: str | None = None
    # Free-form on purpose: the signed entry's body holds the fields the parties' agreement in force chose to
    # share (``fields``, ``fields_from``; docs/agreements.md incident_fields), so its keys vary by agreement.
    shared: Object | None = Field(
        default=None, description="What the signed entry shared: the agreed fields (see fields), by name."
    )
    entry: EntryRef | None = None
    recorded_at: str | None = None
    disclosures: list[IncidentDisclosure] | None = None


class IncidentDisclosed(View):
    incident: Incident = Field(description="The record as the disclosing party now reads it.")
    disclosure: IncidentDisclosure = Field(description="The signed disclosure: to whom, what, when.")


class DisclosureItem(View):
    kind: str
    id: str
    time: str
    summary: str
    covered_by: str | None
    flagged: bool
    reason: str | None


class Disclosure(View):
    party: str
    to: str
    since: str | None
    until: str
    kinds: dict[str, int]
    total: int
    flagged: int
    coverage_checked: dict[str, str]
    not_itemised: dict[str, str]
    items: list[DisclosureItem]


class Picture(View):
    at: str
    party: str
    track_keep_s: float
    tracks_kept_since: str | None
    notices: NoticeCollection
    conflicts: list[Conflict]
    messages: list[MessageView]
    cases: list[CaseView]
    tracks: list[TrackState]
    alerts: list[Alert]
    trails: dict[str, list[list[float]]] = Field(
        default_factory=dict,
        description="With trail_s: track id -> its kept positions [lat, lon, time_s] before T, oldest first.",
    )


# -- the event feed and the federation ------------------------------------------------------------------
class Event(View):
    seq: int | None = Field(description="The feed's cursor; null for tracks.update (pushed, never stored).")
    kind: str = Field(description="One of the kinds in docs/events.md (docs/events.schema.json: its data).")
    time: str | None = None
    # An object here on purpose: its shape is the kind's, one of 26 (EVENT_DATA, node/_event_schemas.py), and
    # docs/events.schema.json gives each kind's envelope with its data's schema, which this page's events follow.
    data: Object = Field(description="The kind's data: docs/events.schema.json, $defs.kinds.<kind>.")


class EventPage(View):
    events: list[Event]
    cursor: int = Field(description="Poll again with after=cursor.")


class EvidenceItem(View):
    """An entry a peer presented and this node refused, and why."""

    id: int
    party: str
    seq: int | None
    kind: str = Field(description="The refused entry's kind.")
    peer: str
    url: str
    reason: str
    line: str = Field(description="The entry as the peer served it (its canonical JSON text).")
    other_line: str | None = Field(description="For a fork: the entry this node holds at that seq.")
    received_at: str


class FeedPage(View):
    party: str
    after: int
    entries: list[str] = Field(
        description="The party's signed entries after ``after``, in seq order, each as its canonical JSON text."
    )
    head: int | None = Field(
        None, description="The party's newest seq on the serving node (null: none yet): how far a puller has to go."
    )


class Hint(View):
    party: str
    seq: int
