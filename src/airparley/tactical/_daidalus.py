"""DO-365 well-clear alerting exactly as NASA DAIDALUS v2 computes it (``DO_365B_no_SUM``, hysteresis off).

Frames and units
----------------
The kernels work as DAIDALUS does internally: a local east-north-up frame in SI units, positions in metres
(``x`` east, ``y`` north, ``z`` altitude MSL) and velocities in metres per second. Relative vectors are
ownship minus intruder (DAIDALUS' ``s = so - si``, ``v = vo - vi``). Settings and reports use aviation
units, named in the field (``_nm``, ``_ft``, ``_kt``, ``_fpm``, ``_s``). Geodetic input (WGS84 degrees,
feet MSL) is put in an azimuthal-equidistant frame centred on each ownship (:func:`airparley.geo.aeqd_xy`).

What is computed (sources in nasa/daidalus, Java tree ``gov/nasa/larcfm``)
---------------------------------------------------------------------------
* Well clear, ``ACCoRD/WCV_TAUMOD.java`` + ``WCV_tvar.java`` + ``WCV_TCOA.java``: horizontal violation when
  ``|s| <= DTHR`` or (``dcpa <= DTHR`` and ``0 <= tau_mod <= TTHR``) with ``tau_mod = (DTHR^2 - |s|^2) / (s.v)``
  for closing traffic (``s.v < 0``); DAIDALUS uses ``DTHR`` as the HMD filter threshold (HMD* = DMOD = 0.66 NM).
  Vertical violation when ``|sz| <= ZTHR`` or the time to co-altitude is in ``[0, TCOA]``. The time interval
  of violation in ``[B, T]`` is computed analytically (``WCV_tvar.WCV_interval``): the vertical interval
  (``WCV_TCOA.vertical_WCV_interval``) is intersected with the horizontal one, whose entry is the smaller
  root of the tau-mod quadratic and whose exit is where ``|s + t v|`` leaves ``DTHR``
  (``WCV_TAUMOD.horizontal_WCV_interval``).
* Alert level, ``ACCoRD/DaidalusCore.java`` (``raw_alert_level``, ``check_alerting_thresholds``): from the most
  severe level down, the first level whose detector, run over ``[0, lookahead]``, finds a loss of well clear
  before that level's alerting time (``LossData.conflictBefore``: ``t_in == 0`` or ``t_in < alerting time``,
  and ``t_in < t_out``, comparisons "almost" as in ``Util.almost_less``). ``Configurations/DO_365B_no_SUM.conf``
  sets lookahead 180 s, preventive 700 ft / 55 s, corrective 450 ft / 55 s, warning 450 ft / 25 s, all with
  DTHR 0.66 NM, TTHR 35 s, TCOA 0 and zero spreads. Its *early* alerting times (75, 75, 55 s) are used only by
  the hysteresis logic once a level is already being issued; with hysteresis off they never apply.
* Floating-point comparisons follow ``Util.almost_equals`` (16348 units in the last place, 1e-13 near zero).

The ``caution`` level is airparley's, not DAIDALUS': a cylinder (horizontal < 3 NM *and* vertical < 1,000 ft,
strict, as ``CDCylinder``/``CD3D.detection``) predicted within 120 s; it is reported beside the 0-3 scale so
that the scale stays DAIDALUS-exact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import Any, Final, TypeVar, cast

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_FT, M_PER_NM, MS_PER_KT, WGS84, aeqd_xy

__all__ = [
    "ALERT_LEVEL_NAMES",
    "CAUTION",
    "AlertLevel",
    "AlertingSettings",
    "Alerts",
    "Cylinder",
    "EncounterAlert",
    "FlightState",
    "FlightStates",
    "SettingDoc",
    "WcvTaumod",
    "alert_encounters",
    "alert_enu",
    "alert_pair",
    "alert_relative",
    "enu_states",
    "settings_doc",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_F = TypeVar("_F", bound=Callable[..., Any])

MS_PER_FPM: Final = M_PER_FT / 60.0
#: ``Util.PRECISION13``: units in the last place under which DAIDALUS calls two doubles equal.
_MAX_ULPS: Final = 16348
#: ``Util.almost_equals`` special case: two numbers this close to zero, one of them exactly zero, are equal.
_NEAR_ZERO: Final = 1.0e-13
#: Encounters per vectorised pass; bounds the temporaries at a few hundred MB for 10^6 encounters.
_CHUNK: Final = 1 << 16

ALERT_LEVEL_NAMES: Final = ("none", "preventive", "corrective", "warning")
CAUTION: Final = "caution"


class AlertLevel(IntEnum):
    """DAIDALUS' alert levels for ``DO_365B_no_SUM`` (``docs/index.md``, "Alerting Logic")."""

    NONE = 0
    PREVENTIVE = 1
    CORRECTIVE = 2
    WARNING = 3

    @property
    def label(self) -> str:
        return ALERT_LEVEL_NAMES[self.value]


# --- settings ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingDoc:
    """One row of a settings table: the source for defaults, CLI help and docs."""

    name: str
    default: Any
    unit: str
    help: str


def _setting(default: Any, unit: str, help_text: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help_text})


def settings_doc(settings_type: type) -> tuple[SettingDoc, ...]:
    """The declared table (name, default, unit, help) of a settings dataclass."""
    return tuple(SettingDoc(f.name, f.default, f.metadata["unit"], f.metadata["help"]) for f in fields(settings_type))


def _check_settings(settings: Any) -> None:
    """Types and ranges of a settings dataclass: numbers finite and above ``min`` (0 unless declared)."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(f.default, bool):
            if not isinstance(value, bool):
                raise InvalidInput(f.name, f"must be true or false, got {value!r}")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f.name, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise InvalidInput(f.name, f"must be a finite number, got {value!r}")
        minimum = f.metadata.get("min", 0.0)
        strict = f.metadata.get("strict", True)
        if value < minimum or (strict and value == minimum):
            relation = ">" if strict else ">="
            raise InvalidInput(f.name, f"must be {relation} {minimum} {f.metadata['unit']}, got {value}")


@dataclass(frozen=True)
class AlertingSettings:
    """Thresholds of DAIDALUS' ``DO_365B_no_SUM`` alerter ``DWC_Phase_I`` plus airparley's caution cylinder."""

    dthr_nm: float = _setting(0.66, "NM", "WCV_DTHR (DMOD): horizontal distance threshold; also the HMD filter")
    tthr_s: float = field(
        default=35.0, metadata={"unit": "s", "help": "WCV_TTHR: modified-tau threshold", "strict": False}
    )
    tcoa_s: float = field(
        default=0.0, metadata={"unit": "s", "help": "WCV_TCOA: time-to-co-altitude threshold", "strict": False}
    )
    zthr_preventive_ft: float = _setting(700.0, "ft", "WCV_ZTHR of the preventive level (1)")
    zthr_corrective_ft: float = _setting(450.0, "ft", "WCV_ZTHR of the corrective level (2)")
    zthr_warning_ft: float = _setting(450.0, "ft", "WCV_ZTHR of the warning level (3)")
    alerting_time_preventive_s: float = _setting(55.0, "s", "alerting time of the preventive level (1)")
    alerting_time_corrective_s: float = _setting(55.0, "s", "alerting time of the corrective level (2)")
    alerting_time_warning_s: float = _setting(25.0, "s", "alerting time of the warning level (3)")
    lookahead_s: float = _setting(180.0, "s", "lookahead time of detection and bands")
    caution_horizontal_nm: float = _setting(3.0, "NM", "caution cylinder radius (horizontal < this)")
    caution_vertical_ft: float = _setting(1000.0, "ft", "caution cylinder half height (vertical < this)")
    caution_time_s: float = _setting(120.0, "s", "caution alerting time: cylinder conflict predicted within it")

    def __post_init__(self) -> None:
        _check_settings(self)

    def detector(self, level: AlertLevel) -> WcvTaumod:
        """The ``WCV_TAUMOD`` detector of an alert level (1-3)."""
        zthr_ft = {
            AlertLevel.PREVENTIVE: self.zthr_preventive_ft,
            AlertLevel.CORRECTIVE: self.zthr_corrective_ft,
            AlertLevel.WARNING: self.zthr_warning_ft,
        }[level]
        return WcvTaumod(self.dthr_nm * M_PER_NM, zthr_ft * M_PER_FT, self.tthr_s, self.tcoa_s)

    def alerting_time_s(self, level: AlertLevel) -> float:
        return {
            AlertLevel.PREVENTIVE: self.alerting_time_preventive_s,
            AlertLevel.CORRECTIVE: self.alerting_time_corrective_s,
            AlertLevel.WARNING: self.alerting_time_warning_s,
        }[level]

    def caution_detector(self) -> Cylinder:
        return Cylinder(self.caution_horizontal_nm * M_PER_NM, self.caution_vertical_ft * M_PER_FT)


# --- DAIDALUS' floating-point comparisons ------------------------------------------------------------------


def _ieee(function: _F) -> _F:
    """Run a kernel under IEEE arithmetic, as DAIDALUS' Java does: x/0 is inf or NaN, and masks discard it."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return cast(_F, wrapper)


def _lexicographic(x: FloatArray) -> npt.NDArray[np.int64]:
    bits = x.view(np.int64)
    return np.where(bits < 0, np.iinfo(np.int64).min - bits, bits)


def almost_equals(a: npt.ArrayLike, b: npt.ArrayLike) -> BoolArray:
    """``Util.almost_equals(a, b)`` with ``PRECISION13``, element-wise."""
    x, y = (np.array(v, dtype=np.float64) for v in np.broadcast_arrays(a, b))
    exact = x == y
    near_zero = ((x == 0.0) | (y == 0.0)) & (np.abs(x) < _NEAR_ZERO) & (np.abs(y) < _NEAR_ZERO)
    finite = np.isfinite(x) & np.isfinite(y)
    lx, ly = _lexicographic(np.where(finite, x, 0.0)), _lexicographic(np.where(finite, y, 0.0))
    same_sign = (lx >= 0) == (ly >= 0)
    # Differences of opposite-signed orderings could overflow int64; bound each side instead.
    with np.errstate(all="ignore"):
        close_same = np.abs(np.where(same_sign, lx - ly, 0)) <= _MAX_ULPS
    ax, ay = np.abs(lx), np.abs(ly)
    close_opposite = (ax <= _MAX_ULPS) & (ay <= _MAX_ULPS - np.minimum(ax, _MAX_ULPS))
    ulps = finite & np.where(same_sign, close_same, close_opposite)
    return np.asarray(exact | near_zero | ulps, dtype=np.bool_)


def almost_less(a: npt.ArrayLike, b: npt.ArrayLike) -> BoolArray:
    """``Util.almost_less``: ``a < b`` and not almost equal."""
    return np.asarray(~almost_equals(a, b) & (np.asarray(a) < np.asarray(b)), dtype=np.bool_)


def _sign(x: FloatArray) -> FloatArray:
    """``Util.sign``: +1 for zero and positive numbers."""
    return np.where(x >= 0.0, 1.0, -1.0)


def _root2b(a: FloatArray, b: FloatArray, c: FloatArray, eps: float) -> FloatArray:
    """``Util.root2b``: the ``eps`` root of ``a t^2 + 2 b t + c``, NaN when there is none."""
    with np.errstate(all="ignore"):
        sqb = b * b
        ac = a * c
        quadratic = (-b + eps * np.sqrt(np.maximum(sqb - ac, 0.0))) / a
        quadratic = np.where(almost_equals(sqb, ac) | (sqb > ac), quadratic, np.nan)
        linear = np.where(b == 0.0, np.nan, -c / (2.0 * b))
    return np.where(a == 0.0, linear, quadratic)


def _theta_d(sx: FloatArray, sy: FloatArray, vx: FloatArray, vy: FloatArray, eps: float, d: float) -> FloatArray:
    """``Horizontal.Theta_D``: time the line ``s + t v`` enters (-1) or leaves (+1) the circle of radius d."""
    return _root2b(vx * vx + vy * vy, sx * vx + sy * vy, sx * sx + sy * sy - d * d, eps)


def _tcpa(sx: FloatArray, sy: FloatArray, vx: FloatArray, vy: FloatArray) -> FloatArray:
    """``Horizontal.tcpa`` (unclamped; 0 when the relative velocity is zero)."""
    sqv = vx * vx + vy * vy
    with np.errstate(all="ignore"):
        return np.where(sqv == 0.0, 0.0, -(sx * vx + sy * vy) / sqv)


def _norm(x: FloatArray, y: FloatArray) -> FloatArray:
    return np.asarray(np.sqrt(x * x + y * y), dtype=np.float64)


# --- detectors ---------------------------------------------------------------------------------------------


def _split(v: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    a = np.asarray(v, dtype=np.float64)
    return a[..., 0], a[..., 1], a[..., 2]


class _Detector:
    """Interval semantics shared by the detectors (``Detection3D.conflict`` and ``violationAt``)."""

    def interval(
        self, s: npt.ArrayLike, v: npt.ArrayLike, b_s: npt.ArrayLike, t_s: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    @_ieee
    def conflict(self, s: npt.ArrayLike, v: npt.ArrayLike, b_s: npt.ArrayLike, t_s: npt.ArrayLike) -> BoolArray:
        """``Detection3D.conflict``: a loss within ``[B, T]``; ``B ~ T`` means a violation at ``B``."""
        b, t = np.broadcast_arrays(np.asarray(b_s, dtype=np.float64), np.asarray(t_s, dtype=np.float64))
        instant = almost_equals(b, t)
        t_in, t_out = self.interval(s, v, b, np.where(instant, b + 1.0, np.maximum(t, b)))
        loss = almost_less(t_in, t_out)
        at_b = loss & almost_equals(np.where(loss, t_in, np.inf), b)
        return np.asarray(np.where(instant, at_b, loss & (b < t)), dtype=np.bool_)

    def violation_at(self, s: npt.ArrayLike, v: npt.ArrayLike, time_s: npt.ArrayLike) -> BoolArray:
        """``Detection3D.violationAt``: in violation at ``time_s`` (states extrapolated from time 0)."""
        return self.conflict(s, v, time_s, time_s)


@dataclass(frozen=True)
class WcvTaumod(_Detector):
    """DAIDALUS' ``WCV_TAUMOD`` well-clear volume (vertical part ``WCV_TCOA``), SI units.

    ``interval(s, v, B, T)`` returns the loss interval ``(t_in, t_out)`` inside ``[B, T]`` for relative states
    extrapolated from time 0; it is a loss when ``almost_less(t_in, t_out)``. Arrays broadcast; the last
    axis of ``s`` and ``v`` is east, north, up.
    """

    dthr_m: float
    zthr_m: float
    tthr_s: float
    tcoa_s: float = 0.0

    def tau_mod(self, sx: FloatArray, sy: FloatArray, vx: FloatArray, vy: FloatArray) -> FloatArray:
        """``horizontal_tvar``: modified tau for closing traffic, -1 otherwise (as DAIDALUS)."""
        sdotv = sx * vx + sy * vy
        with np.errstate(all="ignore"):
            return np.where(sdotv < 0.0, (self.dthr_m * self.dthr_m - (sx * sx + sy * sy)) / sdotv, -1.0)

    def horizontal_wcv(self, sx: FloatArray, sy: FloatArray, vx: FloatArray, vy: FloatArray) -> BoolArray:
        """``WCV_tvar.horizontal_WCV``."""
        tcpa = _tcpa(sx, sy, vx, vy)
        dcpa = _norm(tcpa * vx + sx, tcpa * vy + sy)
        tvar = self.tau_mod(sx, sy, vx, vy)
        inside = _norm(sx, sy) <= self.dthr_m
        return np.asarray(inside | ((dcpa <= self.dthr_m) & (tvar >= 0.0) & (tvar <= self.tthr_s)), dtype=np.bool_)

    def _horizontal_interval(
        self, t: FloatArray, sx: FloatArray, sy: FloatArray, vx: FloatArray, vy: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``WCV_TAUMOD.horizontal_WCV_interval`` over ``[0, t]``."""
        d = self.dthr_m
        sqs = sx * sx + sy * sy
        sdotv = sx * vx + sy * vy
        sqd = d * d
        a = vx * vx + vy * vy
        b = 2.0 * sdotv + self.tthr_s * a
        c = sqs + self.tthr_s * sdotv - sqd
        inside = sqs <= sqd
        still = almost_equals(a, 0.0) & inside
        exit_s = _theta_d(sx, sy, vx, vy, 1.0, d)
        discr = b * b - 4.0 * a * c
        with np.errstate(all="ignore"):
            entry = (-b - np.sqrt(discr)) / (2.0 * a)
        delta = sqd * a - (sx * vy - sy * vx) ** 2
        tau_entry = ~inside & (sdotv < 0.0) & (discr >= 0.0) & (delta >= 0.0) & (entry <= t)
        t_in = np.where(still | inside, 0.0, np.where(tau_entry, np.maximum(0.0, entry), t))
        t_out = np.where(still, t, np.where(inside | tau_entry, np.minimum(t, exit_s), 0.0))
        return t_in, t_out

    def _vertical_interval(
        self, b: FloatArray, t: FloatArray, sz: FloatArray, vz: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``WCV_TCOA.vertical_WCV_interval`` over ``[B, T]``."""
        level = almost_equals(vz, 0.0)
        within = np.abs(sz) <= self.zthr_m
        act_h = np.maximum(self.zthr_m, np.abs(vz) * self.tcoa_s)
        sign = _sign(vz)
        with np.errstate(all="ignore"):
            entry = (-sign * act_h - sz) / vz
            leave = (sign * self.zthr_m - sz) / vz
        missed = ~level & ((t < entry) | (leave < b))
        low = np.where(level, np.where(within, b, t), np.where(missed, t, np.maximum(b, entry)))
        up = np.where(level, np.where(within, t, b), np.where(missed, b, np.minimum(t, leave)))
        return low, up

    @_ieee
    def interval(
        self, s: npt.ArrayLike, v: npt.ArrayLike, b_s: npt.ArrayLike, t_s: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """``WCV_tvar.WCV_interval``: the interval of loss of well clear within ``[B, T]``."""
        sx, sy, sz = _split(s)
        vx, vy, vz = _split(v)
        sx, sy, sz, vx, vy, vz, b, t = np.broadcast_arrays(
            sx, sy, sz, vx, vy, vz, np.asarray(b_s, dtype=np.float64), np.asarray(t_s, dtype=np.float64)
        )
        low, up = self._vertical_interval(b, t, sz, vz)
        empty = low > up
        stx = low * vx + sx
        sty = low * vy + sy
        point = almost_equals(low, up)
        touching = self.horizontal_wcv(stx, sty, vx, vy)
        h_in, h_out = self._horizontal_interval(up - low, stx, sty, vx, vy)
        t_in = np.where(empty, t, np.where(point, np.where(touching, low, t), h_in + low))
        t_out = np.where(empty, b, np.where(point, np.where(touching, up, b), h_out + low))
        return t_in, t_out


@dataclass(frozen=True)
class Cylinder(_Detector):
    """DAIDALUS' ``CDCylinder`` (``CD3D.detection``): open cylinder, horizontal ``< D`` and vertical ``< H``."""

    horizontal_m: float
    vertical_m: float

    @_ieee
    def interval(
        self, s: npt.ArrayLike, v: npt.ArrayLike, b_s: npt.ArrayLike, t_s: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        sx, sy, sz = _split(s)
        vx, vy, vz = _split(v)
        sx, sy, sz, vx, vy, vz, b, t = np.broadcast_arrays(
            sx, sy, sz, vx, vy, vz, np.asarray(b_s, dtype=np.float64), np.asarray(t_s, dtype=np.float64)
        )
        d, h = self.horizontal_m, self.vertical_m
        sqs = sx * sx + sy * sy
        horizontal_los = ~almost_equals(sqs, d * d) & (sqs < d * d)
        vertical_los = ~almost_equals(np.abs(sz), h) & (np.abs(sz) < h)
        parallel = almost_equals(vx, 0.0) & almost_equals(vy, 0.0) & horizontal_los
        level = almost_equals(vz, 0.0)
        sign = _sign(vz)
        with np.errstate(all="ignore"):
            z_in = (-sign * h - sz) / vz
            z_out = (sign * h - sz) / vz
        crossing = (d * d * (vx * vx + vy * vy) - (sx * vy - sy * vx) ** 2) > 0.0
        h_in = _theta_d(sx, sy, vx, vy, -1.0, d)
        h_out = _theta_d(sx, sy, vx, vy, 1.0, d)
        # Each branch of CD3D.detection, then clipped to [B, T]; no loss keeps (T + 1, B).
        lo = np.where(
            parallel,
            np.where(level, np.where(vertical_los, b, np.nan), z_in),
            np.where(level, np.where(vertical_los, h_in, np.nan), np.maximum(h_in, z_in)),
        )
        hi = np.where(
            parallel,
            np.where(level, np.where(vertical_los, t, np.nan), z_out),
            np.where(level, np.where(vertical_los, h_out, np.nan), np.minimum(h_out, z_out)),
        )
        defined = (parallel | crossing) & ~np.isnan(lo) & (b >= 0.0) & (b < t)
        t_in = np.where(defined, np.minimum(np.maximum(lo, b), t), t + 1.0)
        t_out = np.where(defined, np.maximum(np.minimum(hi, t), b), b)
        return t_in, t_out


def _conflict_before(t_in: FloatArray, t_out: FloatArray, time_s: float) -> BoolArray:
    """``LossData.conflictBefore``."""
    return np.asarray(((t_in == 0.0) | almost_less(t_in, time_s)) & almost_less(t_in, t_out), dtype=np.bool_)


# --- alerting ----------------------------------------------------------------------------------------------


_REPORTED: Final = (
    "time_to_lowc_s",
    "time_to_lowc_preventive_s",
    "time_to_lowc_corrective_s",
    "time_to_lowc_warning_s",
    "time_to_caution_s",
    "horizontal_sep_nm",
    "vertical_sep_ft",
    "horizontal_closure_rate_kt",
    "vertical_closure_rate_fpm",
    "range_rate_kt",
    "hmd_nm",
    "vmd_ft",
    "tcpa_s",
    "dcpa_nm",
    "tau_mod_s",
    "tcoa_s",
)


@dataclass(frozen=True)
class EncounterAlert:
    """The alert of one encounter. Times in seconds from now, ``inf`` when nothing is predicted.

    ``level`` is DAIDALUS' 0-3; ``time_to_lowc_s`` is the time to loss of well clear of the reported level
    (``inf`` for level 0). Closure rates are DAIDALUS' (magnitudes of the relative velocity);
    ``range_rate_kt`` is the rate of change of horizontal range (negative when closing). ``hmd_nm``/``vmd_ft``
    are DAIDALUS' miss distances within the lookahead (``Horizontal.hmd``, ``Vertical.vmd``); ``tcpa_s`` is the
    horizontal time to closest approach (0 when diverging, ``ConflictData.tcpa2D``) and ``dcpa_nm`` the range
    then. ``tau_mod_s`` is the modified tau (``inf`` when not closing), ``tcoa_s`` the time to co-altitude
    (``inf`` when not converging vertically).
    """

    level: int
    level_name: str
    caution: bool
    time_to_lowc_s: float
    time_to_lowc_preventive_s: float
    time_to_lowc_corrective_s: float
    time_to_lowc_warning_s: float
    time_to_caution_s: float
    horizontal_sep_nm: float
    vertical_sep_ft: float
    horizontal_closure_rate_kt: float
    vertical_closure_rate_fpm: float
    range_rate_kt: float
    hmd_nm: float
    vmd_ft: float
    tcpa_s: float
    dcpa_nm: float
    tau_mod_s: float
    tcoa_s: float


@dataclass(frozen=True)
class Alerts:
    """Alerts of many encounters, one array per field of :class:`EncounterAlert` (read-only arrays)."""

    level: npt.NDArray[np.int8]
    caution: BoolArray
    time_to_lowc_s: FloatArray
    time_to_lowc_preventive_s: FloatArray
    time_to_lowc_corrective_s: FloatArray
    time_to_lowc_warning_s: FloatArray
    time_to_caution_s: FloatArray
    horizontal_sep_nm: FloatArray
    vertical_sep_ft: FloatArray
    horizontal_closure_rate_kt: FloatArray
    vertical_closure_rate_fpm: FloatArray
    range_rate_kt: FloatArray
    hmd_nm: FloatArray
    vmd_ft: FloatArray
    tcpa_s: FloatArray
    dcpa_nm: FloatArray
    tau_mod_s: FloatArray
    tcoa_s: FloatArray

    def __post_init__(self) -> None:
        for f in fields(self):
            getattr(self, f.name).flags.writeable = False

    def __len__(self) -> int:
        return int(self.level.size)

    @property
    def level_name(self) -> npt.NDArray[np.str_]:
        return np.asarray(ALERT_LEVEL_NAMES)[self.level]

    def at(self, index: int) -> EncounterAlert:
        level = int(self.level.flat[index])
        values = {name: float(getattr(self, name).flat[index]) for name in _REPORTED}
        return EncounterAlert(
            level=level, level_name=ALERT_LEVEL_NAMES[level], caution=bool(self.caution.flat[index]), **values
        )


@_ieee
def _alert_chunk(s: FloatArray, v: FloatArray, settings: AlertingSettings) -> dict[str, npt.NDArray[Any]]:
    lookahead = settings.lookahead_s
    sx, sy, sz = s[:, 0], s[:, 1], s[:, 2]
    vx, vy, vz = v[:, 0], v[:, 1], v[:, 2]
    zero, horizon = np.zeros(len(s)), np.full(len(s), lookahead)
    out: dict[str, npt.NDArray[Any]] = {}
    level = np.zeros(len(s), dtype=np.int8)
    intervals: dict[WcvTaumod, tuple[FloatArray, FloatArray]] = {}
    for alert_level in (AlertLevel.PREVENTIVE, AlertLevel.CORRECTIVE, AlertLevel.WARNING):
        detector = settings.detector(alert_level)
        if detector not in intervals:
            intervals[detector] = detector.interval(s, v, zero, horizon)
        t_in, t_out = intervals[detector]
        out[f"time_to_lowc_{alert_level.label}_s"] = np.where(almost_less(t_in, t_out), t_in, np.inf)
        # Levels ascend, so a later (more severe) level found before its alerting time overrides.
        level[_conflict_before(t_in, t_out, settings.alerting_time_s(alert_level))] = alert_level.value
    out["level"] = level
    by_level = np.stack([np.full(len(s), np.inf)] + [out[f"time_to_lowc_{n}_s"] for n in ALERT_LEVEL_NAMES[1:]])
    out["time_to_lowc_s"] = np.take_along_axis(by_level, level[None, :].astype(np.intp), axis=0)[0]
    c_in, c_out = settings.caution_detector().interval(s, v, zero, horizon)
    out["caution"] = _conflict_before(c_in, c_out, settings.caution_time_s)
    out["time_to_caution_s"] = np.where(almost_less(c_in, c_out), c_in, np.inf)

    range_m = _norm(sx, sy)
    sdotv = sx * vx + sy * vy
    tcpa = _tcpa(sx, sy, vx, vy)
    tcpa2d = np.maximum(0.0, tcpa)
    closing = sdotv < 0.0
    t_hmd = np.where(closing, np.minimum(tcpa, lookahead), 0.0)
    converging = sz * vz < 0.0
    with np.errstate(all="ignore"):
        t_coalt = -sz / vz
        out["range_rate_kt"] = np.where(range_m > 0.0, sdotv / range_m, np.nan) / MS_PER_KT
    out["horizontal_sep_nm"] = range_m / M_PER_NM
    out["vertical_sep_ft"] = np.abs(sz) / M_PER_FT
    out["horizontal_closure_rate_kt"] = _norm(vx, vy) / MS_PER_KT
    out["vertical_closure_rate_fpm"] = np.abs(vz) / MS_PER_FPM
    out["hmd_nm"] = _norm(sx + t_hmd * vx, sy + t_hmd * vy) / M_PER_NM
    vmd_m = np.where(
        converging & (t_coalt <= lookahead), 0.0, np.where(converging, np.abs(sz + lookahead * vz), np.abs(sz))
    )
    out["vmd_ft"] = vmd_m / M_PER_FT
    out["tcpa_s"] = tcpa2d
    out["dcpa_nm"] = _norm(sx + tcpa2d * vx, sy + tcpa2d * vy) / M_PER_NM
    tau = settings.detector(AlertLevel.CORRECTIVE).tau_mod(sx, sy, vx, vy)
    out["tau_mod_s"] = np.where(closing, tau, np.inf)
    out["tcoa_s"] = np.where(sz == 0.0, 0.0, np.where(converging, t_coalt, np.inf))
    return out


def alert_relative(
    rel_pos_m: npt.ArrayLike, rel_vel_ms: npt.ArrayLike, settings: AlertingSettings | None = None
) -> Alerts:
    """DO-365 alerts of many encounters from relative states (ownship minus intruder), vectorised.

    ``rel_pos_m`` and ``rel_vel_ms`` have shape ``(..., 3)``: east, north, up in a local ENU frame, metres and
    metres per second. Every field of the result has the leading shape ``(...)``.
    """
    settings = settings or AlertingSettings()
    s = np.asarray(rel_pos_m, dtype=np.float64)
    v = np.asarray(rel_vel_ms, dtype=np.float64)
    if s.shape[-1:] != (3,) or s.shape != v.shape:
        raise InvalidInput("rel_pos_m", f"positions {s.shape} and velocities {v.shape} must both be (..., 3)")
    shape = s.shape[:-1]
    s, v = s.reshape(-1, 3), v.reshape(-1, 3)
    chunks = [_alert_chunk(s[i : i + _CHUNK], v[i : i + _CHUNK], settings) for i in range(0, max(len(s), 1), _CHUNK)]
    return _assemble(chunks, shape)


def _assemble(chunks: list[dict[str, npt.NDArray[Any]]], shape: tuple[int, ...]) -> Alerts:
    return Alerts(**{name: np.concatenate([c[name] for c in chunks]).reshape(shape) for name in chunks[0]})


def alert_enu(
    own_pos_m: npt.ArrayLike,
    own_vel_ms: npt.ArrayLike,
    intruder_pos_m: npt.ArrayLike,
    intruder_vel_ms: npt.ArrayLike,
    settings: AlertingSettings | None = None,
) -> Alerts:
    """Alerts from ownship and intruder states in one local ENU frame (arrays ``(..., 3)``, m and m/s)."""
    s = np.asarray(own_pos_m, dtype=np.float64) - np.asarray(intruder_pos_m, dtype=np.float64)
    v = np.asarray(own_vel_ms, dtype=np.float64) - np.asarray(intruder_vel_ms, dtype=np.float64)
    return alert_relative(s, v, settings)


# --- geodetic states ---------------------------------------------------------------------------------------


_STATE_FIELDS: Final = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")


def _check_state_values(values: dict[str, FloatArray], where: str) -> None:
    for name in _STATE_FIELDS:
        bad = ~np.isfinite(values[name])
        if bad.any():
            raise InvalidInput(name, "must be a finite number", _where(where, bad))
    for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        bad = (values[name] < low) | (values[name] > high)
        if name == "lat":
            # The poles have no east direction to turn a track into a velocity.
            bad |= np.abs(values[name]) == 90.0
        if bad.any():
            raise InvalidInput(name, f"must be in [{low}, {high}] degrees (poles excluded)", _where(where, bad))
    bad = values["gs_kt"] < 0.0
    if bad.any():
        raise InvalidInput("gs_kt", "ground speed must not be negative", _where(where, bad))


def _where(where: str, bad: BoolArray) -> str:
    if bad.ndim == 0:
        return where
    first = int(np.flatnonzero(bad)[0])
    return f"{where}, index {first}" if where else f"index {first}"


@dataclass(frozen=True)
class FlightState:
    """One aircraft: WGS84 degrees, altitude feet MSL, ground speed knots, true track degrees, feet/minute."""

    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float
    vs_fpm: float

    def __post_init__(self) -> None:
        for name in _STATE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInput(name, f"must be a number, got {value!r}")
            object.__setattr__(self, name, float(value))
        _check_state_values({n: np.asarray(getattr(self, n)) for n in _STATE_FIELDS}, "")


@dataclass(frozen=True, eq=False)
class FlightStates:
    """Many aircraft as columns (same units as :class:`FlightState`); arrays are copied and made read-only."""

    lat: FloatArray
    lon: FloatArray
    alt_ft: FloatArray
    gs_kt: FloatArray
    trk_deg: FloatArray
    vs_fpm: FloatArray

    def __post_init__(self) -> None:
        columns = [np.array(getattr(self, n), dtype=np.float64) for n in _STATE_FIELDS]
        try:
            columns = [np.array(c) for c in np.broadcast_arrays(*columns)]
        except ValueError as exc:
            raise InvalidInput("states", "columns must have the same shape") from exc
        for name, column in zip(_STATE_FIELDS, columns, strict=True):
            column.flags.writeable = False
            object.__setattr__(self, name, column)
        _check_state_values(dict(zip(_STATE_FIELDS, columns, strict=True)), "")

    @classmethod
    def of(cls, states: Sequence[FlightState]) -> FlightStates:
        return cls(*(np.array([getattr(s, n) for s in states], dtype=np.float64) for n in _STATE_FIELDS))

    def __len__(self) -> int:
        return int(self.lat.size)


def _velocity_enu(gs_kt: FloatArray, trk_deg: FloatArray, vs_fpm: FloatArray) -> FloatArray:
    trk = np.radians(trk_deg)
    gs = gs_kt * MS_PER_KT
    return np.stack([gs * np.sin(trk), gs * np.cos(trk), vs_fpm * MS_PER_FPM], axis=-1)


def _enu(own: dict[str, FloatArray], intruder: dict[str, FloatArray]) -> tuple[FloatArray, ...]:
    own_pos = np.stack([np.zeros_like(own["lat"]), np.zeros_like(own["lat"]), own["alt_ft"] * M_PER_FT], axis=-1)
    own_vel = _velocity_enu(own["gs_kt"], own["trk_deg"], own["vs_fpm"])
    x, y = aeqd_xy(intruder["lon"], intruder["lat"], own["lon"], own["lat"])
    intruder_pos = np.stack([x, y, np.broadcast_to(intruder["alt_ft"] * M_PER_FT, x.shape)], axis=-1)
    local = _velocity_enu(intruder["gs_kt"], intruder["trk_deg"], intruder["vs_fpm"])
    phi = np.radians(intruder["lat"])
    w = np.sqrt(1.0 - WGS84.es * np.sin(phi) ** 2)
    prime_vertical = WGS84.a / w
    meridional = WGS84.a * (1.0 - WGS84.es) / w**3
    # One second of flight each way: short enough to be linear, long enough to be far above rounding.
    dlat = np.degrees(local[..., 1] / meridional)
    dlon = np.degrees(local[..., 0] / (prime_vertical * np.cos(phi)))
    x1, y1 = aeqd_xy(intruder["lon"] + dlon, intruder["lat"] + dlat, own["lon"], own["lat"])
    x0, y0 = aeqd_xy(intruder["lon"] - dlon, intruder["lat"] - dlat, own["lon"], own["lat"])
    intruder_vel = np.stack([(x1 - x0) / 2.0, (y1 - y0) / 2.0, np.broadcast_to(local[..., 2], x.shape)], axis=-1)
    return (
        np.broadcast_to(own_pos, intruder_pos.shape).copy(),
        np.broadcast_to(own_vel, intruder_vel.shape).copy(),
        intruder_pos,
        intruder_vel,
    )


def _columns(states: FlightStates, rows: slice = slice(None)) -> dict[str, FloatArray]:
    return {name: getattr(states, name)[rows] for name in _STATE_FIELDS}


def enu_states(own: FlightStates, intruder: FlightStates) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Ownship and intruder positions (m) and velocities (m/s) in an ENU frame centred on each ownship.

    The frame is azimuthal equidistant around the ownship (``x`` east, ``y`` north, ``z`` altitude MSL). The
    intruder's velocity, given in its own local north/east, is carried into the frame by a central
    difference of the projection along it, so the convergence of meridians away from the centre is honoured.
    Shapes broadcast (one ownship against many intruders, or pairs).
    """
    own_pos, own_vel, intruder_pos, intruder_vel = _enu(_columns(own), _columns(intruder))
    return own_pos, own_vel, intruder_pos, intruder_vel


def alert_encounters(own: FlightStates, intruder: FlightStates, settings: AlertingSettings | None = None) -> Alerts:
    """DO-365 alerts of many geodetic encounters (own[i] against intruder[i]), vectorised in chunks."""
    if own.lat.shape != intruder.lat.shape or own.lat.ndim != 1:
        raise InvalidInput("intruder", f"{intruder.lat.shape} states for {own.lat.shape} ownship states")
    settings = settings or AlertingSettings()
    chunks = []
    for start in range(0, max(len(own), 1), _CHUNK):
        rows = slice(start, start + _CHUNK)
        own_pos, own_vel, intruder_pos, intruder_vel = _enu(_columns(own, rows), _columns(intruder, rows))
        chunks.append(_alert_chunk(own_pos - intruder_pos, own_vel - intruder_vel, settings))
    return _assemble(chunks, own.lat.shape)


def alert_pair(own: FlightState, intruder: FlightState, settings: AlertingSettings | None = None) -> EncounterAlert:
    """DO-365 alert of one encounter; calls the array kernel.

    >>> own = FlightState(lat=35.0, lon=39.0, alt_ft=20000, gs_kt=300, trk_deg=90, vs_fpm=0)
    >>> intruder = FlightState(lat=35.0, lon=39.1, alt_ft=20000, gs_kt=300, trk_deg=270, vs_fpm=0)
    >>> alert = alert_pair(own, intruder)
    >>> alert.level_name, round(alert.time_to_lowc_s, 1)
    ('warning', 0.0)
    """
    return alert_encounters(FlightStates.of([own]), FlightStates.of([intruder]), settings).at(0)
