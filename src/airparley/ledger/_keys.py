"""Ed25519 keys and signatures for the ledger: generation, PEM and text forms, sign and check; which keys to trust.

Keys are ``cryptography``'s own objects; this module only fixes the encodings the ledger uses (public keys
and signatures as lowercase hex of their raw bytes, private keys as PKCS#8 PEM) and turns the library's
assorted exceptions into ``InvalidInput``. No file I/O: callers read and write the PEM bytes themselves.

Trust (issue 12): a signature proves only that the holder of *some* key signed. A case report carries its
parties' public keys, and a forger who changes an entry simply re-signs every feed with fresh keys and embeds
those: the report is then perfectly consistent and proves nothing. So a verifier trusts **pinned** keys only,
keys the auditor got from somewhere other than the document under test (a keys file, the node's database),
and an embedded key is used only when the caller says so explicitly (``trust_embedded``), for a check of
internal consistency. ``pin_keys`` makes that decision once, as a value (``KeyTrust``) the caller can print:
every key used, its ``fingerprint`` and where it came from.

Rotation (issue 14): only a party's *first* key is pinned. A ``key.rotated`` entry signed by the key in force
hands the feed to the key it announces, and a verifier that followed one records it as a ``Rotation``;
``trust_path`` turns the pinned key and the rotations followed into the chain of keys (``KeyInForce``) a
verifier prints: ``pinned``, then ``rotated from <fingerprint> at <party> seq N`` for each key after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from airparley.errors import InvalidInput
from airparley.ledger._canonical import HEX_SIGNATURE

__all__ = [
    "FINGERPRINT_HEX",
    "KeyInForce",
    "KeyMismatch",
    "KeySource",
    "KeyTrust",
    "Rotation",
    "TrustedKey",
    "fingerprint",
    "generate_key",
    "pin_keys",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_text",
    "public_key_to_text",
    "same_key",
    "sign",
    "signature_valid",
    "trust_path",
]


def generate_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key from the operating system's CSPRNG; its public half is ``key.public_key()``."""
    return Ed25519PrivateKey.generate()


def _passphrase_bytes(passphrase: bytes | str | None) -> bytes | None:
    if passphrase is None:
        return None
    data = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    if not data:
        # An empty passphrase would encrypt with a key anyone can guess; refuse rather than pretend.
        raise InvalidInput("passphrase", "must not be empty (pass None for an unencrypted key)")
    return data


def private_key_to_pem(key: Ed25519PrivateKey, passphrase: bytes | str | None = None) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted with ``passphrase`` (``BestAvailableEncryption``) when one is given."""
    secret = _passphrase_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.NoEncryption() if secret is None else serialization.BestAvailableEncryption(secret)
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def private_key_from_pem(pem: bytes | str, passphrase: bytes | str | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``pem``; ``InvalidInput`` for a wrong passphrase, bad data or another key type."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else bytes(pem)
    secret = _passphrase_bytes(passphrase)
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError as error:
        # cryptography raises TypeError both for "encrypted but no password" and "password but not encrypted".
        raise InvalidInput("passphrase", str(error)) from None
    except (ValueError, UnsupportedAlgorithm) as error:
        raise InvalidInput("private_key", f"cannot be loaded (wrong passphrase or not a PEM key): {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("private_key", f"is a {type(key).__name__}, not an Ed25519 key")
    return key


def public_key_to_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key as 64 lowercase hex digits of its 32 raw bytes (the form used in the ledger and in configs)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_from_text(text: str, field: str = "public_key") -> Ed25519PublicKey:
    """The inverse of ``public_key_to_text``; only that exact form is accepted (no upper case, no padding)."""
    if not isinstance(text, str) or len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInput(field, "must be 64 lowercase hex digits (the raw 32-byte Ed25519 public key)")
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError as error:  # pragma: no cover - every 32-byte string loads; kept for other backends
        raise InvalidInput(field, f"not an Ed25519 public key: {error}") from None


def same_key(a: Ed25519PublicKey, b: Ed25519PublicKey) -> bool:
    return public_key_to_text(a) == public_key_to_text(b)


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return key.sign(message).hex()


def signature_valid(key: Ed25519PublicKey, message: bytes, signature_hex: str) -> bool:
    # Only the exact lowercase form is a signature: accepting "AB" for "ab" would let a byte of an export
    # change without the verifier noticing (bytes.fromhex is case-insensitive).
    if HEX_SIGNATURE.fullmatch(signature_hex) is None:
        return False
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except InvalidSignature:
        return False
    return True


FINGERPRINT_HEX = 16
"""Hex digits of a fingerprint: 64 bits, enough that nobody can make a second key with the same one (a
preimage costs 2^64 work per target), short enough to read out over a telephone line and compare."""


def fingerprint(key: Ed25519PublicKey | str) -> str:
    """SHA-256 of the raw 32-byte public key, its first ``FINGERPRINT_HEX`` lowercase hex digits.

    >>> fingerprint("00" * 32)
    '66687aadf862bd77'
    """
    public = public_key_from_text(key) if isinstance(key, str) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:FINGERPRINT_HEX]


class KeySource(StrEnum):
    """Where a verifier got a party's first public key. Only the last is not pinned."""

    KEYS_FILE = "keys-file"
    """A JSON file of keys the user names (``--keys``), got out of band: from the party itself, on paper."""
    NODE_DB = "node-db"
    """The keys registered on a node (``--db``): each party's key as the node knows it."""
    EMBEDDED = "embedded"
    """The ``keys`` of the document being verified: they prove only that the document is self-consistent."""


@dataclass(frozen=True)
class TrustedKey:
    """One party's first public key (64 lowercase hex) as a verifier uses it, with where it came from.

    ``origin`` says which file or database (a path, a URL with its password masked); validated when built.
    """

    party: str
    public_key: str
    source: KeySource
    origin: str

    def __post_init__(self) -> None:
        public_key_from_text(self.public_key, f"keys.{self.party}")

    @property
    def pinned(self) -> bool:
        return self.source is not KeySource.EMBEDDED

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def describe(self) -> str:
        """``--keys keys.json``, ``--db sqlite:///node.db`` or ``embedded in the report (NOT pinned)``."""
        if self.source is KeySource.KEYS_FILE:
            return f"--keys {self.origin}"
        if self.source is KeySource.NODE_DB:
            return f"--db {self.origin}"
        return f"embedded in {self.origin} (NOT pinned)"


@dataclass(frozen=True)
class KeyMismatch:
    """A key embedded in the document that is not the party's pinned key: the document was signed by someone
    else, or claims to be. Always a verification failure, whatever else holds."""

    party: str
    embedded: str
    pinned: TrustedKey

    def __str__(self) -> str:
        return (
            f"the embedded key of {self.party} (fingerprint {fingerprint(self.embedded)}) is not {self.party}'s"
            f" pinned key (fingerprint {self.pinned.fingerprint}, from {self.pinned.describe()})"
        )


@dataclass(frozen=True)
class KeyTrust:
    """Which key each party is verified with (``trusted``, by party), embedded keys that contradict a pinned one
    (``mismatches``), and parties whose embedded key was left unused because nothing pins it (``refused``)."""

    trusted: tuple[TrustedKey, ...]
    mismatches: tuple[KeyMismatch, ...]
    refused: tuple[str, ...]

    @property
    def keys(self) -> dict[str, str]:
        """The keys to verify with, as ``check`` takes them."""
        return {key.party: key.public_key for key in self.trusted}

    @property
    def unpinned(self) -> tuple[TrustedKey, ...]:
        """The embedded keys trusted only because the caller said so: the result proves consistency, not origin."""
        return tuple(key for key in self.trusted if not key.pinned)


def pin_keys(
    pinned: Iterable[TrustedKey],
    embedded: Mapping[str, str] | None = None,
    *,
    embedded_origin: str = "the report",
    trust_embedded: bool = False,
) -> KeyTrust:
    """Decide which key verifies each party's feed.

    A pinned key always wins. Two pinned sources that name different keys for one party are ``InvalidInput``
    (the auditor's own references disagree: nothing can be concluded). An embedded key that differs from the
    party's pinned key is a ``KeyMismatch``. An embedded key for a party nothing pins is used only with
    ``trust_embedded``; otherwise it is listed in ``refused`` and that party's entries go unverified.
    """
    chosen: dict[str, TrustedKey] = {}
    for key in pinned:
        if not key.pinned:
            raise InvalidInput(f"keys.{key.party}", "an embedded key is not a pinned key (pass it as embedded)")
        earlier = chosen.get(key.party)
        if earlier is not None and earlier.public_key != key.public_key:
            raise InvalidInput(
                f"keys.{key.party}",
                f"{earlier.describe()} gives fingerprint {earlier.fingerprint}, {key.describe()} gives"
                f" {key.fingerprint}: the pinned keys disagree",
            )
        chosen.setdefault(key.party, key)
    mismatches: list[KeyMismatch] = []
    refused: list[str] = []
    for party, text in sorted((embedded or {}).items()):
        candidate = TrustedKey(party, text, KeySource.EMBEDDED, embedded_origin)
        known = chosen.get(party)
        if known is not None:
            if known.public_key != candidate.public_key:
                mismatches.append(KeyMismatch(party, candidate.public_key, known))
        elif trust_embedded:
            chosen[party] = candidate
        else:
            refused.append(party)
    return KeyTrust(
        trusted=tuple(chosen[party] for party in sorted(chosen)), mismatches=tuple(mismatches), refused=tuple(refused)
    )


@dataclass(frozen=True)
class Rotation:
    """A ``key.rotated`` entry a verifier followed: ``party``'s entry ``seq`` (hash ``hash``, at ``where`` in the
    input: ``line N``, ``entry N``), signed by ``old_key``, the key in force before it (pinned, or itself rotated
    to), so ``new_key`` signs the feed from seq + 1 on. Keys as 64 lowercase hex."""

    party: str
    seq: int
    hash: str
    old_key: str
    new_key: str
    where: str

    def describe(self) -> str:
        """``rotated from <old fingerprint> at USA seq 3``."""
        return f"rotated from {fingerprint(self.old_key)} at {self.party} seq {self.seq}"


@dataclass(frozen=True)
class KeyInForce:
    """One key that verified a party's entries and why the verifier trusts it: ``rotation`` is ``None`` for the
    pinned (or, when told, embedded) first key ``root``, else the followed rotation that announced this key."""

    party: str
    public_key: str
    root: TrustedKey
    rotation: Rotation | None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    @property
    def trust(self) -> str:
        """``pinned``, ``embedded (NOT pinned)``, or ``rotated from <fingerprint> at <party> seq N``."""
        if self.rotation is not None:
            return self.rotation.describe()
        return "pinned" if self.root.pinned else "embedded (NOT pinned)"

    def describe(self) -> str:
        """What a verifier prints after the fingerprint: where a first key came from and that it is pinned, or the
        rotation (and where it is in the input) for a later key."""
        if self.rotation is None:
            return self.root.describe() if not self.root.pinned else f"{self.root.describe()} (pinned)"
        return f"{self.rotation.describe()} ({self.rotation.where})"


def trust_path(root: TrustedKey, rotations: Iterable[Rotation]) -> tuple[KeyInForce, ...]:
    """The keys of ``root.party`` a verifier used, in order: the first key, then one per rotation it followed
    (``rotations`` of other parties are skipped)."""
    path = [KeyInForce(root.party, root.public_key, root, None)]
    for rotation in sorted((r for r in rotations if r.party == root.party), key=lambda r: r.seq):
        path.append(KeyInForce(root.party, rotation.new_key, root, rotation))
    return tuple(path)
