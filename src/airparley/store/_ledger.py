"""Signed ledger entries per party, with the heads this process last committed."""

from __future__ import annotations

import json

from sqlalchemy import and_, bindparam, func, insert, select, text

from airparley.ledger import Entry
from airparley.store import _schema as t
from airparley.store._base import TxBase
from airparley.store._locks import serialise_writes

__all__ = ["LedgerTx"]

_INSERT_ENTRY = insert(t.ledger_entries)
# The reads of the accept path (federation catch-up), built once: building a statement in SQLAlchemy costs
# more than running its compiled form.
_HEAD_LINE = (
    select(t.ledger_entries.c.line)
    .where(t.ledger_entries.c.party == bindparam("party"))
    .order_by(t.ledger_entries.c.seq.desc())
    .limit(1)
)
_ENTRY_LINE = select(t.ledger_entries.c.line).where(
    and_(t.ledger_entries.c.party == bindparam("party"), t.ledger_entries.c.seq == bindparam("seq"))
)
#: Each party's newest seq: a covering scan of the ledger's primary key, to check the cached heads against.
_HEAD_SEQS = select(t.ledger_entries.c.party, func.max(t.ledger_entries.c.seq)).group_by(t.ledger_entries.c.party)
#: The same on PostgreSQL, which would scan the whole key for the GROUP BY (it grows with the ledger, and runs
#: under the node-wide write lock): a loose index scan, one key lookup per party (issue 18). With each head's
#: line, sent only for a party whose newest seq is not the one the caller knows (``:known``, a JSON object of
#: party to seq): one round trip where the scan and then a read of each head another process wrote took two.
_HEADS_PG = text(
    "WITH RECURSIVE p(party) AS ("
    " (SELECT party FROM ledger_entries ORDER BY party LIMIT 1)"
    " UNION ALL SELECT (SELECT e.party FROM ledger_entries e WHERE e.party > p.party ORDER BY e.party LIMIT 1)"
    " FROM p WHERE p.party IS NOT NULL)"
    " SELECT p.party, h.seq,"
    " CASE WHEN h.seq = CAST(CAST(:known AS jsonb) ->> p.party AS bigint) THEN NULL ELSE h.line END AS line"
    " FROM p CROSS JOIN LATERAL"
    " (SELECT e.seq, e.line FROM ledger_entries e WHERE e.party = p.party ORDER BY e.seq DESC LIMIT 1) AS h"
    " WHERE p.party IS NOT NULL"
)


class LedgerTx(TxBase):
    """The ledger."""

    def add_entry(self, entry: Entry) -> None:
        """Store a signed entry; a second entry with the same party and seq is refused by the key."""
        serialise_writes(self.connection)
        self.connection.execute(
            _INSERT_ENTRY,
            {
                "party": entry.party,
                "seq": entry.seq,
                "hash": entry.hash,
                "time": entry.time,
                "kind": entry.kind.value,
                "line": entry.to_json(),
            },
        )
        self.heads[entry.party] = entry

    def ledger_head(self, party: str) -> Entry | None:
        row = self.connection.execute(_HEAD_LINE, {"party": party}).first()
        return None if row is None else Entry.from_json(row.line)

    def ledger_chain(self, party: str) -> tuple[Entry | None, dict[str, Entry]]:
        """``party``'s newest entry and every party's newest entry, as :meth:`ledger_head` and
        :meth:`ledger_heads` would answer, for signing the next entry.

        The heads are cached by the store after each commit (never before: an entry rolled back is never
        cached). Every call checks the cache against the database, in this transaction, with one scan of the
        ledger's key (each party's newest seq); a party whose newest seq differs is read again.

        On PostgreSQL the node-wide write lock is taken first (store/_locks.py), so the heads read here stay
        the heads until this transaction ends, whichever process writes next: chains never fork."""
        serialise_writes(self.connection)
        cached = self._store.cached_heads() if self._store is not None else {}
        heads: dict[str, Entry] = {}
        if self.connection.dialect.name == "postgresql":
            known_seqs = {code: entry.seq for code, entry in {**cached, **self.heads}.items()}
            for code, _, line in self.connection.execute(_HEADS_PG, {"known": json.dumps(known_seqs)}):
                if line is None:  # the head known here is still the head
                    heads[code] = self.heads.get(code) or cached[code]
                else:
                    heads[code] = self.heads[code] = Entry.from_json(line)
            return heads.get(party), heads
        for code, seq in self.connection.execute(_HEAD_SEQS):
            known = self.heads.get(code) or cached.get(code)
            if known is None or known.seq != seq:
                known = self.ledger_head(code)
                assert known is not None  # the scan just found it
                self.heads[code] = known
            heads[code] = known
        return heads.get(party), heads

    def ledger_heads(self) -> dict[str, str]:
        """Each party's newest entry hash (what this node has seen of every feed)."""
        newest = (
            select(t.ledger_entries.c.party, func.max(t.ledger_entries.c.seq).label("seq"))
            .group_by(t.ledger_entries.c.party)
            .subquery()
        )
        rows = self.connection.execute(
            select(t.ledger_entries.c.party, t.ledger_entries.c.hash).join(
                newest,
                and_(t.ledger_entries.c.party == newest.c.party, t.ledger_entries.c.seq == newest.c.seq),
            )
        )
        return {r.party: r.hash for r in rows}

    def ledger_lines(self, party: str | None = None) -> list[str]:
        """Entries as their canonical lines, in time order (then party, seq): the export."""
        query = select(t.ledger_entries.c.line).order_by(
            t.ledger_entries.c.time, t.ledger_entries.c.party, t.ledger_entries.c.seq
        )
        if party is not None:
            query = query.where(t.ledger_entries.c.party == party)
        # fetchall, not a row at a time: a million lines in a third of the time.
        return list(self.connection.execute(query).scalars().all())

    def ledger_entry(self, party: str, seq: int) -> Entry | None:
        row = self.connection.execute(_ENTRY_LINE, {"party": party, "seq": seq}).first()
        return None if row is None else Entry.from_json(row.line)

    def ledger_feed(self, party: str, after: int = -1, limit: int | None = None, kind: str | None = None) -> list[str]:
        """One party's entries with seq > ``after``, in seq order, as their canonical lines."""
        after = self._seq_bound(after)
        query = (
            select(t.ledger_entries.c.line)
            .where(and_(t.ledger_entries.c.party == party, t.ledger_entries.c.seq > after))
            .order_by(t.ledger_entries.c.seq)
        )
        if kind is not None:
            query = query.where(t.ledger_entries.c.kind == kind)
        if limit is not None:
            query = query.limit(limit)
        return [r.line for r in self.connection.execute(query)]

    # -- federation: peers and evidence --------------------------------------------------------------
