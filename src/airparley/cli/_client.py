"""Commands that talk to a running node over HTTP: ``airparley notice file|revise|cancel|close|list``,
``conflicts``, and the hotline's ``msg`` and ``case``.

The node's URL comes from ``--url`` or ``AIRPARLEY_URL`` (default http://127.0.0.1:8787), the officer's
token from ``--token`` or ``AIRPARLEY_TOKEN``. A refusal by the node (4xx) is printed with the field and
the reason and exits 2; an unreachable node or a server error exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from urllib.parse import quote

import typer

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_FOUND,
    JsonLinesWriter,
    err_console,
    json_line,
    out_console,
    read_text,
)

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = [
    "DEFAULT_URL",
    "AsJson",
    "Token",
    "Url",
    "case_app",
    "conflicts_command",
    "msg_app",
    "node_client",
    "refused",
    "register_notice",
    "request",
]

Url = Annotated[str, typer.Option("--url", envvar="AIRPARLEY_URL", help="The node's base URL.")]
Token = Annotated[str, typer.Option("--token", envvar="AIRPARLEY_TOKEN", help="Your bearer token.", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]
CaseLanguage = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="The language of the text (en, ru, tr, ar); needed between parties that agreed languages.",
    ),
]
DEFAULT_URL = "http://127.0.0.1:8787"


@contextmanager
def node_client(url: str, token: str) -> Iterator[httpx.Client]:
    if not token:
        err_console.print("error: no token: pass --token or set AIRPARLEY_TOKEN")
        raise typer.Exit(EXIT_BAD_INPUT)
    import httpx  # here, not at the top: commands that never reach a node do not pay for it

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30, verify=_tls_for(url)) as client:
        yield client


def _tls_for(url: str) -> ssl.SSLContext | bool:
    """What the client verifies a node's certificate with: the system's CAs for ``https``.

    httpx loads the CA bundle for every client, 20 ms of each command's start, even for a plain-HTTP node on
    127.0.0.1, which never shakes hands. That one gets a context with no CA at all, which refuses every
    certificate: should that line ever reach TLS (the client follows no redirect), it fails closed.
    """
    import ssl

    if url.lower().startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, check_hostname: and no CA
    return True


def request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of the node, or a clear message and the right exit code."""
    import httpx

    try:
        response = client.request(method, f"/api/v1{path}", **kwargs)
    except httpx.TransportError as error:
        err_console.print(f"error: cannot reach the node at {client.base_url}: {error}")
        raise typer.Exit(EXIT_FOUND) from None
    if response.status_code >= 400:
        refused(response)
    return response.json() if response.content else None


def refused(response: httpx.Response) -> NoReturn:
    """A node's 4xx or 5xx answer printed with its field and reason: exit 2 for a refusal, 1 for a server error."""
    try:
        problem = response.json()
    except ValueError:
        problem = {"detail": response.text}
    detail = problem.get("detail", response.reason_phrase)
    err_console.print(
        f"error: {response.status_code} {problem.get('title', response.reason_phrase)}: {detail}", markup=False
    )
    for sub in problem.get("errors", [])[1:]:
        err_console.print(f"  {sub.get('where', '')} {sub.get('field')}: {sub.get('reason')}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT if response.status_code < 500 else EXIT_FOUND)


def _document(file: Path) -> Any:
    """The GeoJSON to send: the file's, or a KML document's turned into it here; the node checks the notices
    either way, so only what cannot be read as KML stops here. KML is told by content as strategic's
    ``looks_like_kml`` does, without loading the strategic core for a JSON file."""
    text = read_text(file)
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        from airparley.strategic import kml_to_geojson

        read = kml_to_geojson(text)
        for error in read.errors:
            err_console.print(f"error: {file}: {error.describe()}", markup=False)
        if read.errors:
            raise typer.Exit(EXIT_BAD_INPUT)
        return read.geojson
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        err_console.print(f"error: {file}: not valid JSON: {error.msg} at line {error.lineno}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _print_results(results: list[dict[str, Any]], as_json: bool) -> None:
    for result in results:
        if as_json:
            out_console.out(json_line(result))
            continue
        ref = result["notice"]
        out_console.print(
            f"{ref['notice_id']} v{ref['version']} {result['state']}: {len(result['conflicts'])} conflict(s)"
        )
        for conflict in result["conflicts"]:
            other = conflict["other"]
            overlap = conflict["overlap"]
            out_console.print(
                f"  {conflict['id'][:12]} with {other['party']} {other['notice_id']}: "
                f"{overlap['lower_ft']:.0f}-{overlap['upper_ft']:.0f} ft, {overlap['start']} - {overlap['end']}"
            )


def register_notice(notice_app: typer.Typer) -> None:
    """Add the node client commands to the ``notice`` group (whose offline ``validate`` is in ``_strategic``)."""

    @notice_app.command("file")
    def notice_file(
        file: Annotated[
            Path, typer.Argument(help="GeoJSON FeatureCollection or KML document of new notices; - for stdin.")
        ],
        url: Url = DEFAULT_URL,
        token: Token = "",
        idempotency_key: Annotated[str | None, typer.Option(help="Makes a retry harmless.")] = None,
        as_json: AsJson = False,
    ) -> None:
        """File new notices on the node and show the conflicts they raise."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with node_client(url, token) as client:
            answer = request(client, "POST", "/notices", json=_document(file), headers=headers)
        _print_results(answer["filed"], as_json)

    @notice_app.command("revise")
    def notice_revise(
        notice_id: Annotated[str, typer.Argument()],
        file: Annotated[Path, typer.Argument(help="GeoJSON or KML of the notice's new version; - for stdin.")],
        url: Url = DEFAULT_URL,
        token: Token = "",
        as_json: AsJson = False,
    ) -> None:
        """Revise one of your notices (the node numbers the new version)."""
        with node_client(url, token) as client:
            answer = request(client, "PUT", f"/notices/{notice_id}", json=_document(file))
        _print_results([answer], as_json)

    @notice_app.command("cancel")
    def notice_cancel(
        notice_id: Annotated[str, typer.Argument()], url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False
    ) -> None:
        """Cancel one of your notices: its conflicts disappear."""
        with node_client(url, token) as client:
            answer = request(client, "POST", f"/notices/{notice_id}/cancel")
        _print_results([answer], as_json)

    @notice_app.command("close")
    def notice_close(
        notice_id: Annotated[str, typer.Argument()], url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False
    ) -> None:
        """Close one of your notices: the activity is over (its conflicts disappear, as on a cancel)."""
        with node_client(url, token) as client:
            answer = request(client, "POST", f"/notices/{notice_id}/close")
        _print_results([answer], as_json)

    @notice_app.command("list")
    def notice_list(
        notice_id: Annotated[str | None, typer.Argument(help="Only this notice (GET /notices/{id}).")] = None,
        url: Url = DEFAULT_URL,
        token: Token = "",
        as_json: AsJson = False,
    ) -> None:
        """Your party's notices on the node, or one of them (GeoJSON with --json)."""
        path = "/notices" if notice_id is None else f"/notices/{quote(notice_id, safe='')}"
        with node_client(url, token) as client:
            answer = request(client, "GET", path)
        if as_json:
            out_console.out(json_line(answer))
            return
        from rich.table import Table

        table = Table("notice", "version", "state", "kind", "volumes")
        counts: dict[tuple[str, int, str, str], int] = {}
        for feature in answer["features"]:
            p = feature["properties"]
            key = (p["notice_id"], p["version"], p["state"], p["kind"])
            counts[key] = counts.get(key, 0) + 1
        for (notice_id, version, state, kind), volumes in counts.items():
            table.add_row(notice_id, str(version), state, kind, str(volumes))
        out_console.print(table)


def conflicts_command(
    conflict_id: Annotated[
        str | None, typer.Argument(help="Only this conflict (GET /conflicts/{id}); its full id is in --json.")
    ] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    as_json: AsJson = False,
) -> None:
    """Conflicts of your party's notices on the node: your side in full, the other's overlap only."""
    with node_client(url, token) as client:
        if conflict_id is None:
            answer = request(client, "GET", "/conflicts")
        else:
            answer = [request(client, "GET", f"/conflicts/{quote(conflict_id, safe='')}")]
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(answer)
        return
    from rich.table import Table

    table = Table("id", "yours", "theirs", "band ft", "window")
    for c in answer:
        table.add_row(
            c["id"][:12],
            f"{c['own']['notice_id']} v{c['own']['version']}",
            f"{c['other']['party']} {c['other']['notice_id']} v{c['other']['version']}",
            f"{c['overlap']['lower_ft']:.0f}-{c['overlap']['upper_ft']:.0f}",
            f"{c['overlap']['start']} - {c['overlap']['end']}",
        )
    out_console.print(table)


def whoami_command(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Who your token is on the node: the officer, its tier, and its party."""
    with node_client(url, token) as client:
        me = request(client, "GET", "/me")
    if as_json:
        with JsonLinesWriter() as out:
            out.write(me)
        return
    officer, party = me["officer"], me["party"]
    out_console.print(
        f"{officer['name']} ({officer['id']}), {officer['tier']} officer of {party['code']} ({party['name']},"
        f" desk language {party['language']})",
        markup=False,
    )


def parties_command(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """The parties on the node: code, name and desk language.

    GET /parties (``party list`` reads a database instead)."""
    with node_client(url, token) as client:
        parties = request(client, "GET", "/parties")
    if as_json:
        with JsonLinesWriter() as out:
            for party in parties:
                out.write(party)
        return
    from rich.table import Table

    table = Table("party", "name", "language", box=None)
    for party in parties:
        table.add_row(party["code"], party["name"], party["language"])
    out_console.print(table)


def lag_command(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
    """Whether the simulation feeding the node (the live demo) is behind the wall clock.

    GET /simulation/lag: what the desks' banner shows."""
    with node_client(url, token) as client:
        lag = request(client, "GET", "/simulation/lag")
    if as_json:
        with JsonLinesWriter() as out:
            out.write(lag)
        return
    if lag["seq"] is None:
        out_console.print("no simulation has told this node of any lag", markup=False)
    elif lag["lagging"]:
        out_console.print(f"lagging: {lag['behind_s']:g} s behind since {lag['time']} ({lag['note']})", markup=False)
    else:
        out_console.print(f"not lagging (last note at {lag['time']}: {lag['note']})", markup=False)


def _params(pairs: list[str]) -> dict[str, Any]:
    """``name=value`` pairs; values that read as JSON (numbers, lists) are taken as such."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            err_console.print(f"error: --param wants name=value, got {pair!r}")
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    return params


def _print_message(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        out_console.out(json_line(view))
        return
    message, rendered = view["message"], view["rendered"]
    states = ", ".join(f"{r['party']} {r['state']}" for r in message.get("receipts", []))
    flag = " [untranslated]" if rendered["untranslated"] else ""
    out_console.print(
        f"{message['message_id']} {message['created_at']} {message['urgency'].upper()} "
        f"from {message['author']['party']}: {rendered['text']}{flag} ({states})",
        markup=False,
    )


def _print_case(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        out_console.out(json_line(view))
        return
    case = view["case"]
    subject = case["subject"]
    about = subject.get("conflict_id", "")[:12] if subject["kind"] == "conflict" else subject.get("reason", "")
    out_console.print(
        f"{case['case_id']} {case['state']} {'/'.join(case['parties'])} about {subject['kind']} {about}; "
        f"deadline {case.get('deadline') or '-'}; you may: {', '.join(view.get('permitted', [])) or '-'}",
        markup=False,
    )


def register_hotline(msg_app: typer.Typer, case_app: typer.Typer) -> None:
    """``airparley msg send|list|read|ack|phrases`` and ``airparley case open|propose|...|list|show``."""

    @msg_app.command("send")
    def msg_send(
        recipients: Annotated[list[str], typer.Argument(help="Party codes, e.g. RUS.")],
        template: Annotated[str | None, typer.Option(help="Phrase id (see `airparley msg phrases`).")] = None,
        param: Annotated[list[str] | None, typer.Option(help="Phrase parameter name=value; repeat.")] = None,
        text: Annotated[str | None, typer.Option(help="Free text instead of a phrase (sent untranslated).")] = None,
        language: Annotated[str | None, typer.Option(help="Language of free text: en, ru, tr, ar.")] = None,
        urgency: Annotated[str, typer.Option(help="routine, urgent or safety.")] = "routine",
        url: Url = DEFAULT_URL,
        token: Token = "",
        as_json: AsJson = False,
    ) -> None:
        """Send a hotline message: a phrase rendered in each reader's language, or free text."""
        body: dict[str, Any] = {"recipients": [r.upper() for r in recipients], "urgency": urgency}
        if template is not None:
            body["template"] = template
            body["params"] = _params(param or [])
        if text is not None:
            body["text"] = text
            body["language"] = language
        with node_client(url, token) as client:
            _print_message(request(client, "POST", "/messages", json=body), as_json)

    @msg_app.command("list")
    def msg_list(
        message_id: Annotated[str | None, typer.Argument(help="Only this message (GET /messages/{id}).")] = None,
        url: Url = DEFAULT_URL,
        token: Token = "",
        as_json: AsJson = False,
    ) -> None:
        """Messages your party sent or received, newest first, in your language (or one of them)."""
        with node_client(url, token) as client:
            if message_id is None:
                views = request(client, "GET", "/messages")
            else:
                views = [request(client, "GET", f"/messages/{quote(message_id, safe='')}")]
            for view in views:
                _print_message(view, as_json)

    @msg_app.command("read")
    def msg_read(message_id: str, url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """Mark a received message read."""
        with node_client(url, token) as client:
            _print_message(request(client, "POST", f"/messages/{message_id}/read"), as_json)

    @msg_app.command("ack")
    def msg_ack(message_id: str, url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """Acknowledge a received message (stops a safety message ringing)."""
        with node_client(url, token) as client:
            _print_message(request(client, "POST", f"/messages/{message_id}/ack"), as_json)

    @msg_app.command("phrases")
    def msg_phrases(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """The phrase catalogue: ids and parameters."""
        with node_client(url, token) as client:
            catalogue = request(client, "GET", "/phrases")
        if as_json:
            out_console.out(json_line(catalogue))
            return
        for phrase in catalogue.get("phrases", []):
            names = ", ".join(phrase.get("params", {}))
            out_console.print(f"{phrase['id']}({names}): {phrase.get('text', {}).get('en', '')}", markup=False)

    @case_app.command("open")
    def case_open(
        conflict: Annotated[str | None, typer.Option(help="The conflict id the case is about.")] = None,
        with_party: Annotated[str | None, typer.Option("--with", help="For a contention: the other party.")] = None,
        reason: Annotated[str | None, typer.Option(help="For a contention: what it is about.")] = None,
        urgent: Annotated[bool, typer.Option(help="3-minute response deadline instead of 15.")] = False,
        note: Annotated[str, typer.Option(help="A note for the other desk.")] = "",
        language: CaseLanguage = None,
        url: Url = DEFAULT_URL,
        token: Token = "",
        as_json: AsJson = False,
    ) -> None:
        """Open a negotiation case about a conflict (or a contention with another party)."""
        if (conflict is None) == (reason is None):
            err_console.print("error: give --conflict ID, or --with PARTY --reason TEXT")
            raise typer.Exit(EXIT_BAD_INPUT)
        body: dict[str, Any] = {"urgent": urgent, "note": note}
        if conflict is not None:
            body["subject"] = {"kind": "conflict", "conflict_id": conflict}
        else:
            body["subject"] = {"kind": "contention", "reason": reason}
            body["with"] = (with_party or "").upper()
        if language is not None:
            body["language"] = language
        with node_client(url, token) as client:
            _print_case(request(client, "POST", "/cases", json=body), as_json)

    def _move(
        action: str, case_id: str, body: dict[str, Any], language: str | None, url: str, token: str, as_json: bool
    ) -> None:
        if language is not None:
            body["language"] = language
        with node_client(url, token) as client:
            _print_case(request(client, "POST", f"/cases/{case_id}/{action}", json=body), as_json)

    for action in ("propose", "counter"):

        def proposal_command(
            case_id: str,
            terms: Annotated[
                str,
                typer.Argument(help='Terms as JSON, e.g. \'{"kind": "shift_time", "party": "RUS", "minutes": 30}\'.'),
            ],
            text: Annotated[str, typer.Option(help="Explanation sent with the proposal.")] = "",
            language: CaseLanguage = None,
            url: Url = DEFAULT_URL,
            token: Token = "",
            as_json: AsJson = False,
            _action: str = typer.Option(action, hidden=True),
        ) -> None:
            try:
                parsed = json.loads(terms)
            except json.JSONDecodeError as error:
                err_console.print(f"error: terms: not valid JSON ({error.msg})")
                raise typer.Exit(EXIT_BAD_INPUT) from None
            _move(_action, case_id, {"terms": parsed, "text": text}, language, url, token, as_json)

        proposal_command.__doc__ = (
            "Propose structured terms (shift_time, altitude_split, reroute, yield, time_share)."
            if action == "propose"
            else "Answer the other party's pending proposal with terms of your own."
        )
        case_app.command(action)(proposal_command)

    for action, help_text in (
        ("accept", "Accept the other party's pending proposal."),
        ("reject", "Reject the other party's pending proposal."),
        ("escalate", "Hand the case to the senior tier of both parties now."),
        ("resolve", "Mark an agreed contention settled."),
    ):

        def move_command(
            case_id: str,
            note: Annotated[str, typer.Option(help="A note for the other desk.")] = "",
            language: CaseLanguage = None,
            url: Url = DEFAULT_URL,
            token: Token = "",
            as_json: AsJson = False,
            _action: str = typer.Option(action, hidden=True),
        ) -> None:
            _move(_action, case_id, {"note": note}, language, url, token, as_json)

        move_command.__doc__ = help_text
        case_app.command(action)(move_command)

    @case_app.command("list")
    def case_list(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """Your party's cases."""
        with node_client(url, token) as client:
            for view in request(client, "GET", "/cases"):
                _print_case(view, as_json)

    @case_app.command("show")
    def case_show(case_id: str, url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """One case with its history and the moves you may make."""
        with node_client(url, token) as client:
            view = request(client, "GET", f"/cases/{case_id}")
        if as_json:
            out_console.out(json_line(view))
            return
        _print_case(view, False)
        for entry in view["case"].get("history", []):
            actor = entry.get("actor") or {}
            who = f"{actor.get('party', 'system')} {actor.get('tier', '')}".strip()
            out_console.print(
                f"  {entry.get('at', '')} {entry.get('event', '')} by {who} {entry.get('note', '')}", markup=False
            )


msg_app = typer.Typer(help="Hotline messages on a node.", no_args_is_help=True)
case_app = typer.Typer(help="Negotiation cases on a node.", no_args_is_help=True)
register_hotline(msg_app, case_app)
