"""Agreements between parties: each version as proposed, and each party's signature of a version.

Rows are only ever inserted: a change to an agreement is a new version (docs/agreements.md), so what was in
force at any time can be recomputed from the rows. The documents are the pure core's
(``airparley.hotline.PartyAgreement``), checked before they reach the store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select

from airparley.hotline import AgreementSignature, PartyAgreement
from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["AgreementsTx"]


class AgreementsTx(TxBase):
    """Agreement versions and signatures."""

    def agreement(self, agreement_id: str, version: int) -> PartyAgreement | None:
        row = self.connection.execute(
            select(t.agreements.c.document).where(
                and_(t.agreements.c.agreement_id == agreement_id, t.agreements.c.version == version)
            )
        ).first()
        return None if row is None else PartyAgreement.from_dict(row.document)

    def latest_agreement_version(self, agreement_id: str) -> int:
        """The newest stored version of ``agreement_id``, 0 when there is none."""
        versions = self.connection.execute(
            select(t.agreements.c.version).where(t.agreements.c.agreement_id == agreement_id)
        ).scalars()
        return max(versions, default=0)

    def add_agreement(self, agreement: PartyAgreement) -> None:
        self.connection.execute(
            insert(t.agreements).values(
                agreement_id=agreement.agreement_id,
                version=agreement.version,
                proposer=agreement.proposer,
                start=agreement.start,
                proposed_at=agreement.proposed_at,
                document=agreement.as_dict(),
            )
        )

    def agreements(self) -> list[PartyAgreement]:
        """Every stored version, by id then version (a theatre holds tens, not thousands)."""
        rows = self.connection.execute(
            select(t.agreements.c.document).order_by(t.agreements.c.agreement_id, t.agreements.c.version)
        )
        return [PartyAgreement.from_dict(row.document) for row in rows]

    def has_signed_agreement(self, agreement_id: str, version: int, party: str) -> bool:
        row = self.connection.execute(
            select(t.agreement_signatures.c.party).where(
                and_(
                    t.agreement_signatures.c.agreement_id == agreement_id,
                    t.agreement_signatures.c.version == version,
                    t.agreement_signatures.c.party == party,
                )
            )
        ).first()
        return row is not None

    def add_agreement_signature(
        self, agreement_id: str, version: int, party: str, signed_at: datetime, agreement_sha256: str
    ) -> None:
        self.connection.execute(
            insert(t.agreement_signatures).values(
                agreement_id=agreement_id,
                version=version,
                party=party,
                signed_at=signed_at,
                agreement_sha256=agreement_sha256,
            )
        )

    def agreement_signature_digests(self) -> list[tuple[AgreementSignature, str]]:
        """Every signature with the hash of the version it signed."""
        rows = self.connection.execute(
            select(t.agreement_signatures).order_by(
                t.agreement_signatures.c.agreement_id,
                t.agreement_signatures.c.version,
                t.agreement_signatures.c.signed_at,
            )
        )
        return [(AgreementSignature(r.agreement_id, r.version, r.party, r.signed_at), r.agreement_sha256) for r in rows]

    def agreement_signatures(self) -> list[AgreementSignature]:
        """Every signature (whether it signed the stored bytes of its version is the node's check:
        ``node/_agreements.py`` counts only those that did)."""
        return [signature for signature, _ in self.agreement_signature_digests()]
