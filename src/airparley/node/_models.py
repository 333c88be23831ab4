"""What each route returns, as pydantic models: the OpenAPI document's response schemas, and the schemas of the
event feed's ``data`` (``node/_event_schemas.py``).

The models describe, they do not reshape. A route hands its view to :func:`described`, which answers with the
JSON the node always wrote (the view's own keys in the view's own order); the model attached with
``response_model=`` only tells the OpenAPI document what that JSON is. So a field the model does not name is
never dropped (every model allows extra keys: a view may grow a key before its model does), a key that is not a
Python name (``with``) is an alias, and nothing is validated on the hot path. ``tests/node/test_node_openapi.py``
fetches every GET route as each tier and validates each answer against the document, which is what keeps the
models true.

Shapes the node passes through from a party's own document (a notice's GeoJSON geometry and ``private``
properties, an agreement's ``terms``, a signed ledger entry's ``body``) are objects of any keys here: their
own schemas are ``schemas/notices.schema.json``, docs/agreements.md and docs/ledger.md.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AcceptedTracks",
    "AgreementHistory",
    "AgreementVersion",
    "Alert",
    "AlertCleared",
    "CaseReport",
    "CaseView",
    "Conflict",
    "ConflictCleared",
    "Disclosure",
    "Event",
    "EventPage",
    "EvidenceItem",
    "FeedPage",
    "Filed",
    "Flag",
    "Frequency",
    "FrequencyAgreed",
    "Hint",
    "InForce",
    "Incident",
    "IncidentDisclosed",
    "Intrusion",
    "LiveTracks",
    "Me",
    "MessageView",
    "NoticeChange",
    "NoticeCollection",
    "NoticeFeature",
    "NoticeResult",
    "Party",
    "PhraseCatalogue",
    "Picture",
    "RegisteredFrequency",
    "Share",
    "ShareView",
    "SharedTrack",
    "SimulationLag",
    "TrackState",
    "described",
]


def described(body: Any) -> JSONResponse:
    """``body`` as the JSON a route without a response model answers (the model documents it, nothing more)."""
    return JSONResponse(jsonable_encoder(body))


class View(BaseModel):
    """A JSON object the node writes: the named keys, and any other it may add (documented as allowed)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


Object = dict[str, Any]


# -- parties and officers -------------------------------------------------------------------------------
class Party(View):
    code: str = Field(description="The party's code (USA, RUS, ...).")
    name: str
    language: str = Field(description="The language its desks read (en, ru, tr, ar).")


class OfficerView(View):
    id: str
    party: str
    name: str
    tier: str = Field(description="duty, senior, observer, sensor or peer.")


class PartyWithKey(Party):
    public_key: str | None = Field(default=None, description="The party's Ed25519 public key, if known.")


class Me(View):
    officer: OfficerView
    party: PartyWithKey


class Actor(View):
    party: str
    officer_id: str | None = None
    tier: str | None = None


class EntryRef(View):
    """A signed ledger entry, by party, seq and hash."""

    party: str
    seq: int
    hash: str


# -- frequencies and agreements -------------------------------------------------------------------------
class AgreementRef(View):
    agreement_id: str
    version: int
    parties: list[str] | None = None


class Frequency(View):
    name: str
    mhz: float
    area: str | None = None
    notes: str | None = None


class FrequencyAgreed(Frequency):
    guard: bool = Field(description="A guard frequency, agreed for every party.")
    agreement: AgreementRef | None = Field(description="The agreement in force that agreed it (none for a guard).")


class RegisteredFrequency(Frequency):
    id: int
    guard: bool


class AgreementVersion(View):
    agreement_id: str
    version: int
    parties: list[str]
    proposer: str
    start: str
    proposed_at: str
    terms: Object = Field(description="The terms (docs/agreements.md).")
    title: str | None = None
    supersedes: int | None = None
    agreement_sha256: str
    signed_by: dict[str, str] = Field(description="Party -> when it signed.")
    awaiting: list[str] = Field(description="The parties still to sign.")
    status: str


class AgreementHistory(View):
    agreement_id: str
    in_force_version: int | None
    versions: list[AgreementVersion]


class TermInForce(View):
    value: Any = Field(description="The term's value in force, or null (then the node's default applies).")
    source: str = Field(description="Where the value comes from: an agreement, or the node's settings.")


class InForce(View):
    parties: list[str]
    agreement: AgreementRef | None
    terms: dict[str, TermInForce]
    start: str | None = None
    frequencies: list[FrequencyAgreed]


# -- notices and conflicts ------------------------------------------------------------------------------
class Level(View):
    value: float
    unit: str
    ref: str


class NoticeProperties(View):
    notice_id: str
    party: str
    version: int
    kind: str
    state: str
    priority: str
    shape: str
    lower: Level
    upper: Level
    start: str
    end: str
    callsigns: list[str] = []
    radius_nm: float | None = None
    half_width_nm: float | None = None
    frequency_mhz: float | None = None
    remarks: str | None = None
    private: Object | None = Field(default=None, description="What only the filing party reads.")


class NoticeFeature(View):
    type: str = Field(description='"Feature"')
    geometry: Object = Field(description="A GeoJSON geometry (WGS84 degrees).")
    properties: NoticeProperties


class NoticeCollection(View):
    type: str = Field(description='"FeatureCollection"')
    features: list[NoticeFeature]


class NoticeRef(View):
    notice_id: str
    party: str
    version: int


class NoticeChange(View):
    """``notice.filed``, ``revised``, ``cancelled``, ``closed``: which notice version, and its state."""

    notice: NoticeRef
    state: str


class OtherSide(NoticeRef):
    kind: str | None = None
    callsigns: list[str] | None = None
    frequency_mhz: float | None = None
    priority: str | None = None
    remarks: str | None = None


class Buffers(View):
    lateral_nm: float
    vertical_ft: float
    time_min: float


class Overlap(View):
    footprint: Object = Field(description="A GeoJSON geometry: where the two notices' buffered volumes meet.")
    lower_ft: float
    upper_ft: float
    start: str
    end: str


class VolumePair(View):
    own_volume: int
    other_volume: int
    own_footprint: Object | None = None
    other_footprint: Object | None = None
    lower_ft: float
    upper_ft: float
    start: str
    end: str
    gaps: Buffers


class BuffersFrom(View):
    agreement_id: str | None
    version: int | None
    source: str


class ConflictCleared(View):
    id: str
    because: Any = Field(description='The notice version that cleared it, or "agreement".')


class Conflict(View):
    id: str
    own: NoticeRef
    other: OtherSide
    overlap: Overlap
    buffers: Buffers
    volumes: list[VolumePair]
    buffers_from: BuffersFrom


class NoticeResult(View):
    """A notice filed, revised, cancelled or closed: its version, its state and its conflicts now."""

    notice: NoticeRef
    state: str
    conflicts: list[Conflict]


class Filed(View):
    filed: list[NoticeResult]


# -- hotline: messages and cases ------------------------------------------------------------------------
class Receipt(View):
    party: str
    state: str
    read_at: str | None = None
    read_by: Actor | None = None
    acknowledged_at: str | None = None
    acknowledged_by: Actor | None = None
    escalated_at: str | None = None


class Message(View):
    message_id: str
    author: Actor
    recipients: list[str]
    content: Object = Field(description="A phrase (template and params) or free text (text and language).")
    urgency: str
    references: list[Object] = []
    created_at: str
    receipts: list[Receipt]


class Rendered(View):
    text: str
    language: str
    direction: str = Field(description="ltr or rtl.")
    untranslated: bool


class MessageView(View):
    message: Message
    rendered: Rendered
    rings: list[str] | None = Field(default=None, description="message.ring: when it rang.")
    escalation: Object | None = Field(default=None, description="message.escalated: to whom and when.")


class CaseHistoryItem(View):
    event: str
    actor: Actor | None
    at: str
    state: str
    proposal: Object | None = None
    note: str | None = None


class Case(View):
    case_id: str
    parties: list[str]
    subject: Object = Field(description="A conflict (kind, conflict_id) or a contention with a party.")
    urgent: bool
    state: str
    deadline: str | None
    proposal: Object | None
    agreement: Object | None
    escalated_at: str | None
    history: list[CaseHistoryItem]


class CaseView(View):
    case: Case
    awaiting: list[str] = Field(description="The parties whose move it is.")
    permitted: list[str] | None = Field(default=None, description="The moves the reader may make.")
    escalation: Object | None = Field(default=None, description="case.escalated: tier, parties, when.")


class CaseReport(View):
    format: str
    case_id: str
    parties: list[str]
    made_at: str
    made_by: str
    case: Case
    entries: list[str] = Field(description="The signed ledger entries, each as its canonical JSON text.")
    subjects: list[Any]
    proofs: list[Object]
    keys: dict[str, str] = Field(description="Party -> its public key.")
    how_to_verify: str


class PhraseCatalogue(View):
    format: int
    languages: list[str]
    units: Object
    enums: Object
    phrases: list[Object]


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


class AcceptedTracks(View):
    accepted: int
    rejected: list[Object] = Field(description="Each refused state: its index, field and reason.")


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
    escalation: Object | None = None
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
    shared: Object | None = Field(default=None, description="What the signed entry shared.")
    entry: EntryRef | None = None
    recorded_at: str | None = None
    disclosures: list[Object] | None = None


class IncidentDisclosed(View):
    incident: Incident = Field(description="The record as the disclosing party now reads it.")
    disclosure: Object = Field(description="The signed disclosure: to whom, what, when.")


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


# -- the event feed and the federation ------------------------------------------------------------------
class Event(View):
    seq: int | None = Field(description="The feed's cursor; null for tracks.update (pushed, never stored).")
    kind: str = Field(description="One of the kinds in docs/events.md (docs/events.schema.json: its data).")
    time: str | None = None
    data: Object


class EventPage(View):
    events: list[Event]
    cursor: int = Field(description="Poll again with after=cursor.")


class EvidenceItem(View):
    """An entry a peer presented and this node refused, and why."""


class FeedPage(View):
    party: str
    after: int
    entries: list[Any] = Field(description="The party's signed entries after ``after``, in seq order.")
    head: int | None = Field(
        None, description="The party's newest seq on the serving node (null: none yet): how far a puller has to go."
    )


class Hint(View):
    party: str
    seq: int
