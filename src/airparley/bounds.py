"""Every bound on a number or a string the node takes, declared once (docs/security.md, section "Bounds").

Why bounds at all: a hostile officer of another party, a compromised gateway or a dishonest peer sends
what the parser lets through. Without a declared bound, a value too large for a double (``1e400`` written
as an integer), a lone surrogate or a NUL reached the store, where SQLite and PostgreSQL disagreed about it
(one stored it, the other answered 500), or reached the kernels as ``inf``. So every value is checked here,
before the store, the same whatever the store, and a refusal names the field (``InvalidInput``, 422).

The rules, besides the table:

- JSON anywhere in a body (:func:`check_json`): numbers finite (no ``NaN``/``Infinity``), integers within
  ±2^53 (a double holds them exactly, and so does every store), strings and keys valid Unicode (no lone
  surrogate, no NUL), nesting at most ``json_depth`` deep.
- Free text (:func:`free_text`): no control character other than newline and tab, and no bidirectional
  embedding, override or isolate character (U+202A-U+202E, U+2066-U+2069): they make text display in
  another order than it is stored (a reader would see "FL250" where the record says "FL052"); the node
  isolates left-to-right tokens in right-to-left text itself (hotline/_params.py). Marks (U+200E, U+200F,
  U+061C) are harmless and allowed.
- Ids: ASCII letters, digits and ``._:-`` only, so no look-alike or direction character fits in one.
- A notice id is its party's code, a dash and a local part (``USA-0101``): ids are scoped by party, so no
  party can take, block or probe another's (:func:`notice_id_of`).

Pure: no I/O; the node, the notice parser and the hotline import it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from airparley.errors import InvalidInput

__all__ = [
    "BOUNDS",
    "MAX_CURSOR",
    "MAX_SAFE_INTEGER",
    "Bound",
    "check_json",
    "count",
    "days",
    "free_text",
    "is_plain_id",
    "notice_id_of",
    "number",
    "party_code",
    "pattern_text",
    "shown",
    "time_within",
]

#: The largest integer a double holds exactly (2^53): beyond it a JSON number is refused anywhere.
MAX_SAFE_INTEGER: Final = 2**53
#: The largest event or ledger cursor: a signed 64-bit integer, what both stores can compare against.
MAX_CURSOR: Final = 2**63 - 1


@dataclass(frozen=True)
class Bound:
    """One declared bound: ``low``..``high`` in ``unit`` (a number), or characters/items (a text or a list).

    ``fields`` names where the API takes the value, ``why`` is the reason for this limit, both for the docs.
    """

    name: str
    kind: str  # "number", "integer", "text", "id", "list", "time"
    low: float
    high: float
    unit: str
    fields: str
    why: str

    def describe(self) -> str:
        """The bound as one phrase: ``2 to 1,000 MHz``, ``1 to 64 characters``, ``2000 to 2100 (years)``."""
        if self.kind == "time":
            return f"{self.low:.0f} to {self.high:.0f} ({self.unit}s)"
        return f"{_g(self.low)} to {_g(self.high)} {self.unit}".rstrip()

    def most(self) -> str:
        """The upper bound as one phrase: ``10,000 positions``."""
        return f"{_g(self.high)} {self.unit}".rstrip()


def _g(value: float) -> str:
    if isinstance(value, int):  # exactly: 2^63-1 must not print as the float it rounds to
        return f"{value:,}"
    return f"{value:,.0f}" if value.is_integer() else f"{value:g}"


# fmt: off
_TABLE = (
    # -- notices ---------------------------------------------------------------------------------------
    Bound("notice_id", "id", 4, 64, "characters", "notice `notice_id`, `/notices/{notice_id}`",
          "its party's code, a dash, then letters, digits and `._-` (e.g. USA-0101): scoped by party"),
    Bound("party", "id", 2, 8, "characters", "notice `party`, track share `with`, message `recipients`, case `with`",
          "capital letters and digits, starting with a letter (USA, RUS)"),
    Bound("altitude_ft_msl", "number", -2000, 100_000, "ft MSL", "notice `lower`, `upper` (after unit conversion)",
          "below the Dead Sea shore to FL999; beyond is a typo, not an airspace"),
    Bound("flight_level", "number", 0, 999, "FL", "notice `lower`/`upper` with `ref: FL`", "FL000-FL999"),
    Bound("radius_nm", "number", 0.01, 500, "NM", "notice `radius_nm` (circle, orbit)",
          "a circle wider than 500 NM covers the whole theatre"),
    Bound("half_width_nm", "number", 0.01, 100, "NM", "notice `half_width_nm` (corridor)",
          "a corridor is a lane, not a region"),
    Bound("longitude", "number", -180, 180, "degrees", "every `coordinates` position", "WGS84"),
    Bound("latitude", "number", -90, 90, "degrees", "every `coordinates` position", "WGS84"),
    Bound("positions", "list", 1, 10_000, "positions", "one geometry's `coordinates` (notice, reroute)",
          "a footprint is drawn by a desk, not sampled from a survey"),
    Bound("volumes", "list", 1, 100, "volumes", "features of one notice", "one activity, not a flight plan database"),
    Bound("features", "list", 1, 1000, "features", "one `POST /notices` document", "bigger filings are split"),
    Bound("notice_time", "time", 2000, 2100, "year", "notice `start`, `end`", "absolute sanity (the format)"),
    Bound("notice_duration", "number", 0, 31, "days", "notice `end` - `start`",
          "a standing activity is revised each month, not announced forever"),
    Bound("notice_past", "number", 0, 366, "days", "notice `end` before the node's now, when filed or revised",
          "a record of a past activity is filed within a year, never a squat on history"),
    Bound("notice_future", "number", 0, 366, "days", "notice `start` after the node's now, when filed or revised",
          "no desk plans further than a year ahead; further is a typo or a squat"),
    Bound("version", "integer", 1, 1_000_000, "", "notice `version`; `/agreements/{id}/versions/{version}`",
          "a revision count, not an arbitrary number"),
    Bound("frequency_mhz", "number", 2, 1000, "MHz", "notice `frequency_mhz`, `POST /frequencies` `mhz`",
          "HF 2 MHz to UHF; at most 3 decimals (kHz)"),
    Bound("callsign", "id", 1, 16, "characters", "notice `callsigns` items",
          "letters, digits, spaces and hyphens, starting and ending with a letter or digit"),
    Bound("callsigns", "list", 0, 20, "callsigns", "notice `callsigns`", "one package's aircraft"),
    Bound("remarks", "text", 0, 2000, "characters", "notice `remarks`", "free text rule"),
    Bound("private", "text", 0, 16_384, "bytes of JSON", "notice `private`", "notes for the own party only"),
    Bound("kml_bytes", "number", 0, 64 * 1024 * 1024, "bytes", "a KML notices document (`notice validate`, `check`, "
          "`notice file`, `notice export`)", "parsed whole: a theatre's notices fit many times over"),
    # -- frequencies -----------------------------------------------------------------------------------
    Bound("frequency_name", "text", 1, 64, "characters", "`POST /frequencies` `name`", "one line, free text rule"),
    Bound("frequency_area", "text", 0, 200, "characters", "`POST /frequencies` `area`", "one line, free text rule"),
    Bound("frequency_notes", "text", 0, 2000, "characters", "`POST /frequencies` `notes`", "free text rule"),
    # -- agreements (docs/agreements.md) ---------------------------------------------------------------
    Bound("agreement_id", "id", 1, 64, "characters", "agreement `agreement_id`, `/agreements/{agreement_id}`",
          "letters, digits and `._:-`, starting with a letter or digit"),
    Bound("agreement_parties", "list", 2, 16, "parties", "agreement `parties`, `GET /agreements/in-force` `parties`",
          "two or more parties, named one by one"),
    Bound("agreement_title", "text", 0, 200, "characters", "agreement `title`", "one line, free text rule"),
    Bound("agreement_frequencies", "list", 0, 64, "frequencies", "agreement `terms.frequencies`",
          "an annex's channel plan, not a spectrum database"),
    Bound("buffer_lateral_nm", "number", 0.01, 500, "NM", "agreement `terms.buffers.lateral_nm`", "theatre scale"),
    Bound("buffer_vertical_ft", "number", 1, 100_000, "ft", "agreement `terms.buffers.vertical_ft`", "as altitudes"),
    Bound("buffer_time_min", "number", 0.1, 1440, "min", "agreement `terms.buffers.time_min`", "a day"),
    Bound("case_deadline_s", "integer", 1, 86_400, "s", "agreement `terms.case_deadlines.*`", "a day"),
    Bound("incident_horizontal_nm", "number", 0.01, 50, "NM", "agreement `terms.incident_minima.horizontal_nm`",
          "a near miss, not a strategic buffer"),
    Bound("incident_vertical_ft", "number", 1, 10_000, "ft", "agreement `terms.incident_minima.vertical_ft`",
          "a near miss, not a strategic buffer"),
    Bound("period_time", "time", 2000, 2100, "year", "disclosure `since`, `until`", "absolute sanity (the format)"),
    Bound("trail_s", "integer", 0, 300, "s", "`GET /picture` `trail_s`",
          "a short trail behind each replayed track; longer reads more kept states (docs/replay.md)"),
    Bound("agreement_time", "time", 2000, 2100, "year", "agreement `start`", "absolute sanity (the format)"),
    # -- hotline ---------------------------------------------------------------------------------------
    Bound("message_text", "text", 1, 4000, "characters", "message `text`", "free text rule"),
    Bound("references", "list", 0, 20, "references", "message `references`", "what one message can be about"),
    Bound("case_note", "text", 0, 2000, "characters", "case `note`, `text`; contention `reason`", "free text rule"),
    Bound("proposal_text", "text", 0, 2000, "characters", "proposal `text`", "free text rule"),
    Bound("shift_minutes", "integer", -1440, 1440, "minutes", "`shift_time` `minutes` (not 0)", "a day either way"),
    Bound("split_ft", "integer", 1, 100_000, "ft MSL", "`altitude_split` `at_ft`", "as altitudes"),
    Bound("time_slots", "list", 2, 48, "slots", "`time_share` `slots`", "half-hour slots over a day"),
    Bound("slot_time", "time", 2000, 2100, "year", "`time_share` slot `start`, `end`", "absolute sanity"),
    Bound("param_minutes", "integer", 1, 1440, "minutes", "phrase parameter of kind minutes", "a day"),
    Bound("param_distance_nm", "number", 0, 1000, "NM", "phrase parameter `distance_nm`", "theatre scale"),
    Bound("param_frequency_mhz", "number", 118, 400, "MHz", "phrase parameter of kind frequency",
          "VHF and UHF air band; at most 3 decimals"),
    Bound("param_fl", "integer", 0, 999, "FL", "phrase parameter of kind fl", "FL000-FL999"),
    Bound("param_altitude_ft", "integer", 0, 100_000, "ft", "phrase parameter of kind altitude_ft", "as altitudes"),
    Bound("param_heading", "integer", 0, 360, "degrees", "phrase parameter of kind heading", "a compass"),
    Bound("param_area", "text", 1, 64, "characters", "phrase parameter of kind area", "one line, free text rule"),
    Bound("record_id", "id", 1, 128, "characters", "ids of messages, cases, conflicts, tracks in bodies",
          "letters, digits and `._:-`"),
    # -- incidents -------------------------------------------------------------------------------------
    Bound("disclose_to", "list", 1, 16, "parties", "`POST /incidents/{incident_id}/disclose` `to`",
          "the parties of one case or inquiry, named one by one"),
    # -- the wire --------------------------------------------------------------------------------------
    Bound("json_integer", "integer", -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, "", "every integer in a JSON body",
          "a double holds it exactly, as every store and browser does"),
    Bound("json_depth", "integer", 1, 32, "levels", "nesting of a notice feature or a hotline body",
          "no such document nests deeper (the node's door refuses any body deeper than 64)"),
    Bound("after", "integer", 0, MAX_CURSOR, "", "`GET /events`, WebSocket `/events` `after`",
          "a signed 64-bit cursor, what both stores compare"),
    Bound("ledger_after", "integer", -1, MAX_CURSOR, "", "`GET /ledger/{party}` `after`, `POST /ledger/hint` `seq`",
          "a signed 64-bit seq"),
    Bound("idempotency_key", "text", 1, 200, "characters", "`Idempotency-Key` header", "one client's retry key"),
)
# fmt: on

#: name -> bound; the one table docs/security.md lists (tests/node/test_node_bad_input.py checks it does).
BOUNDS: Final[Mapping[str, Bound]] = {bound.name: bound for bound in _TABLE}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PARTY = re.compile(r"[A-Z][A-Z0-9]{1,7}")
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]+")
_LOCAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _bound(name: str) -> Bound:
    return BOUNDS[name]


def number(value: Any, field: str, name: str, *, integer: bool = False) -> float:
    """``value`` as a finite number within bound ``name`` (as a float; an int when ``integer``)."""
    bound = _bound(name)
    whole = integer or bound.kind == "integer"
    if isinstance(value, bool) or not isinstance(value, int | float):
        what = "a whole number" if whole else "a number"
        raise InvalidInput(field, f"must be {what} ({bound.describe()}), got {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(field, f"must be a finite number, got {value!r}")
    if whole and not isinstance(value, int):
        raise InvalidInput(field, f"must be a whole number ({bound.describe()}), got {value!r}")
    # Compared before any conversion: an int too large for a double must not reach float().
    if not bound.low <= value <= bound.high:
        raise InvalidInput(field, f"must be within {bound.describe()}, got {shown(value)}")
    return value if whole else float(value)


def count(items: Any, field: str, name: str) -> list[Any]:
    """``items`` as a list of at most bound ``name`` items (and at least its low)."""
    bound = _bound(name)
    if not isinstance(items, list | tuple):
        raise InvalidInput(field, f"must be a list, got {type(items).__name__}")
    if not bound.low <= len(items) <= bound.high:
        raise InvalidInput(field, f"must hold {bound.describe()}, got {len(items)}")
    return list(items)


def free_text(value: Any, field: str, name: str, *, one_line: bool = False) -> str:
    """Free text within bound ``name``: no control (but newline, tab) or directional formatting character."""
    bound = _bound(name)
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be text, got {shown(value)}")
    if bound.low > 0 and not value.strip():
        raise InvalidInput(field, "must not be empty")
    if len(value) > bound.high:
        raise InvalidInput(field, f"must be at most {_g(bound.high)} characters, got {len(value)}")
    _valid_unicode(value, field)
    if _CONTROL.search(value) or (one_line and ("\n" in value or "\t" in value)):
        raise InvalidInput(field, "must not contain control characters" + (" or line breaks" if one_line else ""))
    if (bidi := _BIDI.search(value)) is not None:
        raise InvalidInput(
            field,
            f"must not contain directional formatting characters (U+{ord(bidi.group()):04X}): "
            "they make text show in another order than it is written",
        )
    return value


def pattern_text(value: Any, field: str, name: str, pattern: re.Pattern[str], what: str) -> str:
    """An id-like string: the whole of ``pattern`` and within bound ``name``'s length."""
    bound = _bound(name)
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be {what}, got {shown(value)}")
    if not bound.low <= len(value) <= bound.high or pattern.fullmatch(value) is None:
        raise InvalidInput(field, f"must be {what} ({bound.describe()}), got {shown(value)}")
    return value


def notice_id_of(party: str, notice_id: Any, field: str = "notice_id") -> str:
    """``notice_id`` checked to be ``party``'s: its code, a dash and a local part (``USA-0101``).

    Scoping ids by party is what keeps a party from taking (squatting) or probing another's ids: the
    question "does TUR-0301 exist" can only be asked by TUR, the only party that may file it."""
    what = f"an id of {party}'s: {party}-, then letters, digits and . _ -"
    checked = pattern_text(notice_id, field, "notice_id", re.compile(r".+"), what)
    prefix = f"{party}-"
    if not checked.startswith(prefix) or _LOCAL_ID.fullmatch(checked[len(prefix) :]) is None:
        raise InvalidInput(field, f"must be {what} (e.g. {party}-0101), got {shown(notice_id)}")
    return checked


def party_code(value: Any, field: str) -> str:
    """A party's code (``USA``): 2-8 capital letters and digits, starting with a letter."""
    return pattern_text(value, field, "party", _PARTY, "a party code (2-8 capital letters or digits, e.g. USA)")


def time_within(moment: datetime, field: str, name: str) -> datetime:
    """An instant within the absolute years of bound ``name`` (e.g. 2000-2100)."""
    bound = _bound(name)
    low = datetime(int(bound.low), 1, 1, tzinfo=UTC)
    high = datetime(int(bound.high), 1, 1, tzinfo=UTC)
    if not low <= moment < high:
        raise InvalidInput(field, f"must be between {low.year} and {high.year}, got {moment.isoformat()}")
    return moment


def days(name: str) -> timedelta:
    """Bound ``name`` (in days) as a duration."""
    return timedelta(days=_bound(name).high)


def _valid_unicode(value: str, field: str) -> None:
    if "\x00" in value:
        raise InvalidInput(field, "must not contain NUL characters")
    if _SURROGATE.search(value) is not None:
        raise InvalidInput(field, "must be valid Unicode text (it holds a lone surrogate)")


def is_plain_id(value: str) -> bool:
    """Whether ``value`` is short ASCII id-like text, safe to quote in an error's location."""
    return len(value) <= 128 and _PLAIN_ID.fullmatch(value) is not None


def shown(value: Any) -> str:
    """A value as an error message may quote it: short, and never a lone surrogate or a huge number."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return "a number too large"
    text = repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 80 else text[:77] + "..."


def check_json(data: Any, field: str = "") -> None:
    """Refuse what no field of any body may hold: non-finite numbers, integers beyond ±2^53, lone surrogates
    or NUL in strings and keys, nesting deeper than ``json_depth``. The error names the path (``a.0.b``).

    Iterative (a hostile body cannot make it recurse), one pass over the decoded body. A value's path is
    spelled out only for containers and errors: most values are numbers of coordinate lists, and naming
    each one was most of the pass."""
    depth_max = int(_bound("json_depth").high)
    # (value, its parent's path, its key or index in the parent or None for the root, depth)
    stack: list[tuple[Any, str, Any, int]] = [(data, field, None, 1)]
    while stack:
        value, parent, key, depth = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInput(_json_path(parent, key), f"must be a finite number, got {value!r}")
        elif isinstance(value, int):
            if abs(value) > MAX_SAFE_INTEGER:
                raise InvalidInput(_json_path(parent, key), "must be a number within ±2^53 (9007199254740992)")
        elif isinstance(value, str):
            if "\x00" in value or _SURROGATE.search(value) is not None:
                _valid_unicode(value, _json_path(parent, key))
        elif isinstance(value, Mapping | list | tuple):
            path = parent if key is None else (f"{parent}.{key}" if parent else str(key))
            if depth > depth_max:
                raise InvalidInput(path or "(body)", f"nests deeper than {depth_max} levels")
            if isinstance(value, Mapping):
                for item_key, item in value.items():
                    key_text = str(item_key)
                    if _SURROGATE.search(key_text) or "\x00" in key_text:
                        raise InvalidInput(path or "(body)", "a key is not valid Unicode text (lone surrogate or NUL)")
                    stack.append((item, path, key_text, depth + 1))
            else:
                stack.extend((item, path, index, depth + 1) for index, item in enumerate(value))


def _json_path(parent: str, key: Any) -> str:
    path = parent if key is None else (f"{parent}.{key}" if parent else str(key))
    return path or "(body)"
