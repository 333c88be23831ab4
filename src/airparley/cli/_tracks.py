"""``airparley tracks share|unshare|shares``: sharing a track of your party's picture with other parties.

Like the other node clients: ``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``, ``--json`` for
JSON lines; a refusal (4xx) prints the field and the reason and exits 2, an unreachable node exits 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import JsonLinesWriter, json_line, out_console

__all__ = ["tracks_app"]

tracks_app = typer.Typer(help="Sharing tracks of your party's air picture with other parties.", no_args_is_help=True)


def _describe(share: dict[str, Any]) -> str:
    until = f"until {share['until']}" if share.get("until") else "until revoked"
    return (
        f"{share['share_id']} {share['state']}: {share['party']} {share['track']} -> {','.join(share['with'])}, {until}"
    )


@tracks_app.command("share")
def tracks_share(
    track: Annotated[str, typer.Argument(help="The track id in your party's own picture (GET /tracks).")],
    with_: Annotated[
        list[str], typer.Option("--with", help="A party to share it with (repeat for several).", show_default=False)
    ],
    minutes: Annotated[
        int | None, typer.Option("--minutes", help="Share for this many minutes (1-1440); default until revoked.")
    ] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Share a track of your party's own picture with other parties (a signed act)."""
    body: dict[str, Any] = {"track": track, "with": [code.upper() for code in with_]}
    if minutes is not None:
        body["minutes"] = minutes
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    with node_client(url, token) as client:
        view = request(client, "POST", "/tracks/shares", json=body, headers=headers)
    if as_json:
        out_console.out(json_line(view))
        return
    out_console.print(_describe(view["share"]), markup=False)


@tracks_app.command("unshare")
def tracks_unshare(
    share_id: Annotated[str, typer.Argument(help="The share to revoke (airparley tracks shares).")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Revoke one of your party's shares: the track leaves the recipients' pictures (a signed act)."""
    with node_client(url, token) as client:
        view = request(client, "POST", f"/tracks/shares/{share_id}/revoke")
    if as_json:
        out_console.out(json_line(view))
        return
    out_console.print(_describe(view["share"]), markup=False)


@tracks_app.command("shares")
def tracks_shares(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """The shares your party made and those made with it, newest first."""
    with node_client(url, token) as client:
        shares = request(client, "GET", "/tracks/shares")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(shares)
        return
    table = Table()
    # The share id is what `tracks unshare` takes: never cut short, the other columns wrap instead.
    table.add_column("share", no_wrap=True, min_width=22)
    for name in ("by", "track", "with", "state", "since", "until"):
        table.add_column(name, overflow="fold")
    for share in shares:
        table.add_row(
            share["share_id"],
            share["party"],
            share["track"],
            ", ".join(share["with"]),
            share["state"],
            share["created_at"],
            share.get("until") or "-",
        )
    out_console.print(table)
    out_console.print(f"{len(shares)} share(s)")
