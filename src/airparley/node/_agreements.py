"""The agreements service: proposing and signing agreements between parties, and the terms in force.

An agreement version is proposed by an officer of one of its parties: the node signs an ``agreement.proposed``
entry in that party's feed (body ``{"agreement": <the version>}``), which is also the proposer's signature.
Each other party signs on its own node: an ``agreement.signed`` entry (body ``{"agreement_id", "version",
"agreement_sha256"}``, the hash binding the signature to the exact terms). Federation replicates both kinds
(``node/_replica.py`` calls :meth:`AgreementService.apply_replicated`), so every node holds the same versions
and signatures and computes the same agreements in force (``airparley.hotline.agreements_in_force``).

The node keeps the agreements in force now in memory (read again after each agreement act and on each
scheduler tick, as a version takes effect at its start) and tells ``on_change`` when they change: the
strategic buffers between each pair of parties come from them (``node/_notices.py``), and so do the agreed
frequencies a safety call may name, and the deadlines of cases between them. See ``docs/agreements.md``.

The memory follows the database: an act reads the agreements in force within its own transaction; if that
transaction then fails, the next tick's read (from the committed rows) finds the difference and puts the
buffers back, so a failed act leaves the terms in force wrong for at most one scheduler interval.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import rfc8785

from airparley import bounds
from airparley._time import iso_z
from airparley.errors import InvalidInput, NotFound, PermissionDenied
from airparley.hotline import (
    AgreementSignature,
    AgreementTerms,
    PartyAgreement,
    ResolvedTerms,
    Term,
    agreed_frequencies,
    agreements_in_force,
    terms_between,
)
from airparley.ledger import Entry, Kind
from airparley.node._access import Act, require
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.store import Officer, Store, Tx
from airparley.strategic import Buffers

__all__ = ["AgreementService", "agreement_sha256"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_PROPOSAL_FIELDS = {"agreement_id", "parties", "start", "terms", "title", "supersedes"}


def agreement_sha256(agreement: PartyAgreement) -> str:
    """SHA-256 (hex) of the RFC 8785 JSON of the version: what a signature binds."""
    return hashlib.sha256(rfc8785.dumps(agreement.as_dict())).hexdigest()


class AgreementService:
    """Agreement acts and views, and the terms in force (``buffers_between``, ``frequencies_for``)."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        ledger: LedgerWriter,
        default_buffers: Buffers,
        on_change: Callable[[Tx], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ledger = ledger
        self._default_buffers = default_buffers
        self.on_change = on_change
        self._guard = threading.Lock()
        self._in_force: tuple[PartyAgreement, ...] = ()
        with store.begin() as tx:
            self._in_force = tuple(self._compute(tx, clock()))

    # -- what is in force ----------------------------------------------------------------------------
    def _compute(self, tx: Tx, at: datetime) -> list[PartyAgreement]:
        versions = tx.agreements()
        digests = {a.key: agreement_sha256(a) for a in versions}
        # A signature counts for the version whose exact bytes it signed (a replica may hold a signature
        # that arrived before its proposal; it counts once the proposal with the same hash is here).
        signatures = [s for s, digest in tx.agreement_signature_digests() if digests.get(s.key) == digest]
        return agreements_in_force(versions, signatures, at)

    @property
    def in_force(self) -> tuple[PartyAgreement, ...]:
        with self._guard:
            return self._in_force

    def refresh(self, tx: Tx) -> bool:
        """Read the agreements in force now again; tell ``on_change`` (in ``tx``) if they changed."""
        current = tuple(self._compute(tx, self._clock()))
        with self._guard:
            changed = current != self._in_force
            self._in_force = current
        if changed and self.on_change is not None:
            self.on_change(tx)
        return changed

    def terms_between(self, parties: Collection[str]) -> ResolvedTerms:
        return terms_between(self.in_force, parties)

    def buffers_between(self, a: str, b: str) -> Buffers:
        """The strategic buffers between parties ``a`` and ``b``: those of the agreement in force between them,
        else the node's configured buffers (no agreement in force covers the pair; docs/agreements.md)."""
        agreed = terms_between(self.in_force, (a, b)).value(Term.BUFFERS)
        if agreed is None:
            return self._default_buffers
        return Buffers(agreed.lateral_nm, agreed.vertical_ft, agreed.time_min)

    def buffers_from(self, a: str, b: str) -> dict[str, Any]:
        """Where the buffers between ``a`` and ``b`` come from: the agreement in force and whether it gives them
        (``agreed``) or falls back to the documented default (``default``), else the node's settings (``node``)."""
        terms = terms_between(self.in_force, (a, b))
        source = terms.sources[Term.BUFFERS]
        if terms.agreement is None or source == "not covered":
            return {"agreement_id": None, "version": None, "source": "node"}
        return {"agreement_id": terms.agreement.agreement_id, "version": terms.agreement.version, "source": source}

    def buffers_envelope(self) -> Buffers:
        """The widest buffers any pair uses: the conflict index searches with these, then each conflict is
        judged under its own pair's buffers."""
        widest = self._default_buffers
        for agreement in self.in_force:
            terms = terms_between([agreement], agreement.parties)
            agreed = terms.value(Term.BUFFERS)
            if agreed is not None:
                widest = Buffers(
                    max(widest.lateral_nm, agreed.lateral_nm),
                    max(widest.vertical_ft, agreed.vertical_ft),
                    max(widest.time_min, agreed.time_min),
                )
        return widest

    def case_deadlines_between(self, parties: Collection[str]) -> tuple[int, int] | None:
        """The case deadlines (routine, urgent seconds) agreed between ``parties``, or None where no agreement in
        force covers them (the node's hotline settings then decide)."""
        agreed = terms_between(self.in_force, parties).value(Term.CASE_DEADLINES)
        return None if agreed is None else (agreed.response_deadline_s, agreed.urgent_response_deadline_s)

    def languages_between(self, parties: Collection[str]) -> tuple[str, ...] | None:
        """The languages agreed between ``parties``, or None where no agreement in force covers them."""
        agreed = terms_between(self.in_force, parties).value(Term.LANGUAGES)
        return None if agreed is None else tuple(language.value for language in agreed)

    def frequencies_for(self, parties: Collection[str]) -> list[dict[str, Any]]:
        """The frequencies agreed between all of ``parties`` (the guards always)."""
        return agreed_frequencies(self.in_force, parties)

    # -- acts ----------------------------------------------------------------------------------------
    def checked_proposal(self, officer: Officer, body: Any) -> dict[str, Any]:
        """The proposal body checked for shape and bounds before the store (what the idempotency key hashes)."""
        require(officer.tier, Act.PROPOSE_AGREEMENTS)
        if not isinstance(body, Mapping):
            raise InvalidInput("(body)", "must be an object {parties, start, terms, ...}")
        bounds.check_json(body)
        unknown = sorted(set(body) - _PROPOSAL_FIELDS)
        if unknown:
            raise InvalidInput(unknown[0], f"unknown field (allowed: {', '.join(sorted(_PROPOSAL_FIELDS))})")
        for name in ("parties", "start", "terms"):
            if name not in body:
                raise InvalidInput(name, "missing")
        named = bounds.count(body["parties"], "parties", "agreement_parties")
        parties = [bounds.party_code(p, f"parties.{i}") for i, p in enumerate(named)]
        if officer.party not in parties:
            raise PermissionDenied(f"{officer.party} officers propose agreements {officer.party} is a party to")
        AgreementTerms.from_dict(body["terms"])  # the terms' own errors, named terms.<field>
        return dict(body)

    def propose(self, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        """A new agreement (version 1), or a new version of one (naming the version it supersedes)."""
        require(officer.tier, Act.PROPOSE_AGREEMENTS)
        now = self._clock()
        agreement_id = body.get("agreement_id")
        if agreement_id is None:
            agreement_id = f"AGR-{officer.party}-{uuid.uuid4().hex[:12]}"
        agreement_id = bounds.pattern_text(
            agreement_id, "agreement_id", "agreement_id", _ID, "an id: letters, digits and . _ : -"
        )
        latest = tx.latest_agreement_version(agreement_id)
        supersedes = body.get("supersedes")
        if latest and supersedes != latest:
            raise InvalidInput(
                "supersedes", f"agreement {agreement_id} is at version {latest}: a new version supersedes {latest}"
            )
        if latest:
            previous = tx.agreement(agreement_id, latest)
            if previous is not None and officer.party not in previous.parties:
                raise NotFound("agreement", agreement_id)
        agreement = PartyAgreement(
            agreement_id=agreement_id,
            version=latest + 1,
            parties=tuple(body["parties"]),
            proposer=officer.party,
            start=body["start"],
            proposed_at=now,
            terms=AgreementTerms.from_dict(body["terms"]),
            title=body.get("title", ""),
            supersedes=latest or None,
        )
        tx.add_agreement(agreement)
        tx.add_agreement_signature(agreement_id, agreement.version, officer.party, now, agreement_sha256(agreement))
        self._ledger.record(tx, officer.party, Kind.AGREEMENT_PROPOSED, {"agreement": agreement.as_dict()}, now)
        view = self._view(tx, agreement)
        tx.append_event(
            EventKind.AGREEMENT_PROPOSED, list(agreement.parties), dict.fromkeys(agreement.parties, view), now
        )
        self.refresh(tx)
        return self._view(tx, agreement)

    def sign(self, tx: Tx, officer: Officer, agreement_id: str, version: int) -> dict[str, Any]:
        """The officer's party signs one version it is named in."""
        require(officer.tier, Act.SIGN_AGREEMENTS)
        # The path's version reaches the store's INTEGER column: bounded first, the same on both stores.
        version = int(bounds.number(version, "version", "version", integer=True))
        agreement = self._visible(tx, officer, agreement_id, version)
        if tx.has_signed_agreement(agreement_id, version, officer.party):
            raise InvalidInput("version", f"{officer.party} has signed {agreement_id} version {version} already")
        now = self._clock()
        digest = agreement_sha256(agreement)
        tx.add_agreement_signature(agreement_id, version, officer.party, now, digest)
        body = {"agreement_id": agreement_id, "version": version, "agreement_sha256": digest}
        self._ledger.record(tx, officer.party, Kind.AGREEMENT_SIGNED, body, now)
        self.refresh(tx)
        view = self._view(tx, agreement)
        tx.append_event(
            EventKind.AGREEMENT_SIGNED, list(agreement.parties), dict.fromkeys(agreement.parties, view), now
        )
        return view

    def apply_replicated(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Callable[[Tx], None] | None:
        """The writes that apply a peer's ``agreement.proposed`` or ``agreement.signed`` entry here, or None
        when this node holds it already. Validated before anything is written (``InvalidInput``)."""
        if entry.kind is Kind.AGREEMENT_PROPOSED:
            if "agreement" not in body:
                raise InvalidInput("body.agreement", "missing")
            try:
                agreement = PartyAgreement.from_dict(body["agreement"])
            except InvalidInput as error:
                raise InvalidInput(f"body.agreement.{error.field}", error.reason) from None
            if agreement.proposer != entry.party:
                raise InvalidInput("body.agreement.proposer", f"{entry.party} may propose as itself only")
            held = tx.agreement(agreement.agreement_id, agreement.version)
            if held is not None:
                if held != agreement:
                    raise InvalidInput(
                        "body.agreement",
                        f"{agreement.agreement_id} version {agreement.version} is held here with other terms",
                    )
                return None
            digest = agreement_sha256(agreement)

            def proposed(tx: Tx) -> None:
                tx.add_agreement(agreement)
                tx.add_agreement_signature(
                    agreement.agreement_id, agreement.version, entry.party, agreement.proposed_at, digest
                )
                view = self._view(tx, agreement)
                tx.append_event(
                    EventKind.AGREEMENT_PROPOSED,
                    list(agreement.parties),
                    dict.fromkeys(agreement.parties, view),
                    self._clock(),
                )
                self.refresh(tx)

            return proposed
        if entry.kind is Kind.AGREEMENT_SIGNED:
            allowed = {"agreement_id", "version", "agreement_sha256"}
            unknown = sorted(set(body) - allowed)
            if unknown:
                raise InvalidInput(f"body.{unknown[0]}", "unknown field")
            for name in sorted(allowed):
                if name not in body:
                    raise InvalidInput(f"body.{name}", "missing")
            signature = AgreementSignature(body["agreement_id"], body["version"], entry.party, entry.time)
            digest = body["agreement_sha256"]
            if not isinstance(digest, str) or _SHA256.fullmatch(digest) is None:
                raise InvalidInput("body.agreement_sha256", "must be 64 lower-case hex digits")
            if tx.has_signed_agreement(signature.agreement_id, signature.version, entry.party):
                return None

            def signed(tx: Tx) -> None:
                tx.add_agreement_signature(
                    signature.agreement_id, signature.version, signature.party, signature.signed_at, digest
                )
                agreement = tx.agreement(signature.agreement_id, signature.version)
                self.refresh(tx)
                if agreement is not None:
                    view = self._view(tx, agreement)
                    tx.append_event(
                        EventKind.AGREEMENT_SIGNED,
                        list(agreement.parties),
                        dict.fromkeys(agreement.parties, view),
                        self._clock(),
                    )

            return signed
        return None

    # -- views ---------------------------------------------------------------------------------------
    def _visible(self, tx: Tx, officer: Officer, agreement_id: str, version: int) -> PartyAgreement:
        agreement = tx.agreement(agreement_id, version) if bounds.is_plain_id(agreement_id) else None
        # An agreement a party is not named in is not shown to it (nor is whether it exists).
        if agreement is None or officer.party not in agreement.parties:
            raise NotFound("agreement", f"{agreement_id} version {version}")
        return agreement

    def _view(self, tx: Tx, agreement: PartyAgreement) -> dict[str, Any]:
        digest = agreement_sha256(agreement)
        signed = {
            s.party: s.signed_at
            for s, d in tx.agreement_signature_digests()
            if s.key == agreement.key and d == digest and s.party in agreement.parties
        }
        in_force = any(a.key == agreement.key for a in self.in_force)
        newer = tx.latest_agreement_version(agreement.agreement_id) > agreement.version
        if in_force:
            status = "in_force"
        elif len(signed) == len(agreement.parties):
            status = "superseded" if newer and agreement.start <= self._clock() else "signed"
        else:
            status = "proposed"
        return {
            **agreement.as_dict(),
            "agreement_sha256": digest,
            "signed_by": {party: iso_z(at) for party, at in sorted(signed.items())},
            "awaiting": [p for p in agreement.parties if p not in signed],
            "status": status,
        }

    def list_for(self, officer: Officer) -> list[dict[str, Any]]:
        """Every version of every agreement the officer's party is named in."""
        require(officer.tier, Act.READ_AGREEMENTS)
        with self._store.begin() as tx:
            return [self._view(tx, a) for a in tx.agreements() if officer.party in a.parties]

    def show_for(self, officer: Officer, agreement_id: str) -> dict[str, Any]:
        """Every version of one agreement, oldest first, and the version in force (or None)."""
        require(officer.tier, Act.READ_AGREEMENTS)
        with self._store.begin() as tx:
            versions = [a for a in tx.agreements() if a.agreement_id == agreement_id and officer.party in a.parties]
            if not versions:
                raise NotFound("agreement", agreement_id)
            views = [self._view(tx, a) for a in versions]
        current = next((a.version for a in self.in_force if a.agreement_id == agreement_id), None)
        return {"agreement_id": agreement_id, "in_force_version": current, "versions": views}

    def in_force_for(self, officer: Officer, parties: list[str]) -> dict[str, Any]:
        """The terms in force now between ``parties`` (the officer's own party among them)."""
        require(officer.tier, Act.READ_AGREEMENTS)
        bounds.count(parties, "parties", "agreement_parties")
        codes = [bounds.party_code(p, f"parties.{i}") for i, p in enumerate(parties)]
        if officer.party not in codes:
            raise PermissionDenied(
                f"{officer.party} officers read the terms in force between {officer.party} and others"
            )
        resolved = self.terms_between(codes)
        out = resolved.as_dict()
        out["frequencies"] = self.frequencies_for(codes)
        return out
