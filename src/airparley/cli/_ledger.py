"""``airparley ledger export|verify|show|keys`` and ``airparley case report``: the signed record, offline.

``verify`` exits 0 when every signature, chain link, sequence, ``seen`` reference and time order holds,
and 1 otherwise, naming the first bad entry (party and seq) and what is wrong with it. It reads the
parties' public keys from ``--keys keys.json`` (``{"USA": "<64 hex>", ...}``), from a case report's own
``keys``, or from the node's database.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

import typer

from airparley.cli._common import EXIT_BAD_INPUT, EXIT_FOUND, err_console, json_line, out_console, report_errors
from airparley.cli._node import DEFAULT_DB, Db, transaction
from airparley.errors import InvalidInput
from airparley.ledger import Entry, Kind, check_export, parse_export, public_key_from_text
from airparley.strategic import NoticeRef, conflict_id

__all__ = ["case_report_command", "ledger_app"]

ledger_app = typer.Typer(help="The signed ledger: export, verify, show.", no_args_is_help=True)


def _db_keys(db: str) -> dict[str, str]:
    with transaction(db) as tx:
        return {p.code: p.public_key for p in tx.parties() if p.public_key}


@ledger_app.command("export")
def ledger_export(
    db: Db = DEFAULT_DB, party: Annotated[str | None, typer.Option(help="One party's feed only.")] = None
) -> None:
    """Every entry of the node's ledger as JSON lines (one canonical entry per line), in time order."""
    with transaction(db) as tx:
        lines = tx.ledger_lines(party.upper() if party else None)
    for line in lines:
        typer.echo(line)


@ledger_app.command("evidence")
def ledger_evidence(
    db: Db = DEFAULT_DB,
    party: Annotated[str | None, typer.Option(help="Only entries of this party.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per record, with the lines.")] = False,
) -> None:
    """What peers presented and this node refused (federation): forged signatures, equivocation (two signed
    entries at one seq, both kept), broken chains, malformed lines. Exits 1 if there is any, else 0."""
    with transaction(db) as tx:
        records = tx.evidence(party.upper() if party else None, limit=100_000)
    for record in records:
        if as_json:
            out_console.out(json_line(record.as_dict()))
            continue
        name = f"{record.party}#{record.seq}" if record.seq is not None else record.party
        out_console.print(
            f"{record.received_at:%Y-%m-%d %H:%M:%SZ}  {record.kind:<14} {name:<10} from peer {record.peer}"
            f" ({record.url}): {record.reason}",
            markup=False,
        )
        out_console.out(f"  served:   {record.line}")
        if record.other_line is not None:
            out_console.out(f"  accepted: {record.other_line}")
    if records:
        raise typer.Exit(EXIT_FOUND)


@ledger_app.command("keys")
def ledger_keys(db: Db = DEFAULT_DB) -> None:
    """The parties' public keys as JSON ({"USA": "<hex>", ...}), for `airparley ledger verify --keys`."""
    out_console.out(json.dumps(_db_keys(db), indent=2, sort_keys=True))


def _read_bytes(path: Path) -> bytes:
    try:
        return typer.get_binary_stream("stdin").read() if str(path) == "-" else path.read_bytes()
    except OSError as error:
        err_console.print(f"error: {path}: {error.strerror}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _split_report(data: bytes) -> tuple[bytes, dict[str, str]]:
    """A case report is one JSON object with ``entries`` and ``keys``; a plain export is JSON lines."""
    stripped = data.lstrip()
    if stripped.startswith(b"{") and b"\n{" not in stripped.rstrip():
        try:
            report = json.loads(data)
        except json.JSONDecodeError:
            return data, {}
        if isinstance(report, dict) and "entries" in report:
            lines = "".join(line + "\n" for line in report["entries"]).encode()
            return lines, dict(report.get("keys", {}))
    return data, {}


@ledger_app.command("verify")
def ledger_verify(
    file: Annotated[Path, typer.Argument(help="An exported ledger (JSON lines) or a case report; - for stdin.")],
    keys: Annotated[Path | None, typer.Option(help='Public keys as JSON: {"USA": "<hex>", ...}.')] = None,
    db: Annotated[
        str | None, typer.Option("--db", envvar="AIRPARLEY_DB", help="Take the keys from a node's database.")
    ] = None,
) -> None:
    """Check every signature, chain link, seq, seen reference and time order. Exit 0 if all holds, else 1."""
    data, embedded = _split_report(_read_bytes(file))
    public: dict[str, str] = dict(embedded)
    if keys is not None:
        try:
            public.update(json.loads(keys.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as error:
            report_errors(str(keys), [InvalidInput("keys", f"not a readable JSON object of party keys ({error})")])
            raise typer.Exit(EXIT_BAD_INPUT) from None
    elif not public and db is not None:
        public = _db_keys(db)
    if not public:
        report_errors("keys", [InvalidInput("keys", "no public keys: pass --keys keys.json or --db URL")])
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        parsed = {party: public_key_from_text(text, f"keys.{party}") for party, text in public.items()}
    except InvalidInput as error:
        report_errors("keys", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    report = check_export(data, parsed)
    if report.ok:
        parties = ", ".join(f"{p}#{e.seq}" for p, e in sorted(report.heads.items()))
        out_console.print(f"ok: {report.checked} entries verified; heads {parties}")
        return
    first = report.first
    assert first is not None
    name = f"{first.party}#{first.seq}" if first.party is not None and first.seq is not None else first.where
    err_console.print(f"FAILED at {name} ({first.where}): {first.error}", markup=False)
    if len(report.problems) > 1:
        err_console.print(f"{len(report.problems) - 1} more problem(s):", markup=False)
        for problem in report.problems[1:20]:
            err_console.print(f"  {problem}", markup=False)
    raise typer.Exit(EXIT_FOUND)


def _summary(entry: Entry) -> str:
    body: Any = entry.to_dict()["body"]
    if "notice" in body:
        props = body["notice"]["features"][0]["properties"]
        return f"{props['notice_id']} v{props['version']} {props['kind']} ({props['state']})"
    if "message" in body:
        message = body["message"]
        content = message.get("content", {})
        what = content.get("template") or repr(content.get("text", ""))[:60]
        return f"{message['message_id']} {message['urgency']} to {','.join(message['recipients'])}: {what}"
    if entry.kind is Kind.TRACK_NON_RESPONSIVE:
        return f"{body['callsign'] or body['track']} of {body['owner']} non-responsive to {body['message_id']}"
    if "case_id" in body:
        step = body.get("entry", {})
        return f"{body['case_id']} {step.get('event', '')} -> {body.get('state', '')} {step.get('note', '')}".strip()
    if "message_id" in body:
        return f"{body['message_id']} {json.dumps(body.get('receipt') or body.get('escalation'))[:80]}"
    return json.dumps(body)[:100]


@ledger_app.command("show")
def ledger_show(
    file: Annotated[Path | None, typer.Argument(help="An exported ledger; omit to read the node's database.")] = None,
    db: Db = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per entry.")] = False,
) -> None:
    """A readable timeline: time, party#seq, kind and what the entry says."""
    if file is not None:
        data, _ = _split_report(_read_bytes(file))
    else:
        with transaction(db) as tx:
            data = "".join(line + "\n" for line in tx.ledger_lines()).encode()
    try:
        entries = parse_export(data)
    except InvalidInput as error:
        report_errors(str(file or db), [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for entry in sorted(entries, key=lambda e: (e.time, e.party, e.seq)):
        if as_json:
            out_console.out(json_line({**entry.to_dict(), "hash": entry.hash}))
        else:
            moment = entry.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            out_console.print(
                f"{moment}  {entry.party}#{entry.seq:<4} {entry.kind.value:<22} {_summary(entry)}", markup=False
            )


def _closure(entries: list[Entry], wanted: list[Entry]) -> list[Entry]:
    """The wanted entries with every entry they depend on: each feed's prefix up to them, and the
    prefixes of what their ``seen`` names, until nothing more is needed."""
    by_hash = {e.hash: e for e in entries}
    upto: dict[str, int] = {}
    pending = list(wanted)
    while pending:
        entry = pending.pop()
        if upto.get(entry.party, -1) >= entry.seq:
            continue
        start = upto.get(entry.party, -1) + 1
        upto[entry.party] = entry.seq
        for earlier in entries:
            if earlier.party == entry.party and start <= earlier.seq <= entry.seq:
                pending.extend(by_hash[h] for h in earlier.to_dict()["seen"].values() if h in by_hash)
    return [e for e in entries if e.seq <= upto.get(e.party, -1)]


def case_report_command(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    db: Db = DEFAULT_DB,
) -> None:
    """A self-contained, verifiable JSON report of one case: its entries, every entry they depend on
    (the notices in conflict, the messages about it, each feed's chain), and the parties' public keys.
    Check it with `airparley ledger verify REPORT.json`."""
    with transaction(db) as tx:
        document = tx.case(case_id)
        lines = tx.ledger_lines()
        keys = {p.code: p.public_key for p in tx.parties() if p.public_key}
    if document is None:
        report_errors("case", [InvalidInput("case_id", f"no case {case_id!r} on this node")])
        raise typer.Exit(EXIT_BAD_INPUT)
    entries = [Entry.from_json(line) for line in lines]
    subject_conflict = document.get("subject", {}).get("conflict_id")
    notice_ids = _conflict_notices(entries, document)
    wanted = []
    for entry in entries:
        body: Any = entry.to_dict()["body"]
        about_case = body.get("case_id") == case_id
        refs = body.get("message", {}).get("references", []) if "message" in body else []
        about_message = any(r.get("ref_id") in (case_id, subject_conflict) for r in refs)
        props = body["notice"]["features"][0]["properties"] if "notice" in body else {}
        about_notice = (props.get("notice_id"), props.get("version")) in notice_ids
        if about_case or about_message or about_notice:
            wanted.append(entry)
    included = _closure(entries, wanted)
    report = {
        "case_id": case_id,
        "case": document,
        "entries": [e.to_json() for e in included],
        "keys": {party: key for party, key in keys.items() if any(e.party == party for e in included)},
        "how_to_verify": "airparley ledger verify REPORT.json (or see docs/ledger.md to check it by hand)",
    }
    out_console.out(json.dumps(report, indent=1, ensure_ascii=False))


def _conflict_notices(entries: list[Entry], case: dict[str, Any]) -> set[tuple[str, int]]:
    """The two notice versions whose conflict the case is about, found by recomputing conflict ids."""
    conflict = case.get("subject", {}).get("conflict_id")
    if conflict is None:
        return set()
    versions: dict[str, set[tuple[str, int]]] = {}
    for entry in entries:
        body: Any = entry.to_dict()["body"]
        if "notice" in body:
            props = body["notice"]["features"][0]["properties"]
            versions.setdefault(entry.party, set()).add((props["notice_id"], int(props["version"])))
    parties = list(case.get("parties", []))
    if len(parties) != 2:
        return set()
    for a_id, a_version in versions.get(parties[0], set()):
        for b_id, b_version in versions.get(parties[1], set()):
            a, b = NoticeRef(a_id, parties[0], a_version), NoticeRef(b_id, parties[1], b_version)
            if conflict_id(a, b) == conflict:
                return {(a_id, a_version), (b_id, b_version)}
    return set()
