"""Commands that talk to a running node over HTTP: ``airparley notice file|revise|cancel|list``, ``conflicts``.

The node's URL comes from ``--url`` or ``AIRPARLEY_URL`` (default http://127.0.0.1:8787), the officer's
token from ``--token`` or ``AIRPARLEY_TOKEN``. A refusal by the node (4xx) is printed with the field and
the reason and exits 2; an unreachable node or a server error exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from airparley.cli._common import EXIT_BAD_INPUT, EXIT_FOUND, err_console, json_line, out_console, read_text

__all__ = ["Token", "Url", "node_client", "request"]

Url = Annotated[str, typer.Option("--url", envvar="AIRPARLEY_URL", help="The node's base URL.")]
Token = Annotated[str, typer.Option("--token", envvar="AIRPARLEY_TOKEN", help="Your bearer token.", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]
DEFAULT_URL = "http://127.0.0.1:8787"


@contextmanager
def node_client(url: str, token: str) -> Iterator[httpx.Client]:
    if not token:
        err_console.print("error: no token: pass --token or set AIRPARLEY_TOKEN")
        raise typer.Exit(EXIT_BAD_INPUT)
    with httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


def request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of the node, or a clear message and the right exit code."""
    try:
        response = client.request(method, f"/api/v1{path}", **kwargs)
    except httpx.TransportError as error:
        err_console.print(f"error: cannot reach the node at {client.base_url}: {error}")
        raise typer.Exit(EXIT_FOUND) from None
    if response.status_code >= 400:
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
    return response.json() if response.content else None


def _document(file: Path) -> Any:
    try:
        return json.loads(read_text(file))
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


def register(notice_app: typer.Typer, app: typer.Typer) -> None:
    """Add the node client commands to the ``notice`` group and the top-level app."""

    @notice_app.command("file")
    def notice_file(
        file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of new notices; - for stdin.")],
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
        file: Annotated[Path, typer.Argument(help="GeoJSON of the notice's new version; - for stdin.")],
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

    @notice_app.command("list")
    def notice_list(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """Your party's notices on the node (GeoJSON with --json)."""
        with node_client(url, token) as client:
            answer = request(client, "GET", "/notices")
        if as_json:
            out_console.out(json_line(answer))
            return
        table = Table("notice", "version", "state", "kind", "volumes")
        counts: dict[tuple[str, int, str, str], int] = {}
        for feature in answer["features"]:
            p = feature["properties"]
            key = (p["notice_id"], p["version"], p["state"], p["kind"])
            counts[key] = counts.get(key, 0) + 1
        for (notice_id, version, state, kind), volumes in counts.items():
            table.add_row(notice_id, str(version), state, kind, str(volumes))
        out_console.print(table)

    @app.command("conflicts")
    def conflicts(url: Url = DEFAULT_URL, token: Token = "", as_json: AsJson = False) -> None:
        """Conflicts of your party's notices on the node: your side in full, the other's overlap only."""
        with node_client(url, token) as client:
            answer = request(client, "GET", "/conflicts")
        if as_json:
            for conflict in answer:
                out_console.out(json_line(conflict))
            return
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
