"""What a desk officer reads on a node from a terminal: ``airparley picture``, ``airparley events`` (``--follow``)
and ``airparley frequency list|register``.

Like the other node clients: ``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``, ``--json`` for
JSON lines; a refusal (4xx) prints the field and the reason and exits 2, an unreachable node exits 1.

``events --follow`` first reads what it missed from ``GET /api/v1/events`` (pages of a cursor: a refusal is
answered there with its reason, which a WebSocket handshake cannot carry), then listens on the WebSocket
``/api/v1/events?after=CURSOR``. When the connection drops (the node restarts, the network fails) it tries again,
waiting 0.5 s, then twice as long each time up to 10 s, from the last cursor it holds: no event is missed, none
is printed twice. Ctrl-C stops it cleanly (exit 0, every line printed so far flushed).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, Final, NoReturn

import typer

from airparley.cli._client import DEFAULT_URL, AsJson, Token, Url, node_client, refused, request
from airparley.cli._common import EXIT_BAD_INPUT, JsonLinesWriter, err_console, json_line, out_console

if TYPE_CHECKING:
    import httpx

__all__ = ["events_command", "frequency_app", "picture_command"]

#: Closing codes of the node's WebSocket that no retry can cure (node/_routes_events.py).
_FINAL_CLOSES: Final = {4401: "token", 4403: "tier", 4422: "after"}
_RETRY_FIRST_S: Final = 0.5
_RETRY_MAX_S: Final = 10.0
#: Events a summary names an event by, in this order (the ids a desk officer would look up next).
_SUMMARY_KEYS: Final = (
    "notice_id",
    "conflict_id",
    "message_id",
    "case_id",
    "agreement_id",
    "incident_id",
    "share_id",
    "track",
    "name",
    "state",
)

frequency_app = typer.Typer(
    help="Frequencies: those agreed for your party (guards and agreements in force), and the node's catalogue.",
    no_args_is_help=True,
)


# -- the air picture ---------------------------------------------------------------------------------------
def picture_command(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Your party's live air picture: the newest state of each own track and of each track shared with it."""
    with node_client(url, token) as client:
        tracks = request(client, "GET", "/tracks")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(tracks)
        return
    from rich.table import Table

    table = Table("track", "party", "callsign", "lat", "lon", "FL", "GS kt", "TRK", "VS fpm", "source", "shared by")
    for track in sorted(tracks, key=lambda t: (t["party"], t["id"])):
        table.add_row(
            track["id"],
            track["party"],
            track.get("callsign") or "-",
            f"{track['lat']:.4f}",
            f"{track['lon']:.4f}",
            f"{track['alt_ft'] / 100:03.0f}",
            f"{track['gs_kt']:.0f}",
            f"{track['trk_deg']:03.0f}",
            f"{track['vs_fpm']:+.0f}",
            track.get("source") or "-",
            track.get("shared_by") or "-",
        )
    out_console.print(table)
    out_console.print(f"{len(tracks)} track(s)")


# -- frequencies -------------------------------------------------------------------------------------------
@frequency_app.command("list")
def frequency_list(
    registered: Annotated[
        bool, typer.Option("--registered", help="The node's catalogue (registered, not agreed) instead.")
    ] = False,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """The frequencies agreed for your party: the guards and those of the agreements in force (agree one with
    `airparley agreement propose`)."""
    with node_client(url, token) as client:
        frequencies = request(client, "GET", "/frequencies/registered" if registered else "/frequencies")
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(frequencies)
        return
    from rich.table import Table

    table = Table("MHz", "name", "area", "agreement" if not registered else "guard", "notes")
    for frequency in frequencies:
        if registered:
            fourth = "guard" if frequency.get("guard") else "-"
        else:
            agreement = frequency.get("agreement")
            fourth = (
                f"{agreement['agreement_id']} v{agreement['version']} {'-'.join(agreement['parties'])}"
                if agreement
                else "guard"
            )
        table.add_row(
            f"{frequency['mhz']:.3f}", frequency["name"], frequency.get("area") or "-", fourth, frequency.get("notes")
        )
    out_console.print(table)


@frequency_app.command("register")
def frequency_register(
    name: Annotated[str, typer.Argument(help="The frequency's name, e.g. 'Deconfliction VHF'.")],
    mhz: Annotated[float, typer.Argument(help="MHz (2-1000).")],
    area: Annotated[str, typer.Option(help="Where it is used.")] = "",
    notes: Annotated[str, typer.Option(help="Notes for the other desks.")] = "",
    idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Register a frequency in the node's catalogue (it is agreed only by an agreement that names it)."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    body = {"name": name, "mhz": mhz, "area": area, "notes": notes}
    with node_client(url, token) as client:
        added = request(client, "POST", "/frequencies", json=body, headers=headers)
    if as_json:
        out_console.out(json_line(added))
        return
    out_console.print(f"registered {added['mhz']:.3f} MHz {added['name']} (id {added['id']})", markup=False)


# -- the event feed ----------------------------------------------------------------------------------------
def _summary(event: dict[str, Any]) -> str:
    data = event.get("data")
    if isinstance(data, dict):
        named = [f"{key}={data[key]}" for key in _SUMMARY_KEYS if isinstance(data.get(key), str | int)]
        if named:
            return " ".join(named[:3])
        if isinstance(data.get("notice"), dict):  # notice events carry the notice's reference
            notice = data["notice"]
            return f"notice_id={notice.get('notice_id')} v{notice.get('version')}"
    text = json_line(data)
    return text if len(text) <= 100 else text[:99] + "…"


class _Feed:
    """Where the reader is in the feed (``cursor``, kept across reconnections) and how it prints each event: a
    JSON line or a line of text, through one buffer flushed when asked."""

    def __init__(
        self, cursor: int, out: JsonLinesWriter, as_json: bool, kinds: frozenset[str], live_tracks: bool
    ) -> None:
        self.cursor = cursor
        self.out = out
        self.as_json = as_json
        self.kinds = kinds
        self.live_tracks = live_tracks
        self.printed = 0

    def event(self, event: dict[str, Any]) -> None:
        kind = str(event.get("kind"))
        if isinstance(event.get("seq"), int):
            self.cursor = max(self.cursor, event["seq"])
        if event.get("seq") is None and not self.live_tracks:
            return  # the live picture, pushed every second on the socket, is asked for with --tracks
        if self.kinds and kind not in self.kinds:
            return
        self.printed += 1
        if self.as_json:
            self.out.write(event)
            return
        seq = "-" if event.get("seq") is None else str(event["seq"])
        self.out.line(f"{seq} {event.get('time', '-')} {kind} {_summary(event)}")


class _Lost(Exception):
    """The node could not be reached or answered 5xx: worth another try."""


def _page(client: httpx.Client, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of ``GET /events``; a refusal (4xx) exits with its reason, a lost node raises :class:`_Lost`."""
    import httpx

    try:
        response = client.get("/api/v1/events", params={"after": after, "limit": limit})
    except httpx.TransportError as error:
        raise _Lost(str(error)) from None
    if response.status_code >= 500:
        raise _Lost(f"{response.status_code} {response.reason_phrase}")
    if response.status_code >= 400:
        refused(response)
    answer = response.json()
    return answer["events"], int(answer["cursor"])


def _catch_up(client: httpx.Client, limit: int, feed: _Feed) -> None:
    """Every event after the feed's cursor, page by page until the cursor stops."""
    while True:
        start = feed.cursor
        events, next_cursor = _page(client, start, limit)
        for event in events:
            feed.event(event)
        feed.out.flush()
        if next_cursor <= start:
            return
        feed.cursor = max(feed.cursor, next_cursor)  # past the events this party may not see, too


def _socket_url(url: str, cursor: int) -> str:
    base = url.rstrip("/")
    scheme, sep, rest = base.partition("://")
    ws = {"http": "ws", "https": "wss"}.get(scheme.lower(), scheme) if sep else "ws"
    return f"{ws}://{rest if sep else base}/api/v1/events?after={cursor}"


def _listen(url: str, token: str, feed: _Feed, on_open: Callable[[], None]) -> NoReturn:
    """Events pushed on the WebSocket after the feed's cursor until the connection ends. A close no retry can
    cure exits 2 with the node's reason; any other end raises :class:`_Lost`."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
    from websockets.sync.client import connect

    try:
        with connect(
            _socket_url(url, feed.cursor),
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=10,
            max_size=2**24,  # a live picture of thousands of tracks is one message
        ) as socket:
            on_open()
            for message in _messages(socket):
                feed.event(json.loads(message))
                feed.out.flush()
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd is not None else None
        if code in _FINAL_CLOSES:
            reason = closed.rcvd.reason if closed.rcvd is not None else ""
            err_console.print(f"error: {_FINAL_CLOSES[code]}: {reason} (WebSocket close {code})", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        raise _Lost(f"the WebSocket closed ({code or 'no close frame'})") from None
    except (OSError, InvalidHandshake) as error:
        raise _Lost(str(error) or type(error).__name__) from None
    raise _Lost("the WebSocket closed")


def _messages(socket: Any) -> Iterator[str | bytes]:
    # A short timeout per receive, so that Ctrl-C is seen at once on every platform.
    while True:
        try:
            yield socket.recv(timeout=1.0)
        except TimeoutError:
            continue


def events_command(
    after: Annotated[int, typer.Option("--after", min=0, help="Start after this cursor (a seq you saw).")] = 0,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Then keep listening (WebSocket), reconnecting from the cursor.")
    ] = False,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only events of this kind, e.g. notice.filed (repeat).")
    ] = None,
    live_tracks: Annotated[
        bool, typer.Option("--tracks", help="With --follow: also the live picture pushed every second (tracks.update).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Events per page read.")] = 500,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Your party's event feed after a cursor; with --follow, live until Ctrl-C (docs/events.md)."""
    with node_client(url, token) as client, JsonLinesWriter() as out:
        feed = _Feed(after, out, as_json, frozenset(kind or ()), live_tracks)
        if not follow:
            _catch_up(client, limit, feed)
            if not as_json:
                out.line(f"{feed.printed} event(s); next: --after {feed.cursor}")
            return
        _follow(client, url, token, limit, feed)


def _follow(client: httpx.Client, url: str, token: str, limit: int, feed: _Feed) -> None:
    wait_s = _RETRY_FIRST_S

    def connected() -> None:
        nonlocal wait_s
        wait_s = _RETRY_FIRST_S

    try:
        while True:
            try:
                _catch_up(client, limit, feed)
                _listen(url, token, feed, connected)
            except _Lost as lost:
                err_console.print(
                    f"connection lost ({lost}); trying again in {wait_s:g} s from --after {feed.cursor}", markup=False
                )
                time.sleep(wait_s)
                wait_s = min(wait_s * 2, _RETRY_MAX_S)
    except KeyboardInterrupt:
        feed.out.flush()
        err_console.print(f"stopped; next: --after {feed.cursor}", markup=False)
