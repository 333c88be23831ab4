"""A picture's alerts as a desk is told them: the rules the node's live scan and its replay share.

The candidate scan (:data:`CANDIDATE_SCAN`, 5 NM / 1,000 ft over 180 s) is a superset of every DO-365 alert
and of the caution cylinder, so only its pairs are alerted (:func:`alert_pairs`). An alert is reported as a
JSON object (:func:`alert_payload`): both aircraft (:func:`alert_side`, with ``shared_by`` when another
party shares the track), DAIDALUS' level and its name, the caution flag, one :func:`alert_severity` over all
of them, and the measures rounded to 3 decimals (None where nothing is predicted). The live picture's tracks
are :func:`picture_tracks`.

>>> alert_severity(0, False), alert_severity(0, True), alert_severity(1, True), alert_severity(3, False)
(0, 1, 2, 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley.tactical._daidalus import ALERT_LEVEL_NAMES, AlertingSettings, Alerts, FlightStates, alert_encounters
from airparley.tactical._encounters import AircraftAt
from airparley.tactical._scan import Conflicts, ScanSettings, scan_conflicts
from airparley.tactical._states import TrackStates, extrapolate_to

__all__ = [
    "CANDIDATE_SCAN",
    "PairAlerts",
    "aircraft_at",
    "alert_pairs",
    "alert_payload",
    "alert_severity",
    "alert_side",
    "alerts_at",
    "picture_tracks",
    "scan_containing",
]

#: The candidate scan: wide enough to contain every DO-365 level and the caution cylinder.
CANDIDATE_SCAN: Final = ScanSettings(rpz_nm=5.0, hpz_ft=1000.0, lookahead_s=180.0)


def scan_containing(h_nm: float, v_ft: float, scan: ScanSettings = CANDIDATE_SCAN) -> ScanSettings:
    """``scan`` grown, where needed, to a cylinder of ``h_nm`` and ``v_ft``: max(default, agreed), so pairs
    that are only inside agreed incident minima wider than the alert scan are still found (a wider scan finds
    more pairs, whose alerts are judged alike: it adds no alert)."""
    if h_nm <= scan.rpz_nm and v_ft <= scan.hpz_ft:
        return scan
    return ScanSettings(max(scan.rpz_nm, h_nm), max(scan.hpz_ft, v_ft), scan.lookahead_s)


def alert_severity(level: int, caution: bool) -> int:
    """One ordering of everything a desk can be told: none < caution < preventive < corrective < warning."""
    return 1 + level if level > 0 else (1 if caution else 0)


@dataclass(frozen=True)
class PairAlerts:
    """The candidate pairs of a picture flown to one instant (``found``) and the alert of each (``alerts``)."""

    found: Conflicts
    alerts: Alerts


def _flight_states(flown: TrackStates, rows: npt.NDArray[np.intp]) -> FlightStates:
    return FlightStates(
        flown.lat[rows], flown.lon[rows], flown.alt_ft[rows], flown.gs_kt[rows], flown.trk_deg[rows], flown.vs_fpm[rows]
    )


def alert_pairs(
    flown: TrackStates, alerting: AlertingSettings, at_s: float, scan: ScanSettings = CANDIDATE_SCAN
) -> PairAlerts | None:
    """The candidate pairs of ``flown`` (states at ``at_s``) and their alerts; None if no pair. ``scan`` is
    :data:`CANDIDATE_SCAN` or wider (never narrower: it must contain every alert), e.g. grown to the widest
    incident minima the parties agreed (:func:`scan_containing`)."""
    found = scan_conflicts(flown, scan, at_s=at_s)
    if not len(found):
        return None
    return PairAlerts(found, alert_encounters(_flight_states(flown, found.a), _flight_states(flown, found.b), alerting))


def alert_side(track_id: str, owner: str, callsign: str, shared: Mapping[str, str]) -> dict[str, Any]:
    """One aircraft of an alert; a track another party shares says whose report it is."""
    side: dict[str, Any] = {"id": track_id, "party": owner, "callsign": callsign}
    sharer = shared.get(track_id)
    if sharer is not None:
        side["shared_by"] = sharer
    return side


def _finite(value: Any) -> float | None:
    number = float(value)
    return round(number, 3) if np.isfinite(number) else None


def alert_payload(a: dict[str, Any], b: dict[str, Any], alerts: Alerts, k: int) -> dict[str, Any]:
    """The alert of pair ``k`` between sides ``a`` and ``b`` (:func:`alert_side`) as a desk is told it."""
    level, caution = int(alerts.level[k]), bool(alerts.caution[k])
    return {
        "a": a,
        "b": b,
        "level": level,
        "level_name": ALERT_LEVEL_NAMES[level],
        "caution": caution,
        "severity": alert_severity(level, caution),
        "time_to_lowc_s": _finite(alerts.time_to_lowc_s[k]),
        "hmd_nm": _finite(alerts.hmd_nm[k]),
        "tcpa_s": _finite(alerts.tcpa_s[k]),
        "dcpa_nm": _finite(alerts.dcpa_nm[k]),
        "horizontal_sep_nm": _finite(alerts.horizontal_sep_nm[k]),
        "vertical_sep_ft": _finite(alerts.vertical_sep_ft[k]),
    }


def alerts_at(
    states: TrackStates, at_s: float, alerting: AlertingSettings, shared: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The pairs of ``states`` that alert at ``at_s``, as the live scan reports them, most severe first."""
    if len(states) < 2:
        return []
    flown = extrapolate_to(states, at_s)
    pairs = alert_pairs(flown, alerting, at_s)
    if pairs is None:
        return []
    out: list[dict[str, Any]] = []
    for k, (a, b) in enumerate(zip(pairs.found.a.tolist(), pairs.found.b.tolist(), strict=True)):
        if alert_severity(int(pairs.alerts.level[k]), bool(pairs.alerts.caution[k])) == 0:
            continue
        side_a = alert_side(str(flown.id[a]), str(flown.party[a]), str(flown.callsign[a]), shared)
        side_b = alert_side(str(flown.id[b]), str(flown.party[b]), str(flown.callsign[b]), shared)
        out.append(alert_payload(side_a, side_b, pairs.alerts, k))
    return sorted(out, key=lambda x: (-x["severity"], x["a"]["id"], x["b"]["id"]))


def aircraft_at(flown: TrackStates, row: int) -> AircraftAt:
    """Row ``row`` of ``flown`` as one aircraft of an encounter."""
    return AircraftAt(
        track=str(flown.id[row]),
        party=str(flown.party[row]),
        lat=float(flown.lat[row]),
        lon=float(flown.lon[row]),
        alt_ft=float(flown.alt_ft[row]),
        gs_kt=float(flown.gs_kt[row]),
        trk_deg=float(flown.trk_deg[row]),
        vs_fpm=float(flown.vs_fpm[row]),
        callsign=str(flown.callsign[row]),
    )


def picture_tracks(states: TrackStates, worst: Mapping[str, int], shared: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each row of ``states`` as the live picture carries it: the state, its ``severity`` (``worst``, else 0) and
    ``shared_by`` for a track another party shares.

    Built column by column: at 20,000 tracks a second a TrackState, a dict merge and eight round() calls per row
    cost more than the conflict scan. NumPy rounds k / 10^d like round() except at near-ties, where the last kept
    digit may differ by one."""
    columns = zip(
        states.id.tolist(),
        states.party.tolist(),
        np.round(states.time_s, 3).tolist(),
        np.round(states.lat, 6).tolist(),
        np.round(states.lon, 6).tolist(),
        np.round(states.alt_ft, 1).tolist(),
        np.round(states.gs_kt, 1).tolist(),
        np.round(states.trk_deg, 1).tolist(),
        np.round(states.vs_fpm, 1).tolist(),
        states.callsign.tolist(),
        states.source.tolist(),
        strict=True,
    )
    tracks = [
        {
            "id": track_id,
            "party": owner,
            "time_s": time_s,
            "lat": lat,
            "lon": lon,
            "alt_ft": alt_ft,
            "gs_kt": gs_kt,
            "trk_deg": trk_deg,
            "vs_fpm": vs_fpm,
            "callsign": callsign,
            "source": source,
            "severity": worst.get(track_id, 0),
        }
        for track_id, owner, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign, source in columns
    ]
    for track in tracks if shared else ():
        sharer = shared.get(track["id"])
        if sharer is not None:
            track["shared_by"] = sharer
    return tracks
