"""``airparley qualify``: a requirement-traced, black-box conformance suite for any airparley node.

It talks to one or two running nodes over HTTP and WebSocket only (never through this package's node or
store), as the officers its config names, and reports, for every requirement of the catalogue
(``docs/requirements.md``), whether the node keeps it. A node built by another air force from the
documents alone can be qualified the same way as ours.

    config = load_config(Path("qualify.yaml"))
    report = qualify(config)                      # the unsigned report (JSON-ready)
    signed = sign_report(report, key)             # Ed25519 over the canonical bytes
    verify_report(signed, public_key)             # None, or SignatureInvalid
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from airparley.qualify._catalogue import AREAS, REQUIREMENTS, Requirement, requirement, requirements_markdown
from airparley.qualify._config import QualifyConfig, load_config, parse_config
from airparley.qualify._html import render_html
from airparley.qualify._report import SCHEMA, build_report, sign_report, verify_report
from airparley.qualify._runner import node_versions, run_scenarios
from airparley.qualify._scenario import CheckResult, Outcome, Scenario, ScenarioResult
from airparley.qualify._suite import SCENARIOS

__all__ = [
    "AREAS",
    "REQUIREMENTS",
    "SCENARIOS",
    "SCHEMA",
    "CheckResult",
    "Outcome",
    "QualifyConfig",
    "Requirement",
    "Scenario",
    "ScenarioResult",
    "build_report",
    "load_config",
    "parse_config",
    "qualify",
    "render_html",
    "requirement",
    "requirements_markdown",
    "sign_report",
    "verify_report",
]


def qualify(
    config: QualifyConfig,
    scenarios: Sequence[Scenario] = SCENARIOS,
    *,
    run_id: str | None = None,
    progress: Callable[[ScenarioResult], None] | None = None,
    concurrent_waits: bool = True,
) -> dict[str, Any]:
    """Play ``scenarios`` against the config's nodes and return the (unsigned) report. The scenarios that wait
    on the node's clock run concurrently unless ``concurrent_waits`` is false."""
    started = datetime.now(UTC)
    nodes = node_versions(config)
    run, results = run_scenarios(config, scenarios, run_id=run_id, progress=progress, concurrent_waits=concurrent_waits)
    return build_report(run, started, datetime.now(UTC), nodes, config.declared(), results)
