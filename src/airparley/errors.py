"""The one exception tree of airparley.

```
AirparleyError
 +-- InvalidInput          bad user or wire input: names the field, the reason and where it was found
 |    +-- GeometryError    a shape that cannot be built (open ring, self-intersection, negative radius...)
 |    +-- IngestError      a bad line in a track feed: names the source and the line number
 |    +-- InvalidInputs    several of the above found together (``errors`` lists them)
 +-- IllegalTransition     a state machine was asked for a move its transition table does not allow
 +-- NotFound              no such thing, or not one the asking party may see
 +-- PermissionDenied      the asking officer's party or tier may not do this
 +-- Unauthorized          no credentials, or unknown or revoked ones (a bearer token, a session)
 +-- LedgerError           a signed feed does not verify
      +-- ChainBroken      an entry's ``prev`` or ``seq`` does not follow its predecessor
      +-- SignatureInvalid an entry's signature does not verify under its party's key
      +-- Equivocation     two different entries claim the same party and seq
```

Every layer raises these and nothing else on purpose; the CLI and the API map them to exit codes and
problem+json documents in one place each.
"""

from __future__ import annotations

from typing import Any

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
    "Unauthorized",
]


class AirparleyError(Exception):
    """Base of every error airparley raises on purpose."""


class InvalidInput(AirparleyError):
    """Input that cannot be accepted.

    ``field`` is a dotted path to the offending value (``volumes.0.lower.unit``), ``reason`` says what is
    wrong with it in words a desk officer understands, and ``where`` locates it in the input (``feature 3,
    notice USA-0042``, ``line 17``), empty when the input is a single value.
    """

    def __init__(self, field: str, reason: str, where: str = "") -> None:
        self.field = field
        self.reason = reason
        self.where = where
        super().__init__(self.describe())

    def describe(self) -> str:
        location = f"{self.where}: " if self.where else ""
        return f"{location}{self.field}: {self.reason}"

    def at(self, where: str) -> InvalidInput:
        """The same error located at ``where`` (prefixed to any location it already had)."""
        combined = f"{where}, {self.where}" if self.where else where
        return type(self)(self.field, self.reason, combined)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "reason": self.reason, "where": self.where}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its three parts (an exception pickles its args, here the one described line), so an
        # error found in a worker process arrives whole.
        return (type(self), (self.field, self.reason, self.where))


class GeometryError(InvalidInput):
    """A shape that cannot be turned into a valid footprint."""


class IngestError(InvalidInput):
    """A bad record in a track feed; ``source`` names the feed and ``line`` the 1-based line number."""

    def __init__(self, field: str, reason: str, source: str = "", line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = ", ".join(p for p in (source, f"line {line}" if line is not None else "") if p)
        super().__init__(field, reason, where)

    def at(self, where: str) -> IngestError:
        return _ingest_error(
            self.field, self.reason, self.source, self.line, f"{where}, {self.where}" if self.where else where
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_ingest_error, (self.field, self.reason, self.source, self.line, self.where))


def _ingest_error(field: str, reason: str, source: str, line: int | None, where: str) -> IngestError:
    """An ``IngestError`` whose location is ``where`` (``at`` may have prefixed its source and line)."""
    error = IngestError(field, reason, source, line)
    error.where = where
    error.args = (error.describe(),)
    return error


class InvalidInputs(InvalidInput):
    """Several input errors found together; ``errors`` lists each (the first one names field and where)."""

    def __init__(self, errors: list[InvalidInput]) -> None:
        if not errors:
            raise ValueError("InvalidInputs needs at least one error")
        self.errors = list(errors)
        super().__init__(errors[0].field, "; ".join(e.describe() for e in errors), errors[0].where)

    def at(self, where: str) -> InvalidInputs:
        return InvalidInputs([e.at(where) for e in self.errors])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": [e.as_dict() for e in self.errors]}


class IllegalTransition(AirparleyError):
    """A move the state machine's transition table does not allow from the current state."""

    def __init__(self, state: object, event: object) -> None:
        self.state = state
        self.event = event
        super().__init__(f"cannot {event} from state {state}")


class NotFound(AirparleyError):
    """No such thing, or none the asking party may see (the two are not told apart, on purpose)."""

    def __init__(self, what: str, ident: str) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"no {what} {ident!r}")


class PermissionDenied(AirparleyError):
    """The officer's party or tier may not do this."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Unauthorized(AirparleyError):
    """No bearer token, or one that is unknown or revoked (HTTP 401)."""


class LedgerError(AirparleyError):
    """A ledger that does not verify; ``party`` and ``seq`` name the first bad entry when known."""

    def __init__(self, message: str, party: str | None = None, seq: int | None = None) -> None:
        self.party = party
        self.seq = seq
        prefix = f"{party}#{seq}: " if party is not None and seq is not None else ""
        super().__init__(prefix + message)


class ChainBroken(LedgerError):
    """An entry does not link to its predecessor (``prev`` hash or ``seq`` gap)."""


class SignatureInvalid(LedgerError):
    """An entry whose signature does not verify under its party's public key."""


class Equivocation(LedgerError):
    """Two different entries with the same party and seq; both are kept as evidence."""

    def __init__(self, message: str, party: str, seq: int, first: Any, second: Any) -> None:
        self.first = first
        self.second = second
        super().__init__(message, party, seq)
