"""The notices file: every error reported, located and named; private parts never leave."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from airparley.bounds import BOUNDS
from airparley.strategic import ConflictIndex, notice_schema, notices_to_geojson, parse_notices, parse_notices_data


def _feature(**props: Any) -> dict[str, Any]:
    base = {
        "notice_id": "USA-1",
        "party": "USA",
        "version": 1,
        "kind": "strike",
        "lower": {"value": 200, "unit": "ft", "ref": "FL"},
        "upper": 30000,
        "start": "2026-11-26T02:00:00Z",
        "end": "2026-11-26T04:00:00Z",
    }
    base.update(props)
    geometry = base.pop("geometry", {"type": "Polygon", "coordinates": [[[38, 34], [39, 34], [39, 35], [38, 34]]]})
    return {"type": "Feature", "geometry": geometry, "properties": {k: v for k, v in base.items() if v is not None}}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_valid_file_gives_notices_with_feet_msl_and_utc_times() -> None:
    parsed = parse_notices_data(_collection(_feature()))
    assert parsed.ok
    (notice,) = parsed.notices
    (volume,) = notice.volumes
    assert volume.lower_ft == 20000
    assert volume.upper_ft == 30000
    assert volume.start.isoformat() == "2026-11-26T02:00:00+00:00"


def test_volumes_of_one_notice_are_grouped_and_shapes_are_read() -> None:
    circle = _feature(geometry={"type": "Point", "coordinates": [38.27, 34.56]}, shape="circle", radius_nm=10)
    corridor = _feature(
        geometry={"type": "LineString", "coordinates": [[38, 34], [40, 35]]}, shape="corridor", half_width_nm=5
    )
    orbit = _feature(
        geometry={"type": "LineString", "coordinates": [[40, 35.2], [40.8, 35.6]]}, shape="orbit", radius_nm=15
    )
    parsed = parse_notices_data(_collection(_feature(), circle, corridor, orbit))
    assert parsed.ok, parsed.errors
    (notice,) = parsed.notices
    assert [str(v.shape) for v in notice.volumes] == ["polygon", "circle", "corridor", "orbit"]


BAD_CASES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"geometry": {"type": "Polygon", "coordinates": [[[38, 34], [39, 34], [39, 35], [38, 35]]]}},
        "geometry.coordinates.0",
        "open ring",
    ),
    (
        {"geometry": {"type": "Polygon", "coordinates": [[[38, 34], [39, 35], [39, 34], [38, 35], [38, 34]]]}},
        "geometry.coordinates",
        "self-intersecting",
    ),
    (
        {"geometry": {"type": "Polygon", "coordinates": [[[38, 34], [39, 95], [39, 35], [38, 34]]]}},
        "geometry.coordinates.0.1",
        "latitude 95",
    ),
    ({"end": "2026-11-26T01:00:00Z"}, "end", "is not after start"),
    ({"lower": 35000}, "lower", "is above upper"),
    ({"lower": {"value": 100, "unit": "km"}}, "lower.unit", "unknown value 'km'"),
    ({"lower": {"value": 100, "ref": "QFE"}}, "lower.ref", "unknown value 'QFE'"),
    (
        {"geometry": {"type": "Point", "coordinates": [38, 34]}, "shape": "circle", "radius_nm": -3},
        "radius_nm",
        "must be within 0.01 to 500 NM",
    ),
    ({"geometry": {"type": "Point", "coordinates": [38, 34]}, "shape": "circle"}, "radius_nm", "needs radius_nm"),
    ({"shape": "circle", "radius_nm": 5}, "geometry.type", "a circle is given as a Point"),
    ({"party": None}, "party", "missing"),
    ({"notice_id": None}, "notice_id", "missing"),
    ({"kind": "bombing"}, "kind", "unknown value 'bombing'"),
    ({"start": "tomorrow"}, "start", "not an ISO 8601 time"),
    ({"start": "2026-11-26T02:00:00"}, "start", "no timezone"),
    ({"version": 0}, "version", "within 1 to 1,000,000"),
    ({"mission": "secret"}, "properties", "unknown property 'mission'"),
    ({"upper": "high"}, "upper", "must be feet MSL"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD_CASES)
def test_bad_input_names_feature_notice_field_and_reason(change: dict[str, Any], field: str, reason: str) -> None:
    parsed = parse_notices_data(_collection(_feature(notice_id="GOOD-1"), _feature(**change)))
    assert [n.notice_id for n in parsed.notices] == ["GOOD-1"]
    (error,) = parsed.errors
    assert error.field == field
    assert reason in error.reason
    assert error.where.startswith("feature 1")
    if change.get("notice_id", "USA-1") is not None:
        assert "notice USA-1" in error.where


def test_every_error_in_a_file_is_reported_not_only_the_first() -> None:
    features = [_feature(**{"notice_id": f"N{i}", **change}) for i, (change, _, _) in enumerate(BAD_CASES)]
    parsed = parse_notices_data(_collection(*features))
    assert parsed.notices == []
    assert len(parsed.errors) == len(BAD_CASES)
    assert [e.where.split(",")[0] for e in parsed.errors] == [f"feature {i}" for i in range(len(BAD_CASES))]


def test_features_of_one_notice_must_agree_on_its_notice_level_properties() -> None:
    parsed = parse_notices_data(_collection(_feature(), _feature(party="RUS")))
    assert parsed.notices == []
    (error,) = parsed.errors
    assert error.field == "party"
    assert "differs" in error.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": 3}', "list of Features"),
        (b"\xff\xfe", "not"),
    ],
)
def test_unreadable_files_are_one_clear_error(text: str | bytes, reason: str) -> None:
    parsed = parse_notices(text)
    assert parsed.notices == []
    assert reason in parsed.errors[0].reason


def test_private_parts_are_kept_apart_and_never_written_for_others(syria_iraq_path: Path) -> None:
    text = syria_iraq_path.read_text()
    parsed = parse_notices(text)
    assert parsed.private["USA-0101"]["targets"] == ["TGT-4471", "TGT-4472"]
    assert not hasattr(parsed.notices[0], "private")
    shared = json.dumps(notices_to_geojson(parsed.notices))
    assert "TGT-4471" not in shared
    assert "private" not in shared
    conflicts = json.dumps([c.as_dict() for c in ConflictIndex.build(parsed.notices).conflicts()])
    for secret in ("TGT-4471", "Tu-22M3", "Interdiction", "mission", "private"):
        assert secret not in conflicts
    own_copy = notices_to_geojson(parsed.notices, {"USA-0101": parsed.private["USA-0101"]})
    assert "TGT-4471" in json.dumps(own_copy)


def test_writing_and_reading_back_gives_the_same_notices(syria_iraq_path: Path) -> None:
    parsed = parse_notices(syria_iraq_path.read_text())
    again = parse_notices_data(copy.deepcopy(notices_to_geojson(parsed.notices)))
    assert again.ok
    assert again.notices == parsed.notices


def test_the_packaged_json_schema_accepts_the_example(syria_iraq_path: Path) -> None:
    import jsonschema

    jsonschema.validate(json.loads(syria_iraq_path.read_text()), notice_schema())


def test_the_json_schema_states_the_declared_bounds() -> None:
    """The shipped schema and airparley/bounds.py cannot drift apart: each limit the schema states is the table's."""
    props = notice_schema()["$defs"]["feature"]["properties"]["properties"]["properties"]
    for name, bound in (
        ("version", "version"),
        ("radius_nm", "radius_nm"),
        ("half_width_nm", "half_width_nm"),
        ("frequency_mhz", "frequency_mhz"),
    ):
        low = props[name].get("minimum", BOUNDS[bound].low)
        assert (low, props[name]["maximum"]) == (BOUNDS[bound].low, BOUNDS[bound].high), name
    for name, bound in (("notice_id", "notice_id"), ("party", "party"), ("remarks", "remarks")):
        assert props[name]["maxLength"] == BOUNDS[bound].high, name
    assert props["party"]["minLength"] == BOUNDS["party"].low
    assert props["callsigns"]["maxItems"] == BOUNDS["callsigns"].high
    assert props["callsigns"]["items"]["maxLength"] == BOUNDS["callsign"].high


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"radius_nm": 900}, "radius_nm", "must be within 0.01 to 500 NM"),
        ({"notice_id": "USA-\u202e0101"}, "notice_id", "letters, digits"),
        ({"notice_id": "USA-" + "1" * 61}, "notice_id", "4 to 64 characters"),
        ({"party": "usa"}, "party", "capital letters"),
        ({"callsigns": ["VIPER 1\x00"]}, "callsigns.0", "NUL"),
        ({"remarks": "left \u2067right"}, "remarks", "directional formatting"),
        ({"private": {"n": float("nan")}}, "private.n", "finite"),
        ({"frequency_mhz": 243.0001}, "frequency_mhz", "3 decimals"),
        ({"lower": 10**12}, "lower", "-2,000 to 100,000 ft MSL"),
        ({"start": "2150-01-01T00:00:00Z", "end": "2150-01-01T01:00:00Z"}, "start", "2000 and 2100"),
        ({"end": "2026-12-30T00:00:00Z"}, "end", "at most 31 days"),
    ],
)
def test_bounds_name_the_field_and_say_the_bound(change: dict[str, Any], field: str, reason: str) -> None:
    parsed = parse_notices_data(_collection(_feature(**change)))
    assert parsed.notices == []
    (error,) = parsed.errors
    assert error.field == field, error
    assert reason in error.reason, error


# -- the quick yes (fastjsonschema) and the judge (jsonschema) agree on every feature ---------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from airparley.strategic._format import _feature_is_valid, _feature_validator  # noqa: E402
from json_paths import json_paths  # noqa: E402

#: Values that sit on or next to a rule of the schema: types JSON confuses (1.0, True), the bounds, texts
#: with a trailing newline ($ in a pattern), and containers of the wrong shape.
_AWKWARD = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            1,
            1.0,
            1.5,
            -1,
            0.01,
            0.009,
            2,
            1000,
            1000.0001,
            500,
            500.5,
            100,
            1_000_000,
            1_000_001,
            2.0,
            -180,
            180,
            180.5,
            -90,
            90,
            90.1,
            "",
            "A",
            "USA",
            "USA\n",
            "usa",
            "ABCDEFGHI",
            "USA-1",
            "USA-1\n",
            " USA",
            "x" * 65,
            "FL",
            "MSL",
            "ft",
            "m",
            "strike",
            "circle",
            "corridor",
            "Polygon",
            "Feature",
            "FeatureCollection",
            [],
            [1],
            [1, 2],
            [1, 2, 3, 4],
            [38.0, 34.0],
            {},
            {"value": 1},
            {"value": 250, "unit": "ft", "ref": "FL"},
            {"value": 1, "unit": "yd"},
            {"value": 1, "extra": 1},
        ]
    ),
    st.integers(-2_000_000, 2_000_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)


_SHAPES = [
    _feature(),
    _feature(shape="circle", radius_nm=5, geometry={"type": "Point", "coordinates": [38, 34]}, callsigns=["AB 1"]),
    _feature(
        shape="corridor", half_width_nm=2, geometry={"type": "LineString", "coordinates": [[38, 34], [39, 35, 1]]}
    ),
    _feature(state="active", priority="urgent", frequency_mhz=243.0, remarks="r", private={"why": "x"}),
]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_quick_check_and_jsonschema_agree_on_every_feature(data: st.DataObject) -> None:
    feature = copy.deepcopy(data.draw(st.sampled_from(_SHAPES)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(json_paths(feature)[1:]))
        parent = feature
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            key = data.draw(st.sampled_from(["extra", "shape", "radius_nm", "half_width_nm", "version"]))
            parent[key] = copy.deepcopy(data.draw(_AWKWARD))  # a copy: a later step may change inside it
        else:
            parent[path[-1]] = copy.deepcopy(data.draw(_AWKWARD))
    judged_valid = not any(True for _ in _feature_validator().iter_errors(feature))
    assert _feature_is_valid()(feature) is judged_valid, feature


@pytest.mark.parametrize("callsign", ["AB 1\n", "AB 1\n\n", "\nAB 1"])
def test_the_quick_check_reads_a_final_dollar_as_jsonschema_does(callsign: str) -> None:
    """Python's ``$`` also matches before a final newline (jsonschema searches with it); fastjsonschema's
    ``\\Z`` does not, unless the schema it compiles spells that newline out (a CI run found the case)."""
    feature = copy.deepcopy(_SHAPES[0])
    feature["properties"]["callsigns"] = [callsign]
    judged_valid = not any(True for _ in _feature_validator().iter_errors(feature))
    assert _feature_is_valid()(feature) is judged_valid
