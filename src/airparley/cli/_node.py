"""``airparley serve``, ``airparley party add``, ``airparley officer add``: running and staffing a node."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from airparley.cli._common import EXIT_BAD_INPUT, json_line, out_console, report_errors
from airparley.errors import InvalidInput
from airparley.hotline import HOTLINE_SETTINGS, HotlineSettings
from airparley.node import SETTINGS, Node, NodeSettings, create_app, utc_now
from airparley.store import Store

__all__ = ["officer_app", "party_app", "serve_command"]

DEFAULT_DB = "sqlite:///airparley.db"
Db = Annotated[
    str, typer.Option("--db", envvar="AIRPARLEY_DB", help="Database URL (sqlite:///... or postgresql://...).")
]

party_app = typer.Typer(help="Parties hosted on a node.", no_args_is_help=True)
officer_app = typer.Typer(help="Officers and their bearer tokens.", no_args_is_help=True)


def _open(db: str) -> Store:
    try:
        return Store.open(db)
    except InvalidInput as error:
        report_errors("db", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None


@party_app.command("add")
def party_add(
    code: Annotated[str, typer.Argument(help="Party code, e.g. USA.")],
    name: Annotated[str, typer.Argument(help="Full name, e.g. 'Coalition CAOC, Al Udeid'.")],
    language: Annotated[str, typer.Option(help="Language its desk reads: en, ru, tr or ar.")] = "en",
    db: Db = DEFAULT_DB,
) -> None:
    """Add a party to the node."""
    store = _open(db)
    try:
        with store.begin() as tx:
            party = tx.add_party(code, name, language, utc_now())
    except InvalidInput as error:
        report_errors("party", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    out_console.print(f"added party {party.code} ({party.name}, {party.language})")


@party_app.command("list")
def party_list(db: Db = DEFAULT_DB, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the node's parties."""
    with _open(db).begin() as tx:
        for party in tx.parties():
            out_console.out(json_line(party.as_dict()) if as_json else f"{party.code}\t{party.language}\t{party.name}")


@officer_app.command("add")
def officer_add(
    party: Annotated[str, typer.Argument(help="The officer's party code.")],
    name: Annotated[str, typer.Argument(help="The officer's name, e.g. 'Col. Smith'.")],
    tier: Annotated[str, typer.Option(help="duty, senior, observer or sensor.")] = "duty",
    db: Db = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add an officer and print their bearer token, once: only its hash is stored."""
    store = _open(db)
    try:
        with store.begin() as tx:
            officer, token = tx.add_officer(party.upper(), name, tier, utc_now())
    except InvalidInput as error:
        report_errors("officer", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if as_json:
        out_console.out(json_line({**officer.as_dict(), "token": token}))
    else:
        out_console.print(f"officer {officer.name} ({officer.party}, {officer.tier}) id {officer.id}")
        out_console.print("token (shown once, keep it secret):")
        out_console.out(token)


@officer_app.command("list")
def officer_list(db: Db = DEFAULT_DB, party: Annotated[str | None, typer.Option()] = None) -> None:
    """List officers (never their tokens)."""
    with _open(db).begin() as tx:
        for officer in tx.officers(party.upper() if party else None):
            out_console.out(f"{officer.id}\t{officer.party}\t{officer.tier}\t{officer.name}")


@officer_app.command("revoke")
def officer_revoke(officer_id: Annotated[str, typer.Argument()], db: Db = DEFAULT_DB) -> None:
    """Revoke an officer's token."""
    with _open(db).begin() as tx:
        done = tx.revoke_officer(officer_id, utc_now())
    if not done:
        report_errors("officer", [InvalidInput("officer_id", f"no officer {officer_id}")])
        raise typer.Exit(EXIT_BAD_INPUT)
    out_console.print(f"revoked {officer_id}")


def serve_command(
    db: Db = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    lateral_nm: Annotated[float | None, typer.Option(help=SETTINGS[0].help)] = None,
    vertical_ft: Annotated[float | None, typer.Option(help=SETTINGS[1].help)] = None,
    time_min: Annotated[float | None, typer.Option(help=SETTINGS[2].help)] = None,
) -> None:
    """Run a node: the REST API under /api/v1, OpenAPI at /docs, WebSocket events at /api/v1/events."""
    import uvicorn

    try:
        settings = NodeSettings.from_env(lateral_nm=lateral_nm, vertical_ft=vertical_ft, time_min=time_min)
    except InvalidInput as error:
        report_errors("settings", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        hotline_settings = HotlineSettings.from_dict(
            {
                s.name: int(os.environ[f"AIRPARLEY_{s.name.upper()}"])
                for s in HOTLINE_SETTINGS
                if f"AIRPARLEY_{s.name.upper()}" in os.environ
            }
        )
    except (InvalidInput, ValueError) as error:
        report_errors("settings", [error if isinstance(error, InvalidInput) else InvalidInput("hotline", str(error))])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    node = Node(_open(db), settings, hotline_settings=hotline_settings)
    uvicorn.run(create_app(node), host=host, port=port, log_level="info")
