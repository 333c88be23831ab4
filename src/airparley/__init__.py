"""airparley: a deconfliction line for air operations between parties who share airspace but not intelligence."""

from airparley.errors import (
    AirparleyError,
    ChainBroken,
    Equivocation,
    GeometryError,
    IllegalTransition,
    IngestError,
    InvalidInput,
    LedgerError,
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
    "LedgerError",
    "SignatureInvalid",
    "__version__",
]
