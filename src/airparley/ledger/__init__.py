"""The ledger: per-party, hash-chained, Ed25519-signed feeds of shared acts, and their verification.

Pure: no I/O, no clock, no global state. The node and the CLI read and write files and keys; this package
turns values into signed entries and tells whether a set of feeds is authentic::

    key = generate_key()
    first = append("USA", Kind.NOTICE_FILED, {"notice": "USA-0001"}, seen={}, now=now, signing_key=key)
    second = append(first, Kind.MESSAGE_SENT, {...}, seen=[rus_head], now=later, signing_key=key)
    data = export([first, second, *other_feeds])          # JSON lines, one canonical entry per line
    verify_export(data, {"USA": key.public_key(), ...})   # None, or raises naming the first bad entry
    report = check_export(data, keys)                     # or: every problem, report.first the first

The exact format (fields, canonical bytes, what is hashed and signed) is in ``docs/ledger.md``; the bytes
themselves are defined in ``_canonical.py``.
"""

from airparley.ledger._canonical import GENESIS, SIGNING_CONTEXT
from airparley.ledger._entries import FIRST_SEQ, PARTY_CODE, Entry, Kind, append, format_time, key_after, parse_time
from airparley.ledger._export import Line, ReportFile, export, parse_export, parse_report_file, split_export
from airparley.ledger._keys import (
    FINGERPRINT_HEX,
    KeyInForce,
    KeyMismatch,
    KeySource,
    KeyTrust,
    Rotation,
    TrustedKey,
    fingerprint,
    generate_key,
    pin_keys,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_text,
    public_key_to_text,
    trust_path,
)
from airparley.ledger._proof import (
    Anchor,
    Extract,
    ExtractCheck,
    ExtractFile,
    Inclusion,
    check_extract,
    extract,
    parse_extract,
    read_extract,
    verify_extract,
)
from airparley.ledger._verify import (
    DEFAULT_CLOCK_SKEW,
    Problem,
    PublicKeys,
    Report,
    SignatureWork,
    check,
    check_export,
    check_lines,
    signature_work,
    signatures_valid,
    verified_signatures,
    verify,
    verify_export,
    verify_next,
)

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "FINGERPRINT_HEX",
    "FIRST_SEQ",
    "GENESIS",
    "PARTY_CODE",
    "SIGNING_CONTEXT",
    "Anchor",
    "Entry",
    "Extract",
    "ExtractCheck",
    "ExtractFile",
    "Inclusion",
    "KeyInForce",
    "KeyMismatch",
    "KeySource",
    "KeyTrust",
    "Kind",
    "Line",
    "Problem",
    "PublicKeys",
    "Report",
    "ReportFile",
    "Rotation",
    "SignatureWork",
    "TrustedKey",
    "append",
    "check",
    "check_export",
    "check_extract",
    "check_lines",
    "export",
    "extract",
    "fingerprint",
    "format_time",
    "generate_key",
    "key_after",
    "parse_export",
    "parse_extract",
    "parse_report_file",
    "parse_time",
    "pin_keys",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_text",
    "public_key_to_text",
    "read_extract",
    "signature_work",
    "signatures_valid",
    "split_export",
    "trust_path",
    "verified_signatures",
    "verify",
    "verify_export",
    "verify_extract",
    "verify_next",
]
