"""``airparley incident list|show|disclose``: your party's incident records and their disclosure.

Like the other node clients: ``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``, ``--json`` for
JSON lines; a refusal (4xx) prints the field and the reason and exits 2, an unreachable node exits 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import JsonLinesWriter, json_line, out_console

__all__ = ["incident_app"]

incident_app = typer.Typer(
    help="Incident records: your party's trails of each incident, and their disclosure to named parties.",
    no_args_is_help=True,
)


def _disclosed_to(record: dict[str, Any]) -> str:
    parties = sorted({p for d in record.get("disclosures", []) for p in d["to"]})
    return ", ".join(parties) or "-"


def _describe(record: dict[str, Any]) -> str:
    closest = record["min_separation"]
    trail = sum(len(states) for states in record.get("history", {}).values())
    return (
        f"{record['incident_id']} recorded by {record['party']}: {' x '.join(record['tracks'])}"
        f" ({' x '.join(record['owners'])}), {record['started']} to {record['ended']},"
        f" closest {closest['horizontal_nm']} NM / {closest['vertical_ft']} ft at {closest['at']};"
        f" {trail} trail state(s); shared {', '.join(record['fields']) or 'the parties only'}"
        f" ({record['fields_from']}); disclosed to {_disclosed_to(record)}"
    )


@incident_app.command("list")
def incident_list(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """The incident records your party made and those disclosed to it, newest first."""
    with node_client(url, token) as client:
        records = request(client, "GET", "/incidents")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(records)
        return
    table = Table()
    # The id is what `incident show` and `incident disclose` take: never cut short.
    table.add_column("incident", no_wrap=True, min_width=29)
    for name in ("by", "tracks", "owners", "closest", "min NM", "min ft", "disclosed to"):
        table.add_column(name, overflow="fold")
    for record in records:
        closest = record["min_separation"]
        table.add_row(
            record["incident_id"],
            record["party"],
            " x ".join(record["tracks"]),
            " x ".join(record["owners"]),
            closest["at"],
            str(closest["horizontal_nm"]),
            str(closest["vertical_ft"]),
            _disclosed_to(record),
        )
    out_console.print(table)
    out_console.print(f"{len(records)} incident(s)")


@incident_app.command("show")
def incident_show(
    incident_id: Annotated[str, typer.Argument(help="The incident (airparley incident list).")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """One incident record with its trails, if your party recorded it or it was disclosed to it."""
    with node_client(url, token) as client:
        record = request(client, "GET", f"/incidents/{incident_id}")
    if as_json:
        out_console.out(json_line(record))
        return
    out_console.print(_describe(record), markup=False)
    for track, states in record["history"].items():
        times = f"{states[0]['time_s']} to {states[-1]['time_s']} (POSIX s)" if states else "no states"
        out_console.print(f"  {track}: {len(states)} state(s), {times}", markup=False)


@incident_app.command("disclose")
def incident_disclose(
    incident_id: Annotated[str, typer.Argument(help="Your party's incident (airparley incident list).")],
    to: Annotated[
        list[str],
        typer.Option("--to", help="A party to disclose to (repeat for several).", show_default=False),
    ],
    case_id: Annotated[
        str | None, typer.Option("--case", help="The case the disclosure is for; the parties must be its parties.")
    ] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Disclose one of your party's incident records (its trails) to named parties: a signed act."""
    body: dict[str, Any] = {"to": [code.upper() for code in to]}
    if case_id is not None:
        body["case_id"] = case_id
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    with node_client(url, token) as client:
        answer = request(client, "POST", f"/incidents/{incident_id}/disclose", json=body, headers=headers)
    if as_json:
        out_console.out(json_line(answer))
        return
    disclosure = answer["disclosure"]
    case = f" for case {disclosure['case_id']}" if disclosure.get("case_id") else ""
    out_console.print(
        f"{incident_id} disclosed to {', '.join(disclosure['to'])}{case}"
        f" (signed {disclosure['entry']['party']}#{disclosure['entry']['seq']})",
        markup=False,
    )
