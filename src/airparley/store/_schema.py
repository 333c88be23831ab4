"""The database schema, as SQLAlchemy Core tables (the Alembic migrations create exactly these).

Documents that the pure core defines (a notice's shared GeoJSON, a message, a case) are stored whole
as JSON, beside the few columns that queries and the scheduler filter on. Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

__all__ = [
    "UTCDateTime",
    "agreement_signatures",
    "agreements",
    "case_parties",
    "cases",
    "events",
    "evidence",
    "frequencies",
    "idempotency",
    "ledger_entries",
    "message_recipients",
    "messages",
    "metadata",
    "notice_versions",
    "notices",
    "officers",
    "parties",
    "peers",
    "rate_buckets",
    "report_exports",
    "track_relay",
    "track_share_recipients",
    "track_shares",
    "track_state_batches",
    "watches",
]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone: it is restored on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass UTC times")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

parties = Table(
    "parties",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("language", String(8), nullable=False),
    Column("public_key", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

officers = Table(
    "officers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("party", String(16), ForeignKey("parties.code"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("tier", String(16), nullable=False),
    # SHA-256 of the bearer token: the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

frequencies = Table(
    "frequencies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("mhz", Float, nullable=False),
    Column("area", Text, nullable=False, default=""),
    Column("notes", Text, nullable=False, default=""),
    Column("guard", Boolean, nullable=False, default=False),
)

notices = Table(
    "notices",
    metadata,
    Column("notice_id", String(100), primary_key=True),
    Column("party", String(16), ForeignKey("parties.code"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    # The shared part as a GeoJSON FeatureCollection; the private part apart, never sent to others.
    Column("shared", JSON, nullable=False),
    Column("private", JSON, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(36), nullable=False),
)

notice_versions = Table(
    "notice_versions",
    metadata,
    Column("notice_id", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("party", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("shared", JSON, nullable=False),
    Column("private", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(36), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("author_party", String(16), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Next time the scheduler must look at this message (a re-ring or an escalation), if any.
    Column("due_at", UTCDateTime, nullable=True),
    Column("document", JSON, nullable=False),
    Index("ix_messages_due_at", "due_at"),
)

message_recipients = Table(
    "message_recipients",
    metadata,
    Column("message_id", String(64), ForeignKey("messages.id"), primary_key=True),
    Column("party", String(16), primary_key=True),
    Index("ix_message_recipients_party", "party"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("subject", String(100), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=True),
    Column("document", JSON, nullable=False),
    Index("ix_cases_due_at", "due_at"),
)

case_parties = Table(
    "case_parties",
    metadata,
    Column("case_id", String(64), ForeignKey("cases.id"), primary_key=True),
    Column("party", String(16), primary_key=True),
    Index("ix_case_parties_party", "party"),
)

events = Table(
    "events",
    metadata,
    # The resumable cursor of the WebSocket: a client says the last seq it saw.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    # Parties entitled to the event; the visibility module shapes the payload per party on the way out.
    Column("audience", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("party", String(16), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("hash", String(64), nullable=False, unique=True),
    Column("time", UTCDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    # The entry exactly as signed and exported: one canonical JSON line (docs/ledger.md).
    Column("line", Text, nullable=False),
    Index("ix_ledger_entries_time", "time"),
)

peers = Table(
    "peers",
    metadata,
    # Federation: another party's node, whose feed this node pulls. One peer per party.
    Column("party", String(16), ForeignKey("parties.code"), primary_key=True),
    Column("url", String(500), nullable=False),
    # The peer-tier bearer token the other node issued to this one; kept in clear because it must be presented.
    Column("token", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # What the puller last saw of it, so `airparley peer list` can tell a link that is down.
    Column("last_ok_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", UTCDateTime, nullable=True),
)

evidence = Table(
    "evidence",
    metadata,
    # Entries a peer presented and this node refused: forged, equivocating, unchained or unusable.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party", String(16), nullable=False),
    Column("seq", Integer, nullable=True),
    Column("kind", String(32), nullable=False),
    # The peer (party code) that served it, and its URL at the time.
    Column("peer", String(16), nullable=False),
    Column("url", String(500), nullable=False),
    Column("reason", Text, nullable=False),
    # SHA-256 of the refused line: the same line served again is recorded once.
    Column("line_hash", String(64), nullable=False, unique=True),
    Column("line", Text, nullable=False),
    # For equivocation: the entry this node had already accepted at the same party and seq.
    Column("other_line", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_evidence_party_seq", "party", "seq"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("officer_id", String(36), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("method", String(8), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

watches = Table(
    "watches",
    metadata,
    # Non-response watches (DESIGN 5.5): a safety message about another party's aircraft, the aircraft's
    # state when it was sent, and what came of it. One row per (message, track in the caller's picture).
    Column("message_id", String(64), primary_key=True),
    Column("track", String(128), primary_key=True),
    Column("caller", String(16), nullable=False),
    Column("owner", String(16), nullable=False),
    # watching, then acknowledged, manoeuvred, lost or non_responsive.
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("document", JSON, nullable=False),
    Index("ix_watches_state", "state"),
)

track_shares = Table(
    "track_shares",
    metadata,
    # A party's grant of one track of its own picture to other parties (DESIGN 5). Never deleted: a revoked
    # or expired share stays listed, as the ledger keeps both acts.
    Column("share_id", String(64), primary_key=True),
    Column("party", String(16), nullable=False),
    Column("track", String(128), nullable=False),
    # active or revoked; "expired" is not stored: it is read off `until`, so expiry needs no write.
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime, nullable=True),
    Column("document", JSON, nullable=False),
    Index("ix_track_shares_state", "state"),
    Index("ix_track_shares_party", "party"),
)

track_share_recipients = Table(
    "track_share_recipients",
    metadata,
    Column("share_id", String(64), ForeignKey("track_shares.share_id"), primary_key=True),
    Column("party", String(16), primary_key=True),
    Index("ix_track_share_recipients_party", "party"),
)

agreements = Table(
    "agreements",
    metadata,
    # One version of an agreement between parties (docs/agreements.md), as its proposer signed it. Never
    # updated or deleted: a change is a new version that names the one it supersedes.
    Column("agreement_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("proposer", String(16), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("proposed_at", UTCDateTime, nullable=False),
    Column("document", JSON, nullable=False),
)

agreement_signatures = Table(
    "agreement_signatures",
    metadata,
    # A party's signature of one agreement version (its agreement.signed ledger entry names the version).
    Column("agreement_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("party", String(16), primary_key=True),
    Column("signed_at", UTCDateTime, nullable=False),
    # SHA-256 of the version's RFC 8785 JSON as the signer saw it: a signature counts for those bytes only.
    Column("agreement_sha256", String(64), nullable=False),
)

incident_records = Table(
    "incident_records",
    metadata,
    # The recorder's private record of an incident (its trails from its own picture). Never replicated: the
    # signed incident.recorded entry carries the encounter only. Read by the recorder and by the parties an
    # incident.disclosed act names (incident_disclosures).
    Column("incident_id", String(64), primary_key=True),
    Column("party", String(16), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_incident_records_party", "party"),
)

incident_disclosures = Table(
    "incident_disclosures",
    metadata,
    # One party an incident's trails were disclosed to, by a signed incident.disclosed act of the recorder.
    Column("incident_id", String(64), ForeignKey("incident_records.incident_id"), primary_key=True),
    Column("party", String(16), primary_key=True),
    Column("disclosed_at", UTCDateTime, nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_incident_disclosures_party", "party"),
)

track_state_batches = Table(
    "track_state_batches",
    metadata,
    # A party's own track states kept for replay (node/_replay.py): one row per party per flush, the states
    # compressed, so that keeping 20,000 tracks at 1 Hz is one INSERT a second. Private to the party; pruned
    # beyond the node's track_keep_s. Never replicated.
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("party", String(16), nullable=False),
    Column("first_s", Float, nullable=False),
    Column("last_s", Float, nullable=False),
    Column("count", Integer, nullable=False),
    Column("states", LargeBinary, nullable=False),
    Index("ix_track_state_batches_party_last_s", "party", "last_s"),
    Index("ix_track_state_batches_last_s", "last_s"),
)


rate_buckets = Table(
    "rate_buckets",
    metadata,
    # The rate limiter's token buckets when several processes share a PostgreSQL database (issue 18,
    # store/_rate_buckets.py): one row per key (a token's hash, or a client address), so every process
    # spends from the same budget. ``at_s`` is the database's clock (epoch seconds), not a process's, so
    # processes on different machines agree on the refill. Pruned once a bucket has refilled.
    Column("key", String(80), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at_s", Float, nullable=False),
    Index("ix_rate_buckets_at_s", "at_s"),
)


track_relay = Table(
    "track_relay",
    metadata,
    # Track states posted to one process of a node, for the others' pictures (issue 18,
    # store/_track_relay.py): one row per accepted batch, the states compressed. ``origin`` names the
    # process that took it (it has them already); ``at_s`` is the database's clock. Pruned after a minute.
    Column("relay_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("origin", String(64), nullable=False),
    Column("party", String(16), nullable=False),
    Column("at_s", Float, nullable=False),
    Column("states", LargeBinary, nullable=False),
    Index("ix_track_relay_at_s", "at_s"),
)


report_exports = Table(
    "report_exports",
    metadata,
    # A case report this node exported (issue 14): the exporting party's private record of who made it,
    # when, and the parties it was made readable to (the case's), so disclosure accounting can itemise it.
    Column("export_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("party", String(16), nullable=False),
    Column("officer", String(200), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("parties", JSON, nullable=False),
    Index("ix_report_exports_party", "party"),
)
