"""Ledger entries: the frozen, validated ``Entry``, its JSON-line form, and ``append``.

An entry is ``{party, seq, prev, time, kind, body, seen, sig}``; see ``docs/ledger.md`` for the exact format.
Validation happens when an ``Entry`` is built, so an ``Entry`` object is always well formed; whether it is
*authentic* (signature, chain) is the business of ``airparley.ledger._verify``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from airparley.errors import InvalidInput
from airparley.ledger._canonical import (
    GENESIS,
    HEX_SHA256,
    HEX_SIGNATURE,
    MAX_SAFE_INTEGER,
    canonical,
    canonical_text_as_parsed,
    canonical_with_body,
    freeze,
    parse_json,
    parse_json_value_at,
    plain,
    sha256_hex,
    signing_message,
)
from airparley.ledger._keys import public_key_from_text, same_key, sign, signature_valid

__all__ = [
    "FIELDS",
    "FIRST_SEQ",
    "PARTY_CODE",
    "Entry",
    "Kind",
    "append",
    "entry_from_json_reference",
    "entry_if_canonical",
    "format_time",
    "key_after",
    "parse_time",
]

FIRST_SEQ = 0
"""The seq of a feed's first entry; each later entry has its predecessor's seq + 1."""

PARTY_CODE = re.compile(r"[A-Z][A-Z0-9_-]{1,15}")
"""A party code: 2-16 characters, an upper-case letter then upper-case letters, digits, ``_`` or ``-``."""

FIELDS = ("party", "seq", "prev", "time", "kind", "body", "seen", "sig")
"""Every field of an entry, in the order the docs list them (canonical bytes sort them anyway)."""

_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{6})Z")


class Kind(StrEnum):
    """The declared kinds of entry; any other ``kind`` makes an entry malformed.

    Adding a kind is a format change: verifiers that predate it reject entries that use it.
    """

    NOTICE_FILED = "notice.filed"
    NOTICE_REVISED = "notice.revised"
    NOTICE_CANCELLED = "notice.cancelled"
    NOTICE_CLOSED = "notice.closed"
    CASE_OPENED = "case.opened"
    CASE_PROPOSAL = "case.proposal"
    CASE_ACCEPTED = "case.accepted"
    CASE_REJECTED = "case.rejected"
    CASE_ESCALATED = "case.escalated"
    CASE_AGREEMENT = "case.agreement"
    CASE_RESOLVED = "case.resolved"
    CASE_LAPSED = "case.lapsed"
    MESSAGE_SENT = "message.sent"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_READ = "message.read"
    MESSAGE_ACKNOWLEDGED = "message.acknowledged"
    MESSAGE_ESCALATED = "message.escalated"
    AGREEMENT_PROPOSED = "agreement.proposed"
    AGREEMENT_SIGNED = "agreement.signed"
    TRACK_SHARED = "track.shared"
    INCIDENT_RECORDED = "incident.recorded"
    INCIDENT_DISCLOSED = "incident.disclosed"
    TRACK_NON_RESPONSIVE = "track.non_responsive"
    KEY_ROTATED = "key.rotated"


def format_time(moment: datetime, field: str = "time") -> str:
    """``moment`` in the ledger's one time format: RFC 3339 UTC with exactly six fractional digits and ``Z``."""
    if not isinstance(moment, datetime):
        raise InvalidInput(field, f"must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(field, "must be a timezone-aware datetime (the ledger records UTC)")
    t = moment.astimezone(UTC)
    # Built by hand: strftime's %Y does not zero-pad years before 1000 on every platform.
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}Z"


def parse_time(text: object, field: str = "time") -> datetime:
    """The inverse of ``format_time``; any other spelling (offsets, fewer digits, leap second 60) is refused."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(field, "must be RFC 3339 UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (six fractional digits)")
    try:
        year, month, day, hour, minute, second, micro = (int(group) for group in match.groups())
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError as error:
        raise InvalidInput(field, f"not a valid date and time: {error}") from None


def _check_party(value: object, field: str) -> str:
    if not isinstance(value, str) or PARTY_CODE.fullmatch(value) is None:
        raise InvalidInput(field, f"{value!r} is not a party code (2-16 of A-Z 0-9 _ -, starting with a letter)")
    return value


def _check_hash(value: object, field: str) -> str:
    if not isinstance(value, str) or HEX_SHA256.fullmatch(value) is None:
        raise InvalidInput(field, "must be a SHA-256 hash as 64 lowercase hex digits")
    return value


_KIND_VALUES = frozenset(kind.value for kind in Kind)


def _check_kind(value: object) -> Kind:
    if not isinstance(value, str) or value not in _KIND_VALUES:
        raise InvalidInput("kind", f"{value!r} is not a declared kind ({', '.join(Kind)})")
    return Kind(value)


@dataclass(frozen=True, eq=False)
class Entry:
    """One signed act of one party: the unit of a feed.

    Built validated: every field has the right type and form, ``body`` and ``seen`` are deep read-only views
    (``MappingProxyType``, tuples), and ``body`` is normalised to what a receiver parses back from the JSON
    line (``243.0`` becomes ``243``), so ``Entry.from_json(e.to_json()) == e`` always. Two entries are equal
    when their canonical bytes are equal. Building an ``Entry`` does not check its signature or chain.

    >>> from datetime import UTC, datetime
    >>> from airparley.ledger import Kind, append, generate_key
    >>> key = generate_key()
    >>> first = append("USA", Kind.NOTICE_FILED, {"notice": "USA-0001"}, seen={},
    ...                now=datetime(2025, 3, 1, 6, 0, tzinfo=UTC), signing_key=key)
    >>> (first.party, first.seq, first.prev == "0" * 64, first.to_json()[:51])
    ('USA', 0, True, '{"body":{"notice":"USA-0001"},"kind":"notice.filed"')
    >>> Entry.from_json(first.to_json()) == first
    True
    """

    party: str
    seq: int
    prev: str
    time: datetime
    kind: Kind
    body: Mapping[str, Any]
    seen: Mapping[str, str]
    sig: str
    _unsigned: bytes = field(init=False, repr=False)
    _line: bytes = field(init=False, repr=False)
    _hash: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_party(self.party, "party")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int):
            raise InvalidInput("seq", "must be an integer")
        if not FIRST_SEQ <= self.seq <= MAX_SAFE_INTEGER:
            raise InvalidInput("seq", f"must be between {FIRST_SEQ} and 2**53 - 1")
        _check_hash(self.prev, "prev")
        format_time(self.time)
        kind = _check_kind(self.kind)
        given_body = vars(self)["_body_plain"]  # as given, not through the read-only view made on reading
        if not isinstance(given_body, Mapping):
            raise InvalidInput("body", "must be a JSON object")
        body_bytes = canonical(given_body, "body")
        # Parse the canonical bytes back so the held body is exactly what a receiver of the line will get.
        body = parse_json(body_bytes.decode("utf-8"), "body")
        if kind is Kind.KEY_ROTATED:
            public_key_from_text(body.get("public_key"), "body.public_key")
        if not isinstance(self.seen, Mapping):
            raise InvalidInput("seen", "must be a JSON object mapping party codes to entry hashes")
        seen: dict[str, str] = {}
        for other, reference in self.seen.items():
            _check_party(other, f"seen.{other}")
            if other == self.party:
                raise InvalidInput(f"seen.{other}", "a party's own feed is linked by prev, not by seen")
            seen[other] = _check_hash(reference, f"seen.{other}")
        if not isinstance(self.sig, str) or HEX_SIGNATURE.fullmatch(self.sig) is None:
            raise InvalidInput("sig", "must be an Ed25519 signature as 128 lowercase hex digits")

        time = self.time.astimezone(UTC)
        envelope = {
            "party": self.party,
            "seq": self.seq,
            "prev": self.prev,
            "time": format_time(time),
            "kind": kind.value,
            "seen": seen,
        }
        line = canonical_with_body(body_bytes, {**envelope, "sig": self.sig})
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "seen", MappingProxyType(dict(sorted(seen.items()))))
        object.__setattr__(self, "_unsigned", canonical_with_body(body_bytes, envelope))
        object.__setattr__(self, "_line", line)
        object.__setattr__(self, "_hash", sha256_hex(line))

    @property
    def hash(self) -> str:
        """Lowercase hex SHA-256 of the entry's canonical bytes (sig included): what successors put in ``prev``."""
        return self._hash

    @property
    def signed_bytes(self) -> bytes:
        """Exactly the bytes ``sig`` signs: the signing context then the canonical bytes without ``sig``."""
        return signing_message(self._unsigned)

    def to_bytes(self) -> bytes:
        """The canonical bytes of the whole entry: one JSON line without its newline."""
        return self._line

    def to_json(self) -> str:
        """The canonical JSON of the whole entry, one line without a newline."""
        return self._line.decode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        """A fresh, mutable, plain-JSON dict of the entry (``time`` as its string form)."""
        return {
            "party": self.party,
            "seq": self.seq,
            "prev": self.prev,
            "time": format_time(self.time),
            "kind": self.kind.value,
            "body": plain(self.body, "body"),
            "seen": dict(self.seen),
            "sig": self.sig,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        """An entry from its parsed JSON object; exactly the eight fields, or ``InvalidInput`` naming the problem."""
        if not isinstance(data, Mapping):
            raise InvalidInput("entry", "must be a JSON object")
        for name in FIELDS:
            if name not in data:
                raise InvalidInput(name, "missing")
        for name in data:
            if name not in FIELDS:
                raise InvalidInput(str(name), "unknown field (an entry has exactly: " + ", ".join(FIELDS) + ")")
        for name in ("kind", "prev", "sig"):
            if not isinstance(data[name], str):
                raise InvalidInput(name, "must be a string")
        return cls(
            party=data["party"],
            seq=data["seq"],
            prev=data["prev"],
            time=parse_time(data["time"]),
            kind=data["kind"],
            body=data["body"],
            seen=data["seen"],
            sig=data["sig"],
        )

    @classmethod
    def from_json(cls, line: str | bytes) -> Entry:
        """An entry from one JSON line, which must be *exactly* its canonical form (no newline, no spaces).

        Requiring the canonical spelling is what makes every change to an exported line detectable: two
        spellings of the same JSON (``\\u001f`` and ``\\u001F``, ``1e+30`` and ``1E+30``) would otherwise parse
        to the same signed entry.
        """
        text = _line_text(line)
        # Most lines are canonical and well formed: one parse and one re-encoding settle them. Any other line,
        # and every error, takes the reference path, which names the first problem.
        entry = entry_if_canonical(text, line) if cls is Entry else None
        return entry if entry is not None else _entry_from_text(cls, text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return self._line == other._line

    def __hash__(self) -> int:
        return hash(self._line)

    def __repr__(self) -> str:
        return f"Entry({self.party}#{self.seq} {self.kind.value} {format_time(self.time)} hash={self._hash[:12]})"


class _BodyFrozenOnRead:
    """``Entry.body``: keeps the entry's own body and makes its read-only view when first read.

    Verifying a ledger reads no body (bar a key rotation's key), and freezing every body was a tenth of the
    time spent around each signature; holding each parsed body made the garbage collector walk a
    ledger's worth of containers again and again (a fifth of the time on 10,000 entries). So
    ``entry_if_canonical`` keeps only the body's canonical text and ``__post_init__`` the plain body; neither is
    handed out, and readers get the same frozen view each time, parsed as the reference path parses it.
    """

    def __get__(self, entry: Entry | None, owner: type[Entry]) -> Any:
        if entry is None:
            return self
        held = vars(entry)
        view = held.get("_body_view")
        if view is None:
            plain_body = held.get("_body_plain")
            if plain_body is None:
                plain_body = parse_json(held["_body_text"], "body")
            view = held["_body_view"] = freeze(plain_body)
        return view

    def __set__(self, entry: Entry, value: Any) -> None:
        held = vars(entry)
        held["_body_plain"] = value
        held.pop("_body_view", None)


# After the dataclass is made, so its __init__ still takes body (the descriptor receives it; __post_init__
# then sets the normalised body in its place).
setattr(Entry, "body", _BodyFrozenOnRead())  # noqa: B010


def _line_text(line: str | bytes) -> str:
    if isinstance(line, bytes):
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput("entry", f"not UTF-8: {error.reason} at byte {error.start}") from None
    return line


def _entry_from_text(cls: type[Entry], text: str) -> Entry:
    entry = cls.from_dict(parse_json(text))
    if entry.to_json() != text:
        raise InvalidInput("entry", "not in canonical form (RFC 8785): the line is not byte-for-byte as signed")
    return entry


def entry_from_json_reference(line: str | bytes) -> Entry:
    """``Entry.from_json`` by the reference path alone: parse, build and validate, re-encode, compare.

    What ``entry_if_canonical`` must agree with (tests hold the two equal); kept callable for that.
    """
    return _entry_from_text(Entry, _line_text(line))


# key.rotated is left to the reference path: its body must hold a valid public key, and it is rare.
_FAST_KINDS = {kind.value: kind for kind in Kind if kind is not Kind.KEY_ROTATED}
# Above U+FFFF, Python's code-point order of object keys is not RFC 8785's UTF-16 order.
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
# The canonical line ends with the sig then the time member (the last two names in sorted order), so the
# bytes without sig are the line with ``,"sig":"<128 hex>"`` cut out: 8 + 128 + 1 bytes before the time's
# ``,"time":"<27 characters>"}`` (9 + 27 + 2).
_TIME_TAIL = 38
_SIG_MEMBER = 137
_BODY_MEMBER = '{"body":'
_PARTY = PARTY_CODE.pattern
_REFERENCE = f'"{_PARTY}":"[0-9a-f]{{64}}"'
_ENVELOPE = re.compile(
    f',"kind":"(?P<kind>[a-z_.]+)","party":"(?P<party>{_PARTY})","prev":"(?P<prev>[0-9a-f]{{64}})",'
    f'"seen":\\{{(?P<seen>(?:{_REFERENCE}(?:,{_REFERENCE})*)?)\\}},"seq":(?P<seq>0|[1-9][0-9]{{0,15}}),'
    f'"sig":"(?P<sig>[0-9a-f]{{128}})","time":"(?P<time>{_TIME.pattern})"}}'
)
_SEEN_MEMBER = re.compile(f'"({_PARTY})":"([0-9a-f]{{64}})"')


def entry_if_canonical(text: str, line: str | bytes | None = None) -> Entry | None:
    """The entry on ``text`` when the line is canonical and every field valid, else ``None``.

    Exactly what ``entry_from_json_reference`` gives for such a line, built without its three encodings and
    second parse. A canonical line is ``{"body":`` then the body, then the other members in a fixed order and
    form: the body is parsed where it starts (``parse_json_value_at``) and must equal its re-encoding by the C
    encoder, and the rest must match one strict pattern, which reads the other fields. Comparing the body
    with its re-encoding is its canonical-form check, and it also refuses duplicate keys (a parsed object
    holds each name once, so writing it back cannot reproduce a body that had one twice); the pattern names
    each other member once, in order, in the only spelling RFC 8785 writes. ``None`` is no verdict: the caller
    then takes the reference path, which accepts or names the problem. ``line`` is ``text`` as bytes when
    the caller has them.
    """
    if not text.startswith(_BODY_MEMBER):
        return None
    parsed = parse_json_value_at(text, len(_BODY_MEMBER))
    if parsed is None:
        return None
    body, end = parsed
    if type(body) is not dict:
        return None
    body_text = canonical_text_as_parsed(body)
    if text[len(_BODY_MEMBER) : end] != body_text or (not text.isascii() and _BEYOND_BMP.search(text) is not None):
        return None
    envelope = _ENVELOPE.fullmatch(text, end)
    if envelope is None:
        return None
    kind_text, party, prev, seen_text, seq_text, sig, moment = envelope.group(
        "kind", "party", "prev", "seen", "seq", "sig", "time"
    )
    kind = _FAST_KINDS.get(kind_text)
    members = _SEEN_MEMBER.findall(seen_text)
    seen = dict(members)
    seq = int(seq_text)
    if (
        kind is None
        or seq > MAX_SAFE_INTEGER
        or party in seen
        or len(seen) != len(members)
        or moment[11:13] > "23"  # newer Pythons read T24:00 as the next midnight; the reference refuses it
        or (len(members) > 1 and members != sorted(members))
    ):
        return None
    try:
        time = datetime.fromisoformat(moment)
        data_bytes = line if isinstance(line, bytes) else text.encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return None
    entry = object.__new__(Entry)
    # The dataclass is frozen; its fields are set as __post_init__ would, having checked the same things.
    vars(entry).update(
        party=party,
        seq=seq,
        prev=prev,
        time=time,
        kind=kind,
        _body_text=body_text,
        seen=MappingProxyType(seen),
        sig=sig,
        _unsigned=data_bytes[: -(_TIME_TAIL + _SIG_MEMBER)] + data_bytes[-_TIME_TAIL:],
        _line=data_bytes,
        _hash=sha256_hex(data_bytes),
    )
    return entry


def key_after(entry: Entry, public_key: Ed25519PublicKey) -> Ed25519PublicKey:
    """The key that signs the party's next entry, given the key that signed ``entry``.

    The same key, unless ``entry`` is a ``key.rotated`` entry: then the key it announces. Callers tracking a
    feed incrementally apply this after accepting each entry (``check`` and ``verify`` do it themselves).
    """
    if entry.kind is Kind.KEY_ROTATED:
        return public_key_from_text(entry.body["public_key"], "body.public_key")
    return public_key


def append(
    head: Entry | str,
    kind: Kind | str,
    body: Mapping[str, object],
    *,
    seen: Mapping[str, str] | Iterable[Entry],
    now: datetime,
    signing_key: Ed25519PrivateKey,
) -> Entry:
    """The party's next entry, signed; pure: the caller persists it (and only then should publish it).

    ``head`` is the party's newest entry, or its party code when its feed is empty. ``seen`` maps every other
    party whose entries this party has received to the hash of the newest one, or is simply those newest
    entries. ``now`` comes from the caller's clock; it must not be earlier than ``head``'s time (a clock
    stepped back must be clamped by the caller, not written into the feed). When ``head`` is an entry,
    ``signing_key`` must be the key in force after it (the key that signed it, or the one it announced by
    ``key.rotated``), because an entry signed with any other key would break the party's own feed.
    """
    format_time(now, "now")
    if isinstance(head, Entry):
        party, seq, prev = head.party, head.seq + 1, head.hash
        if now < head.time:
            raise InvalidInput(
                "now", f"{format_time(now)} is before the time of {head.party}#{head.seq} ({format_time(head.time)})"
            )
        public = signing_key.public_key()
        if head.kind is Kind.KEY_ROTATED:
            in_force = same_key(key_after(head, public), public)
        else:
            in_force = signature_valid(public, head.signed_bytes, head.sig)
        if not in_force:
            raise InvalidInput("signing_key", f"is not the key in force after {head.party}#{head.seq}")
    else:
        party, seq, prev = _check_party(head, "head"), FIRST_SEQ, GENESIS
    if isinstance(seen, Mapping):
        references = dict(seen)
    else:
        references = {}
        for other in seen:
            if not isinstance(other, Entry):
                raise InvalidInput("seen", "must map party codes to hashes, or be the other parties' newest entries")
            if other.party in references:
                raise InvalidInput(f"seen.{other.party}", "given twice")
            references[other.party] = other.hash
    # Build the entry with a placeholder sig first: that validates every field (with precise errors) and yields
    # the exact canonical bytes to sign, so what is signed and what is stored cannot drift apart.
    draft = Entry(party, seq, prev, now, _check_kind(kind), body, references, "0" * 128)
    signature = sign(signing_key, draft.signed_bytes)
    return Entry(draft.party, draft.seq, draft.prev, draft.time, draft.kind, draft.body, draft.seen, signature)
