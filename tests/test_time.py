"""``airparley._time``, the one ISO 8601 'Z' formatter, writes what each formatting it replaced wrote."""

from __future__ import annotations

import doctest
import time
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from airparley import _time
from airparley._time import iso_z, iso_z_at, optional_iso_z

instants = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31), timezones=st.just(UTC))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
seconds = st.floats(0, 253_402_200_000, allow_nan=False)


@given(instants, offsets)
def test_an_instant_in_any_zone_is_written_in_utc_with_z(instant: datetime, zone: timezone) -> None:
    expected = instant.isoformat().replace("+00:00", "Z")
    assert iso_z(instant) == expected
    assert iso_z(instant.astimezone(zone)) == expected  # as hotline.iso and node/_shares wrote it
    assert optional_iso_z(instant) == expected
    assert optional_iso_z(None) is None
    assert iso_z(instant, "seconds") == instant.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@given(seconds)
def test_posix_seconds_are_written_as_the_fromtimestamp_forms_were(time_s: float) -> None:
    moment = datetime.fromtimestamp(time_s, UTC)
    assert iso_z_at(time_s) == moment.isoformat().replace("+00:00", "Z")
    assert iso_z_at(time_s, "milliseconds") == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    whole = int(time_s)
    assert iso_z_at(whole, "seconds") == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(whole))


def test_the_module_examples_hold() -> None:
    results = doctest.testmod(_time)
    assert (results.attempted, results.failed) == (3, 0)
