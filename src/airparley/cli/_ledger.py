"""``airparley ledger export|verify|show|keys``: the signed record, offline (``case report``: ``_case_report.py``).

``verify`` exits 0 when every signature, chain link, sequence, ``seen`` reference and time order holds,
1 otherwise, naming the first bad entry (party and seq) and what is wrong with it, and 2 for input it cannot
judge (an unreadable file, a malformed report, no pinned keys). It trusts **pinned** keys only (issue 12):
``--keys keys.json`` (``{"USA": "<64 hex>", ...}``, got from the parties out of band) and ``--db`` (the keys
registered on a node). A case report's own ``keys`` are the forger's to choose, so they are compared with the
pinned keys (a difference fails, naming the party) and used alone only with ``--trust-embedded-keys``, which
says loudly that the result proves internal consistency and nothing about who signed. Every key used is
printed with its fingerprint (SHA-256 of the raw key, first 16 hex) and where it came from.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

import typer

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_FOUND,
    JsonLinesWriter,
    database_url,
    err_console,
    json_line,
    out_console,
    report_errors,
)
from airparley.cli._node import DEFAULT_DB, Db, transaction
from airparley.cli._processes import in_blocks, jobs_for
from airparley.cli._progress import Counter, bars_shown, progress
from airparley.errors import InvalidInput
from airparley.ledger import (
    Entry,
    ExtractCheck,
    ExtractFile,
    KeySource,
    KeyTrust,
    Kind,
    Line,
    Report,
    TrustedKey,
    check_extract,
    check_lines,
    fingerprint,
    parse_export,
    parse_report_file,
    pin_keys,
    read_extract,
    signature_work,
    signatures_valid,
    split_export,
    trust_path,
    verified_signatures,
)

__all__ = ["ledger_app"]

ledger_app = typer.Typer(help="The signed ledger: export, verify, show.", no_args_is_help=True)


def _db_keys(db: str) -> dict[str, str]:
    with transaction(db) as tx:
        return {p.code: p.public_key for p in tx.parties() if p.public_key}


#: Lines written between two moves of ``ledger export``'s bar.
_EXPORT_BLOCK = 10_000


@ledger_app.command("export")
def ledger_export(
    db: Db = DEFAULT_DB, party: Annotated[str | None, typer.Option(help="One party's feed only.")] = None
) -> None:
    """Every entry of the node's ledger as JSON lines (one canonical entry per line), in time order."""
    with transaction(db) as tx, progress("ledger export: reading", None, data_on_stdout=True):
        lines = tx.ledger_lines(party.upper() if party else None)
    # One write a block of lines, not one echo a line: a million entries in seconds, not minutes.
    with JsonLinesWriter() as out, progress("ledger export: writing", len(lines), data_on_stdout=True) as update:
        for start in range(0, len(lines), _EXPORT_BLOCK):
            out.write_lines(lines[start : start + _EXPORT_BLOCK])
            update(min(start + _EXPORT_BLOCK, len(lines)))


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


def _split_report(data: bytes, source: str) -> tuple[bytes, dict[str, str] | None]:
    """The entries as export bytes, and a case report's embedded keys (``None`` for a plain export)."""
    try:
        report = parse_report_file(data)
    except InvalidInput as error:
        report_errors(source, [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if report is None:
        return data, None
    return report.entries, dict(report.keys)


def _read_extract(data: bytes, source: str) -> tuple[ExtractFile, dict[str, str]] | None:
    """A minimal case report's extract and embedded keys, ``None`` for anything else; exit 2 if malformed."""
    try:
        return read_extract(data)
    except InvalidInput as error:
        report_errors(source, [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _proofs_line(proofs: ExtractCheck) -> str:
    witnessed = sum(anchor.witness is not None for anchor in proofs.anchors)
    return (
        f"proofs: {len(proofs.anchors)} subject entries, {witnessed} in a chain another party acknowledged in seen,"
        f" {len(proofs.anchors) - witnessed} not yet acknowledged (signature only)"
    )


def _proofs_dict(proofs: ExtractCheck | None) -> dict[str, Any]:
    if proofs is None:
        return {}
    return {
        "proofs": [
            {
                "subject": f"{a.subject.party}#{a.subject.seq}",
                "anchor": f"{a.anchor.party}#{a.anchor.seq}",
                "witness": None if a.witness is None else f"{a.witness.party}#{a.witness.seq}",
            }
            for a in proofs.anchors
        ]
    }


def _shown_url(db: str) -> str:
    """The database as ``--db`` means it, with any password masked: the origin of keys is printed."""
    return re.sub(r"(://[^/:@]*:)[^/]*@", r"\1***@", database_url(db))  # up to the last @: it may be in the password


def _keys_file(path: Path) -> list[TrustedKey]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise InvalidInput("keys", f"not a readable JSON object of party keys ({reason})", str(path)) from None
    if not isinstance(document, dict):
        raise InvalidInput("keys", 'must be a JSON object of party keys ({"USA": "<64 hex>", ...})', str(path))
    try:
        return [TrustedKey(str(party), text, KeySource.KEYS_FILE, str(path)) for party, text in document.items()]
    except InvalidInput as error:
        raise error.at(str(path)) from None


def _trust(
    keys: Path | None, db: str | None, embedded: dict[str, str] | None, source: str, trust_embedded: bool
) -> KeyTrust:
    """The keys to verify with, or exit 2 saying why there are none."""
    pinned: list[TrustedKey] = []
    if keys is not None:
        pinned.extend(_keys_file(keys))
    if db is not None:
        origin = _shown_url(db)
        pinned.extend(TrustedKey(party, text, KeySource.NODE_DB, origin) for party, text in _db_keys(db).items())
    trust = pin_keys(pinned, embedded, embedded_origin=source, trust_embedded=trust_embedded)
    if not trust.trusted:
        if embedded:
            reason = (
                f"the report's embedded keys ({', '.join(sorted(embedded))}) are not pinned, and a forger chooses"
                " them: pass --keys KEYS.json (the parties' keys, got from them) or --db NODE_DB (a node's"
                " registered keys), or --trust-embedded-keys to check only that the report is self-consistent"
            )
        elif keys is not None or db is not None:
            reason = "the keys file and the node's database hold no public key"
        else:
            reason = "no pinned public keys: pass --keys KEYS.json (the parties' keys) or --db NODE_DB"
        raise InvalidInput("keys", reason)
    return trust


def _key_dict(key: TrustedKey) -> dict[str, Any]:
    return {
        "party": key.party,
        "fingerprint": key.fingerprint,
        "public_key": key.public_key,
        "source": key.source.value,
        "origin": key.origin,
        "pinned": key.pinned,
        "trust": "pinned" if key.pinned else "embedded (NOT pinned)",
    }


def _rotated_dicts(key: TrustedKey, report: Report) -> list[dict[str, Any]]:
    """The keys ``key``'s party rotated to that the verifier followed; ``pinned``: the trust rests on a pin."""
    return [
        {
            "party": k.party,
            "fingerprint": k.fingerprint,
            "public_key": k.public_key,
            "source": "rotation",
            "origin": k.rotation.where,
            "pinned": key.pinned,
            "trust": k.trust,
            "rotated_from": fingerprint(k.rotation.old_key),
            "rotation": {"seq": k.rotation.seq, "hash": k.rotation.hash, "where": k.rotation.where},
        }
        for k in trust_path(key, report.rotations)
        if k.rotation is not None
    ]


def _used(trust: KeyTrust, report: Report) -> tuple[list[TrustedKey], list[str]]:
    """The keys of the parties that have entries here (a keys file may pin many more), and the parties that
    have entries but no key to verify them with."""
    present = set(report.heads) | {mismatch.party for mismatch in trust.mismatches}
    used = [key for key in trust.trusted if key.party in present]
    return used, sorted(set(report.heads) - {key.party for key in used})


def _result_dict(trust: KeyTrust, report: Report, warning: str | None) -> dict[str, Any]:
    first = report.first
    used, unkeyed = _used(trust, report)
    return {
        "result": "verified" if report.ok and not trust.mismatches else "failed",
        "checked": report.checked,
        "keys": [d for key in used for d in (_key_dict(key), *_rotated_dicts(key, report))],
        "trust_paths": {
            key.party: [f"{k.fingerprint} {k.trust}" for k in trust_path(key, report.rotations)] for key in used
        },
        "parties_without_key": unkeyed,
        "key_mismatches": [
            {
                "party": mismatch.party,
                "embedded_fingerprint": fingerprint(mismatch.embedded),
                "pinned_fingerprint": mismatch.pinned.fingerprint,
                "pinned_source": mismatch.pinned.source.value,
                "pinned_origin": mismatch.pinned.origin,
            }
            for mismatch in trust.mismatches
        ],
        "refused_embedded_keys": list(trust.refused),
        "warning": warning,
        "heads": {party: {"seq": entry.seq, "hash": entry.hash} for party, entry in sorted(report.heads.items())},
        "problems": len(report.problems),
        "first_bad_entry": None
        if first is None
        else {
            "party": first.party,
            "seq": first.seq,
            "where": first.where,
            "error": type(first.error).__name__,
            "reason": str(first.error),
        },
    }


def _print_keys(trust: KeyTrust, report: Report) -> None:
    used, unkeyed = _used(trust, report)
    out_console.out("keys used (fingerprint: SHA-256 of the raw 32-byte public key, first 16 hex):")
    width = max((len(party) for party in [*(key.party for key in used), *unkeyed]), default=3)
    for key in used:
        for held in trust_path(key, report.rotations):
            out_console.out(f"  {key.party:<{width}}  {held.fingerprint}  {held.describe()}")
    for party in unkeyed:
        out_console.out(f"  {party:<{width}}  {'-' * 16}  no pinned key: its entries cannot be verified")


#: Signature checks a worker process makes at a time.
_VERIFY_BLOCK = 5_000


def _check_export(data: bytes, keys: dict[str, str], plain: bool, source: str, jobs: int | None) -> Report:
    """``check_export``, the signatures checked by ``jobs`` processes (``None``: one per core, one for fewer
    than two blocks of entries), with a bar on a terminal's stderr (``cli/_progress.py``)."""
    label = "line" if plain else "entry"
    lines = split_export(data, label)
    workers = jobs_for(jobs, len(lines), _VERIFY_BLOCK)
    valid = _verified_in_processes(lines, keys, workers, source) if workers > 1 else None
    if not bars_shown():
        return check_lines(lines, keys, label=label, valid_signatures=valid)
    stage = "verifying" if valid is None else "checking the chains"
    with progress(f"{source}: {stage}", len(lines)) as update:
        return check_lines(lines, keys, label=label, progress=Counter(update), valid_signatures=valid)


def _verified_in_processes(lines: list[Line], keys: dict[str, str], workers: int, source: str) -> dict[str, bytes]:
    """The signatures of ``lines`` that verify under the key each feed's walk will try (``signature_work``),
    checked by ``workers`` forked processes a block at a time: each check is independent of the others, and
    the workers inherit the parsed entries. ``check_lines`` makes any check this does not answer itself."""
    work = signature_work(lines, keys)
    verdicts: list[bytes] = []
    # The workers are forked before the bar starts drawing: none inherits it.
    with (
        in_blocks(signatures_valid, work, len(work), _VERIFY_BLOCK, workers) as checked,
        progress(f"{source}: verifying signatures", len(work)) as bar,
    ):
        done = 0
        for block in checked:
            verdicts.append(block)
            done += len(block)
            bar(done)
    return verified_signatures(work, b"".join(verdicts))


@ledger_app.command("verify")
def ledger_verify(
    file: Annotated[Path, typer.Argument(help="An exported ledger (JSON lines) or a case report; - for stdin.")],
    keys: Annotated[
        Path | None, typer.Option(help='Pinned public keys as JSON: {"USA": "<hex>", ...} (ledger keys makes one).')
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="AIRPARLEY_DB", help="Pin the keys registered in this node's database."),
    ] = None,
    trust_embedded_keys: Annotated[
        bool,
        typer.Option(
            "--trust-embedded-keys",
            help="Use a case report's own keys for parties nothing pins: proves internal consistency only.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The result as one JSON object on stdout.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=1,
            max=256,
            help="Processes checking signatures (default: one per core; one below 10,000 entries). Same result.",
        ),
    ] = None,
) -> None:
    """Check every signature, chain link, seq, seen reference and time order against pinned keys.
    Exit 0 if all holds, 1 if not (naming the first bad entry), 2 for bad input or no pinned keys."""
    source = "-" if str(file) == "-" else str(file)
    raw = _read_bytes(file)
    extract = _read_extract(raw, source)  # a minimal case report (issue 14): entries with their proofs
    data, embedded = (extract[0].entries, extract[1]) if extract is not None else _split_report(raw, source)
    try:
        trust = _trust(keys, db, embedded, f"the report {source}", trust_embedded_keys)
    except InvalidInput as error:
        report_errors("verify", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    proofs = None if extract is None else check_extract(extract[0], trust.keys)
    report = proofs.report if proofs is not None else _check_export(data, trust.keys, embedded is None, source, jobs)
    warning = None
    if trust.unpinned:
        parties = ", ".join(key.party for key in trust.unpinned)
        warning = (
            f"trusting the keys embedded in the report for {parties} (--trust-embedded-keys): a pass proves only"
            " that the report is internally consistent, not that these parties signed it (anyone can change a"
            " report and re-sign it with fresh keys); compare the fingerprints with the parties' own"
        )
    if as_json:
        out_console.out(json_line({**_result_dict(trust, report, warning), **_proofs_dict(proofs)}))
    else:
        _print_keys(trust, report)
    if warning is not None:
        err_console.print(f"WARNING: {warning}", markup=False)
    for party in trust.refused:
        err_console.print(f"note: the report's embedded key of {party} is not pinned and was not used", markup=False)
    for mismatch in trust.mismatches:
        err_console.print(f"FAILED: {mismatch}", markup=False)
    if report.ok and not trust.mismatches:
        if not as_json:
            parties = ", ".join(f"{p}#{e.seq}" for p, e in sorted(report.heads.items()))
            caveat = " (under keys NOT pinned: internal consistency only)" if trust.unpinned else ""
            out_console.out(f"ok: {report.checked} entries verified; heads {parties}{caveat}")
            if proofs is not None:
                out_console.out(_proofs_line(proofs))
        return
    first = report.first
    if first is not None:
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
        data, _ = _split_report(_read_bytes(file), str(file))
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
