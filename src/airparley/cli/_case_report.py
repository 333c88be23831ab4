"""``airparley case report``: export a case's minimal verifiable report, render it, or verify one alone.

Export (``CASE_ID``): any officer of a party in the case asks the node (``--url``, ``--token``:
``GET /api/v1/cases/{id}/report``); the node's operator may read its database instead (``--db``), the export
then recorded for ``--as PARTY`` or the node's own party, as an officer's is (disclosure accounting). The report
holds the case's own entries and what they reference, each with the hash path to a head another party of the
case signed in ``seen`` (``docs/agreements.md``, section Reports). ``--html`` / ``--pdf`` write the printable
document; from a node, the node renders it, verified under the keys it registered.

Verify (``--verify FILE``): no node; the same checks and key pinning as ``airparley ledger verify`` (``--keys``,
``--db``, ``--trust-embedded-keys``), exit 0 / 1 / 2 likewise; ``--html`` / ``--pdf`` render the report with
this verification and the pinned keys' fingerprints on the first page.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from airparley.cli._client import DEFAULT_URL, Token, Url, node_client
from airparley.cli._common import EXIT_BAD_INPUT, EXIT_FOUND, err_console, out_console, report_errors
from airparley.errors import InvalidInput

if TYPE_CHECKING:
    import httpx

    from airparley.store import Tx

__all__ = ["case_report_command", "register"]

_Out = Annotated[Path | None, typer.Option("--out", help="Write the JSON report to this file (default: stdout).")]
_Html = Annotated[Path | None, typer.Option("--html", help="Write the printable HTML document to this file.")]
_Pdf = Annotated[Path | None, typer.Option("--pdf", help="Write the printable PDF document to this file.")]


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        err_console.print(f"error: {path}: {error.strerror}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    err_console.print(f"wrote {path}", markup=False)


def _fetch(client: httpx.Client, path: str) -> bytes:
    """The body of a GET, or the node's refusal printed as ``request`` prints it."""
    import httpx

    from airparley.cli._client import request

    try:
        response = client.get(f"/api/v1{path}")
    except httpx.TransportError as error:
        err_console.print(f"error: cannot reach the node at {client.base_url}: {error}")
        raise typer.Exit(EXIT_FOUND) from None
    if response.status_code >= 400:
        request(client, "GET", path)  # prints the problem and exits with the code the other commands use
    return response.content


def _from_node(case_id: str, url: str, token: str, out: Path | None, html: Path | None, pdf: Path | None) -> None:
    with node_client(url, token) as client:
        data = _fetch(client, f"/cases/{case_id}/report")
        if html is not None:
            _write(html, _fetch(client, f"/cases/{case_id}/report?format=html"))
        if pdf is not None:
            _write(pdf, _fetch(client, f"/cases/{case_id}/report?format=pdf"))
    report = json.loads(data)
    _emit(report, out)


def _emit(report: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if out is None:
        out_console.out(text)
    else:
        _write(out, (text + "\n").encode("utf-8"))


#: Who an export read straight from the database was made by: no officer, the node's operator.
OPERATOR = "the node's operator (--db)"


def _from_db(
    case_id: str, db: str, as_party: str | None, out: Path | None, html: Path | None, pdf: Path | None
) -> None:
    from airparley.cli._ledger import _shown_url
    from airparley.cli._node import transaction
    from airparley.node._disclosure import stored_document
    from airparley.node._reports import case_report, verify_report

    with transaction(db) as tx:
        stored = tx.case(case_id)
        if stored is None:
            report_errors("case", [InvalidInput("case_id", f"no case {case_id!r} on this node")])
            raise typer.Exit(EXIT_BAD_INPUT)
        case = stored_document(stored)
        party = _exporting_party(tx, as_party, [str(p) for p in case.get("parties", [])])
        now = datetime.now(UTC)
        report = case_report(tx, case, now=now, by=party)
        # Recorded in the transaction that reads it, as an officer's export is: disclosure accounting lists it.
        tx.add_report_export(party, OPERATOR, report["case_id"], now, report["parties"])
        keys = {p.code: p.public_key for p in tx.parties() if p.public_key}
    if html is not None or pdf is not None:
        _render(report, verify_report(report, keys, f"--db {_shown_url(db)}"), html, pdf)
    _emit(report, out)


def _exporting_party(tx: Tx, as_party: str | None, case_parties: list[str]) -> str:
    """The party an operator's export is made for: ``--as``, else the node's own party among the case's (the one
    with officers of its own here; a peer node's account is not one)."""
    if as_party is not None:
        party = as_party.strip().upper()
        if party not in case_parties:
            _refuse("as", f"{party} is not a party of this case ({', '.join(case_parties)}): it cannot export it")
        return party
    own = sorted({o.party for o in tx.officers() if o.tier != "peer" and o.party in case_parties})
    if len(own) == 1:
        return own[0]
    hosted = f"this node has officers of {', '.join(own)}" if own else "this node has no officer of any of them"
    _refuse(
        "as",
        f"name the party this export is made for, one of the case's parties ({', '.join(case_parties)}): --as PARTY"
        f" ({hosted})",
    )


def _render(report: dict[str, Any], verdict: Any, html: Path | None, pdf: Path | None) -> None:
    from airparley.node._report_render import render_html, render_pdf

    if html is not None:
        _write(html, render_html(report, verdict).encode("utf-8"))
    if pdf is not None:
        _write(pdf, render_pdf(report, verdict))


def _render_verified(
    file: Path, keys: Path | None, db: str | None, trust_embedded: bool, html: Path | None, pdf: Path | None
) -> None:
    """Render ``file`` with its verification under the pinned keys (``ledger verify`` prints and exits after)."""
    from airparley.cli._ledger import _read_bytes, _read_extract, _trust
    from airparley.ledger import check_extract, trust_path
    from airparley.node._report_render import KeyLine, verdict_of

    source = "-" if str(file) == "-" else str(file)
    raw = _read_bytes(file)
    found = _read_extract(raw, source)
    if found is None:
        report_errors(source, [InvalidInput("report", "is not a case report with proofs (format 2): cannot render")])
        raise typer.Exit(EXIT_BAD_INPUT)
    extract, embedded = found
    try:
        trust = _trust(keys, db, embedded, f"the report {source}", trust_embedded)
    except InvalidInput as error:
        report_errors("verify", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    checked = check_extract(extract, trust.keys)
    present = set(checked.report.heads) | {p.party for p in checked.report.problems if p.party}
    lines = [
        KeyLine(k.party, held.fingerprint, held.describe())
        for k in trust.trusted
        if k.party in present
        for held in trust_path(k, checked.report.rotations)
    ]
    notes = [f"key mismatch: {mismatch}" for mismatch in trust.mismatches]
    if trust.unpinned:
        notes.append(
            "WARNING: keys embedded in the report were trusted for "
            + ", ".join(k.party for k in trust.unpinned)
            + ": this proves internal consistency only"
        )
    verdict = verdict_of(checked, lines, notes)
    if trust.mismatches:  # the pinned keys disagree with the report's: ledger verify fails it too
        verdict = replace(verdict, verified=False, summary="FAILED: " + "; ".join(notes))
    _render(json.loads(raw), verdict, html, pdf)


def _refuse(field: str, reason: str) -> NoReturn:
    report_errors("case report", [InvalidInput(field, reason)])
    raise typer.Exit(EXIT_BAD_INPUT)


def case_report_command(
    case_id: Annotated[str | None, typer.Argument(help="The case's id (omit with --verify).")] = None,
    url: Url = DEFAULT_URL,
    token: Token = "",
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Export: read this node database directly (its operator). With --verify: pin the keys it registered.",
        ),
    ] = None,
    as_party: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="With --db: the party of the case this export is made for, recorded in its disclosure accounting"
            " (default: the node's own party, the one of the case with officers of its own on this node).",
        ),
    ] = None,
    out: _Out = None,
    html: _Html = None,
    pdf: _Pdf = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="Verify this report alone (no node); - for stdin.")
    ] = None,
    keys: Annotated[
        Path | None, typer.Option(help='With --verify: pinned public keys as JSON ({"USA": "<hex>", ...}).')
    ] = None,
    trust_embedded_keys: Annotated[
        bool,
        typer.Option(
            "--trust-embedded-keys",
            help="With --verify: use the report's own keys for parties nothing pins (internal consistency only).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --verify: the result as one JSON object.")] = False,
) -> None:
    """A case's minimal verifiable report: its own entries and the entries they reference (notices in conflict,
    the case's messages), each with the hash path to a head another party of the case signed in `seen`; no entry
    of a party outside the case. Any officer of a party in the case may export it. --verify FILE checks a report
    alone, against pinned keys, as `airparley ledger verify` does (exit 0 verified, 1 not, 2 bad input)."""
    if verify is not None:
        if as_party is not None:
            _refuse("as", "--as goes with an export (CASE_ID --db), not with --verify")
        if case_id is not None:
            report_errors(
                "case report", [InvalidInput("case_id", "give a CASE_ID to export or --verify FILE, not both")]
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        if html is not None or pdf is not None:
            _render_verified(verify, keys, db, trust_embedded_keys, html, pdf)
        from airparley.cli._ledger import ledger_verify

        ledger_verify(verify, keys, db, trust_embedded_keys, as_json)
        return
    if case_id is None:
        _refuse("case_id", "missing: give the case's id, or --verify FILE")
    if keys is not None or trust_embedded_keys or as_json:
        report_errors(
            "case report", [InvalidInput("keys", "--keys, --trust-embedded-keys and --json go with --verify")]
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if db is not None:
        _from_db(case_id, db, as_party, out, html, pdf)
    else:
        if as_party is not None:
            _refuse("as", "--as goes with --db: through the node, the export is your officer's party's")
        _from_node(case_id, url, token, out, html, pdf)


def register(case_app: typer.Typer) -> None:
    case_app.command("report")(case_report_command)
