from __future__ import annotations

import pytest

from airparley.errors import InvalidInput
from airparley.geo import (
    altitude_to_ft_msl,
    flight_level_to_ft,
    fpm_to_ms,
    ft_to_m,
    kt_to_ms,
    m_to_ft,
    m_to_nm,
    ms_to_fpm,
    ms_to_kt,
    nm_to_m,
)


def test_aviation_units_are_the_international_definitions() -> None:
    assert nm_to_m(1) == 1852.0
    assert ft_to_m(1) == 0.3048
    assert kt_to_ms(1) == pytest.approx(0.514444, abs=1e-6)
    assert fpm_to_ms(1000) == pytest.approx(5.08)
    for value in (0.0, 1.5, 12345.0):
        assert m_to_nm(nm_to_m(value)) == pytest.approx(value)
        assert m_to_ft(ft_to_m(value)) == pytest.approx(value)
        assert ms_to_kt(kt_to_ms(value)) == pytest.approx(value)
        assert ms_to_fpm(fpm_to_ms(value)) == pytest.approx(value)


def test_flight_levels_are_hundreds_of_feet_in_the_standard_atmosphere() -> None:
    assert flight_level_to_ft(250) == 25000.0
    assert altitude_to_ft_msl(310, "ft", "FL") == 31000.0
    assert altitude_to_ft_msl(3048, "m") == pytest.approx(10000.0)
    assert altitude_to_ft_msl(12000) == 12000.0


@pytest.mark.parametrize(
    ("value", "unit", "ref", "field", "reason"),
    [
        (100, "km", "MSL", "unit", "unknown unit"),
        (100, "ft", "AGL", "ref", "unknown reference"),
        (25000, "ft", "FL", "value", "flight level must be between 0 and 999"),
        (-5, "ft", "FL", "value", "flight level"),
        (250, "m", "FL", "unit", "hundreds of feet"),
        (float("nan"), "ft", "MSL", "value", "finite"),
        ("high", "ft", "MSL", "value", "must be a number"),
    ],
)
def test_bad_altitudes_name_the_field_and_the_reason(
    value: object, unit: str, ref: str, field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        altitude_to_ft_msl(value, unit, ref)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert reason in caught.value.reason
