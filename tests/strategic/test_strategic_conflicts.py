from __future__ import annotations

from datetime import timedelta

import pytest
import shapely
from strategic_builders import AL_BAB, PALMYRA, T0, circle_volume, notice, polygon_volume

from airparley.errors import InvalidInput
from airparley.geo import LocalFrame, destination
from airparley.strategic import Buffers, ConflictIndex, NoticeRef, conflict_id, footprint_distance_nm


def _circle_at(distance_from_palmyra_nm: float, radius_nm: float, **kw: object):  # type: ignore[no-untyped-def]
    lon, lat = destination(*PALMYRA, 90.0, distance_from_palmyra_nm)
    return circle_volume((float(lon), float(lat)), radius_nm, **kw)  # type: ignore[arg-type]


def _conflicts(*notices):  # type: ignore[no-untyped-def]
    return ConflictIndex.build(notices).conflicts()


def test_palmyra_strikes_of_two_parties_in_overlapping_windows_conflict() -> None:
    usa = notice("USA-1", "USA", circle_volume(PALMYRA, 15, 20000, 30000))
    rus = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10, 15000, 25000, start=T0 + timedelta(hours=1)))
    (conflict,) = _conflicts(usa, rus)
    assert {conflict.a.party, conflict.b.party} == {"USA", "RUS"}
    assert conflict.id == conflict_id(usa.ref, rus.ref)
    assert conflict.buffers == Buffers()
    # The overlap band: the part of each band within 1,000 ft of the other.
    assert conflict.lower_ft == 19000
    assert conflict.upper_ft == 26000
    assert conflict.start_s == (T0 + timedelta(minutes=50)).timestamp()
    assert conflict.end_s == (T0 + timedelta(minutes=130)).timestamp()


def test_same_party_never_conflicts_with_itself() -> None:
    strike = notice("USA-1", "USA", circle_volume(PALMYRA, 15))
    cap = notice("USA-2", "USA", circle_volume(PALMYRA, 20))
    assert _conflicts(strike, cap) == []


@pytest.mark.parametrize(("gap_nm", "expected"), [(4.9, 1), (5.1, 0)])
def test_lateral_buffer_is_a_strict_bound_on_the_footprint_gap(gap_nm: float, expected: int) -> None:
    a = notice("USA-1", "USA", circle_volume(PALMYRA, 10))
    b = notice("RUS-1", "RUS", _circle_at(10 + 20 + gap_nm, 20))
    assert len(_conflicts(a, b)) == expected


@pytest.mark.parametrize(("lower_b", "expected"), [(30999, 1), (31000, 0), (29000, 1)])
def test_vertical_buffer_is_a_strict_bound_on_the_band_gap(lower_b: float, expected: int) -> None:
    a = notice("USA-1", "USA", circle_volume(PALMYRA, 10, 20000, 30000))
    b = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10, lower_b, 40000))
    assert len(_conflicts(a, b)) == expected


@pytest.mark.parametrize(("gap_min", "expected"), [(9.99, 1), (10, 0), (0, 1)])
def test_time_buffer_is_a_strict_bound_on_the_window_gap(gap_min: float, expected: int) -> None:
    a = notice("USA-1", "USA", circle_volume(PALMYRA, 10, minutes=60))
    b = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10, start=T0 + timedelta(minutes=60 + gap_min)))
    assert len(_conflicts(a, b)) == expected


def test_conflict_id_is_order_free_and_changes_with_a_revision() -> None:
    a, b = NoticeRef("USA-1", "USA", 1), NoticeRef("RUS-1", "RUS", 3)
    assert conflict_id(a, b) == conflict_id(b, a)
    assert conflict_id(a, b) != conflict_id(NoticeRef("USA-1", "USA", 2), b)
    assert len(conflict_id(a, b)) == 64


def test_the_overlap_discloses_only_what_lies_within_the_buffer_of_the_other() -> None:
    usa = notice("USA-1", "USA", circle_volume(PALMYRA, 10))
    rus_volume = polygon_volume([[37.9, 34.0], [40.0, 34.0], [40.0, 35.5], [37.9, 35.5]])
    rus = notice("RUS-1", "RUS", rus_volume)
    (conflict,) = _conflicts(usa, rus)
    (detail,) = conflict.volumes
    usa_part, rus_part = (
        (detail.footprint_a, detail.footprint_b)
        if conflict.a.party == "USA"
        else (detail.footprint_b, detail.footprint_a)
    )
    usa_footprint = usa.volumes[0].footprint
    # Every disclosed point of the Russian volume is within 5 NM of the American circle...
    frame = LocalFrame(*PALMYRA)
    reach = shapely.buffer(frame.project(usa_footprint), 5 * 1852 + 50)
    assert shapely.covers(reach, frame.project(rus_part))
    # ...and the disclosed part is a small piece of the whole Russian box.
    assert rus_part.area < 0.2 * rus_volume.footprint.area
    assert usa_part.area == pytest.approx(usa_footprint.area, rel=1e-6)
    as_json = conflict.as_dict()
    assert set(as_json) == {"id", "a", "b", "overlap", "buffers", "volumes"}
    assert set(as_json["overlap"]) == {"footprint", "lower_ft", "upper_ft", "start", "end"}
    assert as_json["overlap"]["footprint"]["type"] in {"Polygon", "MultiPolygon"}


def test_gap_is_reported_with_the_conflict() -> None:
    a = notice("USA-1", "USA", circle_volume(PALMYRA, 10))
    b = notice("RUS-1", "RUS", _circle_at(10 + 20 + 3.0, 20))
    (conflict,) = _conflicts(a, b)
    assert conflict.volumes[0].lateral_gap_nm == pytest.approx(3.0, abs=0.05)
    assert footprint_distance_nm(a.volumes[0].footprint, b.volumes[0].footprint) == pytest.approx(3.0, abs=0.05)


def test_a_notice_with_several_volumes_gives_one_conflict_with_each_volume_pair() -> None:
    usa = notice("USA-1", "USA", circle_volume(PALMYRA, 10), circle_volume(AL_BAB, 10))
    rus = notice("RUS-1", "RUS", circle_volume(PALMYRA, 5), circle_volume(AL_BAB, 5), circle_volume((45, 30), 5))
    (conflict,) = _conflicts(usa, rus)
    assert [(v.a_volume, v.b_volume) for v in conflict.volumes] == [(0, 0), (1, 1)]


def test_buffers_must_be_positive_and_finite() -> None:
    for kwargs, field in (
        ({"lateral_nm": 0}, "lateral_nm"),
        ({"vertical_ft": -1}, "vertical_ft"),
        ({"time_min": float("nan")}, "time_min"),
    ):
        with pytest.raises(InvalidInput) as caught:
            Buffers(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field


def test_incremental_add_revise_and_cancel() -> None:
    index = ConflictIndex()
    usa = notice("USA-1", "USA", circle_volume(PALMYRA, 10))
    assert index.add(usa) == []
    rus = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10))
    (first,) = index.add(rus)
    # The Russians revise their notice above the Americans: the conflict disappears.
    moved = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10, 35000, 40000), version=2)
    assert index.add(moved) == []
    assert index.conflicts() == []
    # They revise it back down: a new conflict, with a new id (new version).
    back = notice("RUS-1", "RUS", circle_volume(PALMYRA, 10), version=3)
    (again,) = index.add(back)
    assert again.id != first.id
    assert index.conflicts_of("USA-1") == [again]
    index.remove("RUS-1")
    assert index.conflicts() == []
    assert "RUS-1" not in index
    cancelled = notice("USA-1", "USA", circle_volume(PALMYRA, 10), version=2, state="cancelled")
    assert index.add(cancelled) == []
    assert len(index) == 0


def test_the_demo_scene_has_the_conflicts_of_the_story(syria_iraq_path) -> None:  # type: ignore[no-untyped-def]
    from airparley.strategic import parse_notices

    parsed = parse_notices(syria_iraq_path.read_text())
    assert parsed.ok
    pairs = {(c.a.notice_id, c.b.notice_id) for c in ConflictIndex.build(parsed.notices).conflicts()}
    assert ("RUS-0201", "USA-0101") in pairs  # coalition and Russian strikes near Palmyra
    assert ("RUS-0202", "USA-0103") in pairs  # the bomber corridor crosses the E-3 orbit
    assert ("SYR-0401", "TUR-0301") in pairs  # Turkish and Syrian activity at al-Bab
    assert not any("USA-0102" in pair for pair in pairs)  # the F-22 CAP is stacked clear above
