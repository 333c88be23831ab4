"""What each sensor reports of the simulated truth, tick by tick, with its noise (pure, seeded).

A sensor ticks at ``offset_s``, ``offset_s + update_s``, ... (each tick taken at the nearest simulation
step). At a tick it reports every flying aircraft within one of its coverage circles (geodesic distance
from the circle's centre, a fixed point or the aircraft carrying the sensor). Positions get Gaussian noise
of ``position_nm`` (east and north, each) and altitudes of ``alt_ft``; ground speed, track and vertical
speed are reported as flown (a tracker's smoothed estimate). The aircraft that carries the sensor reports
its own state without noise (from its navigation system).

``identify: all`` reports each aircraft's true party, callsign and id (as a fused, identified picture);
``identify: own`` only its own party's, and another party's aircraft as ``UNKNOWN`` under a track number of
the sensor (``KHMEIMIM-T004``, the aircraft's position in the scenario, so it is stable).

Noise comes from one NumPy generator per sensor seeded with ``(seed, sensor index)``, and every tick draws
for every aircraft whether seen or not: the same seed gives the same reports, and one sensor's draws never
depend on another's or on what it happens to see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airparley.geo import M_PER_NM, WGS84, distance_nm
from airparley.sim._kinematics import Truth
from airparley.sim._model import Scenario, Sensor
from airparley.tactical import UNKNOWN_PARTY, TrackStates

__all__ = ["SensorReport", "sensor_reports"]


@dataclass(frozen=True, eq=False)
class SensorReport:
    """One sensor's picture at one tick: ``t_s`` seconds after the start, posted by ``party``."""

    t_s: float
    sensor: str
    party: str
    states: TrackStates


def _tick_times(sensor: Sensor, duration_s: float) -> npt.NDArray[np.float64]:
    return np.arange(sensor.offset_s, duration_s + 1e-9, sensor.update_s, dtype=np.float64)


def _visible(scenario: Scenario, sensor: Sensor, truth: Truth, k: int) -> npt.NDArray[np.bool_]:
    active: npt.NDArray[np.bool_] = truth.active[k]
    seen = np.zeros(active.size, dtype=bool)
    lat, lon = truth.lat[k], truth.lon[k]
    for circle in sensor.coverage:
        if circle.aircraft is not None:
            carrier = scenario.aircraft_index(circle.aircraft)
            if not active[carrier]:
                continue
            c_lat, c_lon = lat[carrier], lon[carrier]
        else:
            c_lat, c_lon = circle.lat, circle.lon
        with np.errstate(invalid="ignore"):
            near = np.zeros(active.size, dtype=bool)
            on = np.flatnonzero(active)
            near[on] = distance_nm(c_lon, c_lat, lon[on], lat[on]) <= circle.radius_nm
        seen |= near
    return seen & active


def _report(scenario: Scenario, sensor: Sensor, truth: Truth, k: int, rng: np.random.Generator) -> TrackStates:
    n = len(scenario.aircraft)
    north_nm = rng.normal(0.0, 1.0, n) * sensor.position_noise_nm
    east_nm = rng.normal(0.0, 1.0, n) * sensor.position_noise_nm
    alt_noise = rng.normal(0.0, 1.0, n) * sensor.alt_noise_ft
    carriers = [scenario.aircraft_index(c.aircraft) for c in sensor.coverage if c.aircraft is not None]
    for i in carriers:
        north_nm[i] = east_nm[i] = alt_noise[i] = 0.0
    seen = np.flatnonzero(_visible(scenario, sensor, truth, k))
    lat, lon = truth.lat[k, seen], truth.lon[k, seen]
    offset_nm = np.hypot(east_nm[seen], north_nm[seen])
    azimuth = np.degrees(np.arctan2(east_nm[seen], north_nm[seen]))
    if seen.size:
        new_lon, new_lat, _ = WGS84.fwd(lon, lat, azimuth, offset_nm * M_PER_NM)
        moved = offset_nm > 0.0
        lon = np.where(moved, np.clip(np.asarray(new_lon, dtype=np.float64), -180.0, 180.0), lon)
        lat = np.where(moved, np.clip(np.asarray(new_lat, dtype=np.float64), -90.0, 90.0), lat)
    parties = np.asarray(truth.parties, dtype=np.str_)[seen]
    ids = np.asarray(truth.ids, dtype=np.str_)[seen]
    callsigns = np.asarray(truth.callsigns, dtype=np.str_)[seen]
    if sensor.identify == "own":
        other = parties != sensor.party
        numbers = np.asarray([f"{sensor.name}-T{i + 1:03d}" for i in seen], dtype=np.str_)
        ids = np.where(other, numbers, ids)
        parties = np.where(other, UNKNOWN_PARTY, parties)
        callsigns = np.where(other, "", callsigns)
    return TrackStates(
        id=ids,
        party=parties,
        time_s=np.full(seen.size, truth.start_s + float(truth.t_s[k])),
        lat=lat,
        lon=lon,
        alt_ft=truth.alt_ft[k, seen] + alt_noise[seen],
        gs_kt=truth.gs_kt[k, seen],
        trk_deg=truth.trk_deg[k, seen],
        vs_fpm=truth.vs_fpm[k, seen],
        callsign=callsigns,
        source=np.full(seen.size, sensor.name),
    )


def sensor_reports(scenario: Scenario, truth: Truth, seed: int) -> list[SensorReport]:
    """Every sensor's reports over the run, in time order (sensors in scenario order within a time)."""
    duration = float(truth.t_s[-1])
    reports: list[SensorReport] = []
    for j, sensor in enumerate(scenario.sensors):
        rng = np.random.default_rng([seed, j])
        for t in _tick_times(sensor, duration):
            k = truth.step_at(float(t))
            states = _report(scenario, sensor, truth, k, rng)
            reports.append(SensorReport(float(truth.t_s[k]), sensor.name, sensor.party, states))
    order = {s.name: j for j, s in enumerate(scenario.sensors)}
    reports.sort(key=lambda r: (r.t_s, order[r.sensor]))
    return reports
