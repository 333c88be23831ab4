"""What each route returns, as pydantic models: the OpenAPI document's response schemas, and the schemas of the
event feed's ``data`` (``node/_event_schemas.py``).

The models describe, they do not reshape. A route hands its view to :func:`described`, which answers with the
JSON the node always wrote (the view's own keys in the view's own order); the model attached with
``response_model=`` only tells the OpenAPI document what that JSON is. So a field the model does not name is
never dropped (every model allows extra keys: a view may grow a key before its model does), a key that is not a
Python name (``with``) is an alias, and nothing is validated on the hot path. ``tests/node/test_node_openapi.py``
fetches every GET route as each tier and validates each answer against the document, which is what keeps the
models true. The air picture's, the incidents' and the feeds' models are in ``node/_models_picture.py``.

Nested parts are models too (geometries, a message's content, a case's subject and proposal terms by kind,
an agreement's terms, escalations, disclosures, proofs). The few left objects of any keys say why where they
are declared: a notice's ``private`` part (the filing party's own), a phrase's ``params`` (the catalogue's), an
incident entry's ``shared`` fields (the agreement's) and an event's ``data`` (the kind's, in
docs/events.schema.json). ``tests/node/test_node_openapi.py`` checks that no other is left.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AgreementHistory",
    "AgreementVersion",
    "CaseReport",
    "CaseView",
    "Conflict",
    "ConflictCleared",
    "EntryRef",
    "Filed",
    "Frequency",
    "FrequencyAgreed",
    "InForce",
    "Me",
    "MessageView",
    "NoticeChange",
    "NoticeCollection",
    "NoticeFeature",
    "NoticeResult",
    "Party",
    "PhraseCatalogue",
    "RegisteredFrequency",
    "View",
    "described",
]


def described(body: Any) -> JSONResponse:
    """``body`` as the JSON a route without a response model answers (the model documents it, nothing more)."""
    return JSONResponse(jsonable_encoder(body))


class View(BaseModel):
    """A JSON object the node writes: the named keys, and any other it may add (documented as allowed)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


Object = dict[str, Any]


# -- GeoJSON geometries (WGS84 degrees, [lon, lat]) ------------------------------------------------------
Position = list[float]


class PointGeometry(View):
    type: Literal["Point"]
    coordinates: Position


class LineStringGeometry(View):
    type: Literal["LineString"]
    coordinates: list[Position]


class PolygonGeometry(View):
    type: Literal["Polygon"]
    coordinates: list[list[Position]] = Field(description="Rings: the exterior, then any holes.")


class MultiPolygonGeometry(View):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[Position]]]


#: A volume's footprint: a polygon (circles, corridors and orbits are written as polygons too), or the point or
#: line a circle or an orbit is drawn from.
Geometry = Annotated[
    PointGeometry | LineStringGeometry | PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")
]


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


# -- an agreement's terms (hotline/_terms.py AgreementTerms.as_dict; docs/agreements.md) ----------------------
class BuffersTerm(View):
    lateral_nm: float
    vertical_ft: float
    time_min: float


class CaseDeadlinesTerm(View):
    response_deadline_s: int
    urgent_response_deadline_s: int


class IncidentMinimaTerm(View):
    horizontal_nm: float
    vertical_ft: float


class AgreementTerms(View):
    """The terms an agreement version sets; a term left out is not covered (unless it is in ``fallback``)."""

    frequencies: list[Frequency] | None = None
    buffers: BuffersTerm | None = None
    case_deadlines: CaseDeadlinesTerm | None = None
    incident_minima: IncidentMinimaTerm | None = None
    incident_entry: list[str] | None = Field(default=None, description="The fields a shared incident entry carries.")
    languages: list[str] | None = None
    fallback: list[str] = Field(default=[], description="The terms agreed to take the documented default.")


class AgreementVersion(View):
    agreement_id: str
    version: int
    parties: list[str]
    proposer: str
    start: str
    proposed_at: str
    terms: AgreementTerms = Field(description="The terms (docs/agreements.md).")
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
    source: str = Field(description="Where the value comes from: an agreement, or the node's settings.")


_IN_FORCE = "The term's value in force, or null (then the node's default applies)."


class FrequenciesInForce(TermInForce):
    value: list[Frequency] | None = Field(description=_IN_FORCE)


class BuffersInForce(TermInForce):
    value: BuffersTerm | None = Field(description=_IN_FORCE)


class CaseDeadlinesInForce(TermInForce):
    value: CaseDeadlinesTerm | None = Field(description=_IN_FORCE)


class IncidentMinimaInForce(TermInForce):
    value: IncidentMinimaTerm | None = Field(description=_IN_FORCE)


class NamesInForce(TermInForce):
    value: list[str] | None = Field(description=_IN_FORCE)


class TermsInForce(View):
    """Each term an agreement may set (hotline/_terms.py Term), with its value in force and where it is from."""

    frequencies: FrequenciesInForce
    buffers: BuffersInForce
    case_deadlines: CaseDeadlinesInForce
    incident_minima: IncidentMinimaInForce
    incident_entry: NamesInForce
    languages: NamesInForce


class InForce(View):
    parties: list[str]
    agreement: AgreementRef | None
    terms: TermsInForce
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
    # Free-form on purpose: a party's own notes on its notice, any keys it likes; the node stores them and shows
    # them to that party only (schemas/notices.schema.json: private is an object).
    private: Object | None = Field(default=None, description="What only the filing party reads.")


class NoticeFeature(View):
    type: str = Field(description='"Feature"')
    geometry: Geometry = Field(description="A GeoJSON geometry (WGS84 degrees).")
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
    footprint: Geometry = Field(description="A GeoJSON geometry: where the two notices' buffered volumes meet.")
    lower_ft: float
    upper_ft: float
    start: str
    end: str


class VolumePair(View):
    own_volume: int
    other_volume: int
    own_footprint: Geometry | None = None
    other_footprint: Geometry | None = None
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
    because: NoticeRef | Literal["agreement"] = Field(
        description='The notice version that cleared it, or "agreement" (an agreement\'s buffers did).'
    )


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


class PhraseContent(View):
    template: str = Field(description="A phrase id of the catalogue (GET /phrases).")
    # Free-form on purpose: each phrase declares its own parameters and their kinds (GET /phrases: params).
    params: Object = Field(
        description="The phrase's parameters by name; each phrase declares its own (GET /phrases: its params)."
    )


class TextContent(View):
    text: str
    language: str
    untranslated: bool = Field(description="Always true: free text is shown as written.")


class Reference(View):
    kind: str = Field(description="notice, conflict, case, track, ...")
    id: str


class Message(View):
    message_id: str
    author: Actor
    recipients: list[str]
    content: PhraseContent | TextContent = Field(
        description="A phrase (template and params) or free text (text and language)."
    )
    urgency: str
    references: list[Reference] = []
    created_at: str
    receipts: list[Receipt]


class Rendered(View):
    text: str
    language: str
    direction: str = Field(description="ltr or rtl.")
    untranslated: bool


class MessageEscalation(View):
    message_id: str
    party: str = Field(description="The party whose desk did not acknowledge.")
    due_at: str
    escalated_at: str
    tier: str = Field(description="The tier it was escalated to (senior).")


class MessageView(View):
    message: Message
    rendered: Rendered
    rings: list[str] | None = Field(default=None, description="message.ring: when it rang.")
    escalation: MessageEscalation | None = Field(default=None, description="message.escalated: to whom and when.")


# -- the terms a case's proposal puts forward (hotline/_proposals.py), told apart by kind -------------------
class ShiftTimeTerms(View):
    kind: Literal["shift_time"]
    party: str
    minutes: int


class AltitudeSplitTerms(View):
    kind: Literal["altitude_split"]
    at_ft: int
    above: str
    below: str


class RerouteTerms(View):
    kind: Literal["reroute"]
    party: str
    geometry: PolygonGeometry | MultiPolygonGeometry = Field(description="The party's new footprint.")


class YieldTerms(View):
    kind: Literal["yield"]
    party: str


class TimeSlot(View):
    party: str
    start: str
    end: str


class TimeShareTerms(View):
    kind: Literal["time_share"]
    slots: list[TimeSlot]


ProposalTerms = Annotated[
    ShiftTimeTerms | AltitudeSplitTerms | RerouteTerms | YieldTerms | TimeShareTerms, Field(discriminator="kind")
]


class Proposal(View):
    terms: ProposalTerms
    proposed_by: Actor
    proposed_at: str
    text: str = Field(description="The proposer's explanation, shown untranslated.")


class Obligation(View):
    party: str
    revision: str = Field(description="What the party must revise.")


class CaseAgreement(View):
    """An accepted proposal: who accepted it, when, and what each obliged party must revise."""

    proposal: Proposal
    accepted_by: Actor
    agreed_at: str
    obligations: list[Obligation]


class CaseHistoryItem(View):
    event: str
    actor: Actor | None
    at: str
    state: str
    proposal: Proposal | None = None
    note: str | None = None


class ConflictSubject(View):
    kind: Literal["conflict"]
    conflict_id: str


class ContentionSubject(View):
    kind: Literal["contention"]
    reason: str


CaseSubject = Annotated[ConflictSubject | ContentionSubject, Field(discriminator="kind")]


class Case(View):
    case_id: str
    parties: list[str]
    subject: CaseSubject = Field(description="A conflict (kind, conflict_id) or a contention with a party.")
    urgent: bool
    state: str
    deadline: str | None
    proposal: Proposal | None
    agreement: CaseAgreement | None
    escalated_at: str | None
    history: list[CaseHistoryItem]


class CaseEscalation(View):
    case_id: str
    parties: list[str]
    cause: str = Field(description="Why: a missed deadline, or an officer's request.")
    escalated_at: str
    deadline: str
    missed_deadline: str | None = None
    requested_by: Actor | None = None
    tier: str | None = None


class CaseView(View):
    case: Case
    awaiting: list[str] = Field(description="The parties whose move it is.")
    permitted: list[str] | None = Field(default=None, description="The moves the reader may make.")
    escalation: CaseEscalation | None = Field(default=None, description="case.escalated: tier, parties, when.")


class Proof(View):
    """How one entry is tied to its chain and witnessed (ledger/_proof.py): entry numbers in ``entries``."""

    entry: int
    path: list[int] = Field(description="The entries linking it, by number.")
    witness: int | None = Field(description="Another party's entry that saw it (null: none needed).")


class CaseReport(View):
    format: str
    case_id: str
    parties: list[str]
    made_at: str
    made_by: str
    case: Case
    entries: list[str] = Field(description="The signed ledger entries, each as its canonical JSON text.")
    subjects: list[int] = Field(description="The case's own entries, by number in entries (1-based).")
    proofs: list[Proof]
    keys: dict[str, str] = Field(description="Party -> its public key.")
    how_to_verify: str


#: Language (en, ru, tr, ar) -> a word's form by name: a unit's plural categories (zero, one, ..., other) or an
#: enum value's forms; keyed by language and form, which the catalogue file declares, so maps rather than models.
WordForms = dict[str, dict[str, str]]


class Phrase(View):
    id: str
    params: dict[str, str] = Field(description="Parameter name -> its kind (a unit kind or an enum name).")
    optional: list[str] | None = Field(default=None, description="The parameters that may be left out.")
    text: dict[str, str] = Field(description="Language -> the phrase's template text.")


class PhraseCatalogue(View):
    format: int
    languages: list[str]
    units: dict[str, WordForms] = Field(description="Unit kind -> language -> plural category -> word.")
    enums: dict[str, dict[str, WordForms]] = Field(description="Enum name -> value -> language -> form -> text.")
    phrases: list[Phrase]
