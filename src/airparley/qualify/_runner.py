"""Run the scenarios against the nodes of a config and collect their checks."""

from __future__ import annotations

import secrets
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from airparley.qualify._client import Desk
from airparley.qualify._config import QualifyConfig
from airparley.qualify._scenario import Aborted, CheckResult, Context, Outcome, Scenario, ScenarioResult

__all__ = ["node_versions", "run_scenarios"]


def node_versions(config: QualifyConfig) -> list[dict[str, Any]]:
    """Each node's name, URL and the version its OpenAPI document declares (``info.version``)."""
    import httpx

    found = []
    for name, url in config.nodes.items():
        try:
            answer = httpx.get(url + "/openapi.json", timeout=10)
            info = answer.json().get("info", {}) if answer.status_code == 200 else {}
            found.append(
                {
                    "name": name,
                    "url": url,
                    "reachable": True,
                    "title": info.get("title"),
                    "version": info.get("version"),
                }
            )
        except (httpx.HTTPError, ValueError) as error:
            found.append({"name": name, "url": url, "reachable": False, "error": str(error)[:200], "version": None})
    return found


def _results(scenario: Scenario, ctx: Context, reason: str) -> tuple[CheckResult, ...]:
    results = []
    for name, requirement_id in scenario.checks.items():
        seen = ctx.observed.get(name)
        if seen is None or (seen.count == 0 and not seen.skipped):
            results.append(CheckResult(scenario.id, name, requirement_id, Outcome.SKIP, reason=reason or "not reached"))
        elif seen.failure is not None:
            step, expected, observed, request = seen.failure
            results.append(
                CheckResult(
                    scenario.id,
                    name,
                    requirement_id,
                    Outcome.FAIL,
                    step,
                    expected,
                    observed,
                    request,
                    observations=seen.count,
                )
            )
        elif seen.count == 0:
            results.append(CheckResult(scenario.id, name, requirement_id, Outcome.SKIP, seen.step, reason=seen.skipped))
        else:
            results.append(
                CheckResult(scenario.id, name, requirement_id, Outcome.PASS, seen.step, observations=seen.count)
            )
    return tuple(results)


def _skipped(scenario: Scenario, reason: str) -> ScenarioResult:
    checks = tuple(CheckResult(scenario.id, n, r, Outcome.SKIP, reason=reason) for n, r in scenario.checks.items())
    return ScenarioResult(scenario.id, scenario.title, "skip", reason, 0.0, checks)


def run_scenarios(
    config: QualifyConfig,
    scenarios: Sequence[Scenario],
    *,
    run_id: str | None = None,
    progress: Callable[[ScenarioResult], None] | None = None,
    concurrent_waits: bool = True,
) -> tuple[str, list[ScenarioResult]]:
    """Play each scenario in order (each with fresh ids and its own cleanup); ``(run_id, results)``."""
    run_id = run_id or datetime.now(UTC).strftime("%H%M%S") + secrets.token_hex(2).upper()
    desks = {
        (officers.party, tier): Desk(officers.party, tier, config.nodes[officers.node], token)
        for officers in config.parties
        for tier, token in officers.tokens.items()
    }
    peer = Desk("peer", "peer", config.nodes[config.peer_node], config.peer_token)
    for officers in config.parties:
        floor = desks[(officers.party, "duty")].events()[1]
        for tier in officers.tokens:
            desks[(officers.party, tier)].floor = floor
    results: dict[str, ScenarioResult] = {}

    def play(scenario: Scenario) -> None:
        result = _play_one(config, scenario, run_id, desks, peer)
        results[scenario.id] = result
        if progress is not None:
            progress(result)

    # The scenarios that wait on the node's clock (rings, deadlines, non-response) run together after the others:
    # each uses its own ids and reads only its own events, so the run takes the longest wait, not their sum.
    waiting = [s for s in scenarios if s.wait_s(config) > 0] if concurrent_waits else []
    try:
        for scenario in scenarios:
            if scenario not in waiting:
                play(scenario)
        with ThreadPoolExecutor(max_workers=max(1, len(waiting))) as pool:
            for future in [pool.submit(play, scenario) for scenario in waiting]:
                future.result()
    finally:
        for desk in (*desks.values(), peer):
            desk.close()
    return run_id, [results[s.id] for s in scenarios]


def _play_one(
    config: QualifyConfig, scenario: Scenario, run_id: str, desks: dict[tuple[str, str], Desk], peer: Desk
) -> ScenarioResult:
    reason = scenario.needs(config)
    if reason:
        return _skipped(scenario, reason)
    wait_s = scenario.wait_s(config)
    if wait_s > config.max_wait_s:
        return _skipped(
            scenario,
            f"needs {wait_s:.0f} s with the declared settings, more than max_wait_s {config.max_wait_s:.0f} s:"
            " start the node with shorter settings",
        )
    ctx = Context(config, f"{run_id}{scenario.id.split('-')[0]}", desks, peer, scenario)
    ctx.start = min(desks[(officers.party, "duty")].events()[1] for officers in config.parties)
    began = time.monotonic()
    outcome_reason = ""
    errored = False
    try:
        scenario.play(ctx)
    except Aborted as aborted:
        errored, outcome_reason = True, str(aborted)
    except Exception as error:  # a node that answers nonsense must not stop the suite: the scenario errs
        errored = True
        where = traceback.extract_tb(error.__traceback__)[-1]
        outcome_reason = f"step '{ctx.step_name}': {type(error).__name__}: {error} (at {where.name}:{where.lineno})"
    cleanup: list[str] = []
    for what, action in reversed(ctx.cleanups):
        try:
            action()
        except Exception as error:
            cleanup.append(f"{what}: {type(error).__name__}: {error}"[:300])
    checks = _results(scenario, ctx, f"not reached: {outcome_reason}" if errored else "not reached")
    outcomes = {c.outcome for c in checks}
    if Outcome.FAIL in outcomes:
        outcome = "fail"
    elif errored:
        outcome = "error"
    elif outcomes == {Outcome.SKIP}:
        outcome = "skip"
    else:
        outcome = "pass"
    return ScenarioResult(
        scenario.id, scenario.title, outcome, outcome_reason, time.monotonic() - began, checks, tuple(cleanup)
    )
