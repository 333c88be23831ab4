"""Ed25519 keys and signatures for the ledger: generation, PEM and text forms, sign and check.

Keys are ``cryptography``'s own objects; this module only fixes the encodings the ledger uses (public keys
and signatures as lowercase hex of their raw bytes, private keys as PKCS#8 PEM) and turns the library's
assorted exceptions into ``InvalidInput``. No file I/O: callers read and write the PEM bytes themselves.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from airparley.errors import InvalidInput
from airparley.ledger._canonical import HEX_SIGNATURE

__all__ = [
    "generate_key",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_text",
    "public_key_to_text",
    "same_key",
    "sign",
    "signature_valid",
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
