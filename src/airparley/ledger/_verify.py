"""Verification of a set of feeds: every signature, chain link, seq, time and ``seen`` reference.

``check`` collects every problem into a ``Report`` (the first bad entry is ``report.first``); ``verify`` raises
the first problem's error or returns ``None``. Entries may come in any order and interleave parties: they
are grouped by party and walked in seq order, and a problem is located by the position it had in the input.

Keys: each party's first key is given (pinned by the caller); a ``key.rotated`` entry that verifies under the
key in force hands the feed to the key it announces for the entries after it, and is recorded in
``Report.rotations`` (the trust path a verifier prints). An entry that does not verify is checked against
the party's other keys to say why: signed by a rotated-to key before its rotation, by a key announced by a
rotation that is itself not signed by the key in force, or by a key a rotation superseded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from operator import attrgetter
from types import MappingProxyType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from airparley.errors import ChainBroken, Equivocation, InvalidInput, LedgerError, SignatureInvalid
from airparley.ledger._canonical import GENESIS
from airparley.ledger._entries import FIRST_SEQ, Entry, Kind, format_time, key_after
from airparley.ledger._export import Line, split_export
from airparley.ledger._keys import Rotation, fingerprint, public_key_from_text, public_key_to_text, signature_valid

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "Problem",
    "PublicKeys",
    "Report",
    "check",
    "check_export",
    "check_lines",
    "signature_work",
    "signatures_valid",
    "verified_signatures",
    "verify",
    "verify_export",
    "verify_next",
]

DEFAULT_CLOCK_SKEW = timedelta(seconds=30)
"""How far another party's clock may run ahead of an author's before a ``seen`` reference counts as impossible.

One hub has one clock and could use zero; federated nodes keep their own (NTP-disciplined) clocks, and a
sub-second skew must not make an honest ledger fail. Thirty seconds is far above NTP error and far below
the minutes that matter for a deadline or a backdated claim.
"""

PublicKeys = Mapping[str, Ed25519PublicKey | str]
"""Each party's key that signs its feed's first entry, as a key object or in ``public_key_to_text`` form."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry.

    ``position`` is 1-based: the line number in an export, or the index in the sequence given to ``check``;
    ``where`` says which (``line 7``, ``entry 7``). ``party`` and ``seq`` name the entry when known (a line
    that does not parse may not say). ``error`` is the exception ``verify`` would raise for it.
    """

    position: int
    where: str
    party: str | None
    seq: int | None
    error: LedgerError | InvalidInput

    def __str__(self) -> str:
        return str(self.error)


@dataclass(frozen=True)
class Report:
    """Everything found in a set of feeds; ``ok`` when nothing was.

    ``problems`` are in input order (by ``position``, then in the order the rules run), so ``first`` is the
    first bad entry of the input. ``heads`` maps each party to its entry with the highest seq. ``rotations``
    are the ``key.rotated`` entries followed (signed by the key in force before them), by party and seq.
    """

    checked: int
    problems: tuple[Problem, ...]
    heads: Mapping[str, Entry]
    rotations: tuple[Rotation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def raise_first(self) -> None:
        """Raise the first problem's error; return ``None`` when there is none."""
        if self.problems:
            raise self.problems[0].error


class _Item:
    """An entry and where it was in the input; ``where`` is only spelled out when a problem is reported."""

    __slots__ = ("entry", "label", "position")

    def __init__(self, position: int, label: str, entry: Entry) -> None:
        self.position = position
        self.label = label
        self.entry = entry

    @property
    def where(self) -> str:
        return f"{self.label} {self.position}"


_Report = Callable[[_Item, LedgerError], None]

#: How many entries a progress callback waits for between calls: rare enough to cost nothing.
PROGRESS_EVERY = 1000


def _key_objects(public_keys: PublicKeys) -> dict[str, Ed25519PublicKey]:
    return {
        party: public_key_from_text(key, f"public_keys.{party}") if isinstance(key, str) else key
        for party, key in public_keys.items()
    }


def _verifies(key: Ed25519PublicKey, entry: Entry) -> bool:
    # signature_valid without its format check: an Entry's sig is 128 lowercase hex digits by construction.
    try:
        key.verify(bytes.fromhex(entry.sig), entry.signed_bytes)
    except InvalidSignature:
        return False
    return True


Verifies = Callable[[Ed25519PublicKey, Entry], bool]
_ENTRY_SEQ = attrgetter("seq")

SignatureWork = Sequence[tuple[Entry, Ed25519PublicKey]]
"""Signature checks to make: each entry with the key to check its signature under."""


def signature_work(lines: Iterable[Line], public_keys: PublicKeys) -> list[tuple[Entry, Ed25519PublicKey]]:
    """The signature checks ``check_lines`` makes of these lines when every feed is a clean chain: each
    entry with its party's key in force (the first key, then after each ``key.rotated`` entry the key it
    announces), in no particular order, so a caller can make them elsewhere first (other processes: the
    checks are independent) and hand those that hold to ``check_lines`` as ``valid_signatures``.

    Only a prediction, and safe as one: the walk uses a result only for the very key it would try, and
    checks any other case itself (a fork, a rotation that does not verify, an entry of an unkeyed party)."""
    keys = _key_objects(public_keys)
    by_party: dict[str, list[Entry]] = defaultdict(list)
    for line in lines:
        if isinstance(line.content, Entry):
            by_party[line.content.party].append(line.content)
    work: list[tuple[Entry, Ed25519PublicKey]] = []
    for party, entries in by_party.items():
        key = keys.get(party)
        if key is None:
            continue
        entries.sort(key=_ENTRY_SEQ)
        for entry in entries:
            work.append((entry, key))
            if entry.kind is Kind.KEY_ROTATED:
                try:
                    key = key_after(entry, key)
                except InvalidInput:
                    continue  # the walk reports it; the key stays in force
    return work


def signatures_valid(work: SignatureWork, start: int = 0, stop: int | None = None) -> bytes:
    """One byte for each check of ``work[start:stop]``: 1 when the entry's signature verifies under the key."""
    return bytes(_verifies(key, entry) for entry, key in work[start:stop])


def verified_signatures(work: SignatureWork, verdicts: bytes) -> dict[str, bytes]:
    """``check_lines``'s ``valid_signatures`` from ``work`` and its ``signatures_valid`` verdicts: the hash of
    each entry whose signature verified, to the raw public key it verified under."""
    if len(verdicts) != len(work):
        raise ValueError(f"{len(verdicts)} verdicts for {len(work)} signature checks")
    raw_of: dict[int, tuple[Ed25519PublicKey, bytes]] = {}
    valid: dict[str, bytes] = {}
    for (entry, key), verdict in zip(work, verdicts, strict=True):
        if verdict:
            valid[entry.hash] = _raw_key(key, raw_of)
    return valid


def _raw_key(key: Ed25519PublicKey, raw_of: dict[int, tuple[Ed25519PublicKey, bytes]]) -> bytes:
    # The key object is held with its bytes, so its id cannot be reused by another key while the map lives.
    held = raw_of.get(id(key))
    if held is None:
        held = raw_of[id(key)] = (key, key.public_bytes_raw())
    return held[1]


def _verifier(valid: Mapping[str, bytes] | None) -> Verifies:
    """``_verifies``, answered from ``valid`` (entry hash -> raw key it verified under) when it can be."""
    if not valid:
        return _verifies
    raw_of: dict[int, tuple[Ed25519PublicKey, bytes]] = {}

    def verifies(key: Ed25519PublicKey, entry: Entry) -> bool:
        raw = valid.get(entry.hash)
        if raw is not None and raw == _raw_key(key, raw_of):
            return True
        return _verifies(key, entry)

    return verifies


def _short(digest: str) -> str:
    return digest[:16] + "…"


def signature_problem(
    entry: Entry,
    expected: Ed25519PublicKey | None,
    rotations: Sequence[tuple[Entry, Ed25519PublicKey | None]],
    detached: str = "is not on the hash chain before it",
) -> str:
    """Why ``entry`` does not verify under ``expected`` (its party's key in force; ``None`` when the verifier
    cannot tell it), reading the party's ``key.rotated`` entries the verifier holds: each with the key that
    signed it validly, or ``None`` if none did. ``detached`` ends the reason when the entry is signed by a key
    a followed rotation before it announced yet is not chained to it (an extract without the path between).
    Run only on a failure: it tries every key the party's rotations name."""
    party = entry.party
    for rotation, signer in sorted(rotations, key=lambda item: item[0].seq):
        if rotation == entry:
            continue  # a rotation signed by the key it announces proves nothing: said below
        announced = public_key_from_text(rotation.body["public_key"], "body.public_key")
        if not _verifies(announced, entry):
            continue
        name = f"{party}#{rotation.seq}"
        printed = fingerprint(announced)
        if signer is None:
            return (
                f"signed by the key {printed} that {name} announces, but that key.rotated entry is not signed by"
                f" {party}'s key in force before it, so the key it announces is not trusted"
            )
        if rotation.seq >= entry.seq:
            return (
                f"signed by the key {printed} that {name} announces, before that rotation: a new key signs only"
                " the entries after its key.rotated entry"
            )
        return f"signed by the key {printed} that {name} announces, but {name} {detached}"
    for rotation, signer in rotations:
        if signer is not None and rotation.seq < entry.seq and _verifies(signer, entry):
            return (
                f"signed by {party}'s superseded key {fingerprint(signer)}, which {party}#{rotation.seq}"
                " (key.rotated) replaced"
            )
    if expected is None:
        return f"signature does not verify under any key of {party} this verifier can trust at this entry"
    reason = f"signature does not verify under {party}'s key in force (fingerprint {fingerprint(expected)})"
    if entry.kind is Kind.KEY_ROTATED:
        reason += ": a key.rotated entry is followed only when signed by the key it replaces"
    return reason


def _check_feed(
    party: str,
    items: list[_Item],
    genesis_key: Ed25519PublicKey,
    report: _Report,
    progress: Callable[[int], None] | None = None,
    rotations: list[Rotation] | None = None,
    verifies: Verifies = _verifies,
) -> set[str]:
    """Walk one party's entries in seq order; returns the hashes of the entries whose signature verifies.
    ``progress(n)`` hears every :data:`PROGRESS_EVERY` entries walked that ``n`` more were; ``rotations``
    gets each ``key.rotated`` entry followed."""
    by_seq: dict[int, list[_Item]] = defaultdict(list)
    # ``items`` are in input order (``_check`` builds them so), so each seq's group is too.
    for item in items:
        by_seq[item.entry.seq].append(item)
    valid: set[str] = set()
    # Reported after the walk, when every rotation of the feed is known: the reason reads them all.
    unsigned: list[tuple[_Item, Ed25519PublicKey]] = []
    announced: list[tuple[Entry, Ed25519PublicKey | None]] = []
    # The key in force after each entry, so a rotation changes the key for exactly the entries that follow it.
    key_for_next: dict[str, Ed25519PublicKey] = {}
    last_key = genesis_key
    previous_seq = FIRST_SEQ - 1
    walked = 0
    for seq in sorted(by_seq):
        group = by_seq[seq]
        predecessors = by_seq.get(seq - 1, ())
        if progress is not None:
            walked += len(group)
            if walked >= PROGRESS_EVERY:
                progress(walked)
                walked = 0
        for item in group:
            entry = item.entry
            signer = last_key
            if seq == FIRST_SEQ:
                signer = genesis_key
                if entry.prev != GENESIS:
                    report(
                        item, ChainBroken(f"prev of a feed's first entry must be 64 zeros [{item.where}]", party, seq)
                    )
            else:
                predecessor = None
                for candidate in predecessors:
                    if candidate.entry.hash == entry.prev:
                        predecessor = candidate
                        break
                if predecessor is not None:
                    signer = key_for_next[predecessor.entry.hash]
                    if entry.time < predecessor.entry.time:
                        report(
                            item,
                            LedgerError(
                                f"time {format_time(entry.time)} goes back from {format_time(predecessor.entry.time)}"
                                f" of {party}#{seq - 1} [{item.where}]",
                                party,
                                seq,
                            ),
                        )
                elif not predecessors:
                    missing = f"seq {seq - 1}" if previous_seq == seq - 2 else f"seqs {previous_seq + 1}..{seq - 1}"
                    report(
                        item,
                        ChainBroken(
                            f"{missing} missing: a feed's seqs run from {FIRST_SEQ} without gaps [{item.where}]",
                            party,
                            seq,
                        ),
                    )
                else:
                    holders = ", ".join(p.where for p in predecessors)
                    report(
                        item,
                        ChainBroken(
                            f"prev {_short(entry.prev)} is not the hash of {party}#{seq - 1} at {holders}"
                            f" [{item.where}]",
                            party,
                            seq,
                        ),
                    )
            if verifies(signer, entry):
                valid.add(entry.hash)
                if entry.kind is Kind.KEY_ROTATED:
                    new_key = key_after(entry, signer)
                    key_for_next[entry.hash] = new_key
                    announced.append((entry, signer))
                    if rotations is not None:
                        rotations.append(
                            Rotation(
                                party,
                                seq,
                                entry.hash,
                                public_key_to_text(signer),
                                public_key_to_text(new_key),
                                item.where,
                            )
                        )
                else:
                    key_for_next[entry.hash] = signer
            else:
                key_for_next[entry.hash] = signer
                if entry.kind is Kind.KEY_ROTATED:
                    announced.append((entry, None))
                unsigned.append((item, signer))
        if len(group) == 1:
            signed = group if group[0].entry.hash in valid else []
        else:
            signed = [item for item in group if item.entry.hash in valid]
        for other in signed[1:]:
            first = signed[0]
            report(
                other,
                Equivocation(
                    f"equivocation: two different entries signed as {party}#{seq}, the other"
                    f" at {first.where} [{other.where}]",
                    party,
                    seq,
                    first.entry,
                    other.entry,
                ),
            )
        if signed:
            last_key = key_for_next[signed[0].entry.hash]
        previous_seq = seq
    if progress is not None and walked:
        progress(walked)
    for item, signer in unsigned:
        reason = signature_problem(item.entry, signer, announced)
        report(item, SignatureInvalid(f"{reason} [{item.where}]", party, item.entry.seq))
    return valid


_BY_SEQ_THEN_POSITION = attrgetter("entry.seq", "position")


def _check_seen(items: Sequence[_Item], index: Mapping[str, _Item], clock_skew: timedelta, report: _Report) -> None:
    """``seen`` of validly signed entries: each reference resolves, is not from the future, never goes back."""
    by_party: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_party[item.entry.party].append(item)
    for party_items in by_party.values():
        newest: dict[str, tuple[Entry, _Item]] = {}
        for item in sorted(party_items, key=_BY_SEQ_THEN_POSITION):
            entry = item.entry
            for other, reference in entry.seen.items():
                target = index.get(reference)
                if target is None:
                    report(
                        item,
                        LedgerError(
                            f"seen.{other} {_short(reference)} is not the hash of any entry in this ledger"
                            f" [{item.where}]",
                            entry.party,
                            entry.seq,
                        ),
                    )
                    continue
                seen = target.entry
                if seen.party != other:
                    report(
                        item,
                        LedgerError(
                            f"seen.{other} names {seen.party}#{seen.seq}, an entry of another party [{item.where}]",
                            entry.party,
                            entry.seq,
                        ),
                    )
                    continue
                if seen.time > entry.time + clock_skew:
                    # Receiving an entry before it was written is impossible: one of the two times is false.
                    report(
                        item,
                        LedgerError(
                            f"seen.{other} names {other}#{seen.seq} of {format_time(seen.time)}, later than this"
                            f" entry's time {format_time(entry.time)} by more than {clock_skew} [{item.where}]",
                            entry.party,
                            entry.seq,
                        ),
                    )
                earlier = newest.get(other)
                if earlier is not None and seen.seq < earlier[0].seq:
                    report(
                        item,
                        LedgerError(
                            f"seen.{other} goes back to {other}#{seen.seq} after {entry.party}#{earlier[1].entry.seq}"
                            f" had seen {other}#{earlier[0].seq} [{item.where}]",
                            entry.party,
                            entry.seq,
                        ),
                    )
                else:
                    newest[other] = (seen, item)


_SEQ = attrgetter("entry.seq")


def _check(
    lines: Sequence[Line],
    public_keys: PublicKeys,
    clock_skew: timedelta,
    label: str,
    progress: Callable[[int], None] | None = None,
    valid: Mapping[str, bytes] | None = None,
) -> Report:
    if clock_skew < timedelta(0):
        raise InvalidInput("clock_skew", "must not be negative")
    keys = _key_objects(public_keys)
    problems: list[Problem] = []

    def report(item: _Item, error: LedgerError) -> None:
        problems.append(Problem(item.position, item.where, item.entry.party, item.entry.seq, error))

    items: list[_Item] = []
    for line in lines:
        if isinstance(line.content, InvalidInput):
            problems.append(Problem(line.number, f"{label} {line.number}", line.party, line.seq, line.content))
        else:
            items.append(_Item(line.number, label, line.content))

    index: dict[str, _Item] = {}
    by_party: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        earlier = index.get(item.entry.hash)
        if earlier is not None:
            report(
                item,
                ChainBroken(
                    f"duplicate of the entry at {earlier.where}: an entry appears once in a ledger [{item.where}]",
                    item.entry.party,
                    item.entry.seq,
                ),
            )
            continue
        index[item.entry.hash] = item
        by_party[item.entry.party].append(item)

    authentic: list[_Item] = []
    rotations: list[Rotation] = []
    verifies = _verifier(valid)
    for party, party_items in by_party.items():
        key = keys.get(party)
        if key is None:
            first = min(party_items, key=lambda item: item.position)
            report(
                first,
                LedgerError(
                    f"unknown party {party}: no public key was given for it [{first.where}]", party, first.entry.seq
                ),
            )
            continue
        signed = _check_feed(party, party_items, key, report, progress, rotations, verifies)
        authentic.extend([item for item in party_items if item.entry.hash in signed])
    # Only signed claims are checked for what they saw: an unsigned one is already reported as such.
    _check_seen(authentic, index, clock_skew, report)

    # sort() is stable: problems of one entry stay in the order the rules found them.
    problems.sort(key=lambda problem: problem.position)
    heads: dict[str, Entry] = {}
    for party, party_items in sorted(by_party.items()):
        # max() keeps the first of equals, and party_items are in input order: the earliest of the highest seq.
        heads[party] = max(party_items, key=_SEQ).entry
    rotations.sort(key=lambda rotation: (rotation.party, rotation.seq))
    return Report(
        checked=len(lines), problems=tuple(problems), heads=MappingProxyType(heads), rotations=tuple(rotations)
    )


def check(entries: Iterable[Entry], public_keys: PublicKeys, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW) -> Report:
    """Every problem in a set of feeds (any order, parties interleaved); problems are located as ``entry N``.

    ``public_keys`` holds each party's key for its feed's first entry; ``key.rotated`` entries signed by the
    key in force hand over to the key they announce. A party with entries but no key is reported once.
    """
    lines = [Line(number, entry, entry.party, entry.seq) for number, entry in enumerate(entries, start=1)]
    return _check(lines, public_keys, clock_skew, "entry")


def check_export(
    data: bytes,
    public_keys: PublicKeys,
    *,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    label: str = "line",
    progress: Callable[[int], None] | None = None,
) -> Report:
    """``check`` of an exported JSON-lines ledger; malformed lines are problems too, located as ``line N``
    (``label`` names the unit otherwise: ``entry`` for the entries of a case report). ``progress(n)``, if
    given, hears that ``n`` more entries' chains and signatures were checked (about every
    :data:`PROGRESS_EVERY`), for a progress bar: the caller sums."""
    return _check(split_export(data, label), public_keys, clock_skew, label, progress)


def check_lines(
    lines: Sequence[Line],
    public_keys: PublicKeys,
    *,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    label: str = "line",
    progress: Callable[[int], None] | None = None,
    valid_signatures: Mapping[str, bytes] | None = None,
) -> Report:
    """``check_export`` of an export already split (``split_export(data, label)``), with the signature checks
    already made elsewhere where given: ``valid_signatures`` maps the hash of each entry whose signature
    was found to verify to the raw public key it verified under (``verified_signatures(work, verdicts)`` of the
    ``signature_work`` of these lines). The report is the same as without it; only checks it does not answer
    are made here. The caller vouches for it: it is a cache of this module's own answers, not evidence."""
    return _check(lines, public_keys, clock_skew, label, progress, valid_signatures)


def verify(entries: Iterable[Entry], public_keys: PublicKeys, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW) -> None:
    """Return ``None`` if the feeds verify; else raise the first bad entry's ``LedgerError`` (or ``InvalidInput``)."""
    check(entries, public_keys, clock_skew=clock_skew).raise_first()


def verify_export(data: bytes, public_keys: PublicKeys, *, clock_skew: timedelta = DEFAULT_CLOCK_SKEW) -> None:
    """``verify`` of an exported JSON-lines ledger: ``InvalidInput`` for a malformed line, else ``LedgerError``."""
    check_export(data, public_keys, clock_skew=clock_skew).raise_first()


def verify_next(head: Entry | str, entry: Entry, public_key: Ed25519PublicKey) -> None:
    """Check that ``entry`` extends a feed whose newest entry is ``head`` (or whose party code is ``head``, empty).

    For a node receiving a feed one entry at a time: checks party, seq, prev, time and the signature under
    ``public_key``, the key in force for ``entry`` (the party's first key, then ``key_after(previous, key)``
    after each accepted entry). ``seen`` references and equivocation need the other entries: run ``check``
    over the stored feeds for those, or compare with the stored entry when ``entry.seq`` is not new.
    """
    if isinstance(head, Entry):
        party, seq, prev = head.party, head.seq + 1, head.hash
    else:
        party, seq, prev = head, FIRST_SEQ, GENESIS
    name = f"{entry.party}#{entry.seq}"
    if entry.party != party:
        raise ChainBroken(f"{name} cannot extend the feed of {party}", entry.party, entry.seq)
    if entry.seq != seq:
        raise ChainBroken(f"expected seq {seq} next in the feed of {party}, got {entry.seq}", entry.party, entry.seq)
    if entry.prev != prev:
        expected = "64 zeros (a feed's first entry)" if seq == FIRST_SEQ else f"the hash of {party}#{seq - 1}"
        raise ChainBroken(f"prev {_short(entry.prev)} is not {expected}", entry.party, entry.seq)
    if isinstance(head, Entry) and entry.time < head.time:
        raise LedgerError(
            f"time {format_time(entry.time)} goes back from {format_time(head.time)}", entry.party, entry.seq
        )
    if not signature_valid(public_key, entry.signed_bytes, entry.sig):
        raise SignatureInvalid(
            f"signature does not verify under the key of fingerprint {fingerprint(public_key)}", entry.party, entry.seq
        )
