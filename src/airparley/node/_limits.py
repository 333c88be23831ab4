"""Rate limits: a token bucket per key, and the address a request is counted against.

:class:`RateLimiter` keeps a token bucket per known bearer token, and one per client address charged
:data:`FAILURE_COST` requests for each failed authentication (an unknown or revoked token). An address whose
bucket is spent is answered 429 before its token is even looked up, so guessing tokens or flooding the store
with lookups is held to ``rate_per_s / FAILURE_COST`` a second. The buckets are bounded: kept in
least-recently-used order, a bucket idle long enough to have refilled is dropped (a full bucket is what a new
key gets anyway), and past ``max_keys`` the least recently used is dropped.

On PostgreSQL, where several processes may serve one node (issue 18), the buckets are kept in the database
instead (``shared``, ``store/_rate_buckets.py``): with them in each process's memory, N processes would give
every client N times its budget.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from starlette.requests import HTTPConnection

from airparley.errors import AirparleyError
from airparley.store import Store
from airparley.store._rate_buckets import RateBuckets  # only the node builds one

__all__ = ["FAILURE_COST", "RateLimiter", "TooManyRequests", "client_address", "rate_limiter", "token_key"]

#: A failed authentication costs its address this many requests' worth of its bucket.
FAILURE_COST: Final = 10


class TooManyRequests(AirparleyError):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"rate limit exceeded; retry in {retry_after_s:.1f} s")


@dataclass
class RateLimiter:
    """A token bucket per key: ``rate_per_s`` sustained, ``burst`` at once; at most ``max_keys`` buckets.

    Keys are a known token (:func:`token_key`), a UI session or login, or a client address charged for
    failed authentications (:meth:`knock`, :meth:`failed`). With ``shared``, the buckets are its rows,
    shared with every other process of the node, and ``clock`` and ``max_keys`` are unused."""

    rate_per_s: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    shared: RateBuckets | None = None
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str, cost: float = 1.0) -> None:
        """Take ``cost`` from ``key``'s bucket, or raise :class:`TooManyRequests` (taking nothing)."""
        if self.shared is not None:
            tokens = self.shared.take(key, cost)
            if tokens < cost:
                raise TooManyRequests((cost - tokens) / self.rate_per_s)
            return
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            if tokens < cost:
                self._keep(key, tokens, now)
                raise TooManyRequests((cost - tokens) / self.rate_per_s)
            self._keep(key, tokens - cost, now)

    def knock(self, address: str) -> None:
        """Before a token is looked up: 429 if ``address`` has spent its failed authentications."""
        if self.shared is not None:
            tokens = self.shared.peek(_address_key(address))
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)
            return
        with self._lock:
            now = self.clock()
            tokens = self._tokens(_address_key(address), now)
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)

    def failed(self, address: str) -> None:
        """A failed authentication from ``address``: charged; 429 (instead of 401) once it is spent."""
        if self.shared is not None:
            tokens = max(0.0, self.shared.take(_address_key(address), FAILURE_COST, partial=True) - FAILURE_COST)
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)
            return
        with self._lock:
            now = self.clock()
            key = _address_key(address)
            tokens = max(0.0, self._tokens(key, now) - FAILURE_COST)
            self._keep(key, tokens, now)
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)

    def _tokens(self, key: str, now: float) -> float:
        found = self._buckets.get(key)
        if found is None:
            return float(self.burst)
        tokens, last = found
        return min(float(self.burst), tokens + (now - last) * self.rate_per_s)

    def _keep(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        # Least recently used first: drop the buckets that have refilled since (nothing is lost: a new key
        # gets a full bucket), then, past the cap, the least recently used.
        refill_s = self.burst / self.rate_per_s
        while self._buckets:
            oldest, (_, last) = next(iter(self._buckets.items()))
            if oldest == key or now - last < refill_s:
                break
            del self._buckets[oldest]
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


def rate_limiter(store: Store, rate_per_s: float, burst: int) -> RateLimiter:
    """The node's limiter: its buckets in PostgreSQL, shared by all the node's processes; in memory on
    SQLite, which takes one process."""
    if store.engine.dialect.name == "postgresql":
        return RateLimiter(rate_per_s, burst, shared=RateBuckets(store.engine, rate_per_s, burst))
    return RateLimiter(rate_per_s, burst)


def _address_key(address: str) -> str:
    return f"address:{address}"


def client_address(request: HTTPConnection) -> str:
    """The address a request came from, as rate limits count it: an IPv6 client by its /64 (one host's
    share of addresses), an IPv4 client by its address."""
    host = request.client.host if request.client else "unknown"
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]
