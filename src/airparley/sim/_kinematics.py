"""The kinematic simulator: every aircraft of a scenario flown step by step within its limits (pure).

Frames and units: WGS84 degrees, feet MSL, knots, degrees true, feet per minute; ``t_s`` is seconds from
the scenario's start. All aircraft advance together, as NumPy columns, one step (``step_s``) at a time:

1. **Guidance.** Each aircraft flies direct to its current waypoint (a geodesic). It moves on to the next
   one when within the fly-by lead distance ``r * tan(change / 2)`` (``r`` its turn radius at its speed,
   ``change`` the course change at the waypoint; at least 0.2 NM), or when the waypoint is behind it and
   within reach of a turn. An orbit is a loop of waypoints around a circle or a racetrack, flown ``laps``
   times. After its last waypoint an aircraft flies straight on.
2. **Limits.** The track turns towards the desired one at most ``turn_rate_deg_s`` per second, the ground
   speed changes by at most ``accel_kt_s`` per second, the vertical speed captures the target altitude
   (``(target - alt) / 20 s``, at least 500 ft/min until it is reached) within ``climb_fpm`` and
   ``descent_fpm``.
3. **Motion.** The aircraft flies ``gs * step`` along the geodesic leaving at the mean of its old and new
   track; the new track is the geodesic's azimuth on arrival plus the other half of the turn.

Scripted deviations override the desired heading, altitude or speed for a while; a message or a safety call
``about`` an aircraft makes its pilot deviate as its ``response`` says, unless the pilot ignores calls then.
No randomness: the same scenario always flies the same way (noise belongs to the sensors).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from airparley.geo import M_PER_NM, WGS84, LocalFrame, inverse
from airparley.sim._model import (
    Aircraft,
    CallEvent,
    DeviateEvent,
    Deviation,
    IgnoreCallsEvent,
    MessageEvent,
    Orbit,
    SafetyCallEvent,
    Scenario,
)
from airparley.tactical import TrackStates

__all__ = ["Response", "Truth", "orbit_waypoints", "responses", "simulate"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Seconds over which the vertical speed closes the altitude error (before the climb limits).
ALTITUDE_CAPTURE_S: Final = 20.0
#: The slowest vertical speed of a capture, so that it ends (the last step lands on the altitude), ft/min.
MIN_CAPTURE_FPM: Final = 500.0
#: The smallest distance at which a waypoint counts as reached, NM.
MIN_LEAD_NM: Final = 0.2
#: Angular spacing of the waypoints that draw an orbit's turns, degrees.
ORBIT_STEP_DEG: Final = 15.0


def _wrap180(angle: FloatArray) -> FloatArray:
    return np.mod(angle + 180.0, 360.0) - 180.0


@dataclass(frozen=True, eq=False)
class Truth:
    """Where every aircraft really was: ``(steps, aircraft)`` columns, NaN where not yet flying."""

    ids: tuple[str, ...]
    parties: tuple[str, ...]
    callsigns: tuple[str, ...]
    start_s: float
    t_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_ft: FloatArray
    gs_kt: FloatArray
    trk_deg: FloatArray
    vs_fpm: FloatArray
    active: BoolArray

    def step_at(self, t_s: float) -> int:
        """The index of the step nearest ``t_s`` (clipped to the run)."""
        step = float(self.t_s[1] - self.t_s[0]) if self.t_s.size > 1 else 1.0
        return int(np.clip(round(t_s / step), 0, self.t_s.size - 1))

    def states(self, k: int, source: str = "truth") -> TrackStates:
        """The flying aircraft at step ``k`` as track states (true party, callsign and id)."""
        on = np.flatnonzero(self.active[k])
        return TrackStates(
            id=np.asarray(self.ids, dtype=np.str_)[on],
            party=np.asarray(self.parties, dtype=np.str_)[on],
            time_s=np.full(on.size, self.start_s + float(self.t_s[k])),
            lat=self.lat[k, on],
            lon=self.lon[k, on],
            alt_ft=self.alt_ft[k, on],
            gs_kt=self.gs_kt[k, on],
            trk_deg=self.trk_deg[k, on],
            vs_fpm=self.vs_fpm[k, on],
            callsign=np.asarray(self.callsigns, dtype=np.str_)[on],
            source=np.full(on.size, source),
        )


@dataclass(frozen=True)
class Response:
    """What came of a message or safety call about an aircraft: whether its pilot complied, and the deviation
    if so."""

    event: CallEvent
    complied: bool


def orbit_waypoints(orbit: Orbit, entry: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """The (lat, lon) points of one lap of an orbit, in flying order.

    A circle starts at the point nearest ``entry`` (north of the centre without one); a racetrack at the
    start of the leg from its first point towards its second.
    """
    sign = 1.0 if orbit.turn == "right" else -1.0
    r_m = orbit.radius_nm * 1852.0
    steps = np.arange(0.0, 180.0, ORBIT_STEP_DEG)
    if len(orbit.points) == 1:
        (lat0, lon0) = orbit.points[0]
        frame = LocalFrame(lon0, lat0)
        start = 0.0
        if entry is not None:
            ex, ey = frame.to_xy(entry[1], entry[0])
            start = math.degrees(math.atan2(float(ex), float(ey)))
        bearings = np.radians(start + sign * np.arange(0.0, 360.0, ORBIT_STEP_DEG))
        x, y = r_m * np.sin(bearings), r_m * np.cos(bearings)
    else:
        (lat_a, lon_a), (lat_b, lon_b) = orbit.points
        frame = LocalFrame((lon_a + lon_b) / 2.0, (lat_a + lat_b) / 2.0)
        ax, ay = (float(v) for v in frame.to_xy(lon_a, lat_a))
        bx, by = (float(v) for v in frame.to_xy(lon_b, lat_b))
        length = math.hypot(bx - ax, by - ay)
        ux, uy = ((bx - ax) / length, (by - ay) / length) if length > 0 else (0.0, 1.0)
        nx, ny = sign * uy, -sign * ux  # the side the turns are towards
        theta = np.radians(steps)
        # around B from the outer side (-n) through +u to the inner side (+n), then around A back to -n
        bx_arc = bx + r_m * (np.cos(theta) * -nx + np.sin(theta) * ux)
        by_arc = by + r_m * (np.cos(theta) * -ny + np.sin(theta) * uy)
        ax_arc = ax + r_m * (np.cos(theta) * nx - np.sin(theta) * ux)
        ay_arc = ay + r_m * (np.cos(theta) * ny - np.sin(theta) * uy)
        x = np.concatenate([[ax - nx * r_m], bx_arc, ax_arc])
        y = np.concatenate([[ay - ny * r_m], by_arc, ay_arc])
    lon, lat = frame.to_lonlat(x, y)
    return [(float(a), float(o)) for a, o in zip(lat, lon, strict=True)]


@dataclass
class _Plan:
    """Every aircraft's waypoints as padded ``(aircraft, waypoints)`` columns."""

    lat: FloatArray
    lon: FloatArray
    alt_ft: FloatArray
    speed_kt: FloatArray
    change_deg: FloatArray  # course change at each waypoint, for the fly-by lead
    count: npt.NDArray[np.intp]
    loop_start: npt.NDArray[np.intp]  # -1: no orbit
    laps: npt.NDArray[np.intp]  # -1: until the end


def _waypoints(aircraft: Aircraft) -> tuple[list[tuple[float, float, float, float]], int, int]:
    points = [(w.lat, w.lon, w.alt_ft, w.speed_kt) for w in aircraft.route]
    loop_start, laps = -1, -1
    if aircraft.orbit is not None:
        orbit = aircraft.orbit
        entry = (points[-1][0], points[-1][1]) if points else None
        loop_start = len(points)
        laps = orbit.laps if orbit.laps is not None else -1
        points.extend((lat, lon, orbit.alt_ft, orbit.speed_kt) for lat, lon in orbit_waypoints(orbit, entry))
    return points, loop_start, laps


def _plan(aircraft: tuple[Aircraft, ...]) -> _Plan:
    routes = [_waypoints(a) for a in aircraft]
    width = max(len(points) for points, _, _ in routes)
    n = len(aircraft)
    columns = {name: np.full((n, width), np.nan) for name in ("lat", "lon", "alt_ft", "speed_kt", "change_deg")}
    count = np.zeros(n, dtype=np.intp)
    loop_start = np.full(n, -1, dtype=np.intp)
    laps = np.full(n, -1, dtype=np.intp)
    for i, (points, start, lap_count) in enumerate(routes):
        arr = np.asarray(points, dtype=np.float64)
        m = len(points)
        count[i], loop_start[i], laps[i] = m, start, lap_count
        for j, name in enumerate(("lat", "lon", "alt_ft", "speed_kt")):
            columns[name][i, :m] = arr[:, j]
        # course change at each waypoint: inbound leg vs outbound leg (the loop closes on itself)
        nxt = np.arange(1, m + 1)
        if start >= 0:
            nxt[-1] = start
        else:
            nxt[-1] = m - 1
        prev = np.concatenate([[0], np.arange(m - 1)])
        az_in, _ = inverse(arr[prev, 1], arr[prev, 0], arr[:, 1], arr[:, 0])
        az_out, _ = inverse(arr[:, 1], arr[:, 0], arr[nxt, 1], arr[nxt, 0])
        change = np.abs(_wrap180(az_out - az_in))
        change[0] = 0.0
        if start < 0:
            change[-1] = 0.0
        columns["change_deg"][i, :m] = change
    return _Plan(count=count, loop_start=loop_start, laps=laps, **columns)


def _ignoring(scenario: Scenario, aircraft_id: str, t_s: float) -> bool:
    return any(
        isinstance(e, IgnoreCallsEvent)
        and e.aircraft == aircraft_id
        and e.at_s <= t_s
        and (e.until_s is None or t_s < e.until_s)
        for e in scenario.events
    )


def responses(scenario: Scenario) -> list[Response]:
    """For every message or safety call about an aircraft: did its pilot comply (not ignoring calls then)?"""
    return [
        Response(e, not _ignoring(scenario, e.about, e.at_s))
        for e in scenario.events
        if isinstance(e, MessageEvent | SafetyCallEvent) and e.about is not None
    ]


def _deviations(scenario: Scenario) -> list[tuple[float, int, Deviation]]:
    """(start time, aircraft index, deviation), in time order: scripted ones and compliant responses."""
    found: list[tuple[float, int, Deviation]] = []
    for event in scenario.events:
        if isinstance(event, DeviateEvent):
            found.append((event.at_s, scenario.aircraft_index(event.aircraft), event.deviation))
    for response in responses(scenario):
        event = response.event
        if response.complied and event.response is not None and event.about is not None:
            at = event.at_s + event.response_after_s
            found.append((at, scenario.aircraft_index(event.about), event.response))
    return sorted(found, key=lambda item: item[0])


def step_count(scenario: Scenario, duration_s: float | None = None) -> int:
    """How many time steps :func:`simulate` flies (the state at ``t = 0`` is one)."""
    duration = scenario.duration_s if duration_s is None else duration_s
    return math.floor(duration / scenario.step_s + 1e-9) + 1


def simulate(
    scenario: Scenario, duration_s: float | None = None, progress: Callable[[int], None] | None = None
) -> Truth:
    """Fly the scenario for ``duration_s`` (its own ``duration_s`` by default); deterministic.

    ``progress(n)``, if given, hears after each time step that ``n`` more steps (of :func:`step_count`) are flown."""
    dt = scenario.step_s
    steps = step_count(scenario, duration_s)
    n = len(scenario.aircraft)
    plan = _plan(scenario.aircraft)
    rows = np.arange(n)
    turn_rate = np.array([a.limits.turn_rate_deg_s for a in scenario.aircraft])
    climb = np.array([a.limits.climb_fpm for a in scenario.aircraft])
    descent = np.array([a.limits.descent_fpm for a in scenario.aircraft])
    accel = np.array([a.limits.accel_kt_s for a in scenario.aircraft])
    start = np.array([a.start_s for a in scenario.aircraft])

    # the state, initialised at the first waypoint, heading for the second
    lat, lon = plan.lat[:, 0].copy(), plan.lon[:, 0].copy()
    alt, gs = plan.alt_ft[:, 0].copy(), plan.speed_kt[:, 0].copy()
    trk, _ = inverse(lon, lat, plan.lon[:, 1], plan.lat[:, 1])
    trk = np.mod(trk, 360.0)
    vs = np.zeros(n)
    target = np.ones(n, dtype=np.intp)
    laps_done = np.zeros(n, dtype=np.intp)
    finished = np.zeros(n, dtype=bool)
    dev_heading = np.full(n, np.nan)
    dev_turn = np.full(n, np.nan)
    dev_alt = np.full(n, np.nan)
    dev_speed = np.full(n, np.nan)
    dev_until = np.full(n, -np.inf)
    pending = _deviations(scenario)

    out = {name: np.full((steps, n), np.nan) for name in ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")}
    active_out = np.zeros((steps, n), dtype=bool)
    t_out = np.arange(steps, dtype=np.float64) * dt
    for k in range(steps):
        t = float(t_out[k])
        active = start <= t + 1e-9
        # deviations that start now; those that end now
        while pending and pending[0][0] <= t + 1e-9:
            at, i, deviation = pending.pop(0)
            dev_heading[i] = deviation.heading_deg if deviation.heading_deg is not None else np.nan
            dev_turn[i] = deviation.turn_deg if deviation.turn_deg is not None else np.nan
            dev_alt[i] = deviation.alt_ft if deviation.alt_ft is not None else np.nan
            dev_speed[i] = deviation.speed_kt if deviation.speed_kt is not None else np.nan
            dev_until[i] = at + deviation.for_s if deviation.for_s is not None else np.inf
            if not np.isnan(dev_turn[i]):
                dev_heading[i] = (trk[i] + dev_turn[i]) % 360.0
        ended = t + 1e-9 >= dev_until
        for column in (dev_heading, dev_alt, dev_speed):
            column[ended] = np.nan
        dev_until[ended] = -np.inf

        for name, column in (
            ("lat", lat),
            ("lon", lon),
            ("alt_ft", alt),
            ("gs_kt", gs),
            ("trk_deg", trk),
            ("vs_fpm", vs),
        ):
            out[name][k, active] = column[active]
        active_out[k] = active
        if progress is not None:
            progress(1)
        if k == steps - 1:
            break

        # 1. guidance: switch waypoints, then the desired track
        tgt = np.minimum(target, plan.count - 1)
        az, dist = inverse(lon, lat, plan.lon[rows, tgt], plan.lat[rows, tgt])
        radius_nm = (gs / 3600.0) / np.radians(turn_rate)
        change = np.minimum(np.nan_to_num(plan.change_deg[rows, tgt]), 150.0)
        lead = np.maximum(MIN_LEAD_NM, radius_nm * np.tan(np.radians(change) / 2.0))
        behind = (np.abs(_wrap180(az - trk)) > 90.0) & (dist < 2.0 * radius_nm + 0.5)
        switch = active & ~finished & ((dist < lead) | behind)
        if switch.any():
            target = np.where(switch, target + 1, target)
            wrapped = switch & (target >= plan.count)
            loops = wrapped & (plan.loop_start >= 0) & ((plan.laps < 0) | (laps_done + 1 < plan.laps))
            laps_done = np.where(loops, laps_done + 1, laps_done)
            target = np.where(loops, plan.loop_start, target)
            finished = finished | (wrapped & ~loops)
            tgt = np.minimum(target, plan.count - 1)
            az, dist = inverse(lon, lat, plan.lon[rows, tgt], plan.lat[rows, tgt])
        desired = np.where(finished, trk, az)
        desired = np.where(np.isnan(dev_heading), desired, dev_heading)
        want_alt = np.where(np.isnan(dev_alt), plan.alt_ft[rows, tgt], dev_alt)
        want_gs = np.where(np.isnan(dev_speed), plan.speed_kt[rows, tgt], dev_speed)

        # 2. limits
        max_turn = turn_rate * dt
        turn = np.clip(_wrap180(desired - trk), -max_turn, max_turn)
        new_gs = gs + np.clip(want_gs - gs, -accel * dt, accel * dt)
        error = want_alt - alt
        gap = np.abs(error) * 60.0
        rate = np.maximum(gap / ALTITUDE_CAPTURE_S, np.minimum(MIN_CAPTURE_FPM, gap / dt))
        new_vs = np.clip(np.sign(error) * rate, -descent, climb)

        # 3. motion along the geodesic at the mean track and mean speed
        mean_trk = np.mod(trk + turn / 2.0, 360.0)
        dist_nm = (gs + new_gs) / 2.0 * dt / 3600.0
        fwd_lon, fwd_lat, back = WGS84.fwd(lon, lat, mean_trk, dist_nm * M_PER_NM)
        new_lon, new_lat = np.asarray(fwd_lon, dtype=np.float64), np.asarray(fwd_lat, dtype=np.float64)
        arrival = np.mod(np.asarray(back, dtype=np.float64) + 180.0, 360.0)
        arrival = np.where(dist_nm > 0.0, arrival, mean_trk)
        new_trk = np.mod(arrival + turn / 2.0, 360.0)
        new_trk = np.where(new_trk >= 360.0, 0.0, new_trk)

        lat = np.where(active, new_lat, lat)
        lon = np.where(active, new_lon, lon)
        trk = np.where(active, new_trk, trk)
        gs = np.where(active, new_gs, gs)
        alt = np.where(active, alt + new_vs * dt / 60.0, alt)
        vs = np.where(active, new_vs, vs)

    return Truth(
        ids=tuple(a.id for a in scenario.aircraft),
        parties=tuple(a.party for a in scenario.aircraft),
        callsigns=tuple(a.callsign for a in scenario.aircraft),
        start_s=scenario.start_s,
        t_s=t_out,
        active=active_out,
        **out,
    )
