"""Notices as KML 2.2 (Google Earth and mission-planning tools), both ways. Pure: text in, text out.

One ``Placemark`` per volume, in one ``Folder`` per notice. What a viewer draws and what a reader takes back
are kept apart, so a round trip is exact:

- Drawn: the footprint as true polygons, ``altitudeMode`` ``absolute`` in metres MSL: the ceiling extruded
  (a column a viewer can see from the side) and the floor, both in one ``MultiGeometry``; the window as a
  ``TimeSpan`` (Google Earth's time slider). Circles, corridors and orbits are the polygons the strategic
  core checks (:mod:`airparley.geo._shapes`), not a point or a line a viewer cannot draw.
- Kept: every property of the notices format (docs/formats.md) as one ``ExtendedData`` ``Data`` each, by the
  same name: strings as they are, everything else as JSON; a curved shape's geometry as written (the centre
  Point or the centreline) as a GeoJSON ``geometry`` Data. A polygon's geometry is its KML Polygon itself
  (so an outline edited in Google Earth is what is read back).

Reading builds the GeoJSON features the notices format defines and hands them to its parser, so every rule
and bound of the format applies, and errors name the placemark, the notice and the field (the Data name).
The text may come from anyone: no DTD, no entity, no external reference is accepted (``defusedxml``), nothing
is fetched, and the document is bounded in size (``kml_bytes``) before it is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.geo import ft_to_m
from airparley.strategic._format import NoticeFile, notices_to_geojson, parse_notices_data
from airparley.strategic._model import Notice, Shape, Volume4D, parse_time

if TYPE_CHECKING:
    # The XML modules load with the first KML read or written: `notice validate` of GeoJSON never pays for them.
    import xml.etree.ElementTree as ET

__all__ = ["KML_NAMESPACE", "KmlFeatures", "kml_to_geojson", "looks_like_kml", "notices_to_kml", "parse_notices_kml"]

KML_NAMESPACE: Final = "http://www.opengis.net/kml/2.2"

#: Properties written as plain text in their Data; every other one is JSON (numbers, altitudes, lists).
_TEXT_PROPERTIES: Final = frozenset(
    {"notice_id", "party", "kind", "state", "priority", "shape", "start", "end", "remarks"}
)
#: Free text keeps its spaces; ids and values typed into a Data by hand may carry some around them.
_VERBATIM: Final = frozenset({"remarks"})
#: The order Data are written in (a Google Earth balloon lists them so); any other property follows.
_ORDER: Final = (
    "notice_id",
    "party",
    "version",
    "kind",
    "state",
    "priority",
    "shape",
    "radius_nm",
    "half_width_nm",
    "lower",
    "upper",
    "start",
    "end",
    "callsigns",
    "frequency_mhz",
    "remarks",
    "geometry",
    "private",
)
_DATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
#: What XML 1.0 cannot carry at all, not even as a character reference (the notices format allows U+FFFF):
#: the complement of its Char production, written as the few ranges it leaves out (the negated class
#: compiles in 5 ms, which every command importing the strategic package paid).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Fill and outline per party, KML's aabbggrr; parties take them in sorted order.
_PALETTE: Final = ("ff3c14dc", "ffd77800", "ff00a5ff", "ff2f8b22", "ff8b008b", "ff808000", "ff1e69d2", "ff696969")


# -- writing ---------------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    # repr of a float reads back to the same float; always a float, so a re-export writes the same text.
    return repr(float(value))


def _coordinates(ring: Iterable[Any], alt_m: float) -> str:
    alt = f"{alt_m:.1f}"
    return " ".join(f"{_number(p[0])},{_number(p[1])},{alt}" for p in ring)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    import xml.etree.ElementTree as ET

    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _polygon(parent: ET.Element, rings: list[Any], alt_m: float, *, extrude: bool) -> None:
    polygon = _sub(parent, "Polygon")
    if extrude:
        _sub(polygon, "extrude", "1")
    _sub(polygon, "altitudeMode", "absolute")
    outer = _sub(_sub(polygon, "outerBoundaryIs"), "LinearRing")
    _sub(outer, "coordinates", _coordinates(rings[0], alt_m))
    for hole in rings[1:]:
        _sub(_sub(_sub(polygon, "innerBoundaryIs"), "LinearRing"), "coordinates", _coordinates(hole, alt_m))


def _drawn_rings(volume: Volume4D) -> tuple[list[list[Any]], bool]:
    """The rings of each part of the footprint to draw, and whether they are the geometry as written."""
    geometry = volume.geometry
    if volume.shape is Shape.POLYGON:
        rings = geometry["coordinates"]
        plain = all(len(p) == 2 for ring in rings for p in ring)
        if plain:
            return [list(rings)], True
    parts = getattr(volume.footprint, "geoms", [volume.footprint])
    return [[list(part.exterior.coords), *(list(hole.coords) for hole in part.interiors)] for part in parts], False


def _data_text(name: str, value: Any) -> str:
    if name in _TEXT_PROPERTIES and isinstance(value, str):
        found = _NOT_XML.search(value)
        if found is not None:
            raise InvalidInput(name, f"holds U+{ord(found.group()):04X}, which a KML (XML 1.0) document cannot carry")
        return value
    # ASCII JSON: whatever a private note holds, the XML stays well formed.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _placemark(folder: ET.Element, notice: Notice, index: int, volume: Volume4D, properties: Mapping[str, Any]) -> None:
    placemark = _sub(folder, "Placemark")
    label = f"{notice.notice_id} v{notice.version}"
    if len(notice.volumes) > 1:
        label += f" volume {index + 1} of {len(notice.volumes)}"
    _sub(placemark, "name", label)
    span = _sub(placemark, "TimeSpan")
    _sub(span, "begin", properties["start"])
    _sub(span, "end", properties["end"])
    _sub(placemark, "styleUrl", f"#party-{notice.party}")
    rings, as_written = _drawn_rings(volume)
    values = dict(properties)
    if not as_written:
        values["geometry"] = dict(volume.geometry)
    extended = _sub(placemark, "ExtendedData")
    for name in sorted(values, key=lambda n: _ORDER.index(n) if n in _ORDER else len(_ORDER)):
        try:
            text = _data_text(name, values[name])
        except InvalidInput as error:
            raise error.at(f"notice {notice.notice_id}") from None
        _sub(_sub(extended, "Data", name=name), "value", text)
    shapes = _sub(placemark, "MultiGeometry")
    for part in rings:
        _polygon(shapes, part, ft_to_m(volume.upper_ft), extrude=True)
    for part in rings:
        _polygon(shapes, part, ft_to_m(volume.lower_ft), extrude=False)


def notices_to_kml(
    notices: Iterable[Notice],
    private: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    name: str = "airparley notices",
) -> str:
    """A KML 2.2 document of some notices (shared parts; private parts only for the ids in ``private``).

    Raises :class:`InvalidInput` for the one thing a notice may hold and XML cannot: a noncharacter such as
    U+FFFF in its remarks.

    >>> notices_to_kml([]).splitlines()[1]
    '<kml xmlns="http://www.opengis.net/kml/2.2">'
    """
    import xml.etree.ElementTree as ET

    notices = list(notices)
    features = notices_to_geojson(notices, private)["features"]
    # Unqualified tags under a default xmlns: ElementTree's default_namespace refuses plain attributes (id).
    root = ET.Element("kml", xmlns=KML_NAMESPACE)
    document = _sub(root, "Document")
    _sub(document, "name", name)
    for number, party in enumerate(sorted({n.party for n in notices})):
        colour = _PALETTE[number % len(_PALETTE)]
        style = _sub(document, "Style", id=f"party-{party}")
        _sub(_sub(style, "LineStyle"), "color", colour)
        # The fill at a quarter opacity: the ground and the other volumes stay visible through a column.
        _sub(_sub(style, "PolyStyle"), "color", "40" + colour[2:])
    position = 0
    for notice in notices:
        folder = _sub(document, "Folder")
        _sub(folder, "name", f"{notice.notice_id} v{notice.version} ({notice.kind})")
        for index, volume in enumerate(notice.volumes):
            _placemark(folder, notice, index, volume, features[position]["properties"])
            position += 1
    ET.indent(root, space=" ")
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


# -- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KmlFeatures:
    """What a KML document held, as the notices format's GeoJSON (a FeatureCollection, one Feature per
    placemark that could be read), and every error found reading the KML itself.

    ``placemarks[i]`` is the index among the document's placemarks of feature ``i``; ``broken`` the ids of
    notices with a placemark that could not be read (no such notice is valid: it would lack a volume)."""

    geojson: dict[str, Any]
    placemarks: tuple[int, ...] = ()
    errors: list[InvalidInput] = field(default_factory=list)
    broken: frozenset[str] = frozenset()


def looks_like_kml(text: str | bytes) -> bool:
    """Whether a notices document is XML (KML) rather than JSON: its first character past a BOM and spaces.

    >>> looks_like_kml('  <?xml version="1.0"?><kml/>'), looks_like_kml('{"type": "FeatureCollection"}')
    (True, False)
    """
    head = text[:1024]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "ignore")
    return head.lstrip("\ufeff \t\r\n").startswith("<")


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in element if _local(c.tag) == name)


class _Positions:
    """Counts the positions of one placemark against the ``positions`` bound as they are read."""

    def __init__(self) -> None:
        self.count = 0

    def parse(self, element: ET.Element | None, where: str) -> list[list[float]]:
        if element is None:
            raise InvalidInput(where, "missing")
        words = (element.text or "").split()
        limit = bounds.BOUNDS["positions"]
        self.count += len(words)
        if self.count > limit.high:
            raise InvalidInput(where, f"must hold at most {limit.most()}, got {self.count} or more")
        positions: list[list[float]] = []
        for number, word in enumerate(words):
            parts = word.split(",")
            try:
                if len(parts) not in (2, 3):
                    raise ValueError
                lon, lat = float(parts[0]), float(parts[1])
                if len(parts) == 3:
                    float(parts[2])
            except ValueError:
                raise InvalidInput(
                    f"{where}.{number}", f"must be lon,lat or lon,lat,alt, got {bounds.shown(word)}"
                ) from None
            # The altitude drawn is not read back: the band is the lower/upper Data.
            positions.append([lon, lat])
        return positions


def _polygon_rings(polygon: ET.Element, positions: _Positions) -> list[list[list[float]]]:
    outer = _child(polygon, "outerBoundaryIs")
    ring = _child(outer, "LinearRing") if outer is not None else None
    coordinates = _child(ring, "coordinates") if ring is not None else None
    rings = [positions.parse(coordinates, "Polygon.outerBoundaryIs.LinearRing.coordinates")]
    for inner in _children(polygon, "innerBoundaryIs"):
        for hole in _children(inner, "LinearRing"):
            rings.append(positions.parse(_child(hole, "coordinates"), "Polygon.innerBoundaryIs.LinearRing.coordinates"))
    return rings


def _geometry(placemark: ET.Element) -> dict[str, Any]:
    """The GeoJSON geometry of a placemark's own KML geometry (no ``geometry`` Data)."""
    positions = _Positions()
    for element in placemark:
        kind = _local(element.tag)
        if kind == "Point":
            point = positions.parse(_child(element, "coordinates"), "Point.coordinates")
            if len(point) != 1:
                raise InvalidInput("Point.coordinates", f"a point is one position, got {len(point)}")
            return {"type": "Point", "coordinates": point[0]}
        if kind == "LineString":
            return {"type": "LineString", "coordinates": positions.parse(_child(element, "coordinates"), kind)}
        if kind == "Polygon":
            return {"type": "Polygon", "coordinates": _polygon_rings(element, positions)}
        if kind == "MultiGeometry":
            # An export draws the same outline twice (ceiling and floor); anything else is several volumes.
            outlines: list[list[list[list[float]]]] = []
            for part in element:
                if _local(part.tag) != "Polygon":
                    raise InvalidInput("MultiGeometry", f"may hold polygons only, got a {_local(part.tag) or '?'}")
                outline = _polygon_rings(part, positions)
                if outlines and outline != outlines[0]:
                    raise InvalidInput(
                        "MultiGeometry", "holds different polygons: one placemark is one volume, give each its own"
                    )
                outlines.append(outline)
            if not outlines:
                raise InvalidInput("MultiGeometry", "holds no polygon")
            return {"type": "Polygon", "coordinates": outlines[0]}
    raise InvalidInput("geometry", "missing: a Polygon, Point or LineString, or a 'geometry' Data")


def _data(placemark: ET.Element) -> dict[str, Any]:
    """The notice's properties from the placemark's ExtendedData (``Data`` and ``SchemaData/SimpleData``)."""
    extended = _child(placemark, "ExtendedData")
    if extended is None:
        raise InvalidInput("ExtendedData", "missing: the notice's properties (notice_id, party, kind, lower, upper)")
    pairs: list[tuple[str, str]] = []
    for item in extended:
        kind = _local(item.tag)
        if kind == "Data":
            value = _child(item, "value")
            pairs.append((item.get("name", ""), (value.text or "") if value is not None else ""))
        elif kind == "SchemaData":
            pairs.extend((simple.get("name", ""), simple.text or "") for simple in _children(item, "SimpleData"))
    properties: dict[str, Any] = {}
    for name, text in pairs:
        if not _DATA_NAME.fullmatch(name):
            raise InvalidInput("ExtendedData", f"a Data name must be letters, digits or _, got {bounds.shown(name)}")
        if name in properties:
            raise InvalidInput(name, "given twice in ExtendedData")
        if name in _TEXT_PROPERTIES:
            properties[name] = text if name in _VERBATIM else text.strip()
            continue
        try:
            properties[name] = json.loads(text)
        except (ValueError, RecursionError) as error:
            reason = error.msg if isinstance(error, json.JSONDecodeError) else "too deep or too large"
            raise InvalidInput(name, f"must be JSON (a number, a list or an object), {reason}") from None
    return properties


def _time_span(placemark: ET.Element, properties: dict[str, Any]) -> None:
    """The window from the TimeSpan where no start/end Data gives it; where both do, they must agree."""
    span = _child(placemark, "TimeSpan")
    if span is None:
        return
    for tag, name in (("begin", "start"), ("end", "end")):
        element = _child(span, tag)
        if element is None or not (element.text or "").strip():
            continue
        text = (element.text or "").strip()
        if name not in properties:
            properties[name] = text
            continue
        if parse_time(text, f"TimeSpan.{tag}") != parse_time(properties[name], name):
            raise InvalidInput(
                f"TimeSpan.{tag}", f"{bounds.shown(text)} differs from the {name} Data {bounds.shown(properties[name])}"
            )


def _feature(placemark: ET.Element) -> dict[str, Any]:
    properties = _data(placemark)
    _time_span(placemark, properties)
    geometry = properties.pop("geometry", None)
    if geometry is None:
        geometry = _geometry(placemark)
    elif not isinstance(geometry, dict):
        raise InvalidInput("geometry", "must be a GeoJSON geometry object")
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _notice_id(placemark: ET.Element) -> str | None:
    """The notice id a placemark names, if it is safe to quote and group by (even when the rest is broken)."""
    extended = _child(placemark, "ExtendedData")
    for item in extended if extended is not None else ():
        if _local(item.tag) == "Data" and item.get("name") == "notice_id":
            value = _child(item, "value")
            text = (value.text or "").strip() if value is not None else ""
            return text if bounds.is_plain_id(text) else None
    return None


def _document_error(reason: str, where: str = "") -> KmlFeatures:
    return KmlFeatures({"type": "FeatureCollection", "features": []}, errors=[InvalidInput("(file)", reason, where)])


def kml_to_geojson(text: str | bytes) -> KmlFeatures:
    """The notices of a KML document as the notices format's GeoJSON, with every KML-level error, located."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    import defusedxml
    import defusedxml.ElementTree as SafeET

    limit = bounds.BOUNDS["kml_bytes"]
    if size > limit.high:
        return _document_error(f"must be at most {limit.most()}, got {size:,}")
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except SafeET.ParseError as error:
        line, column = error.position
        return _document_error(f"not well-formed XML ({str(error).split(':')[0]})", f"line {line}, column {column}")
    except defusedxml.DefusedXmlException as error:
        # A DTD, an entity or an external reference: never expanded, never fetched.
        return _document_error(f"refused: {type(error).__name__} (no DTD or entity is accepted)")
    if _local(root.tag) != "kml":
        return _document_error(f"the root element must be kml, got {bounds.shown(_local(root.tag))}")
    features: list[dict[str, Any]] = []
    placemarks: list[int] = []
    errors: list[InvalidInput] = []
    broken: set[str] = set()
    for index, placemark in enumerate(e for e in root.iter() if _local(e.tag) == "Placemark"):
        try:
            features.append(_feature(placemark))
        except InvalidInput as error:
            notice_id = _notice_id(placemark)
            where = f"placemark {index}" + (f", notice {notice_id}" if notice_id else "")
            errors.append(error.at(where))
            if notice_id:
                broken.add(notice_id)
            continue
        placemarks.append(index)
    return KmlFeatures(
        {"type": "FeatureCollection", "features": features}, tuple(placemarks), errors, frozenset(broken)
    )


_FEATURE_WHERE = re.compile(r"feature (\d+)")


def parse_notices_kml(text: str | bytes) -> NoticeFile:
    """Notices from a KML document, with every error found (KML and notices format), located by placemark.

    >>> parse_notices_kml('<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>').notices
    []
    """
    read = kml_to_geojson(text)
    parsed = parse_notices_data(read.geojson)
    errors = list(read.errors)
    for error in parsed.errors:
        where = _FEATURE_WHERE.sub(lambda m: f"placemark {read.placemarks[int(m.group(1))]}", error.where, count=1)
        errors.append(type(error)(error.field, error.reason, where))
    notices = [n for n in parsed.notices if n.notice_id not in read.broken]
    private = {k: v for k, v in parsed.private.items() if k not in read.broken}
    return NoticeFile(notices, private, errors)
