"""Buffers per pair of parties (node/_notices.py ``judged_under``): searching with the widest buffers and
judging each conflict under its pair's finds exactly what a check under each pair's buffers alone finds."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st
from palmyra import collection, feature

from airparley.node._notices import judged_under
from airparley.strategic import Buffers, ConflictIndex, Notice, parse_notices_data

PARTIES = ("USA", "RUS", "TUR")
WIDE = Buffers(12.0, 3000.0, 40.0)


def _notice(i: int, party: str, lon: float, lat: float, radius_nm: float, floor_fl: int, start_min: int) -> Notice:
    hours, minutes = divmod(120 + start_min, 60)
    document = collection(
        feature(
            f"{party}-{i:04d}",
            party,
            {"type": "Point", "coordinates": [lon, lat]},
            shape="circle",
            radius_nm=radius_nm,
            lower={"value": floor_fl, "ref": "FL"},
            upper={"value": floor_fl + 40, "ref": "FL"},
            start=f"2026-11-26T{hours:02d}:{minutes:02d}:00Z",
            end=f"2026-11-26T{hours + 1:02d}:{minutes:02d}:00Z",
        )
    )
    parsed = parse_notices_data(document)
    assert not parsed.errors
    (notice,) = parsed.notices
    return notice


notices = st.lists(
    st.tuples(
        st.sampled_from(PARTIES),
        st.floats(38.0, 38.6),
        st.floats(34.4, 34.8),
        st.floats(1.0, 8.0),
        st.integers(100, 300),
        st.integers(0, 90),
    ),
    min_size=2,
    max_size=8,
)
narrower = st.builds(Buffers, st.floats(0.5, 12.0), st.floats(100.0, 3000.0), st.floats(1.0, 40.0))


@settings(max_examples=60, deadline=None)
@given(notices, st.dictionaries(st.sampled_from(list(combinations(sorted(PARTIES), 2))), narrower))
def test_judging_under_each_pairs_buffers_equals_checking_each_pair_alone(
    drawn: list[tuple[str, float, float, float, int, int]], agreed: dict[tuple[str, str], Buffers]
) -> None:
    made = [_notice(i, *args) for i, args in enumerate(drawn)]

    def pair_buffers(a: str, b: str) -> Buffers:
        return agreed.get((min(a, b), max(a, b)), WIDE)

    found = {c.id for c in judged_under(ConflictIndex.build(made, WIDE).conflicts(), pair_buffers)}
    expected: set[str] = set()
    for a, b in combinations(sorted(PARTIES), 2):
        of_pair = [n for n in made if n.party in (a, b)]
        expected |= {c.id for c in ConflictIndex.build(of_pair, pair_buffers(a, b)).conflicts()}
    assert found == expected
