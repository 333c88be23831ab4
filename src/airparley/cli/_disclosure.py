"""``airparley disclosure --to RUS``: what your party's node sent or made readable to a party, by kind, checked.

Asks the node (``GET /api/v1/disclosure``) as an officer of your party. Every item is listed with what covers
it (an agreement or an explicit signed act); an item nothing covers is FLAGGED and the command exits 1, so an
audit script can tell. Which kinds are checked, and which are not itemised and why, is printed with the result
(``docs/agreements.md``, section Disclosure accounting).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import EXIT_FOUND, json_line, out_console

__all__ = ["disclosure_command"]


def _print(account: dict[str, Any]) -> None:
    since = account["since"] or "the start"
    out_console.print(
        f"{account['party']} -> {account['to']}, from {since} until {account['until']}:"
        f" {account['total']} item(s), {account['flagged']} flagged",
        markup=False,
    )
    for kind, count in account["kinds"].items():
        out_console.print(f"  {count:>6}  {kind}", markup=False)
    out_console.print("coverage checked:", markup=False)
    for kind, how in account["coverage_checked"].items():
        out_console.print(f"  {kind}: {how}", markup=False)
    out_console.print("not itemised:", markup=False)
    for kind, why in account["not_itemised"].items():
        out_console.print(f"  {kind}: {why}", markup=False)
    for item in account["items"]:
        cover = f"FLAGGED: {item['reason']}" if item["flagged"] else item["covered_by"]
        out_console.print(
            f"{item['time']}  {item['kind']:<28} {item['id']:<24} {item['summary']}  [{cover}]", markup=False
        )


def disclosure_command(
    to: Annotated[str, typer.Option("--to", help="The party that received (e.g. RUS).")],
    since: Annotated[str | None, typer.Option(help="From this instant (ISO 8601, e.g. 2025-03-01T06:00:00Z).")] = None,
    until: Annotated[str | None, typer.Option(help="Until this instant, exclusive (default: now).")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """What your party's node sent or made readable to a party, by kind, each checked for what covers it.

    Counts and the items over a period (--since, --until), each with the agreement or signed act that covers
    it. Exit 1 if any item is flagged (nothing covers it)."""
    params = {"to": to.upper(), **({"since": since} if since else {}), **({"until": until} if until else {})}
    with node_client(url, token) as client:
        account = request(client, "GET", "/disclosure", params=params)
    if as_json:
        out_console.out(json_line(account))
    else:
        _print(account)
    if account["flagged"]:
        raise typer.Exit(EXIT_FOUND)
