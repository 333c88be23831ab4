"""Incidents: encounters below 0.5 NM and 500 ft, found from time series, against a naive reference."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, destination, ecef
from airparley.tactical import Incident, IncidentSettings, TrackState, TrackStates, find_incidents

T0 = 1795662000.0


def flight(
    track_id: str,
    party: str,
    lon: float,
    lat: float,
    trk_deg: float,
    gs_kt: float,
    alt_ft: float,
    times: np.ndarray,
    vs_fpm: float = 0.0,
) -> list[TrackState]:
    """States of one straight flight that is at (lon, lat) at ``T0``, observed at ``T0 + times``."""
    lon_t, lat_t = destination(lon, lat, trk_deg, gs_kt * times / 3600.0)
    lon_t = np.where(times < 0, destination(lon, lat, trk_deg + 180.0, gs_kt * -times / 3600.0)[0], lon_t)
    lat_t = np.where(times < 0, destination(lon, lat, trk_deg + 180.0, gs_kt * -times / 3600.0)[1], lat_t)
    return [
        TrackState(
            track_id,
            party,
            T0 + float(t),
            float(la),
            float(lo),
            alt_ft + vs_fpm * float(t) / 60.0,
            gs_kt,
            trk_deg,
            vs_fpm,
        )
        for t, lo, la in zip(times, lon_t, lat_t, strict=True)
    ]


def crossing(miss_nm: float, dalt_ft: float, every_s: float = 4.0, offset_s: float = 1.0) -> TrackStates:
    """An AWACS northbound through Palmyra at T0, a fighter eastbound crossing ``miss_nm`` north of there.

    The AWACS moves too: the closest approach is ``miss_nm * 450 / hypot(360, 450)``, 0.78 of the miss.
    """
    times = np.arange(-300.0, 300.0, every_s)
    awacs = flight("USA-E3-1", "USA", 38.27, 34.56, 0.0, 360.0, 29000.0, times)
    lon_f, lat_f = destination(38.27, 34.56, 0.0, miss_nm)
    fighter = flight("RUS-SU35-1", "RUS", float(lon_f), float(lat_f), 90.0, 450.0, 29000.0 + dalt_ft, times + offset_s)
    return TrackStates.from_states(awacs + fighter)


def test_a_crossing_gives_one_incident_with_its_closest_point() -> None:
    incidents = find_incidents(crossing(0.0, 200.0))
    assert len(incidents) == 1
    incident = incidents[0]
    assert (incident.id_a, incident.id_b) == ("RUS-SU35-1", "USA-E3-1")
    assert (incident.party_a, incident.party_b) == ("RUS", "USA")
    # relative speed hypot(360, 450) = 576.3 kt: under 0.5 NM for 3.12 s either side of T0
    assert incident.min_time_s == T0
    assert incident.min_h_nm == pytest.approx(0.0, abs=2e-3)
    assert incident.min_v_ft == pytest.approx(200.0)
    assert incident.start_s == T0 - 3.0
    assert incident.end_s == T0 + 3.0
    assert incident.duration_s == 6.0
    # history: each track's states from 120 s before the start to the end
    for history in (incident.history_a, incident.history_b):
        assert len(set(history.id.tolist())) == 1
        assert history.time_s.min() >= incident.start_s - 120.0
        assert history.time_s.max() <= incident.end_s
        assert history.time_s.min() < incident.start_s - 115.0


@pytest.mark.parametrize(("miss_nm", "dalt_ft"), [(0.7, 0.0), (0.0, 500.0), (0.0, -520.0)])
def test_no_incident_outside_the_minima(miss_nm: float, dalt_ft: float) -> None:
    assert find_incidents(crossing(miss_nm, dalt_ft)) == []


def test_settings_move_the_minima() -> None:
    assert len(find_incidents(crossing(0.7, 0.0), IncidentSettings(h_nm=1.0))) == 1
    assert len(find_incidents(crossing(0.0, 600.0), IncidentSettings(v_ft=1000.0))) == 1
    with pytest.raises(InvalidInput) as caught:
        IncidentSettings(step_s=0.0)
    assert caught.value.field == "step_s"


def test_two_separate_passes_are_two_incidents() -> None:
    # a fighter orbiting through the AWACS's position twice: two runs separated by open air
    times = np.arange(0.0, 400.0, 2.0)
    still = flight("AWACS", "USA", 38.0, 34.0, 0.0, 0.0, 30000.0, times)
    lon_w, lat_w = destination(38.0, 34.0, 270.0, 10.0)
    out_and_back = [
        *flight("FTR", "RUS", float(lon_w), float(lat_w), 90.0, 360.0, 30000.0, np.arange(0.0, 200.0, 2.0)),
    ]
    lon_e, lat_e = destination(38.0, 34.0, 90.0, 10.0)
    back = flight("FTR", "RUS", float(lon_e), float(lat_e), 270.0, 360.0, 30000.0, np.arange(0.0, 200.0, 2.0))
    back = [dataclasses.replace(s, time_s=s.time_s + 200.0) for s in back]
    incidents = find_incidents(TrackStates.from_states(still + out_and_back + back))
    assert len(incidents) == 2
    assert incidents[0].start_s < incidents[1].start_s
    # each pass is at 100 s after its start: 10 NM at 360 kt
    assert [i.min_time_s - T0 for i in incidents] == pytest.approx([100.0, 300.0], abs=1.0)


def test_a_long_gap_is_not_interpolated() -> None:
    # the fighter is seen at -60 s and +60 s only: with a 60 s gap limit the 120 s gap stays unknown
    times = np.arange(-100.0, 100.0, 2.0)
    awacs = flight("AWACS", "USA", 38.27, 34.56, 0.0, 0.0, 29000.0, times)
    lon_w, lat_w = destination(38.27, 34.56, 270.0, 0.0)
    fighter = flight("FTR", "RUS", float(lon_w), float(lat_w), 90.0, 480.0, 29000.0, np.array([-60.0, 60.0]))
    states = TrackStates.from_states(awacs + fighter)
    assert find_incidents(states) == []
    assert len(find_incidents(states, IncidentSettings(max_gap_s=150.0))) == 1


def _naive(states: TrackStates, h_nm: float, v_ft: float) -> set[tuple[str, str, float]]:
    """Every (pair, step) below the minima, by interpolating every track and comparing every pair."""
    ids = sorted(set(states.id.tolist()))
    grid: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name in ids:
        mine = states.take(states.id == name)
        order = np.argsort(mine.time_s)
        t = mine.time_s[order]
        steps = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1.0)
        xyz = np.column_stack(ecef(mine.lon[order], mine.lat[order])) / M_PER_NM
        pos = np.column_stack([np.interp(steps, t, xyz[:, i]) for i in range(3)])
        grid[name] = (steps, pos, np.interp(steps, t, mine.alt_ft[order]))
    hits: set[tuple[str, str, float]] = set()
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            ta, pa, za = grid[a]
            tb, pb, zb = grid[b]
            common, ia, ib = np.intersect1d(ta, tb, return_indices=True)
            close = (np.linalg.norm(pa[ia] - pb[ib], axis=1) < h_nm) & (np.abs(za[ia] - zb[ib]) < v_ft)
            hits.update((a, b, float(t)) for t in common[close])
    return hits


def test_matches_a_naive_all_pairs_reference() -> None:
    rng = np.random.default_rng(2)
    rows: list[TrackState] = []
    n = 40
    for k in range(n):
        # tracks converge on a few points so that many pairs meet
        lon0, lat0 = destination(38.3, 34.5, rng.uniform(0, 360), rng.uniform(0, 3.0))
        times = np.sort(rng.choice(np.arange(-200.0, 200.0, 1.0), size=60, replace=False)) + rng.uniform(0, 1)
        rows += flight(
            f"T{k:02d}",
            "RUS" if k % 2 else "USA",
            float(lon0),
            float(lat0),
            float(rng.uniform(0, 360)),
            float(rng.uniform(100, 500)),
            float(rng.choice([20000.0, 20300.0, 21000.0])),
            times,
            float(rng.choice([0.0, 600.0])),
        )
    states = TrackStates.from_states(rows)
    settings = IncidentSettings(h_nm=0.8, v_ft=500.0, max_gap_s=1e9)
    incidents = find_incidents(states, settings)
    expected = _naive(states, 0.8, 500.0)
    covered = {(i.id_a, i.id_b, t) for i in incidents for t in np.arange(i.start_s, i.end_s + 1.0)}
    assert covered == expected
    assert len(incidents) > 5
    assert all(isinstance(i, Incident) and i.min_h_nm < 0.8 and i.min_v_ft < 500.0 for i in incidents)


def test_nothing_from_nothing(make_state: Callable[..., TrackState]) -> None:
    assert find_incidents(TrackStates.empty()) == []
    assert find_incidents(TrackStates.from_states([make_state("A", 34.0, 38.0)])) == []
