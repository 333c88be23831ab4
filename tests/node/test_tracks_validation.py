"""The direct check of posted track states (``tactical.check_track_records``, the node's hot path) answers
exactly as the tactical parser does, and neither lets through a state outside the sanity bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.node._tracks import Pictures
from airparley.tactical import MAX_AHEAD_S, NUMBER_BOUNDS, TEXT_MAX_CHARS, TimeWindow
from airparley.tactical._records import _check_by_parser, _check_plain

NOW_S = datetime(2026, 11, 26, 3, 0, tzinfo=UTC).timestamp()
HISTORY_S = 180.0
WINDOW = TimeWindow.around(NOW_S, behind_s=HISTORY_S)

# Values a field may take: good ones, near the bounds, of the wrong type, or absurd.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from([-90, 90, 90.0000001, -180, 180, 180.5, 0, 359.999, 360, -0.0, 1e308, -1e308, 10**400]),
    st.sampled_from([-2000, -2000.5, 100_000, 100_000.1, 3000, 3000.01, 60_000, -60_000, 60_001, -60_000.5]),
)
hostile_characters = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200f", "\u200b", "\ufeff", "\u2028", "\ud800",
     "\udfff", "\xa0", "\t", "\n"]
)  # fmt: skip
texts = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " ", "USA", "RUS-SU35-1", "a\x00b", "UNKNOWN", "Су-35", "A" * 16, "A" * 17, "B" * 64]),
    st.sampled_from(["B" * 65, "\ud800", "SU35\u202e1", "X\ud83d\ude00", "\U0001f600", "ok\x00"]),
    st.tuples(st.text(max_size=4), hostile_characters, st.text(max_size=4)).map("".join),
)
times = st.one_of(
    st.sampled_from(
        ["2026-11-26T03:00:00Z", "2026-11-26T02:59:00.5+00:00", "2026-11-26T03:00:00", "yesterday", "", "2026-13-01",
         "2026-11-26T03:01:00Z", "2026-11-26T03:01:00.001Z", "2026-11-26T02:57:00Z", "2026-11-26T02:56:59.999Z",
         "2026-11-27T03:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
    ),
    st.floats(min_value=NOW_S - 300, max_value=NOW_S + 120),
    st.integers(int(NOW_S) - 300, int(NOW_S) + 120),
    st.sampled_from([10**400, -(10**400), 1e308, 0, -1, NOW_S + 86_400, NOW_S + MAX_AHEAD_S, NOW_S - HISTORY_S]),
)  # fmt: skip
others = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)

GOOD: dict[str, Any] = {
    "id": "T1",
    "party": "USA",
    "time": "2026-11-26T03:00:00Z",
    "lat": 35.2,
    "lon": 40.0,
    "alt_ft": 30000,
    "gs_kt": 360,
    "trk_deg": 60,
    "vs_fpm": 0,
    "callsign": "SENTRY60",
    "source": "E-3",
}
FIELD_VALUES = {
    "id": texts | others,
    "party": texts | others,
    "time": times | others,
    "callsign": texts | others,
    "source": texts | others,
    **dict.fromkeys(("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm"), numbers | texts | others),
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record = dict(GOOD)
    for name in draw(st.sets(st.sampled_from(sorted(FIELD_VALUES)), max_size=3)):
        record[name] = draw(FIELD_VALUES[name])
    for name in draw(st.sets(st.sampled_from(sorted(GOOD)), max_size=2)):
        record.pop(name, None)
    if draw(st.booleans()):
        record[draw(st.sampled_from(["extra", "squawk"]))] = draw(numbers | texts)
    return record


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _within_bounds(row: tuple[Any, ...]) -> bool:
    track_id, owner, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign, source = row
    numbers_ok = -90.0 < lat < 90.0 and all(
        NUMBER_BOUNDS[name][0] <= value <= NUMBER_BOUNDS[name][1]
        for name, value in (("lon", lon), ("alt_ft", alt_ft), ("gs_kt", gs_kt), ("vs_fpm", vs_fpm))
    )
    texts_ok = all(
        isinstance(text, str) and len(text) <= TEXT_MAX_CHARS[name] and text.isprintable()
        for name, text in (("id", track_id), ("party", owner), ("callsign", callsign), ("source", source))
    )
    return (
        numbers_ok
        and texts_ok
        and 0.0 <= trk_deg < 360.0
        and WINDOW.earliest_s <= time_s <= WINDOW.latest_s
        and bool(track_id.strip())
    )


@settings(max_examples=600, deadline=None)
@given(st.lists(records(), min_size=1, max_size=6))
def test_the_direct_check_gives_the_parsers_states_and_rejections(batch: list[dict[str, Any]]) -> None:
    direct = _check_plain(batch, WINDOW)
    reference = _check_by_parser(batch, WINDOW, "USA sensors")
    if direct is not None:  # None: the batch has something only the parser may judge, and it does
        assert direct[0] == reference[0]
        assert direct[1] == reference[1]
    # Whatever path: every state taken is within every bound, every refusal names a field and a reason.
    assert all(_within_bounds(row) for row in reference[0])
    assert all(r.field and r.reason for r in reference[1])
    assert len(reference[0]) + len(reference[1]) == len(batch)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"gs_kt": 1e308}, "gs_kt", "outside [0, 3000] kt"),
        ({"lat": 90}, "lat", "outside (-90, 90) degrees (the poles excluded)"),
        ({"lat": -90.0}, "lat", "the poles excluded"),
        ({"gs_kt": 3000.5}, "gs_kt", "outside [0, 3000] kt"),
        ({"alt_ft": 100_001}, "alt_ft", "outside [-2000, 100000] ft"),
        ({"alt_ft": -2001}, "alt_ft", "outside [-2000, 100000] ft"),
        ({"vs_fpm": -60_001}, "vs_fpm", "outside [-60000, 60000] ft/min"),
        ({"vs_fpm": 10**400}, "vs_fpm", "too large for a double"),
        ({"time": "2026-11-27T03:00:00Z"}, "time", "86400 s ahead of the node's clock; at most 60 s"),
        ({"time": NOW_S + 61}, "time", "61 s ahead"),
        ({"time": NOW_S - 181}, "time", "181 s behind the node's clock; the picture keeps 180 s"),
        ({"time": 0}, "time", "behind the node's clock"),
        ({"time": "9999-12-31T23:59:59-01:00"}, "time", "ahead of the node's clock"),
        ({"id": "\ud800"}, "id", "lone surrogate"),
        ({"id": "SU35\u202e1"}, "id", "bidirectional control character (U+202E) at position 4"),
        ({"id": "a\x00b"}, "id", "control character (U+0000)"),
        ({"callsign": "FALCON\x1b[31m"}, "callsign", "control character (U+001B)"),
        ({"source": "E-3\u2028"}, "source", "not printable (U+2028)"),
        ({"id": "X" * 65}, "id", "at most 64 characters, got 65"),
        ({"callsign": "C" * 17}, "callsign", "at most 16 characters"),
        ({"party": "P" * 17}, "party", "at most 16 characters"),
        ({"id": _nested(50)}, "id", "must be a string, got a list"),
        ({"lat": {"deep": _nested(50)}}, "lat", "must be a number, got an object"),
        ({"lat": float("nan")}, "lat", "must be a finite number, got nan"),
        ({"lon": float("inf")}, "lon", "must be a finite number, got inf"),
    ],
)
def test_each_bound_is_refused_by_name_on_both_paths(change: dict[str, Any], field: str, reason: str) -> None:
    record = {**GOOD, **change}
    pictures = Pictures(clock=lambda: NOW_S)
    accepted, rejected = pictures.post("USA", [dict(GOOD, id="OK"), record])
    assert accepted == 1
    ((rejection),) = rejected
    assert (rejection.index, rejection.field) == (1, field)
    assert reason in rejection.reason
    assert rejection.reason.isprintable()
    assert len(rejection.reason) < 200
    reference = _check_by_parser([record], WINDOW, "USA sensors")
    assert [(r.field, r.reason) for r in reference[1]] == [(rejection.field, rejection.reason)]


def test_the_edges_of_each_bound_are_taken() -> None:
    edges: list[dict[str, Any]] = [
        {"lat": -89.999999, "lon": -180, "alt_ft": -2000, "gs_kt": 0, "trk_deg": 0, "vs_fpm": -60_000},
        {"lat": 89.999999, "lon": 180, "alt_ft": 100_000, "gs_kt": 3000, "trk_deg": 359.999, "vs_fpm": 60_000},
        {"time": NOW_S + MAX_AHEAD_S, "id": "B" * 64, "callsign": "Фалкон 11", "source": "E-3 \U0001f6e9"},
        {"time": NOW_S - HISTORY_S, "party": "P" * 16},
    ]
    states = [
        dict(GOOD, id=f"E{k}", **edge) if "id" not in edge else dict(GOOD, **edge) for k, edge in enumerate(edges)
    ]
    assert Pictures(clock=lambda: NOW_S).post("USA", states) == (4, [])


def test_a_state_too_deep_for_json_is_refused_not_raised() -> None:
    """A body nested as deep as the request's JSON reader allows may be too deep to write back out on the
    parser's path (a deeper stack): that item is refused by field, the rest of the batch is judged."""
    deep = _nested(100_000)
    accepted, rejected = Pictures(clock=lambda: NOW_S).post("USA", [dict(GOOD, id="OK"), dict(GOOD, id=deep), deep])
    assert accepted == 1
    assert [(r.index, r.field) for r in rejected] == [(1, "id"), (2, "(line)")]
    assert json.dumps([r.as_dict() for r in rejected])  # plain, short reasons


def test_every_track_bound_is_in_docs_security() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("### Track states", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| track `")}
    for name, (low, high, unit) in NUMBER_BOUNDS.items():
        row = rows[f"track `{name}`"]
        assert f"{low:,.0f} to {high:,.0f} {unit}" in row, row
    for name, most in TEXT_MAX_CHARS.items():
        assert f"to {most} printable characters" in rows[f"track `{name}`"]
    assert f"{HISTORY_S:.0f} s before the node's clock to {MAX_AHEAD_S:.0f} s after" in rows["track `time`"]
