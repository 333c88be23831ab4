"""The requirements catalogue: stable, well-formed ids, written out in docs/requirements.md, and every check of
every scenario naming one of them."""

from __future__ import annotations

import re
from pathlib import Path

from airparley.qualify import AREAS, REQUIREMENTS, SCENARIOS, requirements_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_ids_are_unique_numbered_per_area_and_statements_one_line() -> None:
    ids = [r.id for r in REQUIREMENTS]
    assert len(ids) == len(set(ids))
    for item in REQUIREMENTS:
        assert re.fullmatch(r"[A-Z]{3}-\d{3}", item.id), item.id
        assert item.area in AREAS
        assert item.statement
        assert "\n" not in item.statement
        assert "|" not in item.statement
        assert item.source
    for area in AREAS:
        numbers = [int(r.id[4:]) for r in REQUIREMENTS if r.area == area]
        assert numbers == list(range(1, len(numbers) + 1)), f"{area} ids are not 1..n in order"


def test_docs_requirements_is_the_catalogue_written_out() -> None:
    text = (DOCS / "requirements.md").read_text(encoding="utf-8")
    assert requirements_markdown() in text
    assert f"{len(REQUIREMENTS)} requirements." in text


def test_every_check_names_a_requirement_and_scenario_ids_are_unique() -> None:
    known = {r.id for r in REQUIREMENTS}
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    for scenario in SCENARIOS:
        assert scenario.checks
        assert set(scenario.checks.values()) <= known


def test_docs_qualify_states_the_suite_as_it_is() -> None:
    from test_qualify_faults import FAULTS

    text = (DOCS / "qualify.md").read_text(encoding="utf-8")
    checks = sum(len(s.checks) for s in SCENARIOS)
    assert f"**{len(REQUIREMENTS)} requirements, {checks} checks in {len(SCENARIOS)} scenarios.**" in text
    for scenario in SCENARIOS:
        assert f"| `{scenario.id}` | {len(scenario.checks)} |" in text, scenario.id
    assert f"**{len(FAULTS)} of {len(FAULTS)} injected faults are caught**" in text
    assert f"Caught: **{len(FAULTS)} of {len(FAULTS)}**" in text
    for fault in FAULTS:
        assert f"| {fault.requirement} |" in text, fault.requirement
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert f"({len(REQUIREMENTS)}, each with a stable id" in readme


def test_the_defaults_a_config_assumes_are_the_nodes() -> None:
    """A setting a config leaves out is taken to be the node's default: the two tables must not drift apart."""
    from airparley.hotline import HOTLINE_SETTINGS
    from airparley.node import SETTINGS
    from airparley.qualify._config import DEFAULT_SETTINGS

    declared = {s.name: s.default for s in (*SETTINGS, *HOTLINE_SETTINGS)}
    for name, value in DEFAULT_SETTINGS.items():
        assert declared[name] == value, name
