"""Agreements between parties (the MOU annex as code): versioned terms, signatures, and what is in force.

An agreement names two or more parties and the terms they agree: frequencies, strategic conflict buffers,
case deadlines, incident minima, the fields a shared incident entry may carry, and languages. One party
proposes a version; it is in force from its ``start`` once *every* named party has signed that version. A
change is a new version of the same ``agreement_id`` that names the one it supersedes (``supersedes``),
never an edit: the old version stays in force until the new one is signed by all and has started.

A term an agreement leaves out is *not covered*: the node does not apply a setting of its own in its place.
Only a term the agreement names in ``fallback`` takes the documented default (``DEFAULT_TERMS``), so falling
back is itself agreed. Guard frequencies (121.5 and 243.0 MHz) are agreed by international convention and
are always in force. See ``docs/agreements.md``.

Everything here is pure: the node passes the versions and signatures it stores and the time ``at``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.hotline._common import Language, iso, mapping, optional_iso, party_code, sequence, utc_instant
from airparley.hotline._terms import DEFAULT_TERMS, GUARD_MHZ, AgreementTerms, Term

__all__ = [
    "AgreementSignature",
    "PartyAgreement",
    "ResolvedTerms",
    "agreed_frequencies",
    "agreements_in_force",
    "terms_between",
]

_AGREEMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def _agreement_id(value: Any) -> str:
    return bounds.pattern_text(
        value, "agreement_id", "agreement_id", _AGREEMENT_ID, "an id: letters, digits and . _ : -"
    )


@dataclass(frozen=True)
class PartyAgreement:
    """One version of an agreement between ``parties`` (sorted, 2 or more), proposed by one of them.

    ``supersedes`` names the version this one replaces (``version - 1``); version 1 supersedes none."""

    agreement_id: str
    version: int
    parties: tuple[str, ...]
    proposer: str
    start: datetime
    proposed_at: datetime
    terms: AgreementTerms
    title: str = ""
    supersedes: int | None = None

    def __post_init__(self) -> None:
        _agreement_id(self.agreement_id)
        bounds.number(self.version, "version", "version", integer=True)
        named = bounds.count(self.parties, "parties", "agreement_parties")
        parties = [bounds.party_code(p, f"parties.{i}") for i, p in enumerate(named)]
        if len(set(parties)) != len(parties):
            raise InvalidInput("parties", "names a party twice")
        object.__setattr__(self, "parties", tuple(sorted(parties)))
        bounds.party_code(self.proposer, "proposer")
        if self.proposer not in self.parties:
            raise InvalidInput("proposer", f"{self.proposer} proposes only agreements it is a party to")
        object.__setattr__(
            self, "start", bounds.time_within(utc_instant(self.start, "start"), "start", "agreement_time")
        )
        object.__setattr__(self, "proposed_at", utc_instant(self.proposed_at, "proposed_at"))
        if not isinstance(self.terms, AgreementTerms):
            raise InvalidInput("terms", "must be agreement terms")
        object.__setattr__(self, "title", bounds.free_text(self.title, "title", "agreement_title", one_line=True))
        expected = None if self.version == 1 else self.version - 1
        if self.supersedes != expected:
            what = "version 1 supersedes none" if expected is None else f"version {self.version} supersedes {expected}"
            raise InvalidInput("supersedes", f"{what}, got {self.supersedes!r}")

    @property
    def key(self) -> tuple[str, int]:
        return (self.agreement_id, self.version)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "version": self.version,
            "parties": list(self.parties),
            "proposer": self.proposer,
            "start": iso(self.start),
            "proposed_at": iso(self.proposed_at),
            "terms": self.terms.as_dict(),
            "title": self.title,
            "supersedes": self.supersedes,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PartyAgreement:
        keys = {
            "agreement_id",
            "version",
            "parties",
            "proposer",
            "start",
            "proposed_at",
            "terms",
            "title",
            "supersedes",
        }
        fields = mapping(data, "agreement", keys, required=keys - {"title", "supersedes"})
        return cls(
            agreement_id=fields["agreement_id"],
            version=fields["version"],
            parties=tuple(sequence(fields["parties"], "parties")),
            proposer=fields["proposer"],
            start=fields["start"],
            proposed_at=fields["proposed_at"],
            terms=AgreementTerms.from_dict(fields["terms"]),
            title=fields.get("title", ""),
            supersedes=fields.get("supersedes"),
        )


@dataclass(frozen=True)
class AgreementSignature:
    """``party``'s signature of one agreement version, at ``signed_at``."""

    agreement_id: str
    version: int
    party: str
    signed_at: datetime

    def __post_init__(self) -> None:
        _agreement_id(self.agreement_id)
        bounds.number(self.version, "version", "version", integer=True)
        bounds.party_code(self.party, "party")
        object.__setattr__(self, "signed_at", utc_instant(self.signed_at, "signed_at"))

    @property
    def key(self) -> tuple[str, int]:
        return (self.agreement_id, self.version)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "version": self.version,
            "party": self.party,
            "signed_at": iso(self.signed_at),
        }

    @classmethod
    def from_dict(cls, data: Any) -> AgreementSignature:
        fields = mapping(data, "signature", {"agreement_id", "version", "party", "signed_at"})
        return cls(fields["agreement_id"], fields["version"], fields["party"], fields["signed_at"])


def _effective_since(agreement: PartyAgreement, signed: Mapping[str, datetime]) -> datetime | None:
    """When ``agreement`` took (or takes) effect: its start or its last signature, whichever is later;
    None while a named party has not signed."""
    if any(party not in signed for party in agreement.parties):
        return None
    return max(agreement.start, *(signed[party] for party in agreement.parties))


def agreements_in_force(
    agreements: Iterable[PartyAgreement], signatures: Iterable[AgreementSignature], at: datetime
) -> list[PartyAgreement]:
    """The agreement versions in force at ``at``: signed by every named party (a signature by a party the
    version does not name counts for nothing) no later than ``at``, started, and not superseded by a later
    version of the same agreement that is itself in force. Sorted by id."""
    at = utc_instant(at, "at")
    signed: dict[tuple[str, int], dict[str, datetime]] = {}
    for signature in signatures:
        if signature.signed_at <= at:
            by_party = signed.setdefault(signature.key, {})
            # The first signature counts: a party signing again changes nothing.
            by_party[signature.party] = min(signature.signed_at, by_party.get(signature.party, signature.signed_at))
    newest: dict[str, PartyAgreement] = {}
    for agreement in agreements:
        since = _effective_since(agreement, signed.get(agreement.key, {}))
        if since is None or since > at:
            continue
        held = newest.get(agreement.agreement_id)
        if held is None or agreement.version > held.version:
            newest[agreement.agreement_id] = agreement
    return [newest[key] for key in sorted(newest)]


@dataclass(frozen=True)
class ResolvedTerms:
    """The terms that apply between a set of parties: the agreement they come from (None: no agreement in
    force covers all of them) and, per term, its value and source (``agreed``, ``default`` by the
    agreement's fallback, or ``not covered``, whose value is None)."""

    parties: tuple[str, ...]
    agreement: PartyAgreement | None
    values: Mapping[Term, Any]
    sources: Mapping[Term, str]

    def value(self, term: Term) -> Any:
        return self.values.get(term)

    def covered(self, term: Term) -> bool:
        return self.sources.get(term, "not covered") != "not covered"

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, tuple):
                return [plain(item) for item in value]
            if isinstance(value, Language):
                return value.value
            if hasattr(value, "as_dict"):
                return value.as_dict()
            return value

        return {
            "parties": list(self.parties),
            "agreement": None
            if self.agreement is None
            else {"agreement_id": self.agreement.agreement_id, "version": self.agreement.version},
            "terms": {
                term.value: {"value": plain(self.values.get(term)), "source": self.sources[term]} for term in Term
            },
            "start": optional_iso(self.agreement.start if self.agreement else None),
        }


def terms_between(in_force: Iterable[PartyAgreement], parties: Collection[str]) -> ResolvedTerms:
    """The terms in force between ``parties`` (two or more), from the agreements ``in_force``
    (``agreements_in_force``): the one that names all of them with the fewest parties (a bilateral annex is
    more specific than a theatre-wide one), ties broken by the later start, then the id. A term it neither
    gives nor lets fall back is not covered."""
    wanted = frozenset(party_code(p, "parties") for p in parties)
    candidates = [a for a in in_force if wanted <= set(a.parties)]
    chosen = min(
        candidates,
        key=lambda a: (len(a.parties), -a.start.timestamp(), a.agreement_id),
        default=None,
    )
    values: dict[Term, Any] = {}
    sources: dict[Term, str] = {}
    for term in Term:
        if chosen is not None and chosen.terms.given(term) is not None:
            values[term], sources[term] = chosen.terms.given(term), "agreed"
        elif chosen is not None and term in chosen.terms.fallback:
            values[term], sources[term] = DEFAULT_TERMS.given(term), "default"
        else:
            values[term], sources[term] = None, "not covered"
    return ResolvedTerms(tuple(sorted(wanted)), chosen, values, sources)


def agreed_frequencies(in_force: Iterable[PartyAgreement], parties: Collection[str]) -> list[dict[str, Any]]:
    """The frequencies agreed between all of ``parties`` (one party: every frequency of an agreement it
    is party to): the guards, then each in-force agreement's frequencies, naming the agreement."""
    wanted = frozenset(party_code(p, "parties") for p in parties)
    out: list[dict[str, Any]] = [
        {
            "name": name,
            "mhz": mhz,
            "area": "worldwide",
            "notes": "guard frequency, always agreed",
            "guard": True,
            "agreement": None,
        }
        for name, mhz in zip(("VHF guard", "UHF guard"), GUARD_MHZ, strict=True)
    ]
    for agreement in in_force:
        if not wanted <= set(agreement.parties):
            continue
        frequencies = agreement.terms.frequencies
        if frequencies is None and Term.FREQUENCIES in agreement.terms.fallback:
            frequencies = DEFAULT_TERMS.frequencies
        for frequency in frequencies or ():
            if any(abs(frequency.mhz - g) < 0.0005 for g in GUARD_MHZ):
                continue
            out.append(
                {
                    **frequency.as_dict(),
                    "guard": False,
                    "agreement": {
                        "agreement_id": agreement.agreement_id,
                        "version": agreement.version,
                        "parties": list(agreement.parties),
                    },
                }
            )
    return sorted(out, key=lambda f: (f["mhz"], f["agreement"]["agreement_id"] if f["agreement"] else ""))
