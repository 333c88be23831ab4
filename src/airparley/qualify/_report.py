"""The qualification report: a JSON document of a stable schema, signed with Ed25519, and its HTML page.

Schema ``airparley-qualify-report/1`` (docs/qualify.md describes every member): ``run``, ``tool``, ``nodes``
(each with its OpenAPI ``info.version``), ``declared`` (the config without its tokens: nodes, parties,
settings), ``summary``, ``requirements`` (the whole catalogue, each with its outcome over every check naming
it), ``scenarios`` (each with its checks and their evidence), ``matrix`` (requirement -> scenario -> outcome)
and ``signature``.

The signature is Ed25519 over ``airparley-qualify-report-v1`` + NUL + the RFC 8785 canonical bytes of the
report without its ``signature`` member, the ledger's canonical form (``airparley.ledger``), so anyone with
the public key can check that not one byte of the findings changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from airparley import __version__
from airparley._time import iso_z
from airparley.errors import InvalidInput, SignatureInvalid
from airparley.ledger import public_key_from_text, public_key_to_text
from airparley.ledger._canonical import canonical
from airparley.ledger._keys import sign, signature_valid
from airparley.qualify._catalogue import REQUIREMENTS
from airparley.qualify._scenario import ScenarioResult

__all__ = ["REPORT_CONTEXT", "SCHEMA", "build_report", "report_outcome", "sign_report", "verify_report"]

SCHEMA: Final = "airparley-qualify-report/1"
REPORT_CONTEXT: Final = b"airparley-qualify-report-v1\x00"

_ORDER = {"fail": 0, "error": 1, "pass": 2, "skip": 3, "untested": 4}


def _iso(moment: datetime) -> str:
    return iso_z(moment, "seconds")


def build_report(
    run_id: str,
    started: datetime,
    finished: datetime,
    nodes: Sequence[Mapping[str, Any]],
    declared: Mapping[str, Any],
    results: Sequence[ScenarioResult],
) -> dict[str, Any]:
    """The unsigned report of one run."""
    checks = [check for result in results for check in result.checks]
    by_requirement: dict[str, list[str]] = {}
    matrix: dict[str, dict[str, str]] = {}
    for check in checks:
        by_requirement.setdefault(check.requirement, []).append(str(check.outcome))
        cell = matrix.setdefault(check.requirement, {})
        previous = cell.get(check.scenario)
        if previous is None or _ORDER[str(check.outcome)] < _ORDER[previous]:
            cell[check.scenario] = str(check.outcome)
    requirements = []
    for item in REQUIREMENTS:
        outcomes = by_requirement.get(item.id, [])
        if "fail" in outcomes:
            outcome = "fail"
        elif "pass" in outcomes:
            outcome = "pass"
        elif outcomes:
            outcome = "skip"
        else:
            outcome = "untested"
        requirements.append({**item.as_dict(), "outcome": outcome, "checks": len(outcomes)})
    counts = {name: sum(1 for c in checks if str(c.outcome) == name) for name in ("pass", "fail", "skip")}
    requirement_counts = {
        name: sum(1 for r in requirements if r["outcome"] == name) for name in ("pass", "fail", "skip", "untested")
    }
    return {
        "schema": SCHEMA,
        "run": {
            "id": run_id,
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_s": round((finished - started).total_seconds(), 3),
        },
        "tool": {"name": "airparley qualify", "version": __version__},
        "nodes": [dict(node) for node in nodes],
        "declared": dict(declared),
        "summary": {
            "outcome": report_outcome(results),
            "requirements": len(requirements),
            "requirements_by_outcome": requirement_counts,
            "scenarios": len(results),
            "scenarios_by_outcome": {
                name: sum(1 for r in results if r.outcome == name) for name in ("pass", "fail", "error", "skip")
            },
            "checks": len(checks),
            "checks_by_outcome": counts,
        },
        "requirements": requirements,
        "scenarios": [result.as_dict() for result in results],
        "matrix": matrix,
    }


def report_outcome(results: Sequence[ScenarioResult]) -> str:
    """``fail`` if a check failed, ``error`` if a scenario could not finish, else ``pass``."""
    outcomes = {result.outcome for result in results}
    if "fail" in outcomes:
        return "fail"
    if "error" in outcomes:
        return "error"
    return "pass"


def _signed_bytes(report: Mapping[str, Any]) -> bytes:
    unsigned = {key: value for key, value in report.items() if key != "signature"}
    return REPORT_CONTEXT + canonical(unsigned, "report")


def sign_report(report: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The report with its ``signature``: ``{"algorithm": "ed25519", "public_key", "value"}`` (lowercase hex)."""
    signed = {key_: value for key_, value in report.items() if key_ != "signature"}
    signed["signature"] = {
        "algorithm": "ed25519",
        "context": REPORT_CONTEXT[:-1].decode(),
        "public_key": public_key_to_text(key),
        "value": sign(key, _signed_bytes(signed)),
    }
    return signed


def verify_report(report: Any, public_key: Ed25519PublicKey | str) -> None:
    """Nothing if ``report`` is signed by ``public_key`` and unchanged; :class:`SignatureInvalid` otherwise."""
    if not isinstance(report, Mapping) or report.get("schema") != SCHEMA:
        raise InvalidInput("schema", f"not a qualification report ({SCHEMA})")
    signature = report.get("signature")
    if not isinstance(signature, Mapping) or not isinstance(signature.get("value"), str):
        raise SignatureInvalid("the report carries no signature")
    key = public_key_from_text(public_key, "key") if isinstance(public_key, str) else public_key
    if signature.get("public_key") != public_key_to_text(key):
        raise SignatureInvalid("the report was signed with another key than the one given")
    if not signature_valid(key, _signed_bytes(report), signature["value"]):
        raise SignatureInvalid("the signature does not match the report: it was changed after signing")
