"""``tactical.check_track_records`` (the public check of posted track states) gives the track parser's answer:
the states ``parse_track_lines`` takes from the records written as JSON lines, and a rejection (index, field,
reason) for each line it skips. The direct path's own equivalence is ``tests/node/test_tracks_validation.py``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.tactical import TimeWindow, TrackRejection, TrackState, check_track_records, parse_track_lines, state_row

T0 = 1795662000.0  # 2026-11-26T03:00:00Z
WINDOW = TimeWindow.around(T0, behind_s=180.0)
GOOD: dict[str, Any] = {
    "id": "T1",
    "party": "USA",
    "time": T0,
    "lat": 35.2,
    "lon": 40.0,
    "alt_ft": 30000,
    "gs_kt": 360,
    "trk_deg": 60,
    "vs_fpm": 0,
    "callsign": "SENTRY60",
    "source": "E-3",
}
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**5), 10**5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=1),
)


@st.composite
def records(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(values)  # not an object at all
    record = dict(GOOD)
    for name in draw(st.sets(st.sampled_from(sorted(GOOD)), max_size=3)):
        if draw(st.booleans()):
            record[name] = draw(values)
        else:
            record.pop(name)
    return record


@settings(max_examples=300, deadline=None)
@given(st.lists(records(), max_size=6))
def test_the_check_answers_as_the_parser_on_json_lines(batch: list[Any]) -> None:
    accepted, rejected = check_track_records(batch, WINDOW, source="USA sensors")
    parsed = parse_track_lines([json.dumps(item) for item in batch], source="USA sensors", window=WINDOW)
    assert accepted == [state_row(s) for s in parsed.states]
    assert rejected == [TrackRejection(e.line - 1, e.field, e.reason) for e in parsed.errors]
    assert [TrackState(*row) for row in accepted] == list(parsed.states)


def test_a_rejection_is_plain_json() -> None:
    _, rejected = check_track_records([dict(GOOD, gs_kt=-1)], WINDOW)
    assert [r.as_dict() for r in rejected] == [
        {"index": 0, "field": "gs_kt", "reason": "must not be negative, got -1.0"}
    ]
