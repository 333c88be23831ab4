"""Notices as KML: exact round trips, true polygons, a document the OGC KML 2.2 schema accepts, hostile input.

The schema (ogckml22.xsd with its atom, xAL and gx imports) is the copy the ``fastkml`` package ships, found
through its installed files without importing it; lxml validates with no network and no entity expansion.
"""

from __future__ import annotations

import doctest
import json
import math
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.geo import distance_nm, ft_to_m
from airparley.strategic import (
    Altitude,
    Notice,
    NoticeKind,
    NoticeState,
    Priority,
    Shape,
    Volume4D,
    kml_to_geojson,
    looks_like_kml,
    notices_to_geojson,
    notices_to_kml,
    parse_notices,
    parse_notices_kml,
)

KML = "{http://www.opengis.net/kml/2.2}"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@cache
def kml_schema() -> etree.XMLSchema:
    path = Path(str(distribution("fastkml").locate_file("fastkml/schema/ogckml22.xsd")))
    return etree.XMLSchema(etree.parse(str(path), SAFE))


def assert_schema_valid(text: str) -> None:
    schema = kml_schema()
    document = etree.fromstring(text.encode("utf-8"), SAFE)
    assert schema.validate(document), [str(e) for e in schema.error_log]


@pytest.fixture
def scene(syria_iraq_path: Path) -> Any:
    parsed = parse_notices(syria_iraq_path.read_text(encoding="utf-8"))
    assert parsed.ok
    return parsed


def _placemark(text: str, notice_id: str) -> Any:
    root = etree.fromstring(text.encode("utf-8"), SAFE)
    for placemark in root.iter(KML + "Placemark"):
        names = {d.get("name"): d.findtext(KML + "value") for d in placemark.iter(KML + "Data")}
        if names.get("notice_id") == notice_id:
            return placemark
    raise AssertionError(f"no placemark of {notice_id}")


def _rings(placemark: Any) -> list[tuple[list[tuple[float, float, float]], bool]]:
    """(outer ring positions, extruded) of each polygon of a placemark."""
    found = []
    for polygon in placemark.iter(KML + "Polygon"):
        text = polygon.findtext(f"{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates")
        ring = [tuple(float(x) for x in word.split(",")) for word in text.split()]
        assert polygon.findtext(KML + "altitudeMode") == "absolute"
        found.append((ring, polygon.findtext(KML + "extrude") == "1"))
    return found


# -- round trips ------------------------------------------------------------------------------------------------


def test_the_scene_goes_to_kml_and_back_exactly(scene: Any) -> None:
    text = notices_to_kml(scene.notices, scene.private)
    back = parse_notices_kml(text)
    assert back.errors == []
    assert back.notices == scene.notices
    assert back.private == scene.private
    assert notices_to_kml(back.notices, back.private) == text
    assert notices_to_geojson(back.notices, back.private) == notices_to_geojson(scene.notices, scene.private)


def test_private_parts_only_when_handed_in(scene: Any) -> None:
    shared = notices_to_kml(scene.notices)
    assert '"mission"' not in shared
    assert parse_notices_kml(shared).private == {}
    assert '"mission"' in notices_to_kml(scene.notices, scene.private)


PARTIES = ("USA", "RUS", "TUR", "SYR")
lon_lat = st.tuples(st.floats(30.0, 45.0), st.floats(30.0, 40.0))
step = st.tuples(st.floats(0.05, 1.0).flatmap(lambda d: st.sampled_from((d, -d))), st.floats(-1.0, 1.0)).map(
    lambda t: [t[0], t[1]]
)


@st.composite
def geometries(draw: st.DrawFn) -> tuple[Shape, dict[str, Any], float | None]:
    shape = draw(st.sampled_from(list(Shape)))
    lon, lat = draw(lon_lat)
    if shape is Shape.CIRCLE:
        return shape, {"type": "Point", "coordinates": [lon, lat]}, draw(st.floats(0.5, 60.0))
    if shape is Shape.POLYGON:
        angles = sorted(draw(st.lists(st.floats(0.0, 2 * math.pi - 0.01), min_size=3, max_size=8, unique=True)))
        radii = draw(st.lists(st.floats(0.05, 1.0), min_size=len(angles), max_size=len(angles)))
        ring = [[lon + r * math.cos(a), lat + r * math.sin(a)] for a, r in zip(angles, radii, strict=True)]
        return shape, {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, None
    points = [[lon, lat]]
    for _ in range(1 if shape is Shape.ORBIT else draw(st.integers(1, 3))):
        dx, dy = draw(step)
        points.append([points[-1][0] + dx, points[-1][1] + dy])
    width = draw(st.floats(0.5, 40.0)) if shape is Shape.CORRIDOR else draw(st.floats(0.5, 60.0))
    return shape, {"type": "LineString", "coordinates": points}, width


altitudes = st.one_of(
    st.floats(-1000.0, 60000.0).map(Altitude),
    st.integers(0, 450).map(lambda fl: Altitude(fl, "ft", "FL")),
    st.floats(0.0, 15000.0).map(lambda m: Altitude(m, "m", "MSL")),
)
# What a notice's free text may hold (bounds.free_text): no control but newline and tab, no direction mark.
text_chars = st.characters(
    blacklist_categories=("Cs", "Cc", "Cn"),
    blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
) | st.sampled_from("\n\t<>&\"'")


@st.composite
def volumes(draw: st.DrawFn) -> Volume4D:
    shape, geometry, radius = draw(geometries())
    lower, upper = sorted((draw(altitudes), draw(altitudes)), key=lambda a: a.ft_msl)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        seconds=draw(st.integers(0, 300 * 86400)),
        microseconds=draw(st.sampled_from((0, draw(st.integers(1, 999_999))))),
    )
    end = start + timedelta(minutes=draw(st.integers(1, 31 * 24 * 60)))
    try:
        return Volume4D(shape, geometry, lower, upper, start, end, radius)
    except InvalidInput:
        assume(False)
        raise


# A private note's strings: any valid Unicode but NUL (bounds.check_json).
note_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


@st.composite
def notice_sets(draw: st.DrawFn) -> tuple[list[Notice], dict[str, dict[str, Any]]]:
    notices, private = [], {}
    for number in range(draw(st.integers(1, 3))):
        party = draw(st.sampled_from(PARTIES))
        notice = Notice(
            f"{party}-{number:04d}",
            party,
            draw(st.integers(1, 1000)),
            draw(st.sampled_from(list(NoticeKind))),
            tuple(draw(st.lists(volumes(), min_size=1, max_size=3))),
            callsigns=tuple(draw(st.lists(st.from_regex(r"[A-Z]{3,6}[0-9]{1,2}", fullmatch=True), max_size=3))),
            frequency_mhz=draw(st.none() | st.integers(2000, 999_999).map(lambda khz: khz / 1000)),
            priority=draw(st.sampled_from(list(Priority))),
            remarks=draw(st.text(text_chars, max_size=40)),
            state=draw(st.sampled_from(list(NoticeState))),
        )
        notices.append(notice)
        notes = draw(
            st.dictionaries(
                st.text("abcdefgh_", min_size=1, max_size=8),
                st.integers(-1000, 1000) | st.text(note_chars, max_size=12),
                max_size=3,
            )
        )
        if notes:
            private[notice.notice_id] = notes
    return notices, private


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(notice_sets())
def test_notices_to_kml_and_back_is_exact_both_ways(drawn: tuple[list[Notice], dict[str, dict[str, Any]]]) -> None:
    notices, private = drawn
    text = notices_to_kml(notices, private)
    back = parse_notices_kml(text)
    assert back.errors == []
    assert back.notices == notices
    assert back.private == private
    # KML -> notices -> KML: the same document, byte for byte.
    assert notices_to_kml(back.notices, back.private) == text


# -- what a viewer draws ----------------------------------------------------------------------------------------


def test_an_export_is_valid_ogc_kml_22(scene: Any) -> None:
    assert_schema_valid(notices_to_kml(scene.notices, scene.private))
    assert_schema_valid(notices_to_kml([]))


def test_the_schema_check_is_not_vacuous(scene: Any) -> None:
    """The same document with its ExtendedData moved after the geometry (where KML 2.2 does not allow it)
    is refused: the test above would catch an export a strict reader rejects."""
    root = etree.fromstring(notices_to_kml(scene.notices).encode("utf-8"), SAFE)
    placemark = next(root.iter(KML + "Placemark"))
    extended = placemark.find(KML + "ExtendedData")
    placemark.remove(extended)
    placemark.append(extended)
    assert not kml_schema().validate(root)


def test_circles_corridors_and_orbits_are_drawn_as_true_polygons(scene: Any) -> None:
    text = notices_to_kml(scene.notices)
    # USA-0101: a 15 NM circle around (38.35, 34.60), FL200-FL300.
    polygons = _rings(_placemark(text, "USA-0101"))
    assert [extruded for _, extruded in polygons] == [True, False]
    (ceiling, _), (floor, _) = polygons
    lons, lats = zip(*[(p[0], p[1]) for p in ceiling], strict=True)
    radii = distance_nm(38.35, 34.60, list(lons), list(lats))
    assert len(ceiling) > 32  # a polygon, not a point with a radius
    # Vertices on the geodesic circle (inscribed: the curve is within 0.05 NM of the chords).
    assert min(radii) >= 15.0 - 1e-6
    assert max(radii) <= 15.0 + 1e-6
    assert {p[2] for p in ceiling} == {round(ft_to_m(30000), 1)}
    assert {p[2] for p in floor} == {round(ft_to_m(20000), 1)}
    # Every curved shape is the footprint the strategic core checks, vertex for vertex.
    for notice in scene.notices:
        volume = notice.volumes[0]
        if volume.shape is Shape.POLYGON:
            continue
        ceiling, _ = _rings(_placemark(text, notice.notice_id))[0]
        assert [p[:2] for p in ceiling] == [tuple(c) for c in volume.footprint.exterior.coords]


def test_the_window_is_a_time_span_and_a_polygon_is_its_own_outline(scene: Any) -> None:
    text = notices_to_kml(scene.notices)
    rus = next(n for n in scene.notices if n.notice_id == "RUS-0201")
    placemark = _placemark(text, "RUS-0201")
    assert placemark.findtext(f"{KML}TimeSpan/{KML}begin") == rus.volumes[0].start.isoformat().replace("+00:00", "Z")
    assert placemark.findtext(f"{KML}TimeSpan/{KML}end") == rus.volumes[0].end.isoformat().replace("+00:00", "Z")
    ceiling, _ = _rings(placemark)[0]
    assert [list(p[:2]) for p in ceiling] == rus.volumes[0].geometry["coordinates"][0]
    assert "geometry" not in {d.get("name") for d in placemark.iter(KML + "Data")}


def test_holes_and_several_volumes_survive() -> None:
    outer = [[38.0, 34.0], [39.0, 34.0], [39.0, 35.0], [38.0, 35.0], [38.0, 34.0]]
    hole = [[38.4, 34.4], [38.6, 34.4], [38.6, 34.6], [38.4, 34.4]]
    start = datetime(2026, 11, 26, 2, tzinfo=UTC)
    ring = Volume4D(
        Shape.POLYGON, {"type": "Polygon", "coordinates": [outer, hole]}, Altitude(0), Altitude(9000), start,
        start + timedelta(hours=1),
    )  # fmt: skip
    orbit = Volume4D(
        Shape.ORBIT, {"type": "LineString", "coordinates": [[38.2, 34.2], [38.9, 34.3]]}, Altitude(100, "ft", "FL"),
        Altitude(5000, "m"), start + timedelta(hours=1), start + timedelta(hours=3), 8,
    )  # fmt: skip
    notice = Notice("USA-77", "USA", 3, "isr", (ring, orbit), remarks="  two\tlegs\n<& ")
    text = notices_to_kml([notice])
    assert_schema_valid(text)
    assert "volume 2 of 2" in text
    assert parse_notices_kml(text).notices == [notice]
    assert len(list(_placemark(text, "USA-77").iter(KML + "innerBoundaryIs"))) == 2  # ceiling and floor


def test_what_xml_cannot_carry_is_refused_by_name() -> None:
    start = datetime(2026, 11, 26, 2, tzinfo=UTC)
    circle = Volume4D(
        Shape.CIRCLE, {"type": "Point", "coordinates": [38.0, 34.0]}, Altitude(0), Altitude(900), start,
        start + timedelta(hours=1), 5,
    )  # fmt: skip
    parsed = parse_notices(
        json.dumps(notices_to_geojson([Notice("USA-8", "USA", 1, "cap", (circle,), remarks="ok\uffff")]))
    )
    assert parsed.ok  # the notices format takes it
    with pytest.raises(InvalidInput) as refused:
        notices_to_kml(parsed.notices)
    assert (
        refused.value.describe() == "notice USA-8: remarks: holds U+FFFF, which a KML (XML 1.0) document cannot carry"
    )


# -- KML written by someone else --------------------------------------------------------------------------------

FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document><name>TUR training</name><Folder><name>boxes</name>
 <Placemark>
  <name>Box K</name>
  <TimeSpan><begin>2026-11-26T06:00:00Z</begin><end>2026-11-26T08:00:00Z</end></TimeSpan>
  <ExtendedData>
   <Data name="notice_id"><displayName>Notice</displayName><value> TUR-0310 </value></Data>
   <Data name="party"><value>TUR</value></Data>
   <Data name="kind"><value>training</value></Data>
   <Data name="lower"><value>5000</value></Data>
   <Data name="upper"><value>{"value": 150, "ref": "FL"}</value></Data>
  </ExtendedData>
  <Polygon><extrude>1</extrude><altitudeMode>absolute</altitudeMode><outerBoundaryIs><LinearRing><coordinates>
    36.0,36.0,4572 36.5,36.0,4572 36.5,36.4,4572 36.0,36.4,4572 36.0,36.0,4572
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
 </Placemark>
 <Placemark>
  <TimeSpan><begin>2026-11-26T06:00:00Z</begin><end>2026-11-26T07:00:00Z</end></TimeSpan>
  <ExtendedData><SchemaData schemaUrl="#notice">
   <SimpleData name="notice_id">TUR-0311</SimpleData><SimpleData name="party">TUR</SimpleData>
   <SimpleData name="kind">cap</SimpleData><SimpleData name="shape">circle</SimpleData>
   <SimpleData name="radius_nm">12.5</SimpleData>
   <SimpleData name="lower">20000</SimpleData><SimpleData name="upper">30000</SimpleData>
  </SchemaData></ExtendedData>
  <Point><coordinates>37.1,36.6,0</coordinates></Point>
 </Placemark>
</Folder></Document></kml>
"""


def test_kml_drawn_in_another_tool_is_read() -> None:
    parsed = parse_notices_kml(FOREIGN)
    assert parsed.errors == []
    box, cap = parsed.notices
    assert box.notice_id == "TUR-0310"
    assert box.volumes[0].geometry == {
        "type": "Polygon",
        "coordinates": [[[36.0, 36.0], [36.5, 36.0], [36.5, 36.4], [36.0, 36.4], [36.0, 36.0]]],
    }
    assert box.volumes[0].upper.ft_msl == 15000
    assert box.volumes[0].start == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert cap.volumes[0].shape is Shape.CIRCLE
    assert cap.volumes[0].geometry == {"type": "Point", "coordinates": [37.1, 36.6]}
    assert cap.volumes[0].radius_nm == 12.5
    # Once read, the notices export and read back like any other.
    assert parse_notices_kml(notices_to_kml(parsed.notices)).notices == parsed.notices


def test_kml_is_told_from_json_by_content() -> None:
    assert looks_like_kml(FOREIGN)
    assert looks_like_kml("\ufeff\n  <kml/>".encode())
    assert not looks_like_kml('  {"type": "FeatureCollection", "features": []}')


# -- errors and hostile documents -------------------------------------------------------------------------------


def _placemarks(*bodies: str) -> str:
    inner = "".join(f"<Placemark>{b}</Placemark>" for b in bodies)
    return f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{inner}</Document></kml>'


def _data(**values: str) -> str:
    return (
        "<ExtendedData>"
        + "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in values.items())
        + ("</ExtendedData>")
    )


BOX = (
    "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
    "38,34 39,34 39,35 38,35 38,34</coordinates></LinearRing></outerBoundaryIs></Polygon>"
)
SPAN = "<TimeSpan><begin>2026-11-26T02:00:00Z</begin><end>2026-11-26T04:00:00Z</end></TimeSpan>"


def _good(notice_id: str = "USA-1", shape_xml: str = BOX, span: str = SPAN, **extra: str) -> str:
    values = {"notice_id": notice_id, "party": notice_id[:3], "kind": "strike", "lower": "1000", "upper": "9000"}
    return span + _data(**{**values, **extra}) + shape_xml


def _only_error(text: str) -> InvalidInput:
    parsed = parse_notices_kml(text)
    assert len(parsed.errors) == 1, [e.describe() for e in parsed.errors]
    return parsed.errors[0]


def test_errors_name_the_placemark_the_notice_and_the_field() -> None:
    parsed = parse_notices_kml(_placemarks(_good("USA-1"), _good("RUS-9", lower="30000", upper="20000")))
    assert [n.notice_id for n in parsed.notices] == ["USA-1"]
    assert [e.describe() for e in parsed.errors] == [
        "placemark 1, notice RUS-9: lower: lower (30000 ft MSL) is above upper (20000 ft MSL)"
    ]
    bad_json = _only_error(_placemarks(_good(lower="FL200")))
    assert (bad_json.where, bad_json.field) == ("placemark 0, notice USA-1", "lower")
    assert "must be JSON" in bad_json.reason
    unknown = _only_error(_placemarks(_good(callsign='"VIPER1"')))
    assert unknown.field == "properties"
    assert "'callsign'" in unknown.reason


def test_a_placemark_that_cannot_be_read_takes_its_notice_with_it() -> None:
    """Two volumes of USA-7, one broken: USA-7 is not valid with one volume short; USA-1 still is."""
    parsed = parse_notices_kml(_placemarks(_good("USA-7"), _good("USA-7", version="x"), _good("USA-1")))
    assert [n.notice_id for n in parsed.notices] == ["USA-1"]
    assert [e.where for e in parsed.errors] == ["placemark 1, notice USA-7"]


OTHER_BOX = BOX.replace("39,34", "39.5,34")


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (_good().replace("</ExtendedData>", '<Data name="lower"><value>0</value></Data></ExtendedData>'), "lower",
         "given twice"),
        (SPAN + _data(**{"a-b": "1"}) + BOX, "ExtendedData", "Data name"),
        (SPAN + BOX, "ExtendedData", "missing"),
        (_good(span=SPAN.replace("04:00", "05:00"), end="2026-11-26T04:00:00Z"), "TimeSpan.end", "differs from"),
        (_good(shape_xml=f"<MultiGeometry>{BOX}{OTHER_BOX}</MultiGeometry>"), "MultiGeometry", "different polygons"),
        (_good(shape_xml="<MultiGeometry><Point><coordinates>1,2</coordinates></Point></MultiGeometry>"),
         "MultiGeometry", "polygons only"),
        (_good(shape_xml=""), "geometry", "missing"),
        (_good(shape_xml=BOX.replace("38,35 38,34", "38,35 38;34")),
         "Polygon.outerBoundaryIs.LinearRing.coordinates.4", "lon,lat"),
        (_good(geometry="[1, 2]"), "geometry", "GeoJSON geometry object"),
    ],
    ids=["twice", "data-name", "no-data", "span", "multi", "multi-point", "no-geometry", "position", "geometry-data"],
)  # fmt: skip
def test_each_kml_level_mistake_is_named(body: str, field: str, reason: str) -> None:
    error = _only_error(_placemarks(body))
    assert error.where.startswith("placemark 0")
    assert error.field == field
    assert reason in error.reason


def test_too_many_positions_stop_before_they_are_all_read() -> None:
    many = " ".join(f"{38 + i * 1e-5},34" for i in range(bounds.BOUNDS["positions"].high + 5))
    error = _only_error(_placemarks(_good(shape_xml=f"<LineString><coordinates>{many}</coordinates></LineString>")))
    assert error.field == "LineString"
    assert "at most 10,000 positions" in error.reason


@pytest.mark.parametrize(
    "document",
    [
        # Billion laughs: an entity that would expand to gigabytes.
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><kml xmlns="http://www.opengis.net/kml/2.2">&c;</kml>',
        # An external entity: a local file's content read into a remark.
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&x;</name></Document></kml>',
        # A DTD fetched from the network.
        '<?xml version="1.0"?><!DOCTYPE kml SYSTEM "http://127.0.0.1:9/kml.dtd"><kml/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_no_dtd_or_entity_is_ever_expanded_or_fetched(document: str) -> None:
    read = kml_to_geojson(document)
    assert read.geojson["features"] == []
    assert [(e.field, e.reason.split(":")[0]) for e in read.errors] == [("(file)", "refused")]


def test_a_document_past_its_bound_is_refused_unparsed() -> None:
    limit = int(bounds.BOUNDS["kml_bytes"].high)
    error = _only_error("<kml>" + " " * limit + "</kml>")
    assert error.field == "(file)"
    assert "must be at most 67,108,864 bytes" in error.reason


def test_broken_xml_and_foreign_roots_are_located() -> None:
    broken = _only_error('<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document><Placemark></Document></kml>')
    assert broken.where == "line 2, column 23"
    assert "not well-formed XML" in broken.reason
    assert "root element must be kml" in _only_error("<gpx/>").reason
    nan = _only_error(_placemarks(_good(shape_xml=BOX.replace("38,34 39,34", "nan,34 39,34"))))
    assert nan.field.startswith("geometry.coordinates")
    assert "finite" in nan.reason


def test_kml_json_values_obey_the_same_bounds() -> None:
    huge = _only_error(_placemarks(_good(version="1" + "0" * 30)))
    assert huge.field == "version"
    deep = _only_error(_placemarks(_good(private="[" * 100_000 + "]" * 100_000)))
    assert deep.field == "private"


def test_the_examples_in_the_docstrings_hold() -> None:
    from airparley.strategic import _kml

    assert doctest.testmod(_kml).failed == 0


def test_what_kml_refuses_is_exactly_what_xml_1_0_cannot_carry() -> None:
    from airparley.strategic._kml import _NOT_XML

    # XML 1.0's Char production, as the specification writes it.
    xml_char = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    text = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in _NOT_XML.finditer(text)] == [i for i in range(0x110000) if not xml_char.match(text, i)]
