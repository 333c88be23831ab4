"""``airparley agreement propose|sign|list|show``: agreements between parties on a node (docs/agreements.md).

Like the other node clients: ``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``, ``--json`` for
JSON lines; a refusal (4xx) prints the field and the reason and exits 2, an unreachable node exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import JsonLinesWriter, json_line, out_console
from airparley.errors import InvalidInput

__all__ = ["agreement_app"]

agreement_app = typer.Typer(
    help="Agreements between parties: propose, sign, list, and the terms in force.", no_args_is_help=True
)


def _describe(view: dict[str, Any]) -> str:
    awaiting = f", awaiting {','.join(view['awaiting'])}" if view["awaiting"] else ""
    return (
        f"{view['agreement_id']} v{view['version']} {view['status']}: {'-'.join(view['parties'])}, "
        f"proposed by {view['proposer']}, from {view['start']}{awaiting}"
    )


def _terms(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput("TERMS", f"cannot read {file}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput("TERMS", f"{file} is not JSON: {error}") from None


@agreement_app.command("propose")
def agreement_propose(
    terms_file: Annotated[
        Path, typer.Argument(metavar="TERMS", help="A JSON file of the terms (docs/agreements.md, Terms).")
    ],
    party: Annotated[
        list[str],
        typer.Option("--party", help="A party to the agreement, yours included (repeat).", show_default=False),
    ],
    start: Annotated[str, typer.Option("--start", help="When it takes effect once all signed (ISO 8601 UTC).")],
    agreement_id: Annotated[
        str | None, typer.Option("--id", help="The agreement's id; a new version of it when it exists.")
    ] = None,
    supersedes: Annotated[
        int | None, typer.Option("--supersedes", help="The version this one replaces (required for a new version).")
    ] = None,
    title: Annotated[str, typer.Option("--title", help="A one-line title.")] = "",
    idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Propose an agreement (or a new version superseding one) for your party: a signed act that is also
    your party's signature; it is in force once every other party has signed it."""
    body: dict[str, Any] = {
        "parties": [code.upper() for code in party],
        "start": start,
        "terms": _terms(terms_file),
        "title": title,
    }
    if agreement_id is not None:
        body["agreement_id"] = agreement_id
    if supersedes is not None:
        body["supersedes"] = supersedes
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    with node_client(url, token) as client:
        view = request(client, "POST", "/agreements", json=body, headers=headers)
    if as_json:
        out_console.out(json_line(view))
        return
    out_console.print(_describe(view), markup=False)


@agreement_app.command("sign")
def agreement_sign(
    agreement_id: Annotated[str, typer.Argument(help="The agreement (airparley agreement list).")],
    version: Annotated[int, typer.Argument(help="The version to sign.")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Sign one version of an agreement your party is named in (a signed act)."""
    with node_client(url, token) as client:
        view = request(client, "POST", f"/agreements/{agreement_id}/versions/{version}/sign")
    if as_json:
        out_console.out(json_line(view))
        return
    out_console.print(_describe(view), markup=False)


@agreement_app.command("list")
def agreement_list(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Every version of the agreements your party is named in, and its status."""
    with node_client(url, token) as client:
        views = request(client, "GET", "/agreements")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(views)
        return
    table = Table()
    table.add_column("agreement", no_wrap=True)
    for name in ("v", "parties", "status", "start", "awaiting", "terms"):
        table.add_column(name, overflow="fold")
    for view in views:
        given = [name for name, value in view["terms"].items() if name != "fallback" and value is not None]
        table.add_row(
            view["agreement_id"],
            str(view["version"]),
            "-".join(view["parties"]),
            view["status"],
            view["start"],
            ",".join(view["awaiting"]) or "-",
            ", ".join(given + [f"{t} (default)" for t in view["terms"].get("fallback", [])]),
        )
    out_console.print(table)
    out_console.print(f"{len(views)} version(s)")


@agreement_app.command("show")
def agreement_show(
    agreement_id: Annotated[
        str | None, typer.Argument(help="One agreement: every version. Omit it with --between for the terms in force.")
    ] = None,
    between: Annotated[
        list[str] | None,
        typer.Option("--between", help="The terms in force now between these parties (repeat; yours among them)."),
    ] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """One agreement's versions, or (with --between) the terms in force between parties and where each
    comes from: agreed, the documented default the agreement falls back to, or not covered."""
    if (agreement_id is None) == (not between):
        raise InvalidInput("AGREEMENT_ID", "give an agreement id, or --between parties, not both")
    with node_client(url, token) as client:
        if agreement_id is not None:
            shown = request(client, "GET", f"/agreements/{agreement_id}")
        else:
            parties = ",".join(code.upper() for code in between or [])
            shown = request(client, "GET", "/agreements/in-force", params={"parties": parties})
    if as_json:
        out_console.out(json_line(shown))
        return
    if agreement_id is not None:
        for view in shown["versions"]:
            out_console.print(_describe(view), markup=False)
            out_console.print(json.dumps(view["terms"], ensure_ascii=False), markup=False)
        return
    agreement = shown["agreement"]
    out_console.print(
        f"between {'-'.join(shown['parties'])}: "
        + (f"{agreement['agreement_id']} v{agreement['version']}" if agreement else "no agreement in force"),
        markup=False,
    )
    for term, entry in shown["terms"].items():
        out_console.print(f"  {term}: {entry['source']} {json.dumps(entry['value'])}", markup=False)
    mhz = ", ".join(f"{f['mhz']:g}" for f in shown["frequencies"])
    out_console.print(f"  frequencies agreed (guards included): {mhz}", markup=False)
