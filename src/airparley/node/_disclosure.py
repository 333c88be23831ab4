"""Disclosure accounting (issue 14 part 4): what this party's node sent or made readable to another party, by
kind, over a period, and whether each item was covered by an agreement or an explicit signed act.

The audit a commander asks for after an exercise: "what did we give them?". For a party ``P`` (the asking
officer's) and a recipient ``R``, over ``[since, until)``:

* **ledger entries** (kind ``ledger:<entry kind>``): every entry of ``P``'s feed. Federation serves each feed
  to every peer node and a case report holds entries of the case's parties, so every entry ``P`` signs is
  readable to ``R``: notices (their shared part only: the private part is never written to the ledger),
  messages (to any party: the feed is one), case moves, track shares, incidents, agreements. *Covered by*:
  the entry itself, ``P``'s explicit signed act. An ``incident.recorded`` entry is checked further: the field
  groups it carries must be within the ``incident_entry`` term in force between the two aircraft's owners at
  the entry's time, or within the documented default (``hotline.INCIDENT_ENTRY_DEFAULT``) where no
  agreement gives that term; anything more is flagged.
* **track shares** (kind ``track_share``): each share of a track of ``P``'s picture with ``R`` that applied
  at some time in the period, as the node stores it (what the shared views actually read). *Covered by*: the
  signed ``track.shared`` entry of ``P`` granting that share to ``R``; a stored share without one is flagged.
* **incident records** (kind ``incident_record``): each private incident record ``P`` disclosed to ``R``
  (trails included). *Covered by*: ``P``'s signed ``incident.disclosed`` entry naming ``R``.

* **case reports** (kind ``case_report``): each report of a case ``P``'s officers exported (the node records
  every export: who, when, the case's parties) that was made readable to ``R``. *Covered by*: the case, when
  ``R`` is one of its parties (a report holds only the case's parties' entries); otherwise flagged.
* **the entries a report held** (kinds ``case_report_entry``, ``case_report_path_entry``): each entry of
  ``P``'s feed in each such report, a subject of the case or present only as proof (on a hash path between a
  case entry and the head another party signed, or witnessing one): a path entry is disclosed whole, whatever
  it is about (a message to TUR in a USA–RUS report), so the commander sees each. The node records when a
  report was exported, not its entries, so they are the report rebuilt from the entries timed at or before the
  export (an entry replicated later but timed earlier could differ). *Covered by*: as the report.

Not itemised, and said so in every answer (``not_itemised``): conflict overlaps (derived by ``R`` from the
shared parts of both notices, which are itemised as notice entries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.hotline import INCIDENT_ENTRY_DEFAULT, Term, agreements_in_force, terms_between
from airparley.ledger import Entry, Kind, extract, format_time
from airparley.node._access import Act, require
from airparley.store import Officer, Store, Tx

#: Compared by value: the kind is declared with the incident records (node/_incidents.py).
_DISCLOSED: Final = "incident.disclosed"

__all__ = ["COVERAGE", "NOT_ITEMISED", "DisclosureService", "Item", "account", "parse_instant", "stored_document"]

COVERAGE: Final[Mapping[str, str]] = {
    "ledger": "each entry is covered by itself, an act the party signed; incident.recorded entries are also checked"
    " against the incident_entry term in force between the aircraft's owners (or the documented default where"
    " no agreement gives that term)",
    "track_share": "each stored share is checked for the party's signed track.shared entry granting it to the"
    " recipient",
    "incident_record": "each disclosure is the party's signed incident.disclosed entry naming the recipient",
    "case_report": "each recorded export is checked to be of a case the recipient is a party of",
    "case_report_entry": "each entry of the party a recorded report held as a subject, covered as the report",
    "case_report_path_entry": "each entry of the party a recorded report held only as proof (hash path or"
    " witness), disclosed whole; covered as the report",
}
NOT_ITEMISED: Final[Mapping[str, str]] = {
    "conflict_overlap": "derived by the recipient from the shared parts of both notices, itemised as notice entries",
}


@dataclass(frozen=True)
class Item:
    """One thing that crossed: its kind, id, time, a one-line summary, and what covers it (``None``: flagged,
    with ``reason``)."""

    kind: str
    ident: str
    time: datetime
    summary: str
    covered_by: str | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.ident,
            "time": format_time(self.time),
            "summary": self.summary,
            "covered_by": self.covered_by,
            "flagged": self.covered_by is None,
            "reason": self.reason,
        }


def stored_document(stored: Any) -> dict[str, Any]:
    """A stored row's document: the store hands plain dicts, or values with ``as_dict`` (issue 11's typed rows)."""
    as_dict = getattr(stored, "as_dict", None)
    return dict(as_dict() if callable(as_dict) else stored)


def parse_instant(value: Any, field: str) -> datetime | None:
    """An ISO 8601 instant with a zone (``2025-03-01T06:00:00Z``), within bound ``period_time``."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(field, "must be an ISO 8601 instant (a string of at most 64 characters)")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            field, f"must be an ISO 8601 instant such as 2025-03-01T06:00:00Z, got {value[:40]!r}"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(field, "must name its zone (Z or +00:00)")
    return bounds.time_within(moment.astimezone(UTC), field, "period_time")


def _incident_fields_allowed(tx: Tx, owners: list[str], at: datetime) -> tuple[frozenset[str], str]:
    in_force = agreements_in_force(tx.agreements(), tx.agreement_signatures(), at)
    terms = terms_between(in_force, owners)
    if terms.covered(Term.INCIDENT_ENTRY) and terms.agreement is not None:
        agreement, source = terms.agreement, terms.sources[Term.INCIDENT_ENTRY]
        where = f"agreement {agreement.agreement_id} v{agreement.version} ({source})"
        return frozenset(terms.value(Term.INCIDENT_ENTRY)), where
    return frozenset(INCIDENT_ENTRY_DEFAULT), "the documented default incident fields (no agreement gives them)"


def _entry_item(tx: Tx, entry: Entry, recipient: str) -> Item:
    ident = f"{entry.party}#{entry.seq}"
    body: Any = entry.body
    kind = f"ledger:{entry.kind.value}"
    covered = f"signed act {ident}"
    summary = entry.kind.value
    if entry.kind is Kind.INCIDENT_RECORDED:
        fields = {str(f) for f in body.get("fields") or ()}
        owners = sorted({str(a.get("party")) for a in body.get("aircraft") or () if isinstance(a, Mapping)})
        summary = f"incident {body.get('incident_id', '')} carrying {', '.join(sorted(fields)) or 'no field group'}"
        if len(owners) == 2 and all(bounds.is_plain_id(o) for o in owners):
            allowed, source = _incident_fields_allowed(tx, owners, entry.time)
        else:  # an aircraft of unknown party: only the default can apply
            allowed, source = frozenset(INCIDENT_ENTRY_DEFAULT), "the documented default incident fields"
        extra = sorted(fields - allowed)
        if extra:
            return Item(kind, ident, entry.time, summary, None, f"carries {', '.join(extra)}, beyond {source}")
        covered = f"signed act {ident}; fields within {source}"
    elif entry.kind.value == _DISCLOSED and recipient in (body.get("to") or ()):
        summary = f"incident record {body.get('incident_id', '')} disclosed to {', '.join(body.get('to') or ())}"
    elif "message" in body:
        message = body["message"]
        summary = f"message {message.get('message_id')} to {', '.join(message.get('recipients') or ())}"
    elif "notice" in body:
        props = body["notice"]["features"][0]["properties"]
        summary = f"notice {props.get('notice_id')} v{props.get('version')} (shared part)"
    elif "case_id" in body:
        summary = f"case {body['case_id']} {(body.get('entry') or {}).get('event', '')}".strip()
    elif "share_id" in body:
        summary = f"share {body['share_id']} of track {body.get('track')} with {', '.join(body.get('with') or ())}"
    return Item(kind, ident, entry.time, summary, covered)


def account(
    tx: Tx, party: str, recipient: str, since: datetime | None, until: datetime | None, now: datetime
) -> dict[str, Any]:
    """The accounting of what ``party`` gave ``recipient`` in ``[since, until)`` (open ends: all time, now)."""
    end = until or now
    feed = [Entry.from_json(line) for line in tx.ledger_lines(party)]

    def before_end(moment: datetime) -> bool:
        # An explicit until is exclusive; the default (now) includes what happened at this very instant.
        return moment < end if until is not None else moment <= end

    inside = [e for e in feed if (since is None or e.time >= since) and before_end(e.time)]
    items = [_entry_item(tx, entry, recipient) for entry in inside]
    grants = {
        (str(e.body.get("share_id")), r)
        for e in feed
        if e.kind is Kind.TRACK_SHARED and e.body.get("state") == "active"
        for r in e.body.get("with") or ()
    }
    for stored in tx.track_shares_for(party, limit=100_000):
        share = stored_document(stored)
        if share.get("party") != party or recipient not in (share.get("with") or ()):
            continue
        share_id, track = str(share["share_id"]), str(share.get("track"))
        start = parse_instant(str(share["created_at"]), "created_at") or now
        stop = parse_instant(share.get("until"), "until")
        revoked = parse_instant(share.get("revoked_at"), "revoked_at")
        if revoked is not None:
            stop = revoked if stop is None else min(stop, revoked)
        if (stop is not None and since is not None and stop <= since) or not before_end(start):
            continue
        summary = f"track {track} of {party}'s picture, from {format_time(start)}" + (
            f" until {format_time(stop)}" if stop else " until revoked"
        )
        if (share_id, recipient) in grants:
            items.append(Item("track_share", share_id, start, summary, f"signed track.shared of {party}"))
        else:
            reason = f"no signed track.shared entry of {party} grants this share to {recipient}"
            items.append(Item("track_share", share_id, start, summary, None, reason))
    for entry in inside:
        if entry.kind.value == _DISCLOSED and recipient in (entry.body.get("to") or ()):
            ident = str(entry.body.get("incident_id", ""))
            summary = f"private record of incident {ident}, trails included"
            items.append(Item("incident_record", ident, entry.time, summary, f"signed act {party}#{entry.seq}"))
    feeds: dict[tuple[str, ...], list[Entry]] = {}
    for export in tx.report_exports_of(party):
        if recipient not in export.parties:
            continue
        if (since is not None and export.made_at < since) or not before_end(export.made_at):
            continue
        ident = f"{export.case_id}@{format_time(export.made_at)}"
        summary = f"report of case {export.case_id} exported by {export.officer}, to {', '.join(export.parties)}"
        case = tx.case(export.case_id)
        case_parties = stored_document(case).get("parties", []) if case is not None else []
        refused = None if recipient in case_parties else f"{recipient} is not a party of case {export.case_id}"
        covered = None if refused is not None else f"case {export.case_id}"
        items.append(Item("case_report", ident, export.made_at, summary, covered, refused))
        if case is not None:
            held = _report_entries(tx, party, stored_document(case), export.made_at, feeds)
            for entry, role in held:
                kind = "case_report_entry" if role is None else "case_report_path_entry"
                what = _entry_item(tx, entry, recipient).summary
                said = f"{what}; in the report of case {export.case_id} exported at {format_time(export.made_at)}"
                if role is not None:
                    said += f", present only as {role} (disclosed whole)"
                cover = (
                    None if refused is not None else f"report of case {export.case_id}; signed act {party}#{entry.seq}"
                )
                items.append(Item(kind, f"{ident}:{party}#{entry.seq}", export.made_at, said, cover, refused))
    items.sort(key=lambda item: (item.time, item.kind, item.ident))
    counts = Counter(item.kind for item in items)
    flagged = [item for item in items if item.covered_by is None]
    return {
        "party": party,
        "to": recipient,
        "since": None if since is None else format_time(since),
        "until": format_time(end),
        "kinds": dict(sorted(counts.items())),
        "total": len(items),
        "flagged": len(flagged),
        "coverage_checked": dict(COVERAGE),
        "not_itemised": dict(NOT_ITEMISED),
        "items": [item.as_dict() for item in items],
    }


def _report_entries(
    tx: Tx, party: str, case: Mapping[str, Any], made_at: datetime, feeds: dict[tuple[str, ...], list[Entry]]
) -> list[tuple[Entry, str | None]]:
    """``party``'s entries in the report of ``case`` as exported at ``made_at`` (rebuilt from the entries timed
    at or before it), each with ``None`` for a subject or the proof role that brought it in."""
    from airparley.node._reports import case_subjects  # _reports uses this module: imported when needed

    parties = tuple(sorted(str(p) for p in case.get("parties", [])))
    if parties not in feeds:
        every = [Entry.from_json(line) for p in parties for line in tx.ledger_lines(p)]
        feeds[parties] = sorted(every, key=lambda e: (e.time, e.party, e.seq))
    entries = [entry for entry in feeds[parties] if entry.time <= made_at]
    made = extract(entries, case_subjects(entries, case), witnesses=set(parties))
    roles: dict[Entry, str | None] = {entry: None for entry in made.subjects if entry.party == party}
    for proof in made.proofs:
        name = f"{proof.entry.party}#{proof.entry.seq}"
        for link in proof.path:
            if link.party == party:
                roles.setdefault(link, f"a proof path entry of {name}")
        if proof.witness is not None and proof.witness.party == party:
            roles.setdefault(proof.witness, f"the witness of {name}")
    return sorted(roles.items(), key=lambda item: item[0].seq)


class DisclosureService:
    """The accounting an officer may read: always of the officer's own party."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def account(self, officer: Officer, to: str, since: str | None, until: str | None) -> dict[str, Any]:
        require(officer.tier, Act.READ_DISCLOSURE)
        recipient = bounds.party_code(to, "to")
        start, end = parse_instant(since, "since"), parse_instant(until, "until")
        if start is not None and end is not None and end <= start:
            raise InvalidInput("until", "must be after since")
        if recipient == officer.party:
            raise InvalidInput("to", "is your own party: the accounting is of what crossed to another")
        with self._store.begin() as tx:
            if tx.party(recipient) is None:
                raise InvalidInput("to", f"unknown party {recipient!r}")
            return account(tx, officer.party, recipient, start, end, self._clock())
