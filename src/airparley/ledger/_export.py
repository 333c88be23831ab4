"""The export format: UTF-8 JSON lines, one canonical entry per line, each line ending in ``\\n``; and the
case report, one JSON object whose ``entries`` are such lines and whose ``keys`` are its parties' keys.

Pure functions over bytes; reading and writing files is the caller's business (the CLI, the node).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from airparley.errors import InvalidInput
from airparley.ledger._canonical import parse_json
from airparley.ledger._entries import PARTY_CODE, Entry

__all__ = ["Line", "ReportFile", "export", "parse_export", "parse_report_file", "split_export"]


@dataclass(frozen=True)
class Line:
    """One line of an export: its 1-based number and either the entry it holds or the error saying why not.

    ``party`` and ``seq`` are filled in for a malformed line when they can still be read from it, so a
    report can name the entry even when the line does not parse as one.
    """

    number: int
    content: Entry | InvalidInput
    party: str | None = None
    seq: int | None = None


def export(entries: Iterable[Entry]) -> bytes:
    """The entries as an export, in the order given (verification does not depend on the order)."""
    return b"".join(entry.to_bytes() + b"\n" for entry in entries)


def _identify(raw: bytes) -> tuple[str | None, int | None]:
    # Best effort only, to name the entry on a line that failed to parse as one.
    try:
        data = parse_json(raw.decode("utf-8"))
    except (InvalidInput, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    party, seq = data.get("party"), data.get("seq")
    return (
        party if isinstance(party, str) and PARTY_CODE.fullmatch(party) else None,
        seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
    )


def split_export(data: bytes, label: str = "line") -> list[Line]:
    """Every line of ``data`` parsed on its own; a bad line becomes a ``Line`` with an error, not an exception.

    Strict on purpose: an empty line, a line without its final newline, a ``\\r`` or a byte-order mark are
    all errors, because each is a change of the exported bytes and none can come from ``export``. A bad line
    is located as ``{label} N`` (``entry N`` for the entries of a case report).
    """
    if not data:
        return []
    pieces = data.split(b"\n")
    terminated = pieces[-1] == b""
    if terminated:
        pieces.pop()
    lines: list[Line] = []
    last = len(pieces) - 1
    for index, raw in enumerate(pieces):
        number = index + 1
        try:
            if not raw:
                raise InvalidInput("entry", "empty line")
            if index == last and not terminated:
                raise InvalidInput("entry", "the last line has no newline (the export is truncated or altered)")
            entry = Entry.from_json(raw)
        except InvalidInput as error:
            where = f"{label} {number}"
            party, seq = _identify(raw)
            label = f"{where} ({party}#{seq})" if party is not None and seq is not None else where
            lines.append(Line(number, error.at(label), party, seq))
        else:
            lines.append(Line(number, entry, entry.party, entry.seq))
    return lines


def parse_export(data: bytes) -> list[Entry]:
    """All entries of an export, or ``InvalidInput`` located at the first malformed line (no signature checks)."""
    entries: list[Entry] = []
    for line in split_export(data):
        if isinstance(line.content, InvalidInput):
            raise line.content
        entries.append(line.content)
    return entries


@dataclass(frozen=True)
class ReportFile:
    """What a case report holds for its verifier: ``entries`` as export bytes (its ``entries`` strings, one per
    line, so ``entry N`` of a verification is ``entries[N-1]``) and ``keys`` as embedded (party -> text, not
    checked, and never to be trusted for being there: see ``pin_keys``)."""

    entries: bytes
    keys: Mapping[str, str]
    case_id: str | None = None


def parse_report_file(data: bytes) -> ReportFile | None:
    """The case report in ``data``, or ``None`` when ``data`` is not one (a JSON-lines export).

    A case report is one JSON object with an ``entries`` member (``airparley case report``). Its shape is
    checked here (``InvalidInput`` naming ``entries[i]`` or ``keys.PARTY``): a list of strings, each one line,
    and an object of strings; the entries themselves are checked by verification.
    """
    stripped = data.lstrip()
    # An export's lines are objects too: one object spread over lines, or one line alone, is a report only if
    # it parses whole and has ``entries`` (an entry never has that member).
    if not stripped.startswith(b"{") or b"\n{" in stripped.rstrip():
        return None
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(document, dict) or "entries" not in document:
        return None
    entries = document["entries"]
    if not isinstance(entries, list):
        raise InvalidInput("entries", "must be a list of ledger lines (strings)")
    for index, line in enumerate(entries):
        if not isinstance(line, str):
            raise InvalidInput(f"entries[{index}]", "must be a string: one canonical ledger line")
        if "\n" in line or "\r" in line:
            raise InvalidInput(f"entries[{index}]", "must be one line (it contains a line break)")
    keys = document.get("keys", {})
    if not isinstance(keys, dict):
        raise InvalidInput("keys", "must be an object of party codes to public keys")
    for party, text in keys.items():
        if not isinstance(text, str):
            raise InvalidInput(f"keys.{party}", "must be 64 lowercase hex digits (the raw 32-byte Ed25519 public key)")
    case_id = document.get("case_id")
    return ReportFile(
        entries="".join(line + "\n" for line in entries).encode("utf-8", "surrogatepass"),
        keys=MappingProxyType(dict(keys)),
        case_id=case_id if isinstance(case_id, str) else None,
    )
