"""Incidents in the node: the encounter is shared, the picture stays, and a disclosure is a signed act.

When the tactical runner (``node/_tactical.py``) closes an encounter below the incident minima in a party's
picture, that party (the *recorder*) gets two things, in the scan's transaction:

* a signed ``incident.recorded`` ledger entry, which federation replicates to every peer. Its body is
  ``tactical.incident_entry`` of the encounter and the field groups allowed between the two aircraft's owners
  (the ``incident_entry`` term of the agreement in force between them, else
  ``tactical.DEFAULT_INCIDENT_FIELDS``: positions, levels, velocities at the closest point, the minimum
  separation, times), plus ``incident_id`` and ``trails_sha256``, the SHA-256 of the private trails' RFC 8785
  bytes: a commitment that tells nothing of them yet binds the recorder to them, so trails disclosed later can
  be checked against the entry signed at the time;
* a **private record** (``incident_records``, never replicated): the two tracks' observed states from
  ``incident_history_s`` before the start to the end (``history``), the closest approach, the thresholds, and
  what the entry shared (``shared``, ``fields``, ``fields_from``). Only the recorder reads it
  (``GET /incidents``, ``node/_visibility.py`` ``incident_for``).

A recorder's duty or senior desk **discloses** a record (``POST /incidents/{id}/disclose``, ``{"to": [...],
"case_id": ...}``): a signed ``incident.disclosed`` entry naming the incident, the recorded entry, the parties,
the case (if any) and the commitment; an ``incident.disclosed`` event to the recorder and the named parties;
from then on each named party's officers on this node read the record, trails included. Nobody else does.
A disclosure for a case names parties of that case only. Disclosures add; none is ever taken back (what was
read cannot be unread).

**Across nodes** (one node per party): the two entries replicate like any other; the record does not. A node
that replicates an ``incident.disclosed`` entry naming a party it hosts fetches the record from the recorder's
node (``GET /api/v1/federation/incidents/{id}``, its peer token: the recorder's node answers only for a record
disclosed to that peer's party, ``node/_incident_fetch.py``), checks the trails against the ``trails_sha256``
both signed entries hold, and keeps it, so the named party's officers read it on their own node. A record
whose trails do not hash to the signed value is refused and not kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import rfc8785

from airparley import bounds
from airparley.errors import InvalidInput, NotFound, PermissionDenied
from airparley.hotline import ResolvedTerms, incident_fields
from airparley.ledger import Entry, Kind
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._visibility import incident_for
from airparley.store import Officer, Tx
from airparley.tactical import DEFAULT_INCIDENT_FIELDS, Encounter, incident_entry

__all__ = [
    "FieldsFor",
    "IncidentRecords",
    "agreed_fields",
    "default_fields",
    "trails_sha256",
]

#: Which field groups an incident entry between two owners may carry, and where that came from ("default",
#: or "agreement <id> v<version>"), read in the recording transaction at the time of recording.
FieldsFor = Callable[[Tx, tuple[str, str], datetime], tuple[tuple[str, ...], str]]

_CASE_ID: Final = re.compile(r"[A-Za-z0-9._:-]+")


def default_fields(_tx: Tx, _owners: tuple[str, str], _now: datetime) -> tuple[tuple[str, ...], str]:
    """No agreement consulted: the default groups."""
    return tuple(DEFAULT_INCIDENT_FIELDS), "default"


def agreed_fields(terms_between: Callable[[Collection[str]], ResolvedTerms]) -> FieldsFor:
    """The groups the agreement in force between the two owners allows (``hotline.incident_fields``)."""

    def fields_for(_tx: Tx, owners: tuple[str, str], _now: datetime) -> tuple[tuple[str, ...], str]:
        return incident_fields(owners, terms_between)

    return fields_for


def trails_sha256(trails: Mapping[str, Any]) -> str:
    """The commitment to a record's trails: SHA-256 of their RFC 8785 (JCS) bytes, 64 hex digits."""
    return hashlib.sha256(rfc8785.dumps(dict(trails))).hexdigest()


def _plain(value: Any) -> Any:
    """An entry body's read-only views (mappings, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _iso(moment: datetime | float) -> str:
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class _Disclosure:
    recipients: tuple[str, ...]
    case_id: str | None


def _parse_disclosure(body: Any) -> _Disclosure:
    if not isinstance(body, Mapping):
        raise InvalidInput("(body)", 'must be an object {"to": ["RUS"], "case_id": ...}')
    unknown = sorted(set(body) - {"to", "case_id"})
    if unknown:
        raise InvalidInput(unknown[0], "unknown field (allowed: to, case_id)")
    if "to" not in body:
        raise InvalidInput("to", 'missing: the parties to disclose the trails to, e.g. ["RUS"]')
    items = bounds.count(body["to"], "to", "disclose_to")
    recipients = [bounds.party_code(item, f"to.{i}") for i, item in enumerate(items)]
    if len(set(recipients)) != len(recipients):
        raise InvalidInput("to", "names a party twice")
    case_id = body.get("case_id")
    if case_id is not None:
        case_id = bounds.pattern_text(case_id, "case_id", "record_id", _CASE_ID, "a case id (GET /cases)")
    return _Disclosure(tuple(sorted(recipients)), case_id)


class IncidentRecords:
    """Records incidents (the shared entry and the private record) and discloses them; the module docstring."""

    def __init__(self, ledger: LedgerWriter, fields_for: FieldsFor = default_fields) -> None:
        self.ledger = ledger
        self.fields_for = fields_for

    # -- recording --------------------------------------------------------------------------------------
    def record(
        self,
        tx: Tx,
        party: str,
        encounter: Encounter,
        tracks: tuple[str, str],
        history: Mapping[str, list[dict[str, Any]]],
        now: datetime,
    ) -> dict[str, Any]:
        """Record an encounter ``party``'s picture saw between its tracks ``tracks`` (ids in that picture),
        with their ``history``: the signed entry (if this node holds ``party``'s key), the private record and
        the ``incident.recorded`` event to ``party``. Returns the record as ``party`` reads it."""
        started = _iso(encounter.start_s)
        seed = f"{party}|{tracks[0]}|{tracks[1]}|{started}".encode()
        incident_id = f"incident-{hashlib.sha256(seed).hexdigest()[:20]}"
        owners = (encounter.a.party, encounter.b.party)
        fields, fields_from = self.fields_for(tx, owners, now)
        commitment = trails_sha256(history)
        shared = {"incident_id": incident_id, **incident_entry(encounter, fields), "trails_sha256": commitment}
        entry = None
        if party in self.ledger.hosted:
            signed = self.ledger.record(tx, party, Kind.INCIDENT_RECORDED, shared, now)
            entry = {"party": signed.party, "seq": signed.seq, "hash": signed.hash}
        record = {
            "incident_id": incident_id,
            "party": party,
            "tracks": list(tracks),
            "owners": list(owners),
            "started": started,
            "ended": _iso(encounter.end_s),
            "min_separation": {
                "at": _iso(encounter.min_time_s),
                "horizontal_nm": round(encounter.min_h_nm, 3),
                "vertical_ft": round(encounter.min_v_ft, 1),
            },
            "thresholds": {"horizontal_nm": encounter.h_nm, "vertical_ft": encounter.v_ft},
            "history": {track: list(states) for track, states in history.items()},
            "trails_sha256": commitment,
            "fields": list(shared["fields"]),
            "fields_from": fields_from,
            "shared": shared,
            "entry": entry,
            "recorded_at": _iso(now),
        }
        tx.put_incident_record(incident_id, party, now, record)
        view = incident_for(party, {**record, "disclosures": []})
        tx.append_event(EventKind.INCIDENT_RECORDED, [party], {party: view}, now)
        return view if view is not None else {}

    # -- disclosing -------------------------------------------------------------------------------------
    def disclose(self, tx: Tx, officer: Officer, incident_id: str, body: Any, now: datetime) -> dict[str, Any]:
        """Disclose one of the officer's party's records to named parties (a signed ``incident.disclosed``)."""
        record = self._readable(tx, officer.party, incident_id)
        if record["party"] != officer.party:
            raise PermissionDenied(f"only {record['party']}'s desks may disclose {record['party']}'s incident")
        request = _parse_disclosure(body)
        already = {p for d in record["disclosures"] for p in d["to"]}
        for i, code in enumerate(request.recipients):
            if code == officer.party:
                raise InvalidInput(f"to.{i}", f"{code} is your own party: it holds the record already")
            if tx.party(code) is None:
                raise InvalidInput(f"to.{i}", f"unknown party {code!r}")
            if code in already:
                raise InvalidInput(f"to.{i}", f"{incident_id} is already disclosed to {code}")
        if request.case_id is not None:
            stored = tx.case(request.case_id)
            if stored is None or officer.party not in stored.case.parties:
                raise NotFound("case", request.case_id)
            outside = [p for p in request.recipients if p not in stored.case.parties]
            if outside:
                raise InvalidInput("to", f"{', '.join(outside)} is not a party of case {request.case_id}")
        disclosure: dict[str, Any] = {
            "incident_id": incident_id,
            "recorded": record["entry"],
            "to": list(request.recipients),
            "case_id": request.case_id,
            "trails_sha256": record["trails_sha256"],
            "disclosed_by": officer.id,
            "disclosed_at": _iso(now),
        }
        signed = self.ledger.record(tx, officer.party, Kind.INCIDENT_DISCLOSED, disclosure, now)
        disclosure["entry"] = {"party": signed.party, "seq": signed.seq, "hash": signed.hash}
        for code in request.recipients:
            tx.add_incident_disclosure(incident_id, code, now, disclosure)
        after = {**record, "disclosures": [*record["disclosures"], disclosure]}
        audience = [officer.party, *request.recipients]
        payloads = {p: view for p in audience if (view := incident_for(p, after)) is not None}
        tx.append_event(EventKind.INCIDENT_DISCLOSED, payloads.keys(), payloads, now)
        return {"incident": payloads[officer.party], "disclosure": disclosure}

    # -- disclosed records from other nodes ----------------------------------------------------------------
    def pending(self, tx: Tx, recorder: str) -> dict[str, list[Entry]]:
        """``recorder``'s ``incident.disclosed`` entries (replicated here) that name a party this node hosts and
        that this node has not applied yet, by incident."""
        waiting: dict[str, list[Entry]] = {}
        for line in tx.ledger_feed(recorder, kind=Kind.INCIDENT_DISCLOSED.value):
            entry = Entry.from_json(line)
            incident_id, named = entry.body.get("incident_id"), entry.body.get("to")
            if not isinstance(incident_id, str) or not isinstance(named, list | tuple):
                continue
            hosted = [p for p in named if p in self.ledger.hosted]
            record = tx.incident_record(incident_id) if hosted else None
            held = {d["entry"]["hash"] for d in record.disclosures} if record is not None else set()
            if hosted and entry.hash not in held:
                waiting.setdefault(incident_id, []).append(entry)
        return waiting

    def accept_disclosed(
        self, tx: Tx, recorder: str, incident_id: str, record: Any, disclosures: list[Entry], now: datetime
    ) -> None:
        """Keep a record ``recorder``'s node disclosed to parties this node hosts, checked against the signed
        entries held here (``InvalidInput`` naming what does not match; nothing is kept then)."""
        held = tx.incident_record(incident_id)
        if held is None:
            record, recorded_at = self._checked_copy(tx, recorder, incident_id, record, disclosures)
            tx.put_incident_record(incident_id, recorder, recorded_at, record)
        base = held.as_dict() if held is not None else {**record, "disclosures": []}
        for entry in disclosures:
            document = {**_plain(entry.body), "entry": {"party": entry.party, "seq": entry.seq, "hash": entry.hash}}
            for code in entry.body["to"]:
                if code in self.ledger.hosted:
                    tx.add_incident_disclosure(incident_id, code, entry.time, document)
            base = {**base, "disclosures": [*base["disclosures"], document]}
        named = sorted({p for e in disclosures for p in e.body["to"] if p in self.ledger.hosted})
        payloads = {p: view for p in named if (view := incident_for(p, base)) is not None}
        tx.append_event(EventKind.INCIDENT_DISCLOSED, payloads.keys(), payloads, now)

    @staticmethod
    def _checked_copy(
        tx: Tx, recorder: str, incident_id: str, record: Any, disclosures: list[Entry]
    ) -> tuple[dict[str, Any], datetime]:
        if not isinstance(record, Mapping):
            raise InvalidInput("(record)", "must be an incident record object")
        bounds.check_json(record)
        if record.get("incident_id") != incident_id or record.get("party") != recorder:
            raise InvalidInput("incident_id", f"the record is not {recorder}'s {incident_id}")
        history = record.get("history")
        if not isinstance(history, Mapping) or not all(isinstance(v, list) for v in history.values()):
            raise InvalidInput("history", "must map each track to its list of states")
        digest = trails_sha256(history)
        for entry in disclosures:
            if entry.body.get("trails_sha256") != digest:
                raise InvalidInput("history", f"does not hash to the trails_sha256 {recorder} signed in {entry.kind}")
        recorded = disclosures[0].body.get("recorded")
        if not isinstance(recorded, Mapping) or not isinstance(recorded.get("seq"), int):
            raise InvalidInput("recorded", f"{recorder}'s disclosure names no incident.recorded entry")
        signed = tx.ledger_entry(recorder, recorded["seq"])
        if signed is None or signed.hash != recorded.get("hash") or signed.body.get("trails_sha256") != digest:
            raise InvalidInput("history", f"does not match {recorder}'s signed incident.recorded entry")
        if signed.body.get("incident_id") != incident_id:
            raise InvalidInput("incident_id", "the disclosure names another incident than its recorded entry")
        kept = {key: value for key, value in record.items() if key != "disclosures"}
        return {**kept, "shared": _plain(signed.body), "trails_sha256": digest}, signed.time

    def disclosed_to(self, tx: Tx, party: str, incident_id: str) -> dict[str, Any]:
        """A record a party this node hosts recorded, as disclosed to ``party`` (a peer node asking for it)."""
        record = self._record(tx, incident_id) if bounds.is_plain_id(incident_id) else None
        if record is None or record["party"] not in self.ledger.hosted:
            raise NotFound("incident", incident_id)
        view = incident_for(party, record)
        if view is None or party == record["party"]:
            raise NotFound("incident", incident_id)
        return view

    # -- reading ----------------------------------------------------------------------------------------
    def incidents_for(self, tx: Tx, party: str) -> list[dict[str, Any]]:
        """The records ``party`` made and those disclosed to it, newest first, shaped for it."""
        records = (self._record(tx, i) for i in tx.incident_ids_for(party))
        views = (incident_for(party, r) for r in records if r is not None)
        return [v for v in views if v is not None]

    def incident_for(self, tx: Tx, party: str, incident_id: str) -> dict[str, Any]:
        view = incident_for(party, self._readable(tx, party, incident_id))
        assert view is not None  # _readable found it readable
        return view

    def _readable(self, tx: Tx, party: str, incident_id: str) -> dict[str, Any]:
        # An id that is not plain is never an incident's; not looked up, and the answer is the same 404 as for
        # a record the party may not read (a refusal would say that the record exists).
        record = self._record(tx, incident_id) if bounds.is_plain_id(incident_id) else None
        if record is None or incident_for(party, record) is None:
            raise NotFound("incident", incident_id)
        return record

    @staticmethod
    def _record(tx: Tx, incident_id: str) -> dict[str, Any] | None:
        record = tx.incident_record(incident_id)
        if record is None:
            return None
        # One disclosure act is one row per named party, each holding the whole act: one act, listed once.
        acts: dict[str, dict[str, Any]] = {}
        for document in record.disclosures:
            acts.setdefault(document["entry"]["hash"], dict(document))
        return {**record.as_dict(), "disclosures": list(acts.values())}
