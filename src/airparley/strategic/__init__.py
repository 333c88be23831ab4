"""Strategic engine: 4D volumes and operation notices -> conflicts, with minimal disclosure.

Pure: no I/O, no global state. Private modules hold the work; this package is the one export point.
"""

from airparley.strategic._conflict import (
    Conflict,
    VolumeConflict,
    VolumePair,
    conflict_id,
    draw_overlaps,
    footprint_distance_nm,
    geojson_of,
    iso_utc,
    volume_conflict,
)
from airparley.strategic._format import (
    NoticeFile,
    notice_schema,
    notices_to_geojson,
    parse_notices,
    parse_notices_data,
)
from airparley.strategic._index import ConflictIndex, VolumePairs, lateral_within
from airparley.strategic._kml import (
    KML_NAMESPACE,
    KmlFeatures,
    kml_to_geojson,
    looks_like_kml,
    notices_to_kml,
    parse_notices_kml,
)
from airparley.strategic._model import (
    ACTIVE_STATES,
    Altitude,
    Buffers,
    Notice,
    NoticeKind,
    NoticeRef,
    NoticeState,
    Priority,
    Shape,
    Volume4D,
    parse_time,
)

__all__ = [
    "ACTIVE_STATES",
    "KML_NAMESPACE",
    "Altitude",
    "Buffers",
    "Conflict",
    "ConflictIndex",
    "KmlFeatures",
    "Notice",
    "NoticeFile",
    "NoticeKind",
    "NoticeRef",
    "NoticeState",
    "Priority",
    "Shape",
    "Volume4D",
    "VolumeConflict",
    "VolumePair",
    "VolumePairs",
    "conflict_id",
    "draw_overlaps",
    "footprint_distance_nm",
    "geojson_of",
    "iso_utc",
    "kml_to_geojson",
    "lateral_within",
    "looks_like_kml",
    "notice_schema",
    "notices_to_geojson",
    "notices_to_kml",
    "parse_notices",
    "parse_notices_data",
    "parse_notices_kml",
    "parse_time",
    "volume_conflict",
]
