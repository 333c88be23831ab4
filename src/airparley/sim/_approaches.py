"""Closest approaches in the simulated truth: which aircraft of different parties came how close, and when."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airparley.geo import distance_nm
from airparley.sim._kinematics import Truth

__all__ = ["Approach", "closest_approaches"]


@dataclass(frozen=True)
class Approach:
    """The closest horizontal approach of ``a`` and ``b`` among the steps they were within ``v_ft``."""

    a: str
    b: str
    t_s: float
    dist_nm: float
    dalt_ft: float


def closest_approaches(
    truth: Truth, h_nm: float = 5.0, v_ft: float = 1000.0, *, same_party: bool = False
) -> list[Approach]:
    """Every pair (of different parties unless ``same_party``) that came within ``h_nm`` and ``v_ft`` at one
    step, at its horizontally closest such step; closest first."""
    n = len(truth.ids)
    found: list[Approach] = []
    for i in range(n):
        for j in range(i + 1, n):
            if not same_party and truth.parties[i] == truth.parties[j]:
                continue
            both = np.flatnonzero(truth.active[:, i] & truth.active[:, j])
            if both.size == 0:
                continue
            dalt = np.abs(truth.alt_ft[both, i] - truth.alt_ft[both, j])
            dist = distance_nm(truth.lon[both, i], truth.lat[both, i], truth.lon[both, j], truth.lat[both, j])
            close = (dalt < v_ft) & (dist < h_nm)
            if not close.any():
                continue
            k = int(np.flatnonzero(close)[np.argmin(dist[close])])
            found.append(
                Approach(truth.ids[i], truth.ids[j], float(truth.t_s[both[k]]), float(dist[k]), float(dalt[k]))
            )
    return sorted(found, key=lambda a: a.dist_nm)
