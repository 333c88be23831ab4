"""``airparley replay --at T``: what a party could see at a past moment (node/_replay.py, docs/replay.md).

Two ways in. Against a node (``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``), as the other node
clients: the token's party, ``GET /api/v1/picture?at=T``; ``--party`` if given must be the token's party (a
node answers each officer for its own party only). With ``--db``, the node's operator reads the database
itself, for ``--party``, under the same visibility rules (no other party's private part or states).
``--trail-s S`` (bound ``trail_s``, 0-300 s, as the route's) also gives each track's kept positions in the S
seconds before T. ``--json`` prints the whole picture as one JSON line. A refusal exits 2, an unreachable node 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, request
from airparley.cli._common import EXIT_BAD_INPUT, JsonLinesWriter, err_console, out_console

__all__ = ["replay_command"]


def replay_command(
    at: Annotated[
        str, typer.Option("--at", help="The moment: an ISO 8601 instant with a zone (2026-11-26T03:05:00Z).")
    ],
    party: Annotated[
        str | None,
        typer.Option("--party", help="Whose picture: with --db, required; against a node, the token's party."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Read this node database directly (the node's operator) instead of a node."),
    ] = None,
    trail_s: Annotated[
        int,
        typer.Option(
            "--trail-s",
            help="Also each track's kept positions in this many seconds before T (0-300, bound trail_s; 0: none).",
        ),
    ] = 0,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """What a party could see at a past moment: its notices, conflicts, messages, cases, tracks and alerts."""
    from airparley import bounds

    # Checked here, by the node's own parser, before a node or a database is touched: the same bound and the
    # same words as the route's refusal, in either mode.
    trail = int(bounds.number(trail_s, "trail_s", "trail_s"))
    picture = _from_db(db, party, at, trail) if db is not None else _from_node(url, token, party, at, trail)
    if as_json:
        with JsonLinesWriter() as out:
            out.write(picture)
        return
    _print(picture)


def _from_node(url: str, token: str, party: str | None, at: str, trail_s: int) -> dict[str, Any]:
    with node_client(url, token) as client:
        if party is not None:
            me = request(client, "GET", "/me")
            own = me["officer"]["party"]
            if party.upper() != own:
                err_console.print(
                    f"error: party: the token is {own}'s; a node replays an officer's own party only (or use --db)",
                    markup=False,
                )
                raise typer.Exit(EXIT_BAD_INPUT)
        picture: dict[str, Any] = request(client, "GET", "/picture", params={"at": at, "trail_s": trail_s})
    return picture


def _from_db(db: str, party: str | None, at: str, trail_s: int) -> dict[str, Any]:
    from airparley import bounds
    from airparley.cli._node import open_store
    from airparley.errors import InvalidInput
    from airparley.node._replay import ReplayService
    from airparley.node._settings import settings_from_env
    from airparley.node._tracks import Pictures
    from airparley.tactical import AlertingSettings

    if party is None:
        raise InvalidInput("party", "is required with --db: whose picture to rebuild")
    code = bounds.party_code(party.upper(), "party")
    settings, _ = settings_from_env()
    store = open_store(db)
    try:
        with store.begin() as tx:
            if tx.party(code) is None:
                raise InvalidInput("party", f"{code} is not a party on this node")
        # The stale time is the live picture's: a state older than it had left the picture then.
        stale_s = Pictures().stale_s
        replay = ReplayService(
            store, lambda: datetime.now(UTC), settings.track_keep_s, lambda: stale_s, AlertingSettings
        )
        return replay.picture_of(code, replay.parse_at(at), trail_s)
    finally:
        store.close()


def _print(picture: dict[str, Any]) -> None:
    from rich.table import Table

    out_console.print(f"{picture['party']} as of {picture['at']}", markup=False)
    notices = picture["notices"]["features"]
    out_console.print(f"notices: {len(notices)}", markup=False)
    for feature in notices:
        props = feature["properties"]
        out_console.print(
            f"  {props['notice_id']} v{props['version']} {props.get('state', '')} {props.get('kind', '')}"
            f" {props.get('start', '')} - {props.get('end', '')}",
            markup=False,
        )
    out_console.print(f"conflicts: {len(picture['conflicts'])}", markup=False)
    for conflict in picture["conflicts"]:
        out_console.print(
            f"  {conflict['id']}: {conflict['own']['notice_id']} x {conflict['other']['notice_id']}"
            f" ({conflict['other']['party']})",
            markup=False,
        )
    out_console.print(f"messages: {len(picture['messages'])}", markup=False)
    for message in picture["messages"]:
        document = message["message"]
        out_console.print(
            f"  {document['message_id']} from {document['author']['party']}: {message['rendered']['text']}",
            markup=False,
        )
    out_console.print(f"cases: {len(picture['cases'])}", markup=False)
    for case in picture["cases"]:
        out_console.print(f"  {case['case']['case_id']} {case['case']['state']}", markup=False)
    trails: dict[str, list[list[float]]] = picture.get("trails") or {}
    columns = ["track", "party", "callsign", "lat", "lon", "FL", "GS kt", "TRK", "alert", "shared by"]
    table = Table(*columns, *(["trail"] if trails else []))
    for track in picture["tracks"]:
        trail = trails.get(track["id"], [])
        more = [str(len(trail)) if trail else "-"] if trails else []
        table.add_row(
            track["id"],
            track["party"],
            track.get("callsign") or "-",
            f"{track['lat']:.4f}",
            f"{track['lon']:.4f}",
            f"{track['alt_ft'] / 100:03.0f}",
            f"{track['gs_kt']:.0f}",
            f"{track['trk_deg']:03.0f}",
            str(track.get("severity", 0)),
            track.get("shared_by") or "-",
            *more,
        )
    out_console.print(table)
    out_console.print(f"{len(picture['tracks'])} track(s), {len(picture['alerts'])} alert(s)", markup=False)
    # A trail may hold a position a second for five minutes: its ends say where and when it ran, --json has all.
    for track_id, trail in trails.items():
        (first_lat, first_lon, first_s), (last_lat, last_lon, last_s) = trail[0], trail[-1]
        out_console.print(
            f"  trail {track_id}: {len(trail)} position(s), {_clock(first_s)} {first_lat:.4f} {first_lon:.4f}"
            f" -> {_clock(last_s)} {last_lat:.4f} {last_lon:.4f}",
            markup=False,
        )
    for alert in picture["alerts"]:
        out_console.print(
            f"  {alert['level_name']}: {alert['a']['id']} x {alert['b']['id']}"
            f" (tcpa {alert['tcpa_s']} s, hmd {alert['hmd_nm']} NM)",
            markup=False,
        )
    if picture.get("tracks_kept_since") is None:
        out_console.print(
            f"no track states of {picture['party']} are kept (track_keep_s {picture['track_keep_s']:g})", markup=False
        )
    else:
        out_console.print(f"track states kept since {picture['tracks_kept_since']}", markup=False)


def _clock(time_s: float) -> str:
    """A kept position's time (POSIX seconds) as the time of day, UTC: a trail spans at most five minutes."""
    return datetime.fromtimestamp(time_s, UTC).strftime("%H:%M:%SZ")
