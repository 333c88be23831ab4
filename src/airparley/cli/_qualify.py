"""``airparley qualify CONFIG`` and ``airparley qualify verify REPORT --key PUBKEY``.

The suite needs httpx and websockets, never the node: ``airparley.qualify`` is imported when a command runs.
Exit codes: 0 every check passed (or was skipped with a reason), 1 a check failed or a scenario could not
finish (or, for ``verify``, the signature does not hold), 2 bad input.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from airparley.cli._common import EXIT_FOUND, err_console, json_line, out_console, read_text
from airparley.errors import InvalidInput, SignatureInvalid

__all__ = ["qualify_app"]


class _RunByDefault(TyperGroup):
    """``qualify CONFIG`` is ``qualify run CONFIG``: a first argument that names no command is a config."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


qualify_app = typer.Typer(
    cls=_RunByDefault,
    help="Qualify a node: the requirement-traced conformance suite (docs/qualify.md), and its signed reports."
    " 'airparley qualify CONFIG' is 'airparley qualify run CONFIG'.",
    no_args_is_help=True,
)


def _private_key(path: Path) -> Any:
    from airparley.ledger import private_key_from_pem

    try:
        pem = path.read_bytes()
    except OSError as error:
        raise InvalidInput("--key", f"cannot read {path}: {error.strerror or error}") from None
    return private_key_from_pem(pem, os.environ.get("AIRPARLEY_KEY_PASSPHRASE"))


@qualify_app.command("run")
def qualify_run(
    config_path: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The nodes, tokens and settings (YAML or JSON).")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the signed JSON report here ('-': stdout).")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the self-contained HTML report here.")] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Ed25519 private key (PEM) that signs the report; default: the config's key."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only the scenarios whose id starts with this (repeatable).")
    ] = None,
) -> None:
    """Run every scenario against the nodes of CONFIG and report each requirement: pass, fail or skip."""
    from airparley.qualify import SCENARIOS, load_config, qualify, render_html, sign_report

    config = load_config(config_path)
    key_path = key or config.key_path
    signing_key = _private_key(key_path) if key_path is not None else None
    scenarios = [s for s in SCENARIOS if not only or any(s.id.startswith(prefix) for prefix in only)]
    if not scenarios:
        raise InvalidInput("--only", f"names no scenario ({', '.join(s.id for s in SCENARIOS)})")

    def progress(result: Any) -> None:
        counts = {o: sum(1 for c in result.checks if str(c.outcome) == o) for o in ("pass", "fail", "skip")}
        err_console.print(
            f"{result.id:<22} {result.outcome:<6} {counts['pass']} pass, {counts['fail']} fail,"
            f" {counts['skip']} skip  ({result.duration_s:.1f} s)",
            markup=False,
        )

    report = qualify(config, scenarios, progress=progress)
    if signing_key is not None:
        report = sign_report(report, signing_key)
    else:
        err_console.print("warning: no --key and no key in the config: the report is not signed", markup=False)
    for scenario in report["scenarios"]:
        if scenario["reason"]:
            out_console.print(f"{scenario['id']}: {scenario['outcome']}: {scenario['reason']}", markup=False)
        for check in scenario["checks"]:
            if check["outcome"] == "fail":
                out_console.print(
                    f"FAIL {check['requirement']} {check['id']} ({check['step']}):"
                    f" expected {check['expected']}; got {check['observed']}"
                    f" [{check['request']}]",
                    markup=False,
                )
    summary = report["summary"]
    out_console.print(
        f"{summary['outcome']}: {summary['requirements']} requirements {summary['requirements_by_outcome']}, "
        f"{summary['checks']} checks {summary['checks_by_outcome']}",
        markup=False,
    )
    text = json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False)
    if json_out is not None:
        if str(json_out) == "-":
            typer.echo(text)
        else:
            json_out.write_text(text + "\n", encoding="utf-8")
    if html_out is not None:
        html_out.write_text(render_html(report), encoding="utf-8")
    if summary["outcome"] != "pass":
        raise typer.Exit(EXIT_FOUND)


@qualify_app.command("verify")
def qualify_verify(
    report_path: Annotated[
        Path, typer.Argument(metavar="REPORT", help="A JSON report written by qualify --json ('-': stdin).")
    ],
    key: Annotated[
        str, typer.Option("--key", help="The signer's Ed25519 public key: 64 hex digits, or a file holding them.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="The verdict as a JSON line.")] = False,
) -> None:
    """Check a report's signature: exit 0 if it is signed by KEY and unchanged, 1 if not."""
    from airparley.qualify import verify_report

    text = key.strip()
    if not (len(text) == 64 and all(c in "0123456789abcdef" for c in text)):
        text = read_text(Path(key)).strip()
    try:
        report = json.loads(read_text(report_path))
    except ValueError as error:
        raise InvalidInput("REPORT", f"not JSON: {error}") from None
    run_id = report.get("run", {}).get("id") if isinstance(report, dict) else None
    outcome = report.get("summary", {}).get("outcome") if isinstance(report, dict) else None
    try:
        verify_report(report, text)
    except SignatureInvalid as error:
        if as_json:
            out_console.out(
                json_line({"ok": False, "run": run_id, "outcome": outcome, "key": text, "error": str(error)})
            )
        else:
            out_console.print(f"FAILED: {error}", markup=False)
        raise typer.Exit(EXIT_FOUND) from None
    if as_json:
        out_console.out(json_line({"ok": True, "run": run_id, "outcome": outcome, "key": text, "error": None}))
        return
    out_console.print(f"OK: report {report['run']['id']} ({outcome}) signed by {text}", markup=False)
