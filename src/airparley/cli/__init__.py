"""The ``airparley`` command line: one typer app with a sub-app per area.

Exit codes: 0 success, 1 a check that found a problem (a ledger that does not verify), 2 bad input.
"""

from __future__ import annotations

import typer

from airparley.cli import _tactical_alerting as _tactical_alerting  # registers alert and bands
from airparley.cli._alerts import alerts_app
from airparley.cli._client import register as _register_client
from airparley.cli._client import register_hotline as _register_hotline
from airparley.cli._demo import demo_command
from airparley.cli._ingest import ingest_app
from airparley.cli._ledger import case_report_command, ledger_app
from airparley.cli._node import keys_app, officer_app, party_app, peer_app, serve_command
from airparley.cli._sim import sim_app
from airparley.cli._strategic import check_command, notice_app
from airparley.cli._tactical import tactical_app
from airparley.cli._tracks import tracks_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="airparley",
    help="A deconfliction line for air operations between parties who share airspace but not intelligence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(notice_app, name="notice")
app.command("check")(check_command)
app.add_typer(tactical_app, name="tactical")
app.command("serve")(serve_command)
app.add_typer(party_app, name="party")
app.add_typer(officer_app, name="officer")
app.add_typer(keys_app, name="keys")
app.add_typer(peer_app, name="peer")
_register_client(notice_app, app)
msg_app = typer.Typer(help="Hotline messages on a node.", no_args_is_help=True)
case_app = typer.Typer(help="Negotiation cases on a node.", no_args_is_help=True)
_register_hotline(msg_app, case_app)
app.add_typer(msg_app, name="msg")
app.add_typer(case_app, name="case")
case_app.command("report")(case_report_command)
app.add_typer(alerts_app, name="alerts")
app.add_typer(tracks_app, name="tracks")
app.add_typer(ledger_app, name="ledger")
app.add_typer(ingest_app, name="ingest")
app.add_typer(sim_app, name="sim")
app.command("demo")(demo_command)


def main() -> None:
    app()
