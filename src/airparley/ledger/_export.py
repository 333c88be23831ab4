"""The export format: UTF-8 JSON lines, one canonical entry per line, each line ending in ``\\n``.

Pure functions over bytes; reading and writing files is the caller's business (the CLI, the node).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from airparley.errors import InvalidInput
from airparley.ledger._canonical import parse_json
from airparley.ledger._entries import PARTY_CODE, Entry

__all__ = ["Line", "export", "parse_export", "split_export"]


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


def split_export(data: bytes) -> list[Line]:
    """Every line of ``data`` parsed on its own; a bad line becomes a ``Line`` with an error, not an exception.

    Strict on purpose: an empty line, a line without its final newline, a ``\\r`` or a byte-order mark are
    all errors, because each is a change of the exported bytes and none can come from ``export``.
    """
    if not data:
        return []
    pieces = data.split(b"\n")
    terminated = pieces[-1] == b""
    if terminated:
        pieces.pop()
    lines: list[Line] = []
    for index, raw in enumerate(pieces):
        number = index + 1
        where = f"line {number}"
        try:
            if not raw:
                raise InvalidInput("entry", "empty line")
            if not terminated and index == len(pieces) - 1:
                raise InvalidInput("entry", "the last line has no newline (the export is truncated or altered)")
            entry = Entry.from_json(raw)
        except InvalidInput as error:
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
