"""Posting track states to a node: batches by count and by time, retries with backoff, never blocks forever.

The node's contract (``POST /api/v1/tracks``, the bearer token of a ``sensor`` officer of the posting party):

* request ``{"states": [state, ...]}``: each state an object of the JSON-lines track format
  (docs/tactical.md), at most 5,000 per request (and under the node's body-size limit);
* answer ``202 {"accepted": n, "rejected": [{"index": i, "field": "...", "reason": "..."}]}``, ``index`` the
  position of the refused state in the request;
* errors are RFC 9457 problem documents; 429 may carry ``Retry-After``.

:class:`TrackPoster` queues states (``submit`` never blocks: when the queue is full the oldest state is
dropped and counted), and a worker thread sends a batch when ``batch_size`` states are waiting, when the
oldest has waited ``max_delay_s``, or when asked (``flush``). A batch that cannot be delivered (the node
unreachable, a timeout, 429 or 5xx) is sent again after 0.25, 0.5, 1, ... s (at most ``backoff_max_s``)
with the same ``Idempotency-Key``, so a retry after a lost answer does nothing twice; after ``retry_for_s``
it is given up and its states are counted as failed. 413 splits the batch in two. 401 or 403 stops the
poster: the token will not be taken, so nothing more is sent. ``close`` sends what is left and returns a
:class:`PostSummary` within its timeout.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

import httpx

from airparley.errors import InvalidInput
from airparley.ingest._common import state_record
from airparley.tactical import TrackState

__all__ = ["MAX_STATES_PER_POST", "PostSummary", "Rejection", "TrackPoster"]

#: The node's limit of states per request.
MAX_STATES_PER_POST: Final = 5000
#: How many rejections and error messages a summary keeps in full (all are counted).
_KEEP: Final = 1000

Outcome = Literal["done", "retry", "split", "fail", "refused"]


@dataclass(frozen=True)
class Rejection:
    """A state the node refused: its track id and time, the field and the node's reason."""

    id: str
    time: str
    field: str
    reason: str


@dataclass
class PostSummary:
    """What happened to the submitted states.

    ``accepted + rejected`` reached the node and were answered; ``failed`` were given up on (node
    unreachable past the retry window, or the whole request refused); ``dropped`` fell out of a full queue;
    ``pending`` were still queued when the poster was closed.
    """

    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    failed: int = 0
    dropped: int = 0
    pending: int = 0
    batches: int = 0
    retries: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        """Everything submitted reached the node (some states may still have been rejected one by one)."""
        return self.failed == 0 and self.dropped == 0 and self.pending == 0 and self.refused is None

    def describe(self) -> str:
        text = (
            f"{self.submitted} state(s) submitted, {self.batches} batch(es): {self.accepted} accepted, "
            f"{self.rejected} rejected, {self.failed} failed, {self.dropped} dropped"
        )
        if self.pending:
            text += f", {self.pending} unsent"
        if self.retries:
            text += f"; {self.retries} retr{'y' if self.retries == 1 else 'ies'}"
        return text


class TrackPoster:
    """Sends track states to a node in batches from a worker thread (see the module docstring).

    ``transport`` is passed to httpx (tests may use a mock transport); ``clock`` is the monotonic clock the
    batching and retry windows are measured with.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        batch_size: int = 500,
        max_delay_s: float = 1.0,
        max_pending: int = 100_000,
        retry_for_s: float = 30.0,
        backoff_s: float = 0.25,
        backoff_max_s: float = 8.0,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= batch_size <= MAX_STATES_PER_POST:
            raise InvalidInput("batch_size", f"must be 1 to {MAX_STATES_PER_POST}, got {batch_size}")
        for name, value in (
            ("max_delay_s", max_delay_s),
            ("retry_for_s", retry_for_s),
            ("backoff_s", backoff_s),
            ("backoff_max_s", backoff_max_s),
            ("timeout_s", timeout_s),
        ):
            if not math.isfinite(value) or value < 0:
                raise InvalidInput(name, f"must be a number >= 0, got {value!r}")
        if max_pending < batch_size:
            raise InvalidInput("max_pending", f"must be at least batch_size ({batch_size}), got {max_pending}")
        self.url = url.rstrip("/")
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.max_pending = max_pending
        self.retry_for_s = retry_for_s
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self._clock = clock
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
            transport=transport,
        )
        self._pending: deque[tuple[dict[str, Any], float]] = deque()
        self._cond = threading.Condition()
        self._stats = threading.Lock()
        self._summary = PostSummary()
        self._flush = False
        self._closing = False
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name="airparley-track-poster", daemon=True)
        self._thread.start()

    # -- the producer's side ------------------------------------------------------------------------------

    def submit(self, states: Iterable[TrackState | Mapping[str, Any]]) -> None:
        """Queue states (never blocks; a full queue drops its oldest state)."""
        records = [s if isinstance(s, Mapping) else state_record(s) for s in states]
        if not records:
            return
        now = self._clock()
        with self._cond:
            refused = self._summary.refused is not None or self._closing
            with self._stats:
                self._summary.submitted += len(records)
                if refused:
                    self._summary.failed += len(records)
            if refused:
                return
            for record in records:
                if len(self._pending) >= self.max_pending:
                    self._pending.popleft()
                    with self._stats:
                        self._summary.dropped += 1
                self._pending.append((dict(record), now))
            self._cond.notify_all()  # a full batch goes now; a first state starts the worker's delay

    def flush(self) -> None:
        """Send what is queued now, without waiting for a full batch or the delay (does not block)."""
        with self._cond:
            self._flush = True
            self._cond.notify_all()

    @property
    def summary(self) -> PostSummary:
        """A snapshot of the counts so far."""
        with self._stats:
            return replace(self._summary, rejections=list(self._summary.rejections), errors=list(self._summary.errors))

    @property
    def refused(self) -> str | None:
        """Why the node refused this poster's token (401/403), or ``None``."""
        with self._stats:
            return self._summary.refused

    def close(self, timeout_s: float = 30.0) -> PostSummary:
        """Send what is queued (within ``timeout_s``), stop the worker, return the summary."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._abort.set()
            with self._cond:
                self._cond.notify_all()
            self._thread.join(self._client.timeout.read or 10.0)
        with self._cond:
            left = len(self._pending)
            self._pending.clear()
        with self._stats:
            self._summary.pending += left
        self._client.close()
        return self.summary

    def __enter__(self) -> TrackPoster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the worker ----------------------------------------------------------------------------------------

    def _next_batch(self) -> list[dict[str, Any]] | None:
        with self._cond:
            while True:
                if self._abort.is_set():
                    return None
                if self._pending:
                    waited = self._clock() - self._pending[0][1]
                    if (
                        len(self._pending) >= self.batch_size
                        or self._flush
                        or self._closing
                        or waited >= self.max_delay_s
                    ):
                        break
                    self._cond.wait(max(0.0, self.max_delay_s - waited))
                elif self._closing:
                    return None
                else:
                    self._flush = False
                    self._cond.wait()
            count = min(self.batch_size, len(self._pending))
            batch = [self._pending.popleft()[0] for _ in range(count)]
            if not self._pending:
                self._flush = False
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._send(batch)
            except Exception as error:  # the worker must outlive any surprise, e.g. a client closed under it
                self._fail(batch, f"could not send: {type(error).__name__}: {error}")

    def _error(self, message: str) -> None:
        with self._stats:
            if message not in self._summary.errors and len(self._summary.errors) < _KEEP:
                self._summary.errors.append(message)

    def _fail(self, batch: list[dict[str, Any]], message: str) -> None:
        self._error(message)
        with self._stats:
            self._summary.failed += len(batch)

    def _send(self, batch: list[dict[str, Any]]) -> None:
        key = uuid.uuid4().hex
        deadline = self._clock() + self.retry_for_s
        attempt = 0
        while True:
            if self._abort.is_set():
                self._fail(batch, "the poster was closed before the batch could be delivered")
                return
            outcome, message, wait_s = self._post_once(batch, key)
            if outcome == "done":
                return
            if outcome == "split":
                half = len(batch) // 2
                self._send(batch[:half])
                self._send(batch[half:])
                return
            if outcome == "refused":
                with self._cond:
                    left = [record for record, _ in self._pending]
                    self._pending.clear()
                with self._stats:
                    self._summary.refused = message
                self._fail(batch + left, message)
                return
            if outcome == "fail":
                self._fail(batch, message)
                return
            attempt += 1
            delay = wait_s if wait_s is not None else min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
            if self._clock() + delay > deadline:
                self._fail(batch, f"gave up after {attempt} attempt(s) in {self.retry_for_s:g} s: {message}")
                return
            with self._stats:
                self._summary.retries += 1
            self._error(message)
            if self._abort.wait(delay):
                self._fail(batch, "the poster was closed before the batch could be delivered")
                return

    def _post_once(self, batch: list[dict[str, Any]], key: str) -> tuple[Outcome, str, float | None]:
        try:
            response = self._client.post("/api/v1/tracks", json={"states": batch}, headers={"Idempotency-Key": key})
        except httpx.TransportError as error:
            return "retry", f"cannot reach the node at {self.url}: {error or type(error).__name__}", None
        status = response.status_code
        if status in (200, 201, 202):
            return self._answered(batch, response)
        detail = _problem_detail(response)
        if status == 413 and len(batch) > 1:
            return "split", detail, None
        if status == 429 or status >= 500:
            return "retry", f"{status}: {detail}", _retry_after(response)
        if status in (401, 403):
            return "refused", f"{status}: {detail}", None
        return "fail", f"{status}: {detail}", None

    def _answered(self, batch: list[dict[str, Any]], response: httpx.Response) -> tuple[Outcome, str, float | None]:
        try:
            answer = response.json()
            accepted = int(answer["accepted"])
            rejected = list(answer.get("rejected", []))
        except (ValueError, KeyError, TypeError):
            return "fail", f"{response.status_code}: the node's answer is not {{accepted, rejected}}", None
        with self._stats:
            self._summary.batches += 1
            self._summary.accepted += accepted
            self._summary.rejected += len(rejected)
            for item in rejected:
                if len(self._summary.rejections) >= _KEEP:
                    break
                index = item.get("index") if isinstance(item, Mapping) else None
                record = batch[index] if isinstance(index, int) and 0 <= index < len(batch) else {}
                self._summary.rejections.append(
                    Rejection(
                        str(record.get("id", "?")),
                        str(record.get("time", "?")),
                        str(item.get("field", "?")) if isinstance(item, Mapping) else "?",
                        str(item.get("reason", item)) if isinstance(item, Mapping) else str(item),
                    )
                )
        return "done", "", None


def _problem_detail(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(problem, Mapping):
        return str(problem.get("detail") or problem.get("title") or response.reason_phrase)
    return response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
