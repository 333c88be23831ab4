"""The ``airparley`` command line: one typer app with a sub-app per area.

Exit codes: 0 success, 1 a check that found a problem (a ledger that does not verify), 2 bad input.

Each area is imported only when one of its commands runs (see ``_lazy``): ``airparley --help`` and the offline
commands start without loading the node (FastAPI, SQLAlchemy, uvicorn). A test keeps it so.
"""

from __future__ import annotations

import typer

from airparley.cli._lazy import Area, group_class

__all__ = ["AREAS", "app", "main"]

_CLI = "airparley.cli."

AREAS: tuple[Area, ...] = (
    Area(
        "notice",
        _CLI + "_strategic:notice_app",
        "Operation notices: validate and export notice files (GeoJSON or KML).",
        extend=(_CLI + "_client:register_notice",),
    ),
    Area(
        "check",
        _CLI + "_strategic:check_command",
        "Find the conflicts between notices of different parties, with the overlap of each.",
    ),
    Area(
        "whoami",
        _CLI + "_client:whoami_command",
        "Who your token is on the node: the officer, its tier, and its party.",
    ),
    Area(
        "parties",
        _CLI + "_client:parties_command",
        "The parties on the node: code, name and desk language.",
    ),
    Area(
        "lag",
        _CLI + "_client:lag_command",
        "Whether the simulation feeding the node (the live demo) is behind the wall clock.",
    ),
    Area(
        "conflicts",
        _CLI + "_client:conflicts_command",
        "Conflicts of your party's notices on the node: your side in full, the other's overlap only.",
    ),
    Area(
        "tactical",
        _CLI + "_tactical_alerting:tactical_app",
        "Predicted conflicts, alerts, bands, intrusions and incidents from track states.",
    ),
    Area(
        "serve",
        _CLI + "_serve:serve_command",
        "Run a node: the REST API under /api/v1, OpenAPI at /docs, WebSocket events at /api/v1/events.",
    ),
    Area("party", _CLI + "_node:party_app", "Parties hosted on a node."),
    Area("officer", _CLI + "_node:officer_app", "Officers and their bearer tokens."),
    Area("keys", _CLI + "_node:keys_app", "Ed25519 signing keys of the parties a node hosts."),
    Area("peer", _CLI + "_node:peer_app", "Other parties' nodes whose feeds this node replicates (federation)."),
    Area("msg", _CLI + "_client:msg_app", "Hotline messages on a node."),
    Area("case", _CLI + "_client:case_app", "Negotiation cases on a node.", extend=(_CLI + "_case_report:register",)),
    Area("alerts", _CLI + "_alerts:alerts_app", "Tactical alerts, safety calls and non-response flags on a node."),
    Area(
        "picture",
        _CLI + "_desk:picture_command",
        "Your party's live air picture: the newest state of each own track and of each track shared with it.",
    ),
    Area(
        "replay",
        _CLI + "_replay:replay_command",
        "What a party could see at a past moment: its notices, conflicts, messages, cases, tracks and alerts.",
    ),
    Area(
        "events",
        _CLI + "_desk:events_command",
        "Your party's event feed after a cursor; with --follow, live until Ctrl-C (docs/events.md).",
    ),
    Area(
        "frequency",
        _CLI + "_desk:frequency_app",
        "Frequencies: those agreed for your party (guards and agreements in force), and the node's catalogue.",
    ),
    Area("tracks", _CLI + "_tracks:tracks_app", "Sharing tracks of your party's air picture with other parties."),
    Area(
        "incident",
        _CLI + "_incidents:incident_app",
        "Incident records: your party's trails of each incident, and their disclosure to named parties.",
    ),
    Area(
        "agreement",
        _CLI + "_agreements:agreement_app",
        "Agreements between parties: propose, sign, list, and the terms in force.",
    ),
    Area("ledger", _CLI + "_ledger:ledger_app", "The signed ledger: export, verify, show."),
    Area(
        "disclosure",
        _CLI + "_disclosure:disclosure_command",
        "What your party's node sent or made readable to a party, by kind, each checked for what covers it.",
    ),
    Area(
        "ingest",
        _CLI + "_ingest:ingest_app",
        "Track feeds in (SBS-1, aircraft.json, OpenSky, CSV): post them to a node or write a track file.",
    ),
    Area("sim", _CLI + "_sim:sim_app", "Scenario files and the traffic simulator that drives a node."),
    Area(
        "qualify",
        _CLI + "_qualify:qualify_app",
        "Qualify a node: the requirement-traced conformance suite (docs/qualify.md), and its signed reports."
        " 'airparley qualify CONFIG' is 'airparley qualify run CONFIG'.",
    ),
    Area(
        "demo",
        _CLI + "_demo:demo_command",
        "Play a scenario (the Syria/Iraq one by default) on one node: live with the desk UI (a URL and a login "
        "token per desk), or --headless in virtual time with a summary.",
    ),
)


def _root() -> None:
    # A callback makes typer build a group even though no command is registered up front.
    pass


app = typer.Typer(
    callback=_root,
    name="airparley",
    help="A deconfliction line for air operations between parties who share airspace but not intelligence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=group_class(AREAS),
)


def main() -> None:
    app()
