"""The node's direct check of posted track states answers exactly as the tactical parser does."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.node._tracks import _check_by_parser, _check_plain

# Values a field may take: good ones, near the bounds, of the wrong type, or absurd.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.sampled_from([-90, 90, 90.0000001, -180, 180, 180.5, 0, 359.999, 360, -0.0, 1e308, 10**400]),
)
texts = st.one_of(st.text(max_size=8), st.sampled_from(["", " ", "USA", "RUS-SU35-1", "a\x00b", "UNKNOWN"]))
times = st.one_of(
    st.sampled_from(
        ["2026-11-26T03:00:00Z", "2026-11-26T03:00:00.5+00:00", "2026-11-26T03:00:00", "yesterday", "", "2026-13-01"]
    ),
    st.floats(min_value=1.7e9, max_value=1.9e9),
    st.integers(1_700_000_000, 1_900_000_000),
    st.sampled_from([10**400, -(10**400), 1e308]),
)
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


@settings(max_examples=400, deadline=None)
@given(st.lists(records(), min_size=1, max_size=6))
def test_the_direct_check_gives_the_parsers_states_and_rejections(batch: list[dict[str, Any]]) -> None:
    direct = _check_plain(batch)
    reference = _check_by_parser(batch, "USA")
    if direct is not None:  # None: the batch has something only the parser may judge, and it does
        assert direct[0] == reference[0]
        assert direct[1] == reference[1]
