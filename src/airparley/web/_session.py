"""The desk's browser session: an HMAC-signed cookie naming an officer until an expiry, and nothing else.

No table holds sessions. The cookie is ``v1.<officer id>.<expiry, unix s>.<signature>``, the signature
HMAC-SHA256 under the node's session secret over the rest. A node started without
``AIRPARLEY_SESSION_SECRET`` draws a random secret, so its sessions end when it stops; with the variable
set (the same on every worker), they survive a restart. A session ends at its expiry, at logout (the
cookie's signature is remembered as revoked until then, in this process), or when the officer is revoked
(within ``auth_cache_s``, as for tokens).

Cross-site requests: the cookie is ``SameSite=Strict`` (and ``HttpOnly``, and ``Secure`` over https), and
a request authenticated by the cookie that is not a GET must also carry ``X-Airparley: 1``, a header a
cross-site form cannot send and a cross-site script cannot send without a CORS preflight the node
never grants. A WebSocket authenticated by the cookie must come from the node's own origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from airparley.errors import InvalidInput

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SECRET_ENV",
    "SESSION_HOURS",
    "Session",
    "Sessions",
    "secret_from_env",
]

COOKIE: Final = "airparley_session"
#: A cookie-authenticated request other than GET/HEAD/OPTIONS must carry this header with the value ``1``.
CSRF_HEADER: Final = "X-Airparley"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_ENV: Final = "AIRPARLEY_SESSION_SECRET"
#: How long a login lasts: a duty shift.
SESSION_HOURS: Final = 12.0
_MIN_SECRET_CHARS: Final = 16
_VERSION: Final = "v1"


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """``AIRPARLEY_SESSION_SECRET`` (at least 16 characters) as a key, or 32 random bytes for this run."""
    environ = os.environ if environ is None else environ
    configured = environ.get(SECRET_ENV)
    if configured is None or configured == "":
        return secrets.token_bytes(32)
    if len(configured) < _MIN_SECRET_CHARS:
        raise InvalidInput(SECRET_ENV, f"must be at least {_MIN_SECRET_CHARS} characters (use a long random string)")
    return hashlib.sha256(configured.encode("utf-8")).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Session:
    """A verified cookie: whose it is and until when (unix seconds)."""

    officer_id: str
    expires_s: int
    signature: str


@dataclass
class Sessions:
    """Issues and verifies session cookies. ``clock`` answers unix seconds (wall time: cookies outlive
    a process, so the node's own, possibly simulated, clock is not used for them)."""

    secret: bytes
    lifetime_s: float = SESSION_HOURS * 3600.0
    clock: Callable[[], float] = time.time
    _revoked: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _sign(self, officer_id: str, expires_s: int) -> str:
        message = f"{_VERSION}|{officer_id}|{expires_s}".encode()
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest())

    def issue(self, officer_id: str) -> tuple[str, int]:
        """A cookie value for the officer and its expiry (unix seconds)."""
        if "." in officer_id or not officer_id:
            raise InvalidInput("officer_id", "an officer id has no dots")
        expires_s = int(self.clock() + self.lifetime_s)
        return f"{_VERSION}.{officer_id}.{expires_s}.{self._sign(officer_id, expires_s)}", expires_s

    def verify(self, value: str | None) -> Session | None:
        """The session a cookie value proves, or ``None`` (missing, forged, expired or logged out)."""
        if not value:
            return None
        parts = value.split(".")
        if len(parts) != 4 or parts[0] != _VERSION or not parts[2].isdigit():
            return None
        _, officer_id, expiry, signature = parts
        expires_s = int(expiry)
        if not hmac.compare_digest(signature, self._sign(officer_id, expires_s)):
            return None
        if expires_s <= self.clock():
            return None
        with self._lock:
            if signature in self._revoked:
                return None
        return Session(officer_id, expires_s, signature)

    def revoke(self, session: Session) -> None:
        """Logout: this cookie is refused from now on, even if a copy of it is replayed before it expires."""
        now = self.clock()
        with self._lock:
            for signature in [s for s, until in self._revoked.items() if until <= now]:
                del self._revoked[signature]
            self._revoked[session.signature] = session.expires_s
