"""``ledger verify --jobs N``: the signatures checked by N forked processes; the same verdict, the same words."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_verify_in_worker_processes_says_what_one_process_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    from airparley.cli import _ledger, _processes, app

    monkeypatch.setattr(_ledger, "_VERIFY_BLOCK", 2)  # many blocks for three workers
    lines = (DATA / "golden.jsonl").read_bytes().splitlines(keepends=True)
    # A signature byte changed in the middle of the ledger, a line dropped near the end: two kinds of problem.
    damaged = bytearray(lines[5])
    at = damaged.index(b'"sig":"') + 10
    damaged[at] = ord("0") if damaged[at] != ord("0") else ord("1")
    forged = tmp_path / "forged.jsonl"
    forged.write_bytes(b"".join([*lines[:5], bytes(damaged), *lines[6:-3], *lines[-2:]]))
    keys = ["--keys", str(DATA / "golden-keys.json")]
    runner = CliRunner()
    for ledger, exit_code in ((DATA / "golden.jsonl", 0), (forged, 1)):
        command = ["ledger", "verify", str(ledger), *keys, *(["--json"] if as_json else [])]
        alone = runner.invoke(app, [*command, "--jobs", "1"])
        together = runner.invoke(app, [*command, "--jobs", "3"])
        assert alone.exit_code == exit_code, alone.output
        assert (together.exit_code, together.stdout) == (alone.exit_code, alone.stdout)
    assert _processes._SHARED is None  # nothing held after the run
    refused = runner.invoke(app, ["ledger", "verify", str(forged), *keys, "--jobs", "0"])
    assert refused.exit_code == 2
    assert "--jobs" in refused.output
