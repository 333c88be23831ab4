"""docs/hotline.md cannot go stale: its tables are generated here and must appear in it verbatim.

To refresh the doc after changing the catalogue, a table or a setting, print the blocks and paste them:
``.venv/bin/python tests/hotline/test_hotline_docs.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

import pytest

from airparley.hotline import (
    CASE_TRANSITIONS,
    HOTLINE_SETTINGS,
    RECEIPT_TRANSITIONS,
    CaseEvent,
    CaseState,
    Catalogue,
    Language,
    ParamKind,
    ReceiptEvent,
    ReceiptState,
    load_catalogue,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "hotline.md"


def transition_matrix(
    table: Mapping[tuple[StrEnum, StrEnum], StrEnum], states: list[StrEnum], events: list[StrEnum]
) -> str:
    lines = [
        "| state \\ event | " + " | ".join(f"`{event}`" for event in events) + " |",
        "|---|" + "---|" * len(events),
    ]
    for state in states:
        cells = [f"`{table[(state, event)]}`" if (state, event) in table else "·" for event in events]
        lines.append(f"| `{state}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def case_table() -> str:
    events = [event for event in CaseEvent if event is not CaseEvent.OPEN]
    return transition_matrix(CASE_TRANSITIONS, list(CaseState), events)  # type: ignore[arg-type]


def receipt_table() -> str:
    return transition_matrix(RECEIPT_TRANSITIONS, list(ReceiptState), list(ReceiptEvent))  # type: ignore[arg-type]


def settings_table() -> str:
    lines = ["| setting | default | unit | meaning |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | {s.default} | {s.unit} | {s.help} |" for s in HOTLINE_SETTINGS]
    return "\n".join(lines)


def kinds_table(catalogue: Catalogue) -> str:
    lines = ["| kind | accepted values |", "|---|---|"]
    lines += [f"| `{kind.value}` | {kind.help} |" for kind in ParamKind]
    lines += [
        f"| `{name}` | one of {', '.join(f'`{v}`' for v in values)} (translated) |"
        for name, values in catalogue.enums.items()
    ]
    return "\n".join(lines)


def phrase_table(catalogue: Catalogue) -> str:
    languages = list(Language)
    lines = [
        "| id | parameters | " + " | ".join(language.value for language in languages) + " |",
        "|---|---|" + "---|" * len(languages),
    ]
    for phrase in catalogue.phrases.values():
        params = (
            ", ".join(
                f"`{param.name}`: {param.kind}{' (optional)' if param.optional else ''}" for param in phrase.params
            )
            or "—"
        )
        texts = " | ".join(phrase.text(language) for language in languages)
        lines.append(f"| `{phrase.phrase_id}` | {params} | {texts} |")
    return "\n".join(lines)


def blocks() -> dict[str, str]:
    catalogue = load_catalogue()
    return {
        "receipt transitions": receipt_table(),
        "case transitions": case_table(),
        "settings": settings_table(),
        "parameter kinds": kinds_table(catalogue),
        "phrases": phrase_table(catalogue),
    }


@pytest.mark.parametrize(("name", "block"), sorted(blocks().items()))
def test_doc_contains_the_generated_table(name: str, block: str) -> None:
    assert block in DOC.read_text(encoding="utf-8"), f"docs/hotline.md is missing the current {name} table"


def test_doc_lists_every_phrase_id() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = [phrase_id for phrase_id in load_catalogue().phrase_ids if f"`{phrase_id}`" not in doc]
    assert not missing


if __name__ == "__main__":
    for title, block in blocks().items():
        print(f"<!-- {title} -->\n{block}\n")
