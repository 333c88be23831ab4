"""``airparley serve``: run a node (its own module: it alone needs FastAPI, uvicorn and the node)."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from airparley.cli._common import EXIT_BAD_INPUT, database_url, err_console, report_errors
from airparley.cli._node import DEFAULT_DB, DEFAULT_KEYS, Db, KeysDir, load_keys, open_store
from airparley.errors import InvalidInput
from airparley.node import SETTINGS, Node, settings_from_env

__all__ = ["serve_command"]


def serve_command(
    db: Db = DEFAULT_DB,
    keys: KeysDir = DEFAULT_KEYS,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    lateral_nm: Annotated[float | None, typer.Option(help=SETTINGS[0].help)] = None,
    vertical_ft: Annotated[float | None, typer.Option(help=SETTINGS[1].help)] = None,
    time_min: Annotated[float | None, typer.Option(help=SETTINGS[2].help)] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log one line per HTTP request (stderr).")
    ] = False,
) -> None:
    """Run a node: the REST API under /api/v1, OpenAPI at /docs, WebSocket events at /api/v1/events.

    It signs the acts of the parties whose keys are in KEYS (PARTY.pem); acts of other parties are refused."""
    import uvicorn

    try:
        settings, hotline_settings = settings_from_env(
            lateral_nm=lateral_nm, vertical_ft=vertical_ft, time_min=time_min
        )
    except InvalidInput as error:
        report_errors("settings", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    from airparley.store import hold_sqlite_file

    try:
        # SQLite takes one process: a second serve (or demo) on the file is refused, not run beside the first.
        hold_sqlite_file(database_url(db))
    except InvalidInput as error:
        err_console.print(f"error: --db {db}: {error.reason}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    store = open_store(db)
    with store.begin() as tx:
        codes = [p.code for p in tx.parties()]
    try:
        node = Node(store, settings, hotline_settings=hotline_settings, keys=load_keys(keys, codes))
    except InvalidInput as error:
        report_errors("keys", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    from airparley.web import desk_app  # the node's app with the desk UI

    app = desk_app(node)
    # What start-up built (modules, the app, its routes and models: some 150,000 objects) lives as long as the
    # process. Frozen, it is left out of the collector's full passes, which otherwise walk it every few
    # seconds under load and stop every request for 50-200 ms each time.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        # httptools' C parser and uvloop when installed (they are dependencies), else h11 and asyncio.
        http="auto",
        loop="auto",
        # Off by default: a line per request is formatted and written on the event loop that serves the
        # requests; errors and the start-up and shutdown lines are logged either way.
        access_log=access_log,
        # Events are small JSON objects (a few hundred bytes) on a LAN or loopback line: zlib per event per
        # socket costs more time than the bytes it saves take to send.
        ws_per_message_deflate=False,
    )
