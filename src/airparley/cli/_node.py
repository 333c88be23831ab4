"""``airparley party|officer|keys|peer``: staffing a node through its database (``serve`` is in ``_serve``).

Every ``--db`` goes through :func:`transaction` / :func:`open_store`: a URL or a bare SQLite path
(:func:`~airparley.cli._common.database_url`), and a database that cannot be opened is one line on stderr and
exit 2. The store (SQLAlchemy) is imported when a command opens it, not when the CLI starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    JsonLinesWriter,
    database_url,
    err_console,
    json_line,
    out_console,
    report_errors,
)
from airparley.errors import InvalidInput
from airparley.ledger import (
    generate_key,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_text,
    public_key_to_text,
)

if TYPE_CHECKING:
    from airparley.ledger import Entry
    from airparley.store import Store, Tx

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_KEYS",
    "Db",
    "KeysDir",
    "keys_app",
    "load_keys",
    "officer_app",
    "open_store",
    "party_app",
    "peer_app",
    "transaction",
]

DEFAULT_DB = "sqlite:///airparley.db"
AsJson = Annotated[bool, typer.Option("--json", help="A JSON line instead of text.")]
Db = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="AIRPARLEY_DB",
        help="Database URL (sqlite:///... or postgresql://...), or an SQLite file path.",
    ),
]

KeysDir = Annotated[
    Path,
    typer.Option("--keys", envvar="AIRPARLEY_KEYS", help="Folder of the signing keys of the parties this node hosts."),
]
DEFAULT_KEYS = Path("keys")
PASSPHRASE_ENV = "AIRPARLEY_KEY_PASSPHRASE"

party_app = typer.Typer(help="Parties hosted on a node.", no_args_is_help=True)
keys_app = typer.Typer(help="Ed25519 signing keys of the parties a node hosts.", no_args_is_help=True)


def _passphrase() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def _write_key(keys: Path, party: str, force: bool = False) -> Ed25519PrivateKey:
    """A new key in ``keys/PARTY.pem``, readable by its owner only (0600)."""
    path = keys / f"{party}.pem"
    if path.exists() and not force:
        report_errors("keys", [InvalidInput("party", f"{path} exists already; use --force to replace it")])
        raise typer.Exit(EXIT_BAD_INPUT)
    if not keys.exists():  # a folder of private keys: its owner only (0700); an existing one is left as it is
        keys.mkdir(mode=0o700, parents=True)
    key = generate_key()
    _write_key_file(path, key)
    return key


def _write_key_file(path: Path, key: Ed25519PrivateKey) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_to_pem(key, _passphrase()))
    os.chmod(path, 0o600)


def load_keys(keys: Path, parties: list[str]) -> dict[str, Ed25519PrivateKey]:
    """The keys found in ``keys/`` for the given parties (a node hosts those it has keys for)."""
    loaded = {}
    for party in parties:
        path = keys / f"{party}.pem"
        if path.exists():
            try:
                loaded[party] = private_key_from_pem(path.read_bytes(), _passphrase())
            except InvalidInput as error:
                report_errors(str(path), [error])
                raise typer.Exit(EXIT_BAD_INPUT) from None
    return loaded


@keys_app.command("generate")
def keys_generate(
    party: Annotated[str, typer.Argument(help="The party code the key signs for.")],
    keys: KeysDir = DEFAULT_KEYS,
    db: Db = DEFAULT_DB,
    force: Annotated[
        bool,
        typer.Option(
            help="Replace an existing key file. If the party already has ledger entries, the new key is announced "
            "in its feed by a key.rotated entry signed with the old key (stop the node first, start it after)."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Write PARTY's private key to KEYS/PARTY.pem (mode 0600; encrypted with $AIRPARLEY_KEY_PASSPHRASE
    if set), register its public key on the node's database, and print the public key. Replacing the key of a
    party that has signed entries is a key rotation: a signed key.rotated entry announces the new key, so peers
    and verifiers, who hold only the party's first key, follow the chain to it."""
    party = party.upper()
    path = keys / f"{party}.pem"
    rotation: Entry | None = None
    try:
        # The database first: a bad --db must not leave a new key file behind that no database knows of.
        with transaction(db) as tx:
            if tx.party(party) is None or tx.ledger_head(party) is None:
                key = _write_key(keys, party, force)
                public = public_key_to_text(key)
                if tx.party(party) is not None:
                    tx.set_party_key(party, public)
            else:
                key, rotation = _rotate(tx, keys, party, force)
                public = public_key_to_text(key)
    except BaseException:
        _pending_key_path(path).unlink(missing_ok=True)
        raise
    if rotation is not None:
        # Only once the rotation is committed does the new key take the old one's place: a failed commit leaves
        # the key that is still in force.
        os.replace(_pending_key_path(path), path)
        err_console.print(
            f"{party}#{rotation.seq} key.rotated announces the new key in {party}'s feed; restart the node serving"
            f" {party} with it",
            markup=False,
            soft_wrap=True,
        )
    if as_json:
        shown: dict[str, object] = {"party": party, "public_key": public, "key_file": str(path)}
        if rotation is not None:
            shown["rotated"] = {"seq": rotation.seq, "hash": rotation.hash}
        out_console.out(json_line(shown))
        return
    out_console.out(public)


def _pending_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def _rotate(tx: Tx, keys: Path, party: str, force: bool) -> tuple[Ed25519PrivateKey, Entry]:
    """A new key for a party whose feed has entries: announced by a key.rotated entry signed with the key in
    force (read from KEYS/PARTY.pem), written beside it until the transaction commits."""
    from airparley.node._ledger import rotate_key

    path = keys / f"{party}.pem"
    if not path.exists():
        why = (
            f"{party} has ledger entries signed with its registered key and this node holds no key file for it"
            f" ({path}): a new key must be announced by a key.rotated entry signed with the key in force, so run"
            f" `airparley keys generate {party} --force` where that key is"
        )
        report_errors("keys", [InvalidInput("party", why)])
        raise typer.Exit(EXIT_BAD_INPUT)
    if not force:
        why = (
            f"{path} exists already; use --force to replace it (the new key is announced in {party}'s feed by a"
            " key.rotated entry signed with this one)"
        )
        report_errors("keys", [InvalidInput("party", why)])
        raise typer.Exit(EXIT_BAD_INPUT)
    old = load_keys(keys, [party])[party]
    new = generate_key()
    try:
        entry = rotate_key(tx, party, old, new, utc_now(), f"airparley keys generate {party} --force")
    except InvalidInput as error:
        report_errors("keys", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _write_key_file(_pending_key_path(path), new)
    return new, entry


officer_app = typer.Typer(help="Officers and their bearer tokens.", no_args_is_help=True)


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def transaction(db: str) -> Iterator[Tx]:
    """One transaction on the node's database, closing it afterwards (commands are short-lived)."""
    store = open_store(db)
    try:
        with store.begin() as tx:
            yield tx
    finally:
        store.close()


def _sqlite_problem(url: str) -> str | None:
    """What is wrong with an SQLite file URL, said before SQLite says only "unable to open database file"."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    if not path.parent.is_dir():
        return f"no such folder {path.parent}"
    return None


def _first_line(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error with the statement and a link: the driver's own words suffice.
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]


def open_store(db: str) -> Store:
    """The node's store at ``--db`` (a URL or an SQLite path), migrated; a bad database exits 2 in one line."""
    url = database_url(db)
    problem = _sqlite_problem(url)
    if problem is None:
        from sqlalchemy.exc import SQLAlchemyError

        from airparley.store import Store

        try:
            return Store.open(url)
        except InvalidInput as error:
            problem = error.reason
        except (SQLAlchemyError, OSError, ImportError) as error:
            problem = _first_line(error)
    err_console.print(f"error: --db {db}: cannot open the database: {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


_open = open_store  # the name older callers use


@party_app.command("add")
def party_add(
    code: Annotated[str, typer.Argument(help="Party code, e.g. USA.")],
    name: Annotated[str, typer.Argument(help="Full name, e.g. 'Coalition CAOC, Al Udeid'.")],
    language: Annotated[str, typer.Option(help="Language its desk reads: en, ru, tr or ar.")] = "en",
    db: Db = DEFAULT_DB,
    keys: KeysDir = DEFAULT_KEYS,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="A party this node does not host (federation): its Ed25519 public key, 64 hex digits, "
            "agreed out of band. No private key is made or read.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Add a party to the node: one it hosts, with its signing key (KEYS/CODE.pem, made if missing), or,
    with --public-key, another party's whose node this one replicates."""
    if public_key is not None:
        remote = public_key_to_text(public_key_from_text(public_key.strip().lower(), "public_key"))
        with transaction(db) as tx:
            party = tx.add_party(code, name, language, utc_now(), public_key=remote)
    else:
        with transaction(db) as tx:
            party = tx.add_party(code, name, language, utc_now())
            path = keys / f"{party.code}.pem"
            key = load_keys(keys, [party.code]).get(party.code) or _write_key(keys, party.code)
            hosted_key = public_key_to_text(key)
            tx.set_party_key(party.code, hosted_key)
    if as_json:
        if public_key is not None:
            out_console.out(json_line({**party.as_dict(), "key_file": None}))
        else:
            out_console.out(json_line({**party.as_dict(), "public_key": hosted_key, "key_file": str(path)}))
    elif public_key is not None:
        out_console.print(f"added party {party.code} ({party.name}, {party.language}); public key {party.public_key}")
    else:
        out_console.print(f"added party {party.code} ({party.name}, {party.language}); signing key {path}")


@party_app.command("list")
def party_list(db: Db = DEFAULT_DB, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the node's parties."""
    with transaction(db) as tx:
        parties = tx.parties()
    with JsonLinesWriter() as out:
        for party in parties:
            out.line(json_line(party.as_dict()) if as_json else f"{party.code}\t{party.language}\t{party.name}")


@officer_app.command("add")
def officer_add(
    party: Annotated[str, typer.Argument(help="The officer's party code.")],
    name: Annotated[str, typer.Argument(help="The officer's name, e.g. 'Col. Smith'.")],
    tier: Annotated[
        str, typer.Option(help="duty, senior, observer, sensor, or peer (another node reading this one's feeds).")
    ] = "duty",
    db: Db = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add an officer and print their bearer token, once: only its hash is stored."""
    with transaction(db) as tx:
        officer, token = tx.add_officer(party.upper(), name, tier, utc_now())
    if as_json:
        out_console.out(json_line({**officer.as_dict(), "token": token}))
    else:
        out_console.print(f"officer {officer.name} ({officer.party}, {officer.tier}) id {officer.id}")
        out_console.print("token (shown once, keep it secret):")
        out_console.out(token)


@officer_app.command("list")
def officer_list(
    db: Db = DEFAULT_DB, party: Annotated[str | None, typer.Option()] = None, as_json: AsJson = False
) -> None:
    """List officers (never their tokens)."""
    with transaction(db) as tx:
        officers = tx.officers(party.upper() if party else None)
    with JsonLinesWriter() as out:
        for officer in officers:
            out.line(
                json_line(officer.as_dict())
                if as_json
                else f"{officer.id}\t{officer.party}\t{officer.tier}\t{officer.name}"
            )


@officer_app.command("revoke")
def officer_revoke(officer_id: Annotated[str, typer.Argument()], db: Db = DEFAULT_DB, as_json: AsJson = False) -> None:
    """Revoke an officer's token."""
    with transaction(db) as tx:
        done = tx.revoke_officer(officer_id, utc_now())
    if not done:
        report_errors("officer", [InvalidInput("officer_id", f"no officer {officer_id}")])
        raise typer.Exit(EXIT_BAD_INPUT)
    if as_json:
        out_console.out(json_line({"officer_id": officer_id, "revoked": True}))
        return
    out_console.print(f"revoked {officer_id}")


peer_app = typer.Typer(help="Other parties' nodes whose feeds this node replicates (federation).", no_args_is_help=True)


@peer_app.command("add")
def peer_add(
    party: Annotated[str, typer.Argument(help="The party whose node it is, e.g. RUS (added first with party add).")],
    url: Annotated[str, typer.Argument(help="The peer node's base URL, e.g. https://rus-node.example:8787.")],
    public_key: Annotated[
        str, typer.Option("--public-key", help="The party's public key (64 hex); must be the one registered here.")
    ],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            envvar="AIRPARLEY_PEER_TOKEN",
            help="The peer-tier token the peer's operator issued to this node (officer add ... --tier peer).",
            show_default=False,
        ),
    ],
    db: Db = DEFAULT_DB,
    as_json: AsJson = False,
) -> None:
    """Replicate PARTY's feed from its node at URL: pulled every peer_poll_s, and at once on its hints."""
    with transaction(db) as tx:
        peer = tx.add_peer(party.upper(), url, public_key, token, utc_now())
    if as_json:
        out_console.out(json_line(peer.as_dict()))
        return
    out_console.print(f"peer {peer.party} at {peer.url}")


def _remote_head(url: str, party: str, token: str) -> tuple[int | None, str | None]:
    """The newest seq of ``party``'s feed on its own node (the feed's ``head``), or why it is not known."""
    import httpx

    from airparley.bounds import MAX_CURSOR

    try:
        response = httpx.get(
            f"{url}/api/v1/ledger/{party}",
            params={"after": MAX_CURSOR, "limit": 1},  # no entry, only the head
            headers={"Authorization": f"Bearer {token}"},
            timeout=_REMOTE_TIMEOUT_S,
        )
        response.raise_for_status()
        head = response.json().get("head")
    except (httpx.HTTPError, ValueError, AttributeError) as error:
        return None, f"{type(error).__name__}: {error}"
    if isinstance(head, bool) or not isinstance(head, int | None):
        return None, "the peer's node gave no head"
    return head, None


def _catch_up(held: int | None, remote: int | None) -> dict[str, object]:
    """How far this node's copy of a peer's feed is from the feed on the peer's node."""
    if remote is None:
        return {"peer_head_seq": None, "behind": None, "held_percent": None}
    have = -1 if held is None else held
    return {
        "peer_head_seq": remote,
        "behind": max(remote - have, 0),
        "held_percent": min(100, (have + 1) * 100 // (remote + 1)),
    }


#: How long ``peer list --remote`` waits for each peer's node.
_REMOTE_TIMEOUT_S = 5.0


@peer_app.command("list")
def peer_list(
    db: Db = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    remote: Annotated[
        bool,
        typer.Option(
            "--remote", help="Also ask each peer's node for its feed's head: the catch-up progress of each peer."
        ),
    ] = False,
) -> None:
    """List the peers, with when each was last pulled and its last error (never their tokens)."""
    with transaction(db) as tx:
        peers = tx.peers()
        heads = {peer.party: tx.ledger_head(peer.party) for peer in peers}
    for peer in peers:
        head = heads[peer.party]
        data: dict[str, object] = {**peer.as_dict(), "head_seq": None if head is None else head.seq}
        shown = ""
        if remote:
            remote_head, why = _remote_head(peer.url, peer.party, peer.token)
            data.update(_catch_up(None if head is None else head.seq, remote_head))
            data["peer_head_error"] = why
            if why is not None:
                shown = f"\tpeer head unknown: {why}"
            elif remote_head is not None:
                shown = f"\tpeer head {remote_head}: {data['held_percent']}% held, {data['behind']} behind"
        if as_json:
            out_console.out(json_line(data))
        else:
            error = f"\tlast error {data['last_error_at']}: {peer.last_error}" if peer.last_error else ""
            out_console.out(
                f"{peer.party}\t{peer.url}\thead {data['head_seq']}\tlast ok {data['last_ok_at']}{error}{shown}"
            )


@peer_app.command("remove")
def peer_remove(
    party: Annotated[str, typer.Argument(help="The peer's party code.")], db: Db = DEFAULT_DB, as_json: AsJson = False
) -> None:
    """Stop replicating PARTY's node (entries already replicated stay: they are part of the record)."""
    with transaction(db) as tx:
        done = tx.remove_peer(party.upper())
    if not done:
        report_errors("peer", [InvalidInput("party", f"{party.upper()} is not a peer")])
        raise typer.Exit(EXIT_BAD_INPUT)
    if as_json:
        out_console.out(json_line({"party": party.upper(), "removed": True}))
        return
    out_console.print(f"removed peer {party.upper()}")
