"""Negotiation cases as values: states, events, the transition table, subjects, agreements and history.

The functions that move a case live in ``_negotiation``; this module only says what a case *is* and
which moves exist. Every field is checked when a ``Case`` is built, so a case read back from storage
(``Case.from_dict``) is as trustworthy as one built by the transition functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from airparley.errors import InvalidInput
from airparley.hotline._common import (
    Language,
    Officer,
    Tier,
    enum_value,
    iso,
    mapping,
    optional_instant,
    optional_iso,
    party_code,
    record_id,
    sequence,
    text,
    utc_instant,
)
from airparley.hotline._proposals import Obligation, Proposal

__all__ = [
    "CASE_TRANSITIONS",
    "Agreement",
    "Case",
    "CaseEntry",
    "CaseEscalation",
    "CaseEvent",
    "CaseState",
    "ConflictSubject",
    "ContentionSubject",
    "EscalationCause",
    "Subject",
    "subject_from_dict",
]

MAX_NOTE_CHARS: Final = 2000


class CaseState(StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"
    AGREED = "agreed"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    LAPSED = "lapsed"

    @property
    def is_final(self) -> bool:
        return self in (CaseState.RESOLVED, CaseState.LAPSED)

    @property
    def awaits_response(self) -> bool:
        """Whether a response deadline runs in this state (someone owes the next proposal or answer)."""
        return self in (CaseState.OPEN, CaseState.PROPOSED, CaseState.REJECTED, CaseState.ESCALATED)


class CaseEvent(StrEnum):
    OPEN = "open"
    PROPOSE = "propose"
    COUNTER = "counter"
    ACCEPT = "accept"
    REJECT = "reject"
    ESCALATE = "escalate"
    DEADLINE_MISSED = "deadline_missed"
    CONFLICT_CLEARED = "conflict_cleared"
    RESOLVE = "resolve"
    LAPSE = "lapse"

    @property
    def by_system(self) -> bool:
        """Events the clock or the conflict picture cause; no officer acts."""
        return self in (CaseEvent.DEADLINE_MISSED, CaseEvent.CONFLICT_CLEARED, CaseEvent.LAPSE)


_LIVE = (CaseState.OPEN, CaseState.PROPOSED, CaseState.REJECTED, CaseState.ESCALATED, CaseState.AGREED)
_AWAITING_PROPOSAL = (CaseState.OPEN, CaseState.REJECTED, CaseState.ESCALATED)
_NOT_YET_ESCALATED = (CaseState.OPEN, CaseState.PROPOSED, CaseState.REJECTED)

# OPEN is how a case is born, so no state has it. Escalation is allowed from these states only while the
# case has not been escalated yet (``Case.escalated_at``); the transition functions enforce that "once".
# Read-only on purpose: a module-level dict anyone could patch would be global mutable state.
CASE_TRANSITIONS: Final[Mapping[tuple[CaseState, CaseEvent], CaseState]] = MappingProxyType(
    {
        **{(state, CaseEvent.PROPOSE): CaseState.PROPOSED for state in _AWAITING_PROPOSAL},
        (CaseState.PROPOSED, CaseEvent.COUNTER): CaseState.PROPOSED,
        (CaseState.PROPOSED, CaseEvent.ACCEPT): CaseState.AGREED,
        (CaseState.PROPOSED, CaseEvent.REJECT): CaseState.REJECTED,
        **{(state, CaseEvent.ESCALATE): CaseState.ESCALATED for state in _NOT_YET_ESCALATED},
        **{(state, CaseEvent.DEADLINE_MISSED): CaseState.ESCALATED for state in _NOT_YET_ESCALATED},
        **{(state, CaseEvent.CONFLICT_CLEARED): CaseState.RESOLVED for state in _LIVE},
        (CaseState.AGREED, CaseEvent.RESOLVE): CaseState.RESOLVED,
        **{(state, CaseEvent.LAPSE): CaseState.LAPSED for state in _LIVE},
    }
)


@dataclass(frozen=True)
class ConflictSubject:
    """The case is about a derived conflict; it resolves by itself when that conflict disappears."""

    conflict_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "conflict_id", record_id(self.conflict_id, "subject.conflict_id"))

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "conflict", "conflict_id": self.conflict_id}

    @classmethod
    def from_dict(cls, data: Any) -> ConflictSubject:
        return cls(mapping(data, "subject", {"kind", "conflict_id"})["conflict_id"])


@dataclass(frozen=True)
class ContentionSubject:
    """A contention a desk opened by hand, with its reason; its parties mark it resolved themselves."""

    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "reason", text(self.reason, "subject.reason", max_chars=MAX_NOTE_CHARS, allow_empty=False)
        )

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "contention", "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> ContentionSubject:
        return cls(mapping(data, "subject", {"kind", "reason"})["reason"])


Subject = ConflictSubject | ContentionSubject


def subject_from_dict(data: Any) -> Subject:
    if isinstance(data, Mapping) and data.get("kind") == "conflict":
        return ConflictSubject.from_dict(data)
    if isinstance(data, Mapping) and data.get("kind") == "contention":
        return ContentionSubject.from_dict(data)
    raise InvalidInput("subject.kind", "must be conflict (with conflict_id) or contention (with reason)")


@dataclass(frozen=True)
class Agreement:
    """An accepted proposal: who accepted it, when, and what each obliged party must revise."""

    proposal: Proposal
    accepted_by: Officer
    agreed_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "agreed_at", utc_instant(self.agreed_at, "agreement.agreed_at"))
        if self.accepted_by.party == self.proposal.proposed_by.party:
            raise InvalidInput("agreement.accepted_by", "a party cannot accept its own proposal")

    @property
    def obligations(self) -> tuple[Obligation, ...]:
        return self.proposal.obligations()

    @property
    def obliged_parties(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(obligation.party for obligation in self.obligations))

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal": self.proposal.as_dict(),
            "accepted_by": self.accepted_by.as_dict(),
            "agreed_at": iso(self.agreed_at),
            "obligations": [obligation.as_dict() for obligation in self.obligations],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Agreement:
        keys = {"proposal", "accepted_by", "agreed_at", "obligations"}
        fields = mapping(data, "agreement", keys, required=keys - {"obligations"})
        agreement = cls(
            proposal=Proposal.from_dict(fields["proposal"]),
            accepted_by=Officer.from_dict(fields["accepted_by"]),
            agreed_at=fields["agreed_at"],
        )
        # Obligations are derived from the terms; a stored copy that disagrees means tampering or a bug.
        if "obligations" in fields and fields["obligations"] != agreement.as_dict()["obligations"]:
            raise InvalidInput("agreement.obligations", "do not follow from the agreed terms")
        return agreement


@dataclass(frozen=True)
class CaseEntry:
    """One line of a case's history: the event, who caused it (None: the system), when, and the state after.

    ``language`` is the language the move's text (its note, a proposal's text, a contention's reason) is
    written in, as its officer said; None for a move without text, a system event, or an entry made before
    moves said it (their text is shown as written, as before)."""

    event: CaseEvent
    actor: Officer | None
    at: datetime
    state: CaseState
    proposal: Proposal | None = None
    note: str = ""
    language: Language | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event", enum_value(CaseEvent, self.event, "event"))
        object.__setattr__(self, "state", enum_value(CaseState, self.state, "state"))
        object.__setattr__(self, "at", utc_instant(self.at, "at"))
        object.__setattr__(self, "note", text(self.note, "note", max_chars=MAX_NOTE_CHARS))
        if self.language is not None:
            object.__setattr__(self, "language", enum_value(Language, self.language, "language"))
        if (self.actor is None) != self.event.by_system:
            raise InvalidInput("actor", f"{self.event.value} is {'' if self.event.by_system else 'not '}a system event")

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event.value,
            "actor": None if self.actor is None else self.actor.as_dict(),
            "at": iso(self.at),
            "state": self.state.value,
            "proposal": None if self.proposal is None else self.proposal.as_dict(),
            "note": self.note,
            # Only when said: an entry without a language keeps the bytes it was signed with.
            **({} if self.language is None else {"language": self.language.value}),
        }

    @classmethod
    def from_dict(cls, data: Any) -> CaseEntry:
        keys = {"event", "actor", "at", "state", "proposal", "note", "language"}
        fields = mapping(data, "entry", keys, required={"event", "at", "state"})
        return cls(
            event=fields["event"],
            actor=None if fields.get("actor") is None else Officer.from_dict(fields["actor"]),
            at=fields["at"],
            state=fields["state"],
            proposal=None if fields.get("proposal") is None else Proposal.from_dict(fields["proposal"]),
            note=fields.get("note", ""),
            language=fields.get("language"),
        )


@dataclass(frozen=True)
class Case:
    """A negotiation between exactly two parties about a conflict or a hand-opened contention.

    ``proposal`` is the proposal awaiting an answer (only in ``proposed``); ``agreement`` the accepted one
    (from ``agreed`` on); ``deadline`` when the next response is due (only while one is awaited);
    ``escalated_at`` when the case went to the senior tier (after that only senior officers act).
    """

    case_id: str
    parties: tuple[str, ...]
    subject: Subject
    urgent: bool
    state: CaseState
    history: tuple[CaseEntry, ...]
    deadline: datetime | None = None
    proposal: Proposal | None = None
    agreement: Agreement | None = None
    escalated_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "case_id", record_id(self.case_id, "case_id"))
        parties = tuple(party_code(party, f"parties.{i}") for i, party in enumerate(self.parties))
        if len(parties) != 2 or parties[0] == parties[1]:
            raise InvalidInput("parties", f"a case is between exactly two different parties, got {list(parties)}")
        object.__setattr__(self, "parties", parties)
        if not isinstance(self.subject, ConflictSubject | ContentionSubject):
            raise InvalidInput("subject", "must be a ConflictSubject or a ContentionSubject")
        if not isinstance(self.urgent, bool):
            raise InvalidInput("urgent", f"must be true or false, got {self.urgent!r}")
        object.__setattr__(self, "state", enum_value(CaseState, self.state, "state"))
        object.__setattr__(self, "deadline", optional_instant(self.deadline, "deadline"))
        object.__setattr__(self, "escalated_at", optional_instant(self.escalated_at, "escalated_at"))
        self._check_history()
        self._check_state_fields()

    def _check_history(self) -> None:
        history = tuple(self.history)
        object.__setattr__(self, "history", history)
        if not history or history[0].event is not CaseEvent.OPEN or history[0].state is not CaseState.OPEN:
            raise InvalidInput("history", "must start with the case being opened")
        for index, (earlier, later) in enumerate(itertools.pairwise(history), start=1):
            if later.at < earlier.at:
                raise InvalidInput(f"history.{index}.at", "entries must be in time order")
            if later.event is CaseEvent.OPEN:
                raise InvalidInput(f"history.{index}.event", "a case is opened only once")
        escalated = False
        for index, entry in enumerate(history):
            if index and CASE_TRANSITIONS.get((history[index - 1].state, entry.event)) is not entry.state:
                raise InvalidInput(
                    f"history.{index}.state", f"{entry.event.value} does not lead from {history[index - 1].state.value}"
                )
            if entry.actor is not None:
                if entry.actor.party not in self.parties:
                    raise InvalidInput(
                        f"history.{index}.actor.party", f"{entry.actor.party} is not a party of the case"
                    )
                if not entry.actor.tier.may_act or (escalated and entry.actor.tier is not Tier.SENIOR):
                    raise InvalidInput(
                        f"history.{index}.actor.tier", f"a {entry.actor.tier.value} officer cannot act here"
                    )
            if entry.state is CaseState.ESCALATED:
                if escalated:
                    raise InvalidInput(f"history.{index}.event", "a case is escalated only once")
                escalated = True
        if history[-1].state is not self.state:
            raise InvalidInput("state", f"must be the state after the last history entry ({history[-1].state.value})")

    def _check_state_fields(self) -> None:
        if (self.proposal is not None) != (self.state is CaseState.PROPOSED):
            raise InvalidInput("proposal", "a pending proposal exists exactly in state proposed")
        if self.state is CaseState.AGREED and self.agreement is None:
            raise InvalidInput("agreement", "an agreed case names its agreement")
        if self.agreement is not None and self.state not in (CaseState.AGREED, CaseState.RESOLVED, CaseState.LAPSED):
            raise InvalidInput("agreement", f"a case in state {self.state.value} has no agreement")
        if (self.deadline is not None) != self.state.awaits_response:
            raise InvalidInput(
                "deadline", f"{'required' if self.state.awaits_response else 'not allowed'} in state {self.state.value}"
            )
        escalated = any(entry.state is CaseState.ESCALATED for entry in self.history)
        if (self.escalated_at is not None) != escalated:
            raise InvalidInput("escalated_at", "must be set exactly when the history shows an escalation")

    @property
    def opened_by(self) -> Officer:
        opener = self.history[0].actor
        if opener is None:  # unreachable: CaseEntry refuses an OPEN entry without an officer
            raise InvalidInput("history.0.actor", "the opening officer is missing")
        return opener

    @property
    def opened_at(self) -> datetime:
        return self.history[0].at

    @property
    def last_event_at(self) -> datetime:
        return self.history[-1].at

    @property
    def required_tier(self) -> Tier | None:
        """The tier an officer must hold to act: ``senior`` once escalated, otherwise duty or senior (None)."""
        return Tier.SENIOR if self.escalated_at is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "parties": list(self.parties),
            "subject": self.subject.as_dict(),
            "urgent": self.urgent,
            "state": self.state.value,
            "deadline": optional_iso(self.deadline),
            "proposal": None if self.proposal is None else self.proposal.as_dict(),
            "agreement": None if self.agreement is None else self.agreement.as_dict(),
            "escalated_at": optional_iso(self.escalated_at),
            "history": [entry.as_dict() for entry in self.history],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Case:
        keys = {
            "case_id",
            "parties",
            "subject",
            "urgent",
            "state",
            "deadline",
            "proposal",
            "agreement",
            "escalated_at",
            "history",
        }
        fields = mapping(data, "case", keys, required={"case_id", "parties", "subject", "urgent", "state", "history"})
        return cls(
            case_id=fields["case_id"],
            parties=tuple(sequence(fields["parties"], "parties")),
            subject=subject_from_dict(fields["subject"]),
            urgent=fields["urgent"],
            state=fields["state"],
            deadline=fields.get("deadline"),
            proposal=None if fields.get("proposal") is None else Proposal.from_dict(fields["proposal"]),
            agreement=None if fields.get("agreement") is None else Agreement.from_dict(fields["agreement"]),
            escalated_at=fields.get("escalated_at"),
            history=tuple(CaseEntry.from_dict(entry) for entry in sequence(fields["history"], "history")),
        )


class EscalationCause(StrEnum):
    DEADLINE_MISSED = "deadline_missed"
    REQUESTED = "requested"


@dataclass(frozen=True)
class CaseEscalation:
    """Notify the senior tier of both ``parties``: case ``case_id`` is theirs now, answer by ``deadline``."""

    case_id: str
    parties: tuple[str, ...]
    cause: EscalationCause
    escalated_at: datetime
    deadline: datetime
    missed_deadline: datetime | None = None
    requested_by: Officer | None = None
    tier: Tier = Tier.SENIOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "case_id", record_id(self.case_id, "case_id"))
        parties = tuple(party_code(party, f"parties.{i}") for i, party in enumerate(self.parties))
        object.__setattr__(self, "parties", parties)
        object.__setattr__(self, "cause", enum_value(EscalationCause, self.cause, "cause"))
        object.__setattr__(self, "escalated_at", utc_instant(self.escalated_at, "escalated_at"))
        object.__setattr__(self, "deadline", utc_instant(self.deadline, "deadline"))
        object.__setattr__(self, "missed_deadline", optional_instant(self.missed_deadline, "missed_deadline"))
        object.__setattr__(self, "tier", enum_value(Tier, self.tier, "tier"))
        if (self.cause is EscalationCause.REQUESTED) != (self.requested_by is not None):
            raise InvalidInput("requested_by", "names the officer exactly when the escalation was requested")
        if (self.cause is EscalationCause.DEADLINE_MISSED) != (self.missed_deadline is not None):
            raise InvalidInput("missed_deadline", "is given exactly when a missed deadline caused the escalation")

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "parties": list(self.parties),
            "cause": self.cause.value,
            "escalated_at": iso(self.escalated_at),
            "deadline": iso(self.deadline),
            "missed_deadline": optional_iso(self.missed_deadline),
            "requested_by": None if self.requested_by is None else self.requested_by.as_dict(),
            "tier": self.tier.value,
        }

    @classmethod
    def from_dict(cls, data: Any) -> CaseEscalation:
        keys = {"case_id", "parties", "cause", "escalated_at", "deadline", "missed_deadline", "requested_by", "tier"}
        fields = mapping(data, "escalation", keys, required={"case_id", "parties", "cause", "escalated_at", "deadline"})
        return cls(
            case_id=fields["case_id"],
            parties=tuple(sequence(fields["parties"], "parties")),
            cause=fields["cause"],
            escalated_at=fields["escalated_at"],
            deadline=fields["deadline"],
            missed_deadline=fields.get("missed_deadline"),
            requested_by=None if fields.get("requested_by") is None else Officer.from_dict(fields["requested_by"]),
            tier=fields.get("tier", Tier.SENIOR),
        )
