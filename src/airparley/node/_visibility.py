"""Who may see what: the one place that shapes every read and every event for a party.

Rules (DESIGN section 3):

* A party sees its own notices in full, private part included.
* It sees another party's notice only through a conflict with one of its own, and then only the
  overlap: the part of the other side's footprint within the lateral buffer of its own, the band and the
  window in conflict, and the shared fields the other side filed for others to see (kind, callsigns,
  contact frequency, priority, remarks). Never the other side's private part, never the rest of its
  volume.
* Messages are seen by their author's party and their recipients (a recipient sees its own receipt
  only, the author every one), rendered in the reader's language; cases by their parties.
* A non-responsive flag (a safety call about another party's aircraft that got no answer) is seen by the
  caller and by the aircraft's owner, and names that one aircraft only: the caller's track id and callsign,
  the message, its state at the call and at the flag (position, altitude, track, speed), the deadline and
  why. Nothing else of the caller's picture reaches the owner.
* A track share is seen by the sharing party in full and by each party it names, as if it named that party
  alone (a recipient does not learn who else was given the track); a third party sees nothing of it. The
  shared track's states reach a recipient only through its picture (``node._shares.SharedPictures``).
* A live demo's lag (its simulator behind the wall clock) is the exercise's, not any party's: every party
  sees the same note.
* An incident's private record (the recorder's trails, ``node/_incidents.py``) is seen by the recording party in
  full, and by a party an ``incident.disclosed`` act names, with the disclosures that name it. The two aircraft's
  owners and everyone else see only the signed ``incident.recorded`` entry (the encounter, not the picture).
* Events carry, per party of their audience, a payload already shaped by these functions.

Every function here returns plain JSON-ready data, or ``None`` for "this party may not see it".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airparley import hotline as hl
from airparley._time import iso_z
from airparley.store import StoredNotice
from airparley.strategic import Conflict, Notice, geojson_of, iso_utc, notices_to_geojson

__all__ = [
    "case_for",
    "conflict_for",
    "flag_for",
    "incident_for",
    "lag_for",
    "message_for",
    "notice_for",
    "notice_summary_for_other",
    "share_for",
]


def notice_for(viewer: str, stored: StoredNotice) -> dict[str, Any] | None:
    """The notice as GeoJSON, private part included, for its own party; ``None`` for anyone else."""
    if stored.notice.party != viewer:
        return None
    private = {stored.notice.notice_id: stored.private} if stored.private else None
    document: dict[str, Any] = notices_to_geojson([stored.notice], private)
    document["updated_at"] = iso_z(stored.updated_at)
    return document


def notice_summary_for_other(notice: Notice) -> dict[str, Any]:
    """What the other side filed *to be shared* about a notice: never volumes, never private."""
    return {
        "notice_id": notice.notice_id,
        "party": notice.party,
        "version": notice.version,
        "kind": str(notice.kind),
        "callsigns": list(notice.callsigns),
        "frequency_mhz": notice.frequency_mhz,
        "priority": str(notice.priority),
        "remarks": notice.remarks,
    }


def conflict_for(viewer: str, conflict: Conflict, notices: Mapping[str, Notice]) -> dict[str, Any] | None:
    """A conflict as one of its two parties sees it: its own side in full, the other side's overlap only."""
    if viewer not in (conflict.a.party, conflict.b.party):
        return None
    own_is_a = conflict.a.party == viewer
    own_ref, other_ref = (conflict.a, conflict.b) if own_is_a else (conflict.b, conflict.a)
    other_notice = notices.get(other_ref.notice_id)
    volumes = []
    for detail in conflict.volumes:
        own_part, other_part = (
            (detail.footprint_a, detail.footprint_b) if own_is_a else (detail.footprint_b, detail.footprint_a)
        )
        volumes.append(
            {
                "own_volume": detail.a_volume if own_is_a else detail.b_volume,
                "other_volume": detail.b_volume if own_is_a else detail.a_volume,
                "own_footprint": geojson_of(own_part),
                "other_footprint": geojson_of(other_part),
                "lower_ft": round(detail.lower_ft, 1),
                "upper_ft": round(detail.upper_ft, 1),
                "start": iso_utc(detail.start_s),
                "end": iso_utc(detail.end_s),
                "gaps": {
                    "lateral_nm": round(detail.lateral_gap_nm, 3),
                    "vertical_ft": round(detail.vertical_gap_ft, 1),
                    "time_min": round(detail.time_gap_min, 2),
                },
            }
        )
    other = notice_summary_for_other(other_notice) if other_notice is not None else other_ref.as_dict()
    return {
        "id": conflict.id,
        "own": own_ref.as_dict(),
        "other": other,
        "overlap": {
            "footprint": geojson_of(conflict.footprint()),
            "lower_ft": round(conflict.lower_ft, 1),
            "upper_ft": round(conflict.upper_ft, 1),
            "start": iso_utc(conflict.start_s),
            "end": iso_utc(conflict.end_s),
        },
        "buffers": conflict.buffers.as_dict(),
        "volumes": volumes,
    }


def message_for(viewer: str, message: hl.Message, language: str, catalogue: hl.Catalogue) -> dict[str, Any] | None:
    """A message for its author's party or a recipient party, rendered in the reader's language.

    A recipient sees its own receipt only; the author's party sees every recipient's.
    """
    if viewer != message.author.party and viewer not in message.recipients:
        return None
    document = message.as_dict()
    if viewer != message.author.party:
        document["receipts"] = [r for r in document.get("receipts", []) if r.get("party") == viewer]
    rendered = hl.render(message, language, catalogue)
    return {"message": document, "rendered": rendered.as_dict()}


def case_for(viewer: str, case: hl.Case) -> dict[str, Any] | None:
    """A case for one of its parties (both parties see the whole negotiation); ``None`` for others."""
    if viewer not in case.parties:
        return None
    return {"case": case.as_dict(), "awaiting": list(hl.awaiting_parties(case))}


def flag_for(viewer: str, watch: Mapping[str, Any]) -> dict[str, Any] | None:
    """A non-responsive flag (a closed non-response watch, as ``node._nonresponse.Watch.as_dict`` writes it)
    for the calling party or the aircraft's owner; ``None`` for anyone else."""
    if viewer not in (watch["caller"], watch["owner"]):
        return None
    flagged_at = watch.get("closed_at")
    return {
        "track": {"id": watch["track"], "party": watch["owner"], "callsign": watch.get("callsign") or ""},
        "message_id": watch["message_id"],
        "caller": watch["caller"],
        "owner": watch["owner"],
        "state": watch["state"],
        "called_at": watch["created_at"],
        "deadline": watch["deadline"],
        "flagged_at": flagged_at,
        "at_call": watch["at_call"],
        "now": watch.get("at_close"),
        "reason": watch.get("reason", ""),
        "escalated_to": "senior",
        "escalation": {
            "tier": "senior",
            "parties": sorted({watch["caller"], watch["owner"]}),
            "escalated_at": flagged_at,
        },
        "entry": watch.get("entry"),
    }


def share_for(viewer: str, share: Mapping[str, Any]) -> dict[str, Any] | None:
    """A track share (``node._shares.Share.as_dict``) for the sharing party, or for a party it names with the
    other recipients left out; ``None`` for anyone else."""
    if viewer == share["party"]:
        return dict(share)
    if viewer not in share["with"]:
        return None
    return {**share, "with": [viewer]}


def lag_for(viewer: str, behind_s: float, lagging: bool, note: str) -> dict[str, Any]:
    """A live demo's lag note, the same for every party (``viewer`` is any party: it names no party's
    aircraft or acts)."""
    del viewer  # one payload for all: nothing in it belongs to a party
    return {"behind_s": round(max(0.0, behind_s), 1), "lagging": lagging, "note": note}


def incident_for(viewer: str, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """An incident's private record (``node._incidents``, with its ``disclosures``) for the recording party, or
    for a party a disclosure names (with the disclosures that name it); ``None`` for anyone else."""
    if viewer == record["party"]:
        return dict(record)
    mine = [d for d in record.get("disclosures", []) if viewer in d["to"]]
    if not mine:
        return None
    return {**record, "disclosures": mine}
