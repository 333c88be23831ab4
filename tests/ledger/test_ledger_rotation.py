"""Key rotation inside an extract and a full export (issue 14): a ``key.rotated`` entry signed by the key in
force hands a feed to the key it announces, and only that. Real Ed25519 keys, real signed ledgers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airparley.errors import SignatureInvalid
from airparley.ledger import (
    Entry,
    Extract,
    Inclusion,
    KeySource,
    Kind,
    TrustedKey,
    append,
    check_export,
    check_extract,
    export,
    extract,
    fingerprint,
    generate_key,
    parse_extract,
    public_key_to_text,
    trust_path,
)

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
USA_OLD, USA_NEW, RUS, ATTACKER = generate_key(), generate_key(), generate_key(), generate_key()
PINNED = {"USA": public_key_to_text(USA_OLD), "RUS": public_key_to_text(RUS)}


def _ledger() -> list[Entry]:
    """USA: message (old key), key.rotated (old key, announcing the new), two messages (new key); RUS acknowledges
    each USA entry in seen, so each has a witness."""
    entries: list[Entry] = []
    usa: Entry | str = "USA"
    rus: Entry | str = "RUS"
    steps = [
        (Kind.MESSAGE_SENT, {"about": "case-1", "n": 0}, USA_OLD),
        (Kind.MESSAGE_SENT, {"about": "other", "n": 1}, USA_OLD),
        (Kind.KEY_ROTATED, {"public_key": public_key_to_text(USA_NEW), "reason": "test"}, USA_OLD),
        (Kind.MESSAGE_SENT, {"about": "other", "n": 3}, USA_NEW),
        (Kind.MESSAGE_SENT, {"about": "case-1", "n": 4}, USA_NEW),
    ]
    for index, (kind, body, key) in enumerate(steps):
        now = T0 + timedelta(seconds=2 * index)
        usa = append(usa, kind, body, seen=[rus] if isinstance(rus, Entry) else {}, now=now, signing_key=key)
        entries.append(usa)
        rus = append(rus, Kind.MESSAGE_READ, {"about": "ack", "n": index}, seen=[usa], now=now, signing_key=RUS)
        entries.append(rus)
    return entries


LEDGER = _ledger()
CASE = [e for e in LEDGER if e.body.get("about") == "case-1"]


def test_a_full_export_follows_the_rotation_and_names_the_trust_path() -> None:
    report = check_export(export(LEDGER), PINNED)
    assert report.ok, [str(p) for p in report.problems]
    (rotation,) = report.rotations
    assert (rotation.party, rotation.seq) == ("USA", 2)
    assert rotation.old_key == PINNED["USA"]
    assert rotation.new_key == public_key_to_text(USA_NEW)
    root = TrustedKey("USA", PINNED["USA"], KeySource.KEYS_FILE, "keys.json")
    path = trust_path(root, report.rotations)
    assert [k.trust for k in path] == ["pinned", f"rotated from {fingerprint(PINNED['USA'])} at USA seq 2"]
    assert path[1].fingerprint == fingerprint(USA_NEW.public_key())


def test_a_report_spanning_a_rotation_carries_it_and_verifies_with_only_the_old_key() -> None:
    made = extract(LEDGER, CASE, witnesses={"USA", "RUS"})
    rotation = next(e for e in LEDGER if e.kind is Kind.KEY_ROTATED)
    assert rotation in made.subjects  # carried, with its proof
    proof = made.proofs[list(made.subjects).index(rotation)]
    assert CASE[-1] in proof.path or proof.anchor.seq >= CASE[-1].seq
    checked = check_extract(parse_extract(made.to_document()), PINNED)
    assert checked.ok, [str(p) for p in checked.report.problems]
    assert [(r.party, r.seq) for r in checked.report.rotations] == [("USA", 2)]
    # A report of the new key's entry alone carries the rotation too.
    alone = extract(LEDGER, [CASE[-1]], witnesses={"USA", "RUS"}).to_document()
    assert any(json_kind(line) == "key.rotated" for line in alone["entries"])
    assert check_extract(parse_extract(alone), PINNED).ok


def json_kind(line: str) -> str:
    return Entry.from_json(line).kind.value


def _feed_with(rotation_key: object, sign_rotation_with: object, early_new: bool) -> list[Entry]:
    usa = append("USA", Kind.MESSAGE_SENT, {"n": 0}, seen={}, now=T0, signing_key=USA_OLD)
    feed = [usa]
    if early_new:
        # Signed by the new key before the rotation that announces it: append refuses, so sign by hand.
        draft = append(usa, Kind.MESSAGE_SENT, {"n": 1}, seen={}, now=T0, signing_key=USA_OLD)
        forged = Entry(draft.party, draft.seq, draft.prev, draft.time, draft.kind, dict(draft.body), {}, "0" * 128)
        usa = Entry(
            forged.party,
            forged.seq,
            forged.prev,
            forged.time,
            forged.kind,
            dict(forged.body),
            {},
            USA_NEW.sign(forged.signed_bytes).hex(),
        )
        feed.append(usa)
    body = {"public_key": public_key_to_text(rotation_key)}  # type: ignore[arg-type]
    draft = Entry("USA", usa.seq + 1, usa.hash, T0 + timedelta(seconds=1), Kind.KEY_ROTATED, body, {}, "0" * 128)
    rotated = Entry(
        draft.party,
        draft.seq,
        draft.prev,
        draft.time,
        draft.kind,
        body,
        {},
        sign_rotation_with.sign(draft.signed_bytes).hex(),  # type: ignore[attr-defined]
    )
    after = append(
        rotated, Kind.MESSAGE_SENT, {"n": 9}, seen={}, now=T0 + timedelta(seconds=2), signing_key=rotation_key
    )  # type: ignore[arg-type]
    return [*feed, rotated, after]


def _problems(entries: list[Entry]) -> list[str]:
    document = extract(entries, entries, witnesses=None).to_document()
    checked = check_extract(parse_extract(document), {"USA": PINNED["USA"]})
    exported = check_export(export(entries), {"USA": PINNED["USA"]})
    assert not checked.ok
    assert not exported.ok
    assert all(isinstance(p.error, SignatureInvalid) for p in checked.report.problems)
    assert [str(p) for p in checked.report.problems] == [str(p).replace("[line", "[entry") for p in exported.problems]
    return [str(p) for p in checked.report.problems]


def test_a_forged_rotation_signed_by_an_attacker_key_is_refused() -> None:
    problems = _problems(_feed_with(ATTACKER, ATTACKER, early_new=False))
    assert "signature does not verify under USA's key in force" in problems[0]
    assert "a key.rotated entry is followed only when signed by the key it replaces [entry 2]" in problems[0]
    assert "that USA#1 announces, but that key.rotated entry is not signed by USA's key in force" in problems[1]
    assert problems[1].endswith("[entry 3]")


def test_an_entry_signed_by_the_new_key_before_the_rotation_is_refused() -> None:
    problems = _problems(_feed_with(USA_NEW, USA_OLD, early_new=True))
    (problem,) = problems
    assert (
        f"signed by the key {fingerprint(USA_NEW.public_key())} that USA#2 announces, before that rotation" in problem
    )
    assert problem.endswith("[entry 2]")


def test_an_extract_without_the_path_from_the_rotation_refuses_the_new_key() -> None:
    # The rotation and an entry the new key signed, without USA#3 between them: the rotation is not shown to lie
    # on the chain before the entry, so its key is not trusted there.
    rotation = next(e for e in LEDGER if e.kind is Kind.KEY_ROTATED)
    late = CASE[-1]
    cut = Extract((rotation, late), (Inclusion(rotation, (), None), Inclusion(late, (), None)))
    checked = check_extract(parse_extract(cut.to_document()), PINNED)
    (problem,) = [str(p) for p in checked.report.problems]
    assert "that USA#2 announces, but USA#2 is not chained to it in this extract" in problem
    assert problem.endswith("[entry 2]")
