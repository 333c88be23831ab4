"""Case reports (issue 14 part 3): a case's own entries and what they reference, each with its proof, and
nothing else of the ledger.

A report is the ``airparley.ledger.extract`` of the case's *subjects* — its case entries (opened, proposals,
accepts, escalations, resolution...), the two notice versions whose conflict it is about, the messages that
reference the case or its conflict, and those messages' receipts — authored by the case's parties only, with
witnesses drawn from the case's parties only. So a USA–RUS report holds no TUR or SYR entry (the report of
wave 2 held the whole ledger up to the case: 29 entries, TUR and SYR notices among them). Entries of the
case's parties that lie on a proof's hash path are in it too, as links: an entry's hash covers its bytes.

Any officer (duty, senior, observer) of a party in the case may export it (``Act.EXPORT_REPORTS``); to an
officer of another party the case does not exist (404, as for ``GET /cases/{id}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley.errors import NotFound
from airparley.ledger import Entry, Kind, check_extract, extract, fingerprint, format_time, parse_extract
from airparley.node._access import Act, require
from airparley.node._disclosure import stored_document
from airparley.node._report_render import KeyLine, Verdict, verdict_of
from airparley.store import Officer, Store, Tx
from airparley.strategic import NoticeRef, conflict_id

__all__ = ["REPORT_FORMAT", "ReportService", "case_report", "case_subjects", "verify_report"]

REPORT_FORMAT = "airparley-case-report/2"
"""Version 1 (before issue 14) was every entry up to the case; version 2 is the extract with proofs."""

HOW_TO_VERIFY = (
    "airparley case report --verify REPORT.json --keys KEYS.json (or airparley ledger verify REPORT.json"
    " --keys KEYS.json), with the parties' public keys got from them, not from this report (its keys are only"
    " compared with them), or --db NODE_DB on a node that registered them; compare the printed fingerprints."
    " By hand: docs/ledger.md, section Extracts"
)


def _notice_version(entry: Entry) -> tuple[str, int] | None:
    notice = entry.body.get("notice")
    if not isinstance(notice, Mapping):
        return None
    props = notice["features"][0]["properties"]
    return str(props["notice_id"]), int(props["version"])


def _conflict_notices(entries: list[Entry], parties: list[str], conflict: str) -> set[tuple[str, int]]:
    """The two notice versions whose conflict the case is about, found by recomputing conflict ids."""
    if len(parties) != 2:
        return set()
    versions: dict[str, set[tuple[str, int]]] = {party: set() for party in parties}
    for entry in entries:
        version = _notice_version(entry) if entry.party in versions else None
        if version is not None:
            versions[entry.party].add(version)
    for a_id, a_version in versions[parties[0]]:
        for b_id, b_version in versions[parties[1]]:
            a, b = NoticeRef(a_id, parties[0], a_version), NoticeRef(b_id, parties[1], b_version)
            if conflict_id(a, b) == conflict:
                return {(a_id, a_version), (b_id, b_version)}
    return set()


def case_subjects(entries: list[Entry], case: Mapping[str, Any]) -> list[Entry]:
    """The entries a report of ``case`` is about, in ledger order: see the module docstring."""
    case_id = str(case["case_id"])
    parties = [str(p) for p in case.get("parties", [])]
    own = [entry for entry in entries if entry.party in parties]
    conflict = (case.get("subject") or {}).get("conflict_id")
    notices = _conflict_notices(own, parties, str(conflict)) if conflict else set()
    wanted: list[Entry] = []
    messages: set[str] = set()
    for entry in own:
        body = entry.body
        message = body.get("message")
        about = body.get("case_id") == case_id or _notice_version(entry) in notices
        if isinstance(message, Mapping):
            references = message.get("references") or ()
            if any(r.get("id") in (case_id, conflict) for r in references if isinstance(r, Mapping)):
                about = True
                messages.add(str(message.get("message_id")))
        elif body.get("message_id") in messages:  # a receipt or escalation of a message of the case
            about = True
        if about:
            wanted.append(entry)
    # An incident disclosed for the case brings its recorded entry (the encounter it shares, signed when it
    # happened, earlier in the ledger): the report reads and draws the incident from it.
    recorded = {
        str(entry.body["recorded"].get("hash"))
        for entry in wanted
        if entry.kind is Kind.INCIDENT_DISCLOSED and isinstance(entry.body.get("recorded"), Mapping)
    }
    if recorded:
        chosen = {entry.hash for entry in wanted} | recorded
        wanted = [entry for entry in own if entry.hash in chosen]
    return wanted


def case_report(tx: Tx, case: Mapping[str, Any], *, now: datetime, by: str) -> dict[str, Any]:
    """The report document of ``case`` from the ledger in ``tx``; ``by`` is the party that exports it."""
    parties = sorted(str(p) for p in case.get("parties", []))
    # Subjects, paths and witnesses all come from the case's parties' feeds: the others are never read.
    entries = [Entry.from_json(line) for party in parties for line in tx.ledger_lines(party)]
    entries.sort(key=lambda e: (e.time, e.party, e.seq))  # the report reads in time order, as the export does
    made = extract(entries, case_subjects(entries, case), witnesses=set(parties))
    document = made.to_document()
    held = {entry.party for entry in made.entries()}
    keys = {p.code: p.public_key for p in tx.parties() if p.public_key and p.code in held}
    return {
        "format": REPORT_FORMAT,
        "case_id": str(case["case_id"]),
        "parties": parties,
        "made_at": format_time(now),
        "made_by": by,
        "case": dict(case),
        **document,
        "keys": dict(sorted(keys.items())),
        "how_to_verify": HOW_TO_VERIFY,
    }


class ReportService:
    """The reports an officer may export."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def case_report(self, officer: Officer, case_id: str) -> dict[str, Any]:
        require(officer.tier, Act.EXPORT_REPORTS)
        with self._store.begin() as tx:
            stored = tx.case(case_id) if bounds.is_plain_id(case_id) else None
            case = None if stored is None else stored_document(stored)
            if case is None or officer.party not in case.get("parties", []):
                raise NotFound("case", case_id)
            now = self._clock()
            report = case_report(tx, case, now=now, by=officer.party)
            # Recorded in the same transaction as the read, so no export escapes disclosure accounting.
            tx.add_report_export(officer.party, officer.name, report["case_id"], now, report["parties"])
            return report

    def registered_keys(self) -> dict[str, str]:
        """The parties' public keys as this node registered them: what it verifies a report under."""
        with self._store.begin() as tx:
            return {p.code: p.public_key for p in tx.parties() if p.public_key}


def verify_report(report: Mapping[str, Any], keys: Mapping[str, str], origin: str) -> Verdict:
    """The report checked under ``keys`` (pinned by the caller: its registry, a keys file), as a ``Verdict``."""
    file = parse_extract(report)
    check = check_extract(file, keys)
    present = {p.party for p in check.report.problems if p.party} | set(check.report.heads)
    lines = [
        KeyLine(party, fingerprint(keys[party]), f"{origin} (pinned)") for party in sorted(present) if party in keys
    ]
    # After each party's first key, the keys its rotations handed the feed to, as the check followed them.
    lines = [
        line
        for first in lines
        for line in (
            first,
            *(
                KeyLine(r.party, fingerprint(r.new_key), f"{r.describe()} ({r.where})")
                for r in check.report.rotations
                if r.party == first.party
            ),
        )
    ]
    return verdict_of(check, lines)
