"""``airparley alerts list|call|flags``: a party's tactical alerts, safety calls and non-response flags on a node.

Like the other node clients: ``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``, ``--json`` for
JSON lines; a refusal (4xx) prints the field and the reason and exits 2, an unreachable node exits 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import JsonLinesWriter, json_line, out_console

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="Tactical alerts, safety calls and non-response flags on a node.", no_args_is_help=True)


def _aircraft(side: dict[str, Any]) -> str:
    return f"{side.get('callsign') or side['id']} ({side.get('party', '?')})"


@alerts_app.command("list")
def alerts_list(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Your party's tactical alerts in force, most severe first (from its own air picture)."""
    with node_client(url, token) as client:
        alerts = request(client, "GET", "/alerts")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(alerts)
        return
    table = Table("level", "aircraft", "aircraft", "to LoWC s", "HMD NM", "TCPA s", "DCPA NM")
    for alert in alerts:
        level = alert["level_name"] if alert["level"] > 0 else "caution"
        table.add_row(
            level,
            _aircraft(alert["a"]),
            _aircraft(alert["b"]),
            *(f"{alert[k]:g}" if alert.get(k) is not None else "-" for k in ("time_to_lowc_s", "hmd_nm", "tcpa_s")),
            f"{alert['dcpa_nm']:g}" if alert.get("dcpa_nm") is not None else "-",
        )
    out_console.print(table)
    out_console.print(f"{len(alerts)} alert(s)")


@alerts_app.command("call")
def alerts_call(
    track: Annotated[str, typer.Argument(help="The aircraft's track id in your party's picture (GET /tracks).")],
    frequency: Annotated[
        float | None, typer.Option("--frequency", help="MHz, an agreed frequency or a guard (default 243.0).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="The party to call (default: the track's; needed if unknown).")
    ] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Make a safety call about another party's aircraft: a safety message watched for a response."""
    body: dict[str, Any] = {"track": track}
    if frequency is not None:
        body["frequency_mhz"] = frequency
    if to is not None:
        body["to"] = to.upper()
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    with node_client(url, token) as client:
        view = request(client, "POST", "/alerts/safety-call", json=body, headers=headers)
    if as_json:
        out_console.out(json_line(view))
        return
    message = view["message"]
    out_console.print(
        f"{message['message_id']} safety to {','.join(message['recipients'])}: {view['rendered']['text']}",
        markup=False,
    )


@alerts_app.command("flags")
def alerts_flags(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Aircraft flagged non-responsive that your party called or owns, newest first."""
    with node_client(url, token) as client:
        flags = request(client, "GET", "/flags")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(flags)
        return
    table = Table("flagged at", "aircraft", "called by", "message", "why")
    for flag in flags:
        table.add_row(
            flag.get("flagged_at") or "-",
            _aircraft(flag["track"]),
            flag["caller"],
            flag["message_id"],
            flag.get("reason", ""),
        )
    out_console.print(table)
    out_console.print(f"{len(flags)} flag(s)")
