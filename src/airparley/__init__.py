"""airparley: a deconfliction line between air forces who share airspace but not intelligence."""

from airparley.errors import (
    AirparleyError,
    ChainBroken,
    Equivocation,
    GeometryError,
    IllegalTransition,
    IngestError,
    InvalidInput,
    InvalidInputs,
    LedgerError,
    NotFound,
    PermissionDenied,
    SignatureInvalid,
)

__version__ = "0.1.0"

__all__ = [
    "AirparleyError",
    "ChainBroken",
    "Equivocation",
    "GeometryError",
    "IllegalTransition",
    "IngestError",
    "InvalidInput",
    "InvalidInputs",
    "LedgerError",
    "NotFound",
    "PermissionDenied",
    "SignatureInvalid",
    "__version__",
]
