"""A throwaway PostgreSQL cluster on 127.0.0.1, for tests, benchmarks and trying the node on PostgreSQL.

It runs Debian's (or any) ``initdb``/``pg_ctl`` from a temporary folder. PostgreSQL refuses to run as
root, so as root the cluster is made and run by the ``postgres`` user (Debian's package creates it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["create_database", "local_postgres", "postgres_bindir"]


def postgres_bindir() -> Path | None:
    """Where the server binaries are, or None when PostgreSQL is not installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_postgres() -> Iterator[str]:
    """Start a cluster; yield its server URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``); stop it."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (on Debian: apt-get install postgresql)")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    home = Path(tempfile.mkdtemp(prefix="airparley-pg-"))
    data = home / "data"
    if as_root:
        shutil.chown(home, "postgres", "postgres")
    port = _free_port()
    initdb = [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
    subprocess.run(initdb, check=True, capture_output=True)
    options = f"-p {port} -h 127.0.0.1 -k {home}"
    start = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start"]
    subprocess.run(start, check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop, capture_output=True)
        # Removing a cluster of a test session's hundreds of databases takes about 10 s (400 databases, 100,000
        # files), which the last test of each worker waited for. Nothing reads the folder once the server is
        # down, so it goes away in the background, after this process if need be.
        # (A shell that leaves ``rm`` running and exits: nothing is left for this process to wait for.)
        subprocess.run(
            ["sh", "-c", 'rm -rf -- "$1" &', "sh", str(home)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            check=False,
        )


def create_database(server_url: str, name: str | None = None, *, template: str | None = None) -> str:
    """A new empty database on the server, or a copy of the database ``template``; returns its URL.

    A copy is PostgreSQL's own ``CREATE DATABASE ... TEMPLATE``: a file copy, several times faster than running
    the migrations again (the tests copy one migrated database). Nothing may be connected to ``template``."""
    import psycopg

    name = name or f"airparley_{uuid.uuid4().hex[:12]}"
    # Both names are ours: letters, digits and underscores only.
    statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(statement)
    return f"{server_url}/{name}"
