"""Work spread over forked processes: ``check`` reads and draws, ``ledger verify`` checks signatures.

Forking (not spawning) lets each worker inherit what it works on instead of receiving it pickled: the
notices, the conflicts, the parsed entries. Each command passes its own ``--jobs`` (``None``: one process
per core this process may run on).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

__all__ = ["blocks", "forked_pool", "in_blocks", "jobs_for"]

Items = TypeVar("Items")
Result = TypeVar("Result")

#: The work of ``in_blocks`` and what it works on: set before the workers are forked, so each inherits them.
_SHARED: tuple[Callable[[Any, int, int], Any], Any] | None = None


def blocks(count: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each block of ``size`` items (the last one shorter) among ``count``."""
    return [(start, min(start + size, count)) for start in range(0, count, size)]


@contextmanager
def in_blocks(
    work: Callable[[Items, int, int], Result], items: Items, count: int, size: int, workers: int
) -> Iterator[Iterator[Result]]:
    """``work(items, start, stop)`` of each block of ``size`` among ``count`` items, in order, made by ``workers``
    processes forked on entry (a block each at a time). The workers inherit ``items`` and ``work`` and receive
    only each block's bounds; nothing is held once the context is left."""
    global _SHARED
    _SHARED = (work, items)
    try:
        with forked_pool(workers) as pool:
            yield pool.imap(_shared_block, blocks(count, size))
    finally:
        _SHARED = None


def _shared_block(block: tuple[int, int]) -> Any:
    assert _SHARED is not None  # set before the fork
    work, items = _SHARED
    return work(items, *block)


@contextmanager
def forked_pool(workers: int) -> Iterator[Pool]:
    """``workers`` processes forked from this one, so each inherits what the work reads instead of receiving
    it. Objects made before the fork stay out of the workers' collections while the pool lives: a collection
    would touch (and so copy) every page the parent's objects are on."""
    import gc
    import multiprocessing

    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts) as pool:
            yield pool
    finally:
        gc.unfreeze()


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the command stops its workers itself (leaving the pool
    # terminates them) instead of each printing a traceback.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def jobs_for(requested: int | None, items: int, block: int) -> int:
    """How many processes share ``items`` (conflicts to draw, features to read, signatures) in blocks of ``block``:
    ``--jobs``, else one per core this process may run on; one for a run too small to pay for forking (fewer
    than two blocks)."""
    if requested is not None:
        return requested
    if items < 2 * block:
        return 1
    return len(os.sched_getaffinity(0))
