"""Track feeds in: SBS-1/BaseStation, readsb ``aircraft.json``, OpenSky state vectors, CSV recordings.

Parsers (``_sbs``, ``_readsb``, ``_opensky``, ``_csv``) are pure: lines or decoded documents in, track
states out, every bad record counted in a :class:`Tally` with its line and reason. I/O lives apart: feeds
(``_feeds``: TCP with reconnection, files, URLs) and the node client (``_client``: batching, retries).
"""

from airparley.ingest._client import MAX_STATES_PER_POST, PostSummary, Rejection, TrackPoster
from airparley.ingest._common import (
    Rejected,
    Tally,
    Thinner,
    checked_state,
    iso_time,
    parse_utc_offset,
    state_record,
)
from airparley.ingest._csv import ALT_UNITS, CSV_FIELDS, SPEED_UNITS, TIME_FORMATS, VS_UNITS, CsvMapping, parse_csv
from airparley.ingest._feeds import file_size, parse_host_port, read_url, tcp_lines, text_lines
from airparley.ingest._opensky import OPENSKY_FIELDS, parse_opensky, parse_opensky_text
from airparley.ingest._readsb import DEFAULT_MAX_POSITION_AGE_S, parse_aircraft_json
from airparley.ingest._replay import Pacer, Retimer
from airparley.ingest._sbs import SBS_FIELDS, SbsMerger, SbsMessage, parse_sbs_line, parse_sbs_lines

__all__ = [
    "ALT_UNITS",
    "CSV_FIELDS",
    "DEFAULT_MAX_POSITION_AGE_S",
    "MAX_STATES_PER_POST",
    "OPENSKY_FIELDS",
    "SBS_FIELDS",
    "SPEED_UNITS",
    "TIME_FORMATS",
    "VS_UNITS",
    "CsvMapping",
    "Pacer",
    "PostSummary",
    "Rejected",
    "Rejection",
    "Retimer",
    "SbsMerger",
    "SbsMessage",
    "Tally",
    "Thinner",
    "TrackPoster",
    "checked_state",
    "file_size",
    "iso_time",
    "parse_aircraft_json",
    "parse_csv",
    "parse_host_port",
    "parse_opensky",
    "parse_opensky_text",
    "parse_sbs_line",
    "parse_sbs_lines",
    "parse_utc_offset",
    "read_url",
    "state_record",
    "tcp_lines",
    "text_lines",
]
