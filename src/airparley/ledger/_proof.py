"""Extracts: a few entries of a ledger, each with the proof that it belongs to its party's chain.

A case report must verify without the rest of the ledger (issue 14) yet show that its entries are the ones
their parties wrote into their feeds, not entries signed on the side. The proof of an entry ``E`` of party
``P`` is a *hash path* and a *witness*:

* the path is ``P``'s entries after ``E`` up to an *anchor* ``A`` (empty when ``A`` is ``E``): each one's
  ``prev`` is the hash of the one before, so ``E`` is in the chain that ends at ``A``;
* the witness is an entry of another party ``Q`` whose ``seen[P]`` is the hash of ``A``: ``Q`` signed that
  it had received ``P``'s feed up to ``A``, so ``P`` cannot later present a chain without ``E``, and a verifier
  needs no entry of ``P`` before ``E`` nor any other entry of ``Q``.

An entry no other party has yet acknowledged has no witness and an empty path: it stands on its signature
alone, and the check says so (``Anchor.witness`` is None, ``ExtractCheck.unwitnessed``).

The path holds whole entries, because an entry's hash covers its bytes, body included: a path entry is
disclosed with the proof. ``extract`` chooses, for every entry, the anchor whose proof adds the fewest entries
that the extract does not already hold (an entry of the extract witnesses another at no cost), so the
extract of a case is mostly the case's own entries.

A document (``Extract.to_document``, ``parse_extract``) lists every entry once as its canonical line in
``entries`` and refers to them by 1-based number (``entry N`` in every problem): ``subjects`` are the entries
the extract is about; each of ``proofs`` is ``{"entry": N, "path": [N, ...], "witness": N | null}``.

Keys: each party's first key is pinned. A proof does not carry a feed from its start, so the key in force at
an entry is known only along a run of held entries linked by ``prev``: the first key where no rotation the
extract holds comes before the run, then after each ``key.rotated`` entry signed by the key in force the key
it announces (``_signed_runs``). ``extract`` carries a party's first rotation, with a path through the party's
newest held entry, whenever its held entries reach past it (``_cover_rotations``), so an extract that spans a
rotation verifies with the first key alone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from airparley.errors import ChainBroken, Equivocation, InvalidInput, LedgerError, SignatureInvalid
from airparley.ledger._entries import Entry, Kind, format_time, key_after
from airparley.ledger._export import Line, split_export
from airparley.ledger._keys import Rotation, public_key_from_text, public_key_to_text, signature_valid
from airparley.ledger._verify import DEFAULT_CLOCK_SKEW, Problem, PublicKeys, Report, signature_problem

__all__ = [
    "Anchor",
    "Extract",
    "ExtractCheck",
    "ExtractFile",
    "Inclusion",
    "check_extract",
    "extract",
    "parse_extract",
    "read_extract",
    "verify_extract",
]


@dataclass(frozen=True)
class Inclusion:
    """The proof that ``entry`` is in its party's chain: ``path`` (the party's entries after it, seq by seq, up
    to the anchor) and ``witness`` (another party's entry whose ``seen`` names the anchor), or no witness."""

    entry: Entry
    path: tuple[Entry, ...]
    witness: Entry | None

    @property
    def anchor(self) -> Entry:
        return self.path[-1] if self.path else self.entry


@dataclass(frozen=True)
class Extract:
    """Entries (``subjects``) and one ``Inclusion`` each, in the same order."""

    subjects: tuple[Entry, ...]
    proofs: tuple[Inclusion, ...]

    def entries(self) -> tuple[Entry, ...]:
        """Every entry the extract holds, once: the subjects in order, then the path and witness entries
        that are not subjects, by party and seq."""
        held = dict.fromkeys(self.subjects)
        links = {e for proof in self.proofs for e in (*proof.path, proof.witness) if e is not None} - set(held)
        return (*held, *sorted(links, key=lambda e: (e.party, e.seq)))

    def to_document(self) -> dict[str, Any]:
        """``{"entries": [line, ...], "subjects": [N, ...], "proofs": [...]}`` with 1-based entry numbers."""
        held = self.entries()
        number = {entry: index for index, entry in enumerate(held, start=1)}
        return {
            "entries": [entry.to_json() for entry in held],
            "subjects": [number[entry] for entry in self.subjects],
            "proofs": [
                {
                    "entry": number[proof.entry],
                    "path": [number[link] for link in proof.path],
                    "witness": None if proof.witness is None else number[proof.witness],
                }
                for proof in self.proofs
            ],
        }


def _witnesses(
    ledger: Sequence[Entry], by_hash: Mapping[str, Entry], allowed: Collection[str] | None
) -> dict[str, dict[int, list[Entry]]]:
    """party P -> anchor seq -> the entries of other parties whose ``seen[P]`` names P's entry at that seq."""
    found: dict[str, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in ledger:
        if allowed is not None and entry.party not in allowed:
            continue
        for other, reference in entry.seen.items():
            anchor = by_hash.get(reference)
            if anchor is not None and anchor.party == other:
                found[other][anchor.seq].append(entry)
    return found


def extract(ledger: Iterable[Entry], subjects: Iterable[Entry], *, witnesses: Collection[str] | None = None) -> Extract:
    """The subjects with their proofs, built from ``ledger`` (every entry the node holds; one chain per party).

    ``witnesses`` limits the parties whose entries may witness (a case report uses the case's parties, so it
    holds no entry of a party outside the case); ``None`` allows any. A subject not in ``ledger`` is
    ``InvalidInput``. Pure and deterministic: the same ledger and subjects give the same extract.
    """
    entries = list(ledger)
    by_hash = {entry.hash: entry for entry in entries}
    feeds: dict[str, dict[int, Entry]] = defaultdict(dict)
    for entry in entries:
        feeds[entry.party][entry.seq] = entry
    chosen = list(dict.fromkeys(subjects))
    for index, subject in enumerate(chosen):
        if by_hash.get(subject.hash) is None:
            raise InvalidInput(f"subjects[{index}]", f"{subject.party}#{subject.seq} is not an entry of this ledger")
    candidates = _witnesses(entries, by_hash, witnesses)
    held: set[Entry] = set(chosen)
    proofs: dict[Entry, Inclusion] = {}
    for subject in chosen:
        proofs[subject] = _inclusion(feeds[subject.party], subject, subject.seq, candidates[subject.party], held)
    _cover_rotations(feeds, proofs, candidates, held)
    return Extract(tuple(proofs), tuple(proofs.values()))


def _inclusion(
    feed: Mapping[int, Entry], subject: Entry, reach: int, candidates: Mapping[int, list[Entry]], held: set[Entry]
) -> Inclusion:
    """The cheapest proof of ``subject`` whose path reaches at least seq ``reach``; adds its entries to ``held``."""
    best: tuple[int, int, Inclusion] | None = None
    added = 0  # entries of the path so far that the extract does not hold yet
    path: list[Entry] = []
    seq = subject.seq
    while True:
        if best is not None and added >= best[0]:
            break  # a longer path cannot add fewer entries
        if seq >= reach:
            for witness in sorted(candidates.get(seq, []), key=lambda w: (w not in held, w.time)):
                cost = added + (0 if witness in held else 1)
                if best is None or cost < best[0]:
                    best = (cost, seq, Inclusion(subject, tuple(path), witness))
        following = feed.get(seq + 1)
        if following is None or following.prev != feed[seq].hash:
            break
        seq += 1
        path.append(following)
        added += following not in held
    # Unacknowledged: the entry alone (or its path to ``reach``). A path to the party's own newest entry would
    # prove only order within its feed, and would disclose every later entry of that party.
    unwitnessed = Inclusion(subject, tuple(e for e in path if e.seq <= reach), None)
    proof = best[2] if best is not None else unwitnessed
    held.update(proof.path)
    if proof.witness is not None:
        held.add(proof.witness)
    return proof


def _cover_rotations(
    feeds: Mapping[str, Mapping[int, Entry]],
    proofs: dict[Entry, Inclusion],
    candidates: Mapping[str, Mapping[int, list[Entry]]],
    held: set[Entry],
) -> None:
    """Make every entry the extract holds verifiable under its party's first key alone (``_signed_runs``).

    An entry after a ``key.rotated`` entry is signed by the key the rotation announced, which a verifier trusts
    only on the chain after the rotation. So for each party whose held entries reach past its first rotation,
    that rotation becomes a subject whose proof's path runs through the party's newest held entry: every later
    rotation, and every held entry after the first, is then on one hash chain from it. A witness the new proof
    adds may reach past another party's rotation in turn; the loop runs until nothing changes (each party's
    reach only grows, bounded by its feed)."""
    while True:
        changed = False
        newest: dict[str, int] = {}
        for entry in held:
            newest[entry.party] = max(newest.get(entry.party, entry.seq), entry.seq)
        for party, reach in sorted(newest.items()):
            feed = feeds[party]
            first = next(
                (feed[seq] for seq in sorted(feed) if seq < reach and feed[seq].kind is Kind.KEY_ROTATED), None
            )
            if first is None:
                continue
            current = proofs.get(first)
            if current is not None and current.anchor.seq >= reach:
                continue
            proofs[first] = _inclusion(feed, first, reach, candidates.get(party, {}), held)
            held.add(first)
            changed = True
        if not changed:
            return


@dataclass(frozen=True)
class ExtractFile:
    """An extract as read from a document, not yet checked: its lines as export bytes (``entry N`` is line
    N) and its structure as entry numbers."""

    entries: bytes
    subjects: tuple[int, ...]
    proofs: tuple[tuple[int, tuple[int, ...], int | None], ...]


def _number(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(field, "must be an entry number (1 for the first of entries)")
    return value


def read_extract(data: bytes) -> tuple[ExtractFile, dict[str, str]] | None:
    """The extract and its embedded keys (party -> text, unchecked: see ``pin_keys``) in a report's bytes, or
    ``None`` when ``data`` is not one JSON object with ``proofs`` (an export, or a report of another kind)."""
    if not data.lstrip().startswith(b"{"):
        return None
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(document, dict) or "proofs" not in document:
        return None
    keys = document.get("keys", {})
    if not isinstance(keys, dict):
        raise InvalidInput("keys", "must be an object of party codes to public keys")
    for party, text in keys.items():
        if not isinstance(text, str):
            raise InvalidInput(f"keys.{party}", "must be 64 lowercase hex digits (the raw 32-byte Ed25519 public key)")
    return parse_extract(document), dict(keys)


def parse_extract(document: Mapping[str, Any]) -> ExtractFile:
    """The extract in a parsed document; ``InvalidInput`` naming the member whose shape is wrong."""
    lines = document.get("entries")
    if not isinstance(lines, list):
        raise InvalidInput("entries", "must be a list of ledger lines (strings)")
    for index, line in enumerate(lines):
        if not isinstance(line, str):
            raise InvalidInput(f"entries[{index}]", "must be a string: one canonical ledger line")
        if "\n" in line or "\r" in line:
            raise InvalidInput(f"entries[{index}]", "must be one line (it contains a line break)")
    subjects = document.get("subjects")
    if not isinstance(subjects, list):
        raise InvalidInput("subjects", "must be a list of entry numbers")
    proofs = document.get("proofs")
    if not isinstance(proofs, list):
        raise InvalidInput("proofs", "must be a list of proofs")
    parsed: list[tuple[int, tuple[int, ...], int | None]] = []
    for index, proof in enumerate(proofs):
        where = f"proofs[{index}]"
        if not isinstance(proof, dict) or set(proof) != {"entry", "path", "witness"}:
            raise InvalidInput(where, 'must be {"entry": N, "path": [N, ...], "witness": N or null}')
        path = proof["path"]
        if not isinstance(path, list):
            raise InvalidInput(f"{where}.path", "must be a list of entry numbers")
        witness = proof["witness"]
        parsed.append(
            (
                _number(proof["entry"], f"{where}.entry"),
                tuple(_number(n, f"{where}.path[{i}]") for i, n in enumerate(path)),
                None if witness is None else _number(witness, f"{where}.witness"),
            )
        )
    return ExtractFile(
        entries="".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass"),
        subjects=tuple(_number(n, f"subjects[{i}]") for i, n in enumerate(subjects)),
        proofs=tuple(parsed),
    )


@dataclass(frozen=True)
class Anchor:
    """What the proof of one subject established: the subject, the anchor its path reaches, and the witness
    (another party's entry that acknowledged the anchor), or ``None`` when no other party has yet."""

    subject: Entry
    anchor: Entry
    witness: Entry | None


@dataclass(frozen=True)
class ExtractCheck:
    """``report`` as ``check`` gives it (problems located as ``entry N``; ``heads`` each party's highest entry
    in the extract) and, when it is ok, one ``Anchor`` per subject."""

    report: Report
    anchors: tuple[Anchor, ...]

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def unwitnessed(self) -> tuple[Entry, ...]:
        return tuple(anchor.subject for anchor in self.anchors if anchor.witness is None)


def check_extract(
    file: ExtractFile, public_keys: PublicKeys, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW
) -> ExtractCheck:
    """Every problem with an extract: malformed lines, signatures under the pinned keys, each proof's links
    (party, seq, ``prev``, time order, the witness's ``seen``), equivocation, and entries no proof uses."""
    if clock_skew < timedelta(0):
        raise InvalidInput("clock_skew", "must not be negative")
    keys = {
        party: public_key_from_text(key, f"public_keys.{party}") if isinstance(key, str) else key
        for party, key in public_keys.items()
    }
    lines: list[Line] = split_export(file.entries, "entry")
    problems: list[Problem] = []
    held: dict[int, Entry] = {}

    def report(number: int, error: LedgerError | InvalidInput) -> None:
        line = lines[number - 1] if 0 < number <= len(lines) else None
        party, seq = (None, None) if line is None else (line.party, line.seq)
        problems.append(Problem(number, f"entry {number}", party, seq, error))

    seen_hash: dict[str, int] = {}
    unkeyed: set[str] = set()
    by_party: dict[str, list[tuple[int, Entry]]] = defaultdict(list)
    for line in lines:
        if isinstance(line.content, InvalidInput):
            problems.append(Problem(line.number, f"entry {line.number}", line.party, line.seq, line.content))
            continue
        entry, where = line.content, f"entry {line.number}"
        if entry.hash in seen_hash:
            report(
                line.number,
                ChainBroken(f"duplicate of entry {seen_hash[entry.hash]} [{where}]", entry.party, entry.seq),
            )
            continue
        seen_hash[entry.hash] = line.number
        if entry.party not in keys:
            if entry.party not in unkeyed:
                unkeyed.add(entry.party)
                report(
                    line.number,
                    LedgerError(
                        f"unknown party {entry.party}: no public key was given for it [{where}]", entry.party, entry.seq
                    ),
                )
            continue
        by_party[entry.party].append((line.number, entry))
    rotations: list[Rotation] = []
    for party, candidates in by_party.items():
        held.update(_signed_runs(party, candidates, keys[party], report, rotations))

    by_seq: dict[tuple[str, int], int] = {}
    for number, entry in sorted(held.items()):
        other = by_seq.setdefault((entry.party, entry.seq), number)
        if other != number:
            report(
                number,
                Equivocation(
                    f"equivocation: two different entries signed as {entry.party}#{entry.seq}, the other"
                    f" at entry {other} [entry {number}]",
                    entry.party,
                    entry.seq,
                    held[other],
                    entry,
                ),
            )

    used: set[int] = set()
    anchors: list[Anchor] = []
    proof_of = {proof[0]: proof for proof in file.proofs}
    for number in file.subjects:
        proof = proof_of.get(number)
        if proof is None:
            report(number, LedgerError(f"no proof is given for subject entry {number} [entry {number}]"))
            continue
        anchor = _check_proof(proof, held, len(lines), clock_skew, report)
        used.update((proof[0], *proof[1], *(() if proof[2] is None else (proof[2],))))
        if anchor is not None:
            anchors.append(anchor)
    for number, _path, _witness in file.proofs:
        if number not in file.subjects:
            report(number, LedgerError(f"a proof is given for entry {number}, which is not a subject [entry {number}]"))
    for line in lines:
        if line.number not in used and isinstance(line.content, Entry):
            entry = line.content
            report(
                line.number,
                LedgerError(
                    f"{entry.party}#{entry.seq} is neither a subject nor part of a proof [entry {line.number}]",
                    entry.party,
                    entry.seq,
                ),
            )

    problems.sort(key=lambda problem: problem.position)
    heads: dict[str, Entry] = {}  # of every entry read, signed or not, as check() gives them
    for line in lines:
        if not isinstance(line.content, Entry):
            continue
        entry = line.content
        if entry.party not in heads or entry.seq > heads[entry.party].seq:
            heads[entry.party] = entry
    rotations.sort(key=lambda rotation: (rotation.party, rotation.seq))
    result = Report(
        checked=len(lines),
        problems=tuple(problems),
        heads=MappingProxyType(dict(sorted(heads.items()))),
        rotations=tuple(rotations),
    )
    return ExtractCheck(result, tuple(anchors) if result.ok else ())


def _signed_runs(
    party: str,
    candidates: list[tuple[int, Entry]],
    first_key: Ed25519PublicKey,
    report: Any,
    rotations: list[Rotation],
) -> dict[int, Entry]:
    """The entries of ``party`` (by number) whose signature verifies under the key in force at them, following
    the party's ``key.rotated`` entries; reports the others, saying why.

    An extract holds runs of a feed (entries linked by ``prev``), not the feed from its start. The key in force
    at an entry is known only along a run: the pinned first key where no rotation the extract holds comes
    before the run, then after each rotation signed by the key in force the key it announces. A run that starts
    after a followed rotation is not shown to lie on the chain after it (the entries between are missing), so
    no key of the party can be trusted there: its entries are refused, each naming the rotation.
    """
    by_link = {(entry.seq, entry.hash): number for number, entry in sorted(candidates, reverse=True)}
    key_for_next: dict[int, Ed25519PublicKey | None] = {}
    signed: dict[int, Entry] = {}
    followed: list[Entry] = []
    announced: list[tuple[Entry, Ed25519PublicKey | None]] = []
    unsigned: list[tuple[int, Entry, Ed25519PublicKey | None]] = []
    for number, entry in sorted(candidates, key=lambda c: (c[1].seq, c[0])):
        predecessor = by_link.get((entry.seq - 1, entry.prev))
        signer: Ed25519PublicKey | None
        if predecessor is not None:
            signer = key_for_next[predecessor]
        elif any(rotation.seq < entry.seq for rotation in followed):
            signer = None
        else:
            signer = first_key
        key_for_next[number] = signer
        if signer is None or not signature_valid(signer, entry.signed_bytes, entry.sig):
            if entry.kind is Kind.KEY_ROTATED:
                announced.append((entry, None))
            unsigned.append((number, entry, signer))
            continue
        signed[number] = entry
        if entry.kind is Kind.KEY_ROTATED:
            new_key = key_after(entry, signer)
            key_for_next[number] = new_key
            followed.append(entry)
            announced.append((entry, signer))
            rotations.append(
                Rotation(
                    party,
                    entry.seq,
                    entry.hash,
                    public_key_to_text(signer),
                    public_key_to_text(new_key),
                    f"entry {number}",
                )
            )
    detached = "is not chained to it in this extract (no hash path from the rotation to the entry)"
    for number, entry, signer in unsigned:
        reason = signature_problem(entry, signer, announced, detached)
        if signer is None and not reason.startswith("signed by"):
            after = max(rotation.seq for rotation in followed if rotation.seq < entry.seq)
            reason = (
                f"{reason}: it comes after {party}#{after} (key.rotated) but the extract holds no hash path from"
                " that rotation to it"
            )
        report(number, SignatureInvalid(f"{reason} [entry {number}]", party, entry.seq))
    return signed


def _check_proof(
    proof: tuple[int, tuple[int, ...], int | None],
    held: Mapping[int, Entry],
    count: int,
    clock_skew: timedelta,
    report: Any,
) -> Anchor | None:
    """The anchor of one proof, or ``None`` after reporting what breaks it (entries already reported as
    malformed or unsigned break it silently: their problem is named once)."""
    number, path, witness_number = proof
    for n in (number, *path, *(() if witness_number is None else (witness_number,))):
        if n > count:
            report(number, InvalidInput("proofs", f"refers to entry {n}; the extract has {count} [entry {number}]"))
            return None
        if n not in held:
            return None
    subject = held[number]
    current, current_number = subject, number
    for link_number in path:
        link = held[link_number]
        where = f"entry {link_number}"
        if link.party != subject.party or link.seq != current.seq + 1 or link.prev != current.hash:
            report(
                link_number,
                ChainBroken(
                    f"{link.party}#{link.seq} does not follow {current.party}#{current.seq} (entry {current_number})"
                    f" in the proof of entry {number}: its prev is not that entry's hash [{where}]",
                    link.party,
                    link.seq,
                ),
            )
            return None
        if link.time < current.time:
            report(
                link_number,
                LedgerError(
                    f"time {format_time(link.time)} goes back from {format_time(current.time)}"
                    f" of {current.party}#{current.seq} [{where}]",
                    link.party,
                    link.seq,
                ),
            )
            return None
        current, current_number = link, link_number
    if witness_number is None:
        return Anchor(subject, current, None)
    witness = held[witness_number]
    where = f"entry {witness_number}"
    if witness.party == subject.party or witness.seen.get(subject.party) != current.hash:
        report(
            witness_number,
            ChainBroken(
                f"{witness.party}#{witness.seq} does not witness {current.party}#{current.seq}: its"
                f" seen.{subject.party} is not that entry's hash (proof of entry {number}) [{where}]",
                witness.party,
                witness.seq,
            ),
        )
        return None
    if current.time > witness.time + clock_skew:
        report(
            witness_number,
            LedgerError(
                f"{witness.party}#{witness.seq} of {format_time(witness.time)} claims to have seen"
                f" {current.party}#{current.seq} of {format_time(current.time)}, later by more than {clock_skew}"
                f" [{where}]",
                witness.party,
                witness.seq,
            ),
        )
        return None
    return Anchor(subject, current, witness)


def verify_extract(file: ExtractFile, public_keys: PublicKeys, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW) -> None:
    """``None`` when the extract verifies; else raise its first problem's error."""
    check_extract(file, public_keys, clock_skew=clock_skew).report.raise_first()
