"""The node's settings: declared once (the dataclass fields), read from the environment in one place."""

from __future__ import annotations

from dataclasses import fields

import pytest

from airparley.errors import InvalidInput
from airparley.hotline import HotlineSettings
from airparley.node import SETTINGS, NodeSettings, settings_from_env


def test_the_table_is_the_dataclass() -> None:
    defaults = NodeSettings()
    assert [s.name for s in SETTINGS] == [f.name for f in fields(NodeSettings)]
    for setting in SETTINGS:
        assert setting.default == getattr(defaults, setting.name)
        assert setting.unit
        assert setting.help.endswith(".")
        assert setting.env == f"AIRPARLEY_{setting.name.upper()}"


def test_node_and_hotline_settings_come_from_the_environment_and_options() -> None:
    environ = {"AIRPARLEY_LATERAL_NM": "7.5", "AIRPARLEY_RATE_BURST": "9", "AIRPARLEY_RING_INTERVAL_S": "15"}
    node, hotline = settings_from_env(environ, lateral_nm=None, time_min=12.0)
    assert node.lateral_nm == 7.5
    assert node.rate_burst == 9
    assert node.time_min == 12.0
    assert hotline == HotlineSettings(ring_interval_s=15)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AIRPARLEY_LATERAL_NM", "five"),
        ("AIRPARLEY_RATE_BURST", "1.5"),
        ("AIRPARLEY_SCHEDULER_INTERVAL_S", "-1"),
        ("AIRPARLEY_RING_INTERVAL_S", "soon"),
        ("AIRPARLEY_ESCALATE_AFTER_S", "0"),
    ],
)
def test_a_bad_value_names_its_setting(variable: str, value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        settings_from_env({variable: value})
    assert raised.value.field in (variable, variable.removeprefix("AIRPARLEY_").lower())
