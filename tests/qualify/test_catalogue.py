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
