"""Planar distances between outlines, vectorised over pairs: the NumPy half of the full check's bracket.

An *outline* is a short list of vertices in one frame (metres or NM, the caller's choice): either a
segment (two vertices, the axis of a capsule) or a closed ring (the first vertex repeated last) that is
*filled*, i.e. stands for the area it encloses. Short rows are padded by repeating their last vertex,
which adds zero-length edges: they change no distance, no crossing and no ray count.

The distance between two outlines is 0 where they meet (an edge of one crosses an edge of the other, or
one lies inside the other's filled ring), else the smallest distance from a vertex of one to an edge of
the other: for segments and simple rings that is the distance between the sets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["outline_distance", "point_segment_distance", "segment_distance"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _to_segment(px: Any, py: Any, sx: Any, sy: Any, tx: Any, ty: Any) -> FloatArray:
    """Distance from points P to segments ST (all broadcast together)."""
    vx, vy = tx - sx, ty - sy
    length2 = vx * vx + vy * vy
    wx, wy = px - sx, py - sy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(length2 > 0.0, np.clip((wx * vx + wy * vy) / length2, 0.0, 1.0), 0.0)
    distance: FloatArray = np.hypot(wx - f * vx, wy - f * vy)
    return distance


def point_segment_distance(px: Any, py: Any, sx: Any, sy: Any, tx: Any, ty: Any) -> FloatArray:
    """Planar distance from points P to segments ST, for many at once (all broadcast together)."""
    return _to_segment(px, py, sx, sy, tx, ty)


def _orient(px: Any, py: Any, qx: Any, qy: Any, rx: Any, ry: Any) -> FloatArray:
    turn: FloatArray = (qx - px) * (ry - py) - (qy - py) * (rx - px)
    return turn


def segment_distance(
    ax: FloatArray,
    ay: FloatArray,
    bx: FloatArray,
    by: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
) -> FloatArray:
    """Planar distance between segments AB and CD, for many pairs at once (0 where they cross)."""
    best = np.minimum(
        np.minimum(_to_segment(ax, ay, cx, cy, dx, dy), _to_segment(bx, by, cx, cy, dx, dy)),
        np.minimum(_to_segment(cx, cy, ax, ay, bx, by), _to_segment(dx, dy, ax, ay, bx, by)),
    )
    crossing = (_orient(ax, ay, bx, by, cx, cy) * _orient(ax, ay, bx, by, dx, dy) < 0.0) & (
        _orient(cx, cy, dx, dy, ax, ay) * _orient(cx, cy, dx, dy, bx, by) < 0.0
    )
    result: FloatArray = np.where(crossing, 0.0, best)
    return result


def _inside(px: FloatArray, py: FloatArray, x: FloatArray, y: FloatArray) -> BoolArray:
    """Is point ``(px[i], py[i])`` inside the ring ``x[i], y[i]`` (closed, padded)? Ray to +x, half-open."""
    x0, y0, x1, y1 = x[:, :-1], y[:, :-1], x[:, 1:], y[:, 1:]
    qy = py[:, None]
    straddles = (y0 > qy) != (y1 > qy)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross_x = x0 + (qy - y0) * (x1 - x0) / (y1 - y0)
    count = np.count_nonzero(straddles & (px[:, None] < cross_x), axis=1)
    inside: BoolArray = (count % 2) == 1
    return inside


def outline_distance(
    ax: FloatArray, ay: FloatArray, a_filled: BoolArray, bx: FloatArray, by: FloatArray, b_filled: BoolArray
) -> FloatArray:
    """Distance between outline A[i] and outline B[i]: ``ax``/``ay`` (n, va), ``bx``/``by`` (n, vb).

    Each row holds at least two vertices (a segment or a closed ring, padded); ``*_filled`` says which
    rows are rings standing for their area.
    """
    # Vertex of one to edge of the other, both ways: (n, va, vb - 1) and (n, vb, va - 1).
    a_to_b = _to_segment(
        ax[:, :, None], ay[:, :, None], bx[:, None, :-1], by[:, None, :-1], bx[:, None, 1:], by[:, None, 1:]
    ).min(axis=(1, 2))
    b_to_a = _to_segment(
        bx[:, :, None], by[:, :, None], ax[:, None, :-1], ay[:, None, :-1], ax[:, None, 1:], ay[:, None, 1:]
    ).min(axis=(1, 2))
    best = np.minimum(a_to_b, b_to_a)
    # Proper crossings of an edge of A (axis 1) with an edge of B (axis 2).
    a0x, a0y, a1x, a1y = ax[:, :-1, None], ay[:, :-1, None], ax[:, 1:, None], ay[:, 1:, None]
    b0x, b0y, b1x, b1y = bx[:, None, :-1], by[:, None, :-1], bx[:, None, 1:], by[:, None, 1:]
    crossing = (
        (_orient(a0x, a0y, a1x, a1y, b0x, b0y) * _orient(a0x, a0y, a1x, a1y, b1x, b1y) < 0.0)
        & (_orient(b0x, b0y, b1x, b1y, a0x, a0y) * _orient(b0x, b0y, b1x, b1y, a1x, a1y) < 0.0)
    ).any(axis=(1, 2))
    # Without a crossing, one outline meets the other's area only by lying wholly inside it, first
    # vertex included.
    meet = (
        crossing | (b_filled & _inside(ax[:, 0], ay[:, 0], bx, by)) | (a_filled & _inside(bx[:, 0], by[:, 0], ax, ay))
    )
    result: FloatArray = np.where(meet, 0.0, best)
    return result
