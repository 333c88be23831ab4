"""The notices file format: a GeoJSON FeatureCollection, one Feature per volume (see docs/formats.md).

Reading never stops at the first problem: every error in a file is collected, located by feature index
and notice id, and the good notices are still returned. Writing emits the shared part only, unless the
caller hands in the private parts explicitly (for the filing party's own copy).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from airparley import bounds
from airparley._time import iso_z
from airparley.errors import InvalidInput
from airparley.strategic._model import (
    Altitude,
    Notice,
    NoticeKind,
    NoticeState,
    Priority,
    Shape,
    Volume4D,
    parse_time,
)

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

__all__ = [
    "FeatureRead",
    "FeatureReader",
    "NoticeFile",
    "notice_schema",
    "notices_to_geojson",
    "parse_notices",
    "parse_notices_data",
    "read_feature",
    "read_features",
]

#: Properties that describe the notice as a whole; every feature of a notice must agree on them.
_NOTICE_LEVEL = ("party", "version", "kind", "state", "priority", "callsigns", "frequency_mhz", "remarks")

#: Properties whose JSON Schema limits come from the table of bounds (tests/strategic checks they agree).
_SCHEMA_BOUNDS = {
    name: name
    for name in ("notice_id", "party", "version", "radius_nm", "half_width_nm", "callsigns", "frequency_mhz", "remarks")
}
_LIMITS = frozenset({"minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern"})

#: The id alphabet (airparley/bounds.py): ASCII only, so no look-alike or direction character fits in one.
_NOTICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CALLSIGN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 -]*[A-Za-z0-9])?")


@dataclass(frozen=True)
class NoticeFile:
    """What a notices file held: valid notices, their private parts by notice id, and every error."""

    notices: list[Notice]
    private: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[InvalidInput] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@cache
def notice_schema() -> dict[str, Any]:
    """The JSON Schema of the notices file (shipped in the package)."""
    text = resources.files("airparley").joinpath("schemas/notices.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _feature_validator() -> jsonschema.protocols.Validator:
    """jsonschema's reading of one feature: the judge, and the one that says what is wrong and where."""
    import jsonschema

    schema = notice_schema()
    feature_schema = {"$defs": schema["$defs"], **schema["$defs"]["feature"]}
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(feature_schema)


def _as_draft7(node: Any) -> Any:
    """The schema in draft-07 words, which fastjsonschema reads: the same rules, older spelling.

    2020-12's ``prefixItems`` (each position its own schema) with ``items`` (the rest) is draft-07's
    ``items`` as an array with ``additionalItems``; ``$defs`` is ``definitions``; a pattern's final ``$``
    keeps the meaning jsonschema gives it.
    """
    if isinstance(node, list):
        return [_as_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_draft7(value) for key, value in node.items() if key not in ("$schema", "$id")}
    if "prefixItems" in out:
        out["additionalItems"] = out.pop("items", True)
        out["items"] = out.pop("prefixItems")
    if "$defs" in out:
        out["definitions"] = out.pop("$defs")
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/$defs/", "#/definitions/")
    pattern = out.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
        # jsonschema searches with Python's ``$``, which also matches before a final newline; fastjsonschema
        # makes it ``\Z``. Spelling that newline out keeps the two libraries' verdicts the same.
        out["pattern"] = pattern[:-1] + "\\n?$"
    return out


@cache
def _feature_is_valid() -> Callable[[Any], bool]:
    """A quick yes for a valid feature: the schema compiled by fastjsonschema (15x jsonschema's speed).

    A no is never final: jsonschema judges the feature again and names each problem, so the two
    libraries can only disagree towards more work, never towards accepting a feature jsonschema
    refuses (tests/strategic/test_strategic_format.py holds them together).
    """
    import fastjsonschema

    schema = _as_draft7(notice_schema())
    feature_schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": schema["definitions"],
        **schema["definitions"]["feature"],
    }
    check = fastjsonschema.compile(feature_schema, use_formats=False)

    def is_valid(feature: Any) -> bool:
        try:
            check(feature)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


def _feature_problems(feature: Any) -> list[ValidationError]:
    """Every way one feature breaks the notices schema, by path; empty when it keeps it."""
    if _feature_is_valid()(feature):
        return []
    return sorted(_feature_validator().iter_errors(feature), key=lambda e: list(map(str, e.absolute_path)))


def _describe(error: ValidationError) -> InvalidInput:
    path = [str(p) for p in error.absolute_path]
    if path and path[0] == "properties":
        path = path[1:]
    validator = error.validator
    instance = error.instance
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else str(error.message)
        return InvalidInput(".".join([*path, missing]), "missing")
    if validator == "additionalProperties":
        schema: Any = error.schema
        declared = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        extra = sorted(set(instance if isinstance(instance, Mapping) else ()) - set(declared))
        return InvalidInput(
            ".".join(path) or "properties",
            f"unknown propert{'ies' if len(extra) > 1 else 'y'} {', '.join(map(repr, extra))}; "
            "anything you do not want to share goes under 'private'",
        )
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        return InvalidInput(
            ".".join(path),
            f"unknown value {instance!r}; use one of {', '.join(map(str, allowed))}",  # type: ignore[arg-type]
        )
    if validator == "type":
        # ``properties`` itself of the wrong type strips to an empty path: name it.
        name = ".".join(path) or ("properties" if list(error.absolute_path) == ["properties"] else "(feature)")
        return InvalidInput(name, f"must be of type {error.validator_value}, got {bounds.shown(instance)}")
    if validator in _LIMITS and path:
        key = "callsign" if len(path) == 2 and path[0] == "callsigns" else _SCHEMA_BOUNDS.get(path[-1])
        if key is not None:
            bound = bounds.BOUNDS[key]
            if validator == "pattern":
                reason = f"must be {bound.why}, got {bounds.shown(instance)}"
            elif validator in ("minimum", "maximum"):
                reason = f"must be within {bound.describe()}, got {bounds.shown(instance)}"
            else:
                size = len(instance) if isinstance(instance, str | list) else bounds.shown(instance)
                reason = f"must be {bound.describe()}, got {size}"
            return InvalidInput(".".join(path), reason)
    if validator == "oneOf" and isinstance(instance, Mapping) and error.context:
        # An altitude written as an object: the object branch's own complaint is the useful one.
        object_branch = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == 1]
        if object_branch:
            return _describe(object_branch[0])
    if validator == "oneOf" and path and path[-1] in ("lower", "upper"):
        return InvalidInput(
            ".".join(path),
            f"must be feet MSL or {{'value': n, 'unit': 'ft'|'m', 'ref': 'MSL'|'FL'}}, got {instance!r}",
        )
    return InvalidInput(".".join(path) or "(feature)", str(error.message))


def _located(error: InvalidInput, index: int, notice_id: Any) -> InvalidInput:
    where = f"feature {index}" + (f", notice {notice_id}" if isinstance(notice_id, str) and notice_id else "")
    return error.at(where)


def _positions(coordinates: Any) -> int:
    """How many positions a GeoJSON ``coordinates`` array holds (iteratively: nesting is bounded already)."""
    total, stack = 0, [coordinates]
    while stack:
        item = stack.pop()
        if isinstance(item, list) and item and all(isinstance(x, list) for x in item):
            stack.extend(item)
        else:
            total += 1
    return total


def _volume(feature: Mapping[str, Any]) -> Volume4D:
    props = feature["properties"]
    shape = Shape(props.get("shape", "polygon"))
    radius: float | None
    if shape is Shape.CORRIDOR:
        if "radius_nm" in props:
            raise InvalidInput("radius_nm", "a corridor takes half_width_nm, not radius_nm")
        radius = props.get("half_width_nm")
        if radius is not None:
            radius = bounds.number(radius, "half_width_nm", "half_width_nm")
    else:
        radius = props.get("radius_nm")
        if "half_width_nm" in props:
            raise InvalidInput("half_width_nm", f"a {shape} takes radius_nm, not half_width_nm")
        if shape is Shape.POLYGON and radius is not None:
            raise InvalidInput("radius_nm", "a polygon takes no radius; set shape to circle or orbit")
        if radius is not None:
            radius = bounds.number(radius, "radius_nm", "radius_nm")
    positions = _positions(feature["geometry"].get("coordinates"))
    limit = bounds.BOUNDS["positions"]
    if positions > limit.high:
        raise InvalidInput("geometry.coordinates", f"must hold at most {limit.most()}, got {positions}")
    lower = Altitude.parse(props["lower"], "lower")
    upper = Altitude.parse(props["upper"], "upper")
    for name, altitude in (("lower", lower), ("upper", upper)):
        bounds.number(altitude.ft_msl, name, "altitude_ft_msl")
    start = bounds.time_within(parse_time(props["start"], "start"), "start", "notice_time")
    end = bounds.time_within(parse_time(props["end"], "end"), "end", "notice_time")
    if end - start > bounds.days("notice_duration"):
        raise InvalidInput("end", f"a volume lasts at most {bounds.BOUNDS['notice_duration'].most()}")
    return Volume4D(shape, feature["geometry"], lower, upper, start, end, radius)


def _check_level(props: Mapping[str, Any]) -> None:
    """The notice-level properties within their bounds (airparley/bounds.py), before a Notice is built."""
    bounds.pattern_text(props["notice_id"], "notice_id", "notice_id", _NOTICE_ID, "an id (letters, digits, . _ -)")
    bounds.party_code(props["party"], "party")
    if props.get("version") is not None:
        bounds.number(props["version"], "version", "version")
    callsigns = props.get("callsigns")
    if callsigns is not None:
        for index, callsign in enumerate(bounds.count(callsigns, "callsigns", "callsigns")):
            bounds.pattern_text(
                callsign, f"callsigns.{index}", "callsign", _CALLSIGN, "a callsign (letters, digits, spaces, -)"
            )
    if props.get("frequency_mhz") is not None:
        frequency = bounds.number(props["frequency_mhz"], "frequency_mhz", "frequency_mhz")
        if abs(round(frequency, 3) - frequency) > 1e-9:
            raise InvalidInput("frequency_mhz", f"at most 3 decimals (kHz), got {frequency!r}")
    if props.get("remarks") is not None:
        bounds.free_text(props["remarks"], "remarks", "remarks")
    if "private" in props:
        size = len(json.dumps(props["private"], ensure_ascii=False).encode("utf-8"))
        limit = bounds.BOUNDS["private"]
        if size > limit.high:
            raise InvalidInput("private", f"must be at most {limit.most()}, got {size}")


@dataclass(frozen=True, slots=True)
class FeatureRead:
    """What one feature of a notices file gives on its own, before the features are grouped into notices.

    ``refused`` holds the errors that leave the feature out (not a Feature, bounds, schema, notice-level
    properties); it then marks its notice broken when it names one (``notice_id``). Otherwise ``level`` has
    its notice-level properties, ``private`` its private part (``None`` when it has none), and either
    ``volume`` or ``volume_error``. Reading a feature needs no other feature, so the features of a large file
    may be read in parallel (``parse_notices(text, read=...)``) and grouped in order afterwards.
    """

    index: int
    notice_id: str | None
    refused: tuple[InvalidInput, ...] = ()
    level: dict[str, Any] | None = None
    private: dict[str, Any] | None = None
    volume: Volume4D | None = None
    volume_error: InvalidInput | None = None


def read_feature(index: int, feature: Any) -> FeatureRead:
    """Feature ``index`` of a notices file, read and checked on its own (see :class:`FeatureRead`)."""
    if not isinstance(feature, Mapping):
        return FeatureRead(
            index, None, (InvalidInput("(feature)", "must be a GeoJSON Feature object", f"feature {index}"),)
        )
    props_in = feature.get("properties")
    notice_id = props_in.get("notice_id") if isinstance(props_in, Mapping) else None
    if not (isinstance(notice_id, str) and bounds.is_plain_id(notice_id)):
        notice_id = None  # a hostile id is never echoed into a location, nor used to group
    try:
        bounds.check_json(feature)
    except InvalidInput as error:
        name = error.field.removeprefix("properties.")
        return FeatureRead(index, notice_id, (_located(InvalidInput(name, error.reason), index, notice_id),))
    problems = _feature_problems(feature)
    if problems:
        refused = tuple(_located(_describe(p), index, notice_id) for p in problems)
        return FeatureRead(index, notice_id, refused)
    props = feature["properties"]
    try:
        _check_level(props)
    except InvalidInput as error:
        return FeatureRead(index, notice_id, (_located(error, index, notice_id),))
    level = {key: props.get(key) for key in _NOTICE_LEVEL}
    private = props.get("private")
    try:
        volume = _volume(feature)
    except InvalidInput as error:
        return FeatureRead(
            index, notice_id, level=level, private=private, volume_error=_located(error, index, notice_id)
        )
    return FeatureRead(index, notice_id, level=level, private=private, volume=volume)


def read_features(features: Sequence[Any], start: int = 0, stop: int | None = None) -> list[FeatureRead]:
    """:func:`read_feature` of ``features[start:stop]``, each with its index in the whole list."""
    stop = len(features) if stop is None else stop
    return [read_feature(index, features[index]) for index in range(start, stop)]


FeatureReader = Callable[[Sequence[Any]], Iterable[FeatureRead]]
"""Reads every feature of a list, in order: :func:`read_features`, or the same work spread over processes."""


def parse_notices_data(data: Any, read: FeatureReader = read_features) -> NoticeFile:
    """Notices from an already-decoded GeoJSON object (see :func:`parse_notices`)."""
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        return NoticeFile([], errors=[InvalidInput("type", "the file must be a GeoJSON FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list):
        return NoticeFile([], errors=[InvalidInput("features", "must be a list of Features")])
    errors: list[InvalidInput] = []
    # notice id -> (first feature index, notice-level properties, volumes, private, broken)
    grouped: dict[str, dict[str, Any]] = {}
    for feature in read(features):
        index, notice_id = feature.index, feature.notice_id
        if feature.refused:
            errors.extend(feature.refused)
            if notice_id:
                grouped.setdefault(notice_id, {"index": index, "volumes": [], "broken": True})["broken"] = True
            continue
        level = feature.level
        assert level is not None  # a feature that is not refused has been read
        group = grouped.setdefault(
            str(notice_id), {"index": index, "props": None, "volumes": [], "private": {}, "broken": False}
        )
        if group.get("props") is None:
            group["props"] = level
        else:
            for key in _NOTICE_LEVEL:
                if level[key] is not None and group["props"][key] is not None and level[key] != group["props"][key]:
                    errors.append(
                        _located(
                            InvalidInput(
                                key,
                                f"{bounds.shown(level[key])} differs from {bounds.shown(group['props'][key])} "
                                f"in feature {group['index']} "
                                "of the same notice",
                            ),
                            index,
                            notice_id,
                        )
                    )
                    group["broken"] = True
                elif group["props"][key] is None:
                    group["props"][key] = level[key]
        if feature.private is not None:
            group.setdefault("private", {}).update(feature.private)
        if feature.volume_error is not None:
            errors.append(feature.volume_error)
            group["broken"] = True
        else:
            group["volumes"].append(feature.volume)
    notices: list[Notice] = []
    private: dict[str, dict[str, Any]] = {}
    for notice_id, group in grouped.items():
        if group["broken"]:
            continue
        props = group["props"]
        try:
            notice = Notice(
                notice_id=notice_id,
                party=props["party"],
                version=props["version"] if props["version"] is not None else 1,
                kind=NoticeKind(props["kind"]),
                volumes=tuple(group["volumes"]),
                callsigns=tuple(props["callsigns"] or ()),
                frequency_mhz=props["frequency_mhz"],
                priority=Priority(props["priority"] or "routine"),
                remarks=props["remarks"] or "",
                state=NoticeState(props["state"] or "filed"),
            )
        except InvalidInput as error:
            errors.append(_located(error, group["index"], notice_id))
            continue
        notices.append(notice)
        if group.get("private"):
            private[notice_id] = group["private"]
    return NoticeFile(notices, private, errors)


def parse_notices(text: str | bytes, read: FeatureReader = read_features) -> NoticeFile:
    """Notices from the text of a GeoJSON FeatureCollection, with every error found, located.

    ``read`` reads the features (:data:`FeatureReader`): the CLI hands in one that spreads a large file's
    features over processes; the notices and errors are the same either way.

    >>> parse_notices('{"type": "FeatureCollection", "features": []}').notices
    []
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return NoticeFile(
            [],
            errors=[
                InvalidInput("(file)", f"not valid JSON: {error.msg}", f"line {error.lineno}, column {error.colno}")
            ],
        )
    except UnicodeDecodeError as error:
        return NoticeFile([], errors=[InvalidInput("(file)", f"not UTF-8 text: {error.reason}")])
    return parse_notices_data(data, read)


def _volume_feature(notice: Notice, volume: Volume4D, private: Mapping[str, Any] | None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "notice_id": notice.notice_id,
        "party": notice.party,
        "version": notice.version,
        "kind": str(notice.kind),
        "state": str(notice.state),
        "priority": str(notice.priority),
        "shape": str(volume.shape),
        "lower": volume.lower.as_dict(),
        "upper": volume.upper.as_dict(),
        "start": iso_z(volume.start),
        "end": iso_z(volume.end),
    }
    if volume.radius_nm is not None:
        props["half_width_nm" if volume.shape is Shape.CORRIDOR else "radius_nm"] = volume.radius_nm
    if notice.callsigns:
        props["callsigns"] = list(notice.callsigns)
    if notice.frequency_mhz is not None:
        props["frequency_mhz"] = notice.frequency_mhz
    if notice.remarks:
        props["remarks"] = notice.remarks
    if private:
        props["private"] = dict(private)
    return {"type": "Feature", "geometry": dict(volume.geometry), "properties": props}


def notices_to_geojson(
    notices: Iterable[Notice], private: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The shared GeoJSON of some notices; private parts only for the ids present in ``private``."""
    features: list[dict[str, Any]] = []
    for notice in notices:
        own = (private or {}).get(notice.notice_id)
        for i, volume in enumerate(notice.volumes):
            features.append(_volume_feature(notice, volume, own if i == 0 else None))
    return {"type": "FeatureCollection", "features": features}
