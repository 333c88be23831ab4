"""An incident's encounter drawn as SVG: the plan view of both paths with the closest point marked, and the
horizontal separation over time against the minimum.

Pure string building (no plotting library, no I/O): the SVG is small, self-contained (no script, no font or
external resource) and byte-identical for the same incident, so a report that embeds it stays reproducible.

Frames: the plan view projects WGS84 degrees onto a local east/north plane in NM about the paths' centre
(equirectangular, ``x = dlon * 60 cos(lat0)``, ``y = dlat * 60``): within the tens of NM of an encounter its
error is far below a line's width. The separation panel interpolates both paths linearly to the union of
their observation times where both are known; it is the drawing's curve, the incident's own minimum (from
the common grid, :mod:`airparley.tactical._incidents`) is the number printed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley.tactical._incidents import Incident
from airparley.tactical._states import TrackStates

__all__ = ["PlotTrack", "closest_point_svg", "encounter_svg", "incident_svg", "trails_svg"]

FloatArray = npt.NDArray[np.float64]

_WIDTH: Final = 720
_PLAN_H: Final = 420
_SEP_H: Final = 200
_MARGIN: Final = 48
_COLOURS: Final = ("#1f5fbf", "#c0392b")


@dataclass(frozen=True)
class PlotTrack:
    """One aircraft's path to draw: a label and its states in time order (POSIX s, WGS84 deg, ft MSL)."""

    label: str
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_ft: FloatArray

    @classmethod
    def of(cls, label: str, states: TrackStates) -> PlotTrack:
        order = np.argsort(states.time_s, kind="stable")
        return cls(label, states.time_s[order], states.lat[order], states.lon[order], states.alt_ft[order])


def _fmt(value: float) -> str:
    # two decimals are a hundredth of a pixel: enough, and the same bytes on every platform
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _nice_step(span: float) -> float:
    """A 1/2/5 x 10^n grid step giving about five lines over ``span``."""
    raw = max(span, 1e-9) / 5.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)


def _polyline(xs: FloatArray, ys: FloatArray, colour: str, extra: str = "") -> str:
    points = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True))
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"{extra}/>'


def _at(track: PlotTrack, t: float) -> tuple[float, float, float]:
    return (
        float(np.interp(t, track.time_s, track.lat)),
        float(np.interp(t, track.time_s, track.lon)),
        float(np.interp(t, track.time_s, track.alt_ft)),
    )


def encounter_svg(
    a: PlotTrack,
    b: PlotTrack,
    *,
    min_time_s: float,
    min_h_nm: float,
    min_v_ft: float,
    h_nm: float,
    title: str,
) -> str:
    """The SVG document of an encounter between ``a`` and ``b`` (see the module docstring); each track needs
    at least one state. ``h_nm`` is the horizontal minimum drawn as a line on the separation panel."""
    esc = html.escape
    lat0 = float(np.mean(np.concatenate([a.lat, b.lat])))
    lon0 = float(np.mean(np.concatenate([a.lon, b.lon])))
    east = 60.0 * math.cos(math.radians(lat0))

    def plane(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (lon - lon0) * east, (lat - lat0) * 60.0

    ax, ay = plane(a.lat, a.lon)
    bx, by = plane(b.lat, b.lon)
    xs, ys = np.concatenate([ax, bx]), np.concatenate([ay, by])
    # one scale for both axes (a plan view keeps angles), at least the horizontal minimum across
    span = max(float(xs.max() - xs.min()), float(ys.max() - ys.min()), 2.0 * h_nm, 1e-3) * 1.1
    cx, cy = (float(xs.max()) + float(xs.min())) / 2.0, (float(ys.max()) + float(ys.min())) / 2.0
    box = min(_WIDTH - 2 * _MARGIN, _PLAN_H - 2 * _MARGIN)
    scale = box / span
    ox, oy = _WIDTH / 2.0, 30 + _PLAN_H / 2.0

    def px(x: FloatArray) -> FloatArray:
        return ox + (x - cx) * scale

    def py(y: FloatArray) -> FloatArray:
        return oy - (y - cy) * scale

    height = 30 + _PLAN_H + _SEP_H + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{esc(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{_MARGIN}" y="20" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    step = _nice_step(span)
    for k in range(math.ceil((cx - span / 2) / step), math.floor((cx + span / 2) / step) + 1):
        x = float(px(np.array([k * step]))[0])
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{_fmt(oy - box / 2)}" x2="{_fmt(x)}" y2="{_fmt(oy + box / 2)}" '
            'stroke="#e4e4e4"/>'
        )
    for k in range(math.ceil((cy - span / 2) / step), math.floor((cy + span / 2) / step) + 1):
        y = float(py(np.array([k * step]))[0])
        parts.append(
            f'<line x1="{_fmt(ox - box / 2)}" y1="{_fmt(y)}" x2="{_fmt(ox + box / 2)}" y2="{_fmt(y)}" '
            'stroke="#e4e4e4"/>'
        )
    parts.append(
        f'<text x="{_fmt(ox - box / 2)}" y="{_fmt(oy + box / 2 + 16)}" fill="#555">plan view, grid {_fmt(step)} NM,'
        " north up</text>"
    )
    # the two labels on either side of their path's end, so two paths ending close do not print over each other
    for track, east_nm, north_nm, colour, dy in ((a, ax, ay, _COLOURS[0], -6), (b, bx, by, _COLOURS[1], 16)):
        parts.append(_polyline(px(east_nm), py(north_nm), colour, f' data-track="{esc(track.label)}"'))
        ex, ey = float(px(east_nm[-1:])[0]), float(py(north_nm[-1:])[0])
        parts.append(f'<circle cx="{_fmt(ex)}" cy="{_fmt(ey)}" r="3" fill="{colour}"/>')
        parts.append(f'<text x="{_fmt(ex + 6)}" y="{_fmt(ey + dy)}" fill="{colour}">{esc(track.label)}</text>')
    closest = [_at(track, min_time_s) for track in (a, b)]
    cxa, cya = plane(np.array([closest[0][0]]), np.array([closest[0][1]]))
    cxb, cyb = plane(np.array([closest[1][0]]), np.array([closest[1][1]]))
    pa = (float(px(cxa)[0]), float(py(cya)[0]))
    pb = (float(px(cxb)[0]), float(py(cyb)[0]))
    parts.append(
        f'<line x1="{_fmt(pa[0])}" y1="{_fmt(pa[1])}" x2="{_fmt(pb[0])}" y2="{_fmt(pb[1])}" stroke="#000" '
        'stroke-dasharray="4 3" data-closest="1"/>'
    )
    for (x0, y0), colour in zip((pa, pb), _COLOURS, strict=True):
        parts.append(f'<circle cx="{_fmt(x0)}" cy="{_fmt(y0)}" r="5" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append(
        f'<text x="{_fmt((pa[0] + pb[0]) / 2 + 8)}" y="{_fmt((pa[1] + pb[1]) / 2 + 14)}">closest '
        f"{min_h_nm:.3f} NM, {min_v_ft:.0f} ft</text>"
    )
    parts.extend(_separation_panel(a, b, min_time_s, min_h_nm, h_nm, top=30 + _PLAN_H + 10))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _separation_panel(
    a: PlotTrack, b: PlotTrack, min_time_s: float, min_h_nm: float, h_nm: float, *, top: float
) -> list[str]:
    t0 = max(float(a.time_s[0]), float(b.time_s[0]))
    t1 = min(float(a.time_s[-1]), float(b.time_s[-1]))
    left, right, bottom = float(_MARGIN), float(_WIDTH - _MARGIN), top + _SEP_H - 30
    parts = [
        f'<text x="{_fmt(left)}" y="{_fmt(top + 4)}" fill="#555">horizontal separation, NM, over time (s from '
        "start of the common span)</text>",
        f'<line x1="{_fmt(left)}" y1="{_fmt(bottom)}" x2="{_fmt(right)}" y2="{_fmt(bottom)}" stroke="#999"/>',
        f'<line x1="{_fmt(left)}" y1="{_fmt(top + 12)}" x2="{_fmt(left)}" y2="{_fmt(bottom)}" stroke="#999"/>',
    ]
    if t1 < t0:
        parts.append(f'<text x="{_fmt(left + 8)}" y="{_fmt(top + 40)}">the two paths do not overlap in time</text>')
        return parts
    times = np.union1d(a.time_s, b.time_s)
    times = np.unique(np.concatenate([times[(times >= t0) & (times <= t1)], [t0, t1, min(max(min_time_s, t0), t1)]]))
    lat0 = math.radians(float(np.mean(a.lat)))
    dy = (np.interp(times, a.time_s, a.lat) - np.interp(times, b.time_s, b.lat)) * 60.0
    dx = (np.interp(times, a.time_s, a.lon) - np.interp(times, b.time_s, b.lon)) * 60.0 * math.cos(lat0)
    sep = np.hypot(dx, dy)
    top_nm = max(float(sep.max()), h_nm) * 1.1
    duration = max(t1 - t0, 1e-9)

    def tx(t: FloatArray) -> FloatArray:
        return left + (t - t0) / duration * (right - left)

    def sy(nm: FloatArray) -> FloatArray:
        return bottom - nm / top_nm * (bottom - top - 12)

    minimum_y = float(sy(np.array([h_nm]))[0])
    parts.append(
        f'<line x1="{_fmt(left)}" y1="{_fmt(minimum_y)}" x2="{_fmt(right)}" y2="{_fmt(minimum_y)}" stroke="#c77800" '
        f'stroke-dasharray="6 4"/><text x="{_fmt(right - 4)}" y="{_fmt(minimum_y - 4)}" text-anchor="end" '
        f'fill="#c77800">minimum {h_nm:g} NM</text>'
    )
    parts.append(_polyline(tx(times), sy(sep), "#333", ' data-series="separation"'))
    mx = float(tx(np.array([min_time_s]))[0])
    my = float(sy(np.array([min_h_nm]))[0])
    parts.append(f'<circle cx="{_fmt(mx)}" cy="{_fmt(my)}" r="4" fill="#000"/>')
    parts.append(
        f'<text x="{_fmt(left)}" y="{_fmt(bottom + 16)}" fill="#555">0</text><text x="{_fmt(right)}" '
        f'y="{_fmt(bottom + 16)}" text-anchor="end" fill="#555">{duration:.0f} s</text>'
        f'<text x="{_fmt(left - 4)}" y="{_fmt(top + 16)}" text-anchor="end" fill="#555">{top_nm:.2f}</text>'
    )
    return parts


def incident_svg(incident: Incident, h_nm: float) -> str:
    """:func:`encounter_svg` of an incident found by ``find_incidents`` (its two observed histories)."""
    return encounter_svg(
        PlotTrack.of(f"{incident.id_a} ({incident.party_a})", incident.history_a),
        PlotTrack.of(f"{incident.id_b} ({incident.party_b})", incident.history_b),
        min_time_s=incident.min_time_s,
        min_h_nm=incident.min_h_nm,
        min_v_ft=incident.min_v_ft,
        h_nm=h_nm,
        title=f"Incident {incident.id_a} / {incident.id_b}: {incident.min_h_nm:.3f} NM, {incident.min_v_ft:.0f} ft",
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def closest_point_svg(body: Mapping[str, Any], *, vector_s: float = 60.0) -> str | None:
    """The plan view of a shared incident entry (``tactical.incident_entry``: the closest point only): both
    aircraft where they were, each with its velocity drawn as the path of the next ``vector_s`` seconds, and
    the minimum separation between them. ``None`` when the entry does not carry both positions (an agreement
    may leave them out). Values come from a signed entry of another party: anything not a finite number of
    the expected shape is left out, never trusted into the drawing."""
    esc = html.escape
    sides = body.get("aircraft")
    if not isinstance(sides, list | tuple) or len(sides) != 2:
        return None
    points = []
    for side in sides:
        position = side.get("position") if isinstance(side, Mapping) else None
        lat = _number(position.get("lat")) if isinstance(position, Mapping) else None
        lon = _number(position.get("lon")) if isinstance(position, Mapping) else None
        if lat is None or lon is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            return None
        given = side.get("velocity")
        velocity: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        gs, trk = _number(velocity.get("gs_kt")), _number(velocity.get("trk_deg"))
        name = " ".join(str(side.get(k)) for k in ("callsign", "track") if isinstance(side.get(k), str))
        label = f"{name or 'aircraft'} ({side.get('party', '?')})"
        alt = _number(side.get("alt_ft"))
        points.append((lat, lon, gs, trk, label + (f" {alt:.0f} ft" if alt is not None else "")))
    lat0 = (points[0][0] + points[1][0]) / 2.0
    lon0 = (points[0][1] + points[1][1]) / 2.0
    east = 60.0 * math.cos(math.radians(lat0))
    plane = []
    for lat, lon, gs, trk, label in points:
        x, y = (lon - lon0) * east, (lat - lat0) * 60.0
        dx = dy = 0.0
        if gs is not None and trk is not None:
            run_nm = gs * vector_s / 3600.0
            dx, dy = run_nm * math.sin(math.radians(trk)), run_nm * math.cos(math.radians(trk))
        plane.append((x, y, dx, dy, label))
    reach = max([0.5] + [abs(v) for x, y, dx, dy, _ in plane for v in (x, y, x + dx, y + dy)])
    size = 360
    scale = (size / 2 - 40) / reach
    centre = size / 2

    def at(x: float, y: float) -> tuple[str, str]:
        return _fmt(centre + x * scale), _fmt(centre + 20 - y * scale)

    found = body.get("min_separation")
    separation: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    h_nm, v_ft = _number(separation.get("horizontal_nm")), _number(separation.get("vertical_ft"))
    said = (
        "closest point"
        + (f": {h_nm:.3f} NM" if h_nm is not None else "")
        + (f", {v_ft:.0f} ft" if v_ft is not None else "")
    )
    incident_id = str(body.get("incident_id", ""))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 40}" '
        f'viewBox="0 0 {size} {size + 40}" font-family="sans-serif" font-size="11" data-incident="{esc(incident_id)}">',
        f"<title>{esc(incident_id)} {esc(said)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="8" y="16" font-weight="bold">{esc(said)}</text>',
        f'<text x="8" y="{size + 32}" fill="#555">north up; arrows: the next {vector_s:g} s at the shared velocity;'
        f" {_fmt(reach):s} NM to the edge</text>",
    ]
    (ax, ay), (bx, by) = at(plane[0][0], plane[0][1]), at(plane[1][0], plane[1][1])
    parts.append(
        f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#000" stroke-dasharray="4 3" data-closest="1"/>'
    )
    for (x, y, dx, dy, label), colour, shift in zip(plane, _COLOURS, (-8, 16), strict=True):
        px_, py_ = at(x, y)
        parts.append(f'<circle cx="{px_}" cy="{py_}" r="5" fill="{colour}"/>')
        if dx or dy:
            ex, ey = at(x + dx, y + dy)
            parts.append(
                f'<line x1="{px_}" y1="{py_}" x2="{ex}" y2="{ey}" stroke="{colour}" stroke-width="2" '
                'data-velocity="1"/>'
                f'<circle cx="{ex}" cy="{ey}" r="2" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{_fmt(float(px_) + 8)}" y="{_fmt(float(py_) + shift)}" fill="{colour}">{esc(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _seconds(value: Any) -> float | None:
    if not isinstance(value, str):
        return _number(value)
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def trails_svg(record: Mapping[str, Any]) -> str | None:
    """:func:`encounter_svg` of an incident's private record (``node._incidents``: ``history`` maps each of the
    two tracks to its observed states, JSON records with ``time_s`` (or ISO ``time``), ``lat``, ``lon``,
    ``alt_ft``): for a reader who may see the trails (the recorder, or a party they were disclosed to).
    ``None`` when the record does not hold two trails with a usable state."""
    history = record.get("history")
    if not isinstance(history, Mapping) or len(history) != 2:
        return None
    tracks = []
    for name, states in sorted(history.items()):
        rows = []
        for state in states if isinstance(states, list | tuple) else ():
            if not isinstance(state, Mapping):
                continue
            when = state.get("time_s", state.get("time"))  # the record keeps POSIX seconds; a track file, ISO
            values = (_seconds(when), _number(state.get("lat")), _number(state.get("lon")))
            alt = _number(state.get("alt_ft"))
            if None not in values:
                rows.append((*values, 0.0 if alt is None else alt))
        if not rows:
            return None
        rows.sort()
        columns = np.array(rows, dtype=np.float64).T
        party = next((s.get("party") for s in states if isinstance(s, Mapping) and s.get("party")), None)
        label = f"{name} ({party})" if party else str(name)
        tracks.append(PlotTrack(label, columns[0], columns[1], columns[2], columns[3]))
    found = record.get("min_separation")
    closest: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    thresholds = record.get("thresholds")
    h_nm = _number(thresholds.get("horizontal_nm")) if isinstance(thresholds, Mapping) else None
    at = _seconds(closest.get("at"))
    min_h, min_v = _number(closest.get("horizontal_nm")), _number(closest.get("vertical_ft"))
    if at is None or min_h is None or min_v is None:
        return None
    return encounter_svg(
        tracks[0],
        tracks[1],
        min_time_s=at,
        min_h_nm=min_h,
        min_v_ft=min_v,
        h_nm=0.5 if h_nm is None else h_nm,
        title=f"Incident {record.get('incident_id', '')}: the trails, {min_h:.3f} NM, {min_v:.0f} ft",
    )
