"""Where feed text comes from: a TCP stream (reconnecting with backoff), a file, a URL.

This is the I/O of the ingest layer; the parsers in the other modules never touch a socket or a file.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Final

import httpx

from airparley.errors import InvalidInput

__all__ = ["file_size", "parse_host_port", "read_url", "tcp_lines", "text_lines"]

#: The longest line kept from a stream; a longer one is cut (and will be reported as malformed).
MAX_LINE_BYTES: Final = 4096


def parse_host_port(text: str) -> tuple[str, int] | None:
    """``HOST:PORT`` -> ``(host, port)``; ``None`` when the text is not of that form (a file name)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    number = int(port)
    if not 0 < number < 65536:
        raise InvalidInput("port", f"must be 1 to 65535, got {number}")
    return host.strip("[]"), number


def tcp_lines(
    host: str,
    port: int,
    *,
    stop: threading.Event | None = None,
    connect_timeout_s: float = 5.0,
    backoff_s: float = 0.5,
    backoff_max_s: float = 30.0,
    max_reconnects: int | None = None,
    notify: Callable[[str], None] = lambda _message: None,
) -> Iterator[str]:
    """Lines of text from a TCP server (e.g. dump1090's port 30003), reconnecting after each loss.

    A refused or lost connection is retried after ``backoff_s``, doubling up to ``backoff_max_s``; the
    backoff restarts once a connection delivers data. ``max_reconnects`` (``None``: forever) bounds the
    reconnections; ``stop`` ends the stream within about a second. A line cut by a lost connection is
    dropped. ``notify`` hears of each connection and loss.
    """
    stop = stop or threading.Event()
    delay = backoff_s
    reconnects = 0
    first = True
    while not stop.is_set():
        if not first:
            if max_reconnects is not None and reconnects >= max_reconnects:
                notify(f"giving up on {host}:{port} after {reconnects} reconnection(s)")
                return
            reconnects += 1
            if stop.wait(delay):
                return
            delay = min(backoff_max_s, delay * 2)
        first = False
        try:
            connection = socket.create_connection((host, port), timeout=connect_timeout_s)
        except OSError as error:
            notify(f"cannot connect to {host}:{port}: {error.strerror or error}; retrying")
            continue
        notify(f"connected to {host}:{port}")
        with connection:
            connection.settimeout(1.0)
            buffer = b""
            while not stop.is_set():
                try:
                    chunk = connection.recv(65536)
                except TimeoutError:
                    continue
                except OSError as error:
                    notify(f"lost {host}:{port}: {error.strerror or error}; reconnecting")
                    break
                if not chunk:
                    notify(f"{host}:{port} closed the connection; reconnecting")
                    break
                delay = backoff_s
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                if len(buffer) > MAX_LINE_BYTES:
                    complete.append(buffer[:MAX_LINE_BYTES])
                    buffer = b""
                for raw in complete:
                    yield raw.decode("utf-8", errors="replace").rstrip("\r")


def text_lines(stream: IO[bytes], progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The lines of a binary stream as text (bad UTF-8 replaced, so the line is reported, not fatal).

    ``progress`` is called with the bytes read so far after each line.
    """
    done = 0
    for raw in stream:
        done += len(raw)
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if progress is not None:
            progress(done)


def read_url(client: httpx.Client, url: str) -> bytes:
    """The body of ``url`` (an ``aircraft.json`` endpoint), or ``httpx.HTTPError``."""
    response = client.get(url)
    response.raise_for_status()
    return response.content


def file_size(path: Path) -> int | None:
    """The file's size in bytes (for a progress bar), ``None`` when it cannot be known."""
    try:
        return path.stat().st_size
    except OSError:
        return None
