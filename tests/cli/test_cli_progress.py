"""Progress bars of the long jobs (issue 19 item 6): drawn on stderr when it is a terminal (a real
pseudo-terminal here), absent when stderr is piped, and the data on stdout the same bytes either way."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from airparley.ledger import Entry, Kind, append, export, generate_key, public_key_to_text
from airparley.strategic import Altitude, Notice, NoticeKind, Shape, Volume4D, notices_to_geojson

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "src" / "airparley" / "sim" / "scenarios" / "syria-iraq.yaml"
CLI = [sys.executable, "-m", "airparley.cli"]
BAR = "\u2501".encode()  # the bar's line character


def _run(args: list[str], tmp_path: Path, *, tty: bool) -> tuple[bytes, bytes, int]:
    """Run the CLI with stdout to a file and stderr to a pseudo-terminal (``tty``) or a pipe."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    out = tmp_path / f"stdout-{tty}.bin"
    with out.open("wb") as stdout:
        if not tty:
            done = subprocess.run([*CLI, *args], stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)
            return out.read_bytes(), done.stderr, done.returncode
        primary, secondary = pty.openpty()
        process = subprocess.Popen([*CLI, *args], stdout=stdout, stderr=secondary, stdin=subprocess.DEVNULL, env=env)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(primary)
        code = process.wait(timeout=120)
    return out.read_bytes(), b"".join(chunks), code


def _both(args: list[str], tmp_path: Path, shown: bytes) -> None:
    piped_out, piped_err, piped_code = _run(args, tmp_path, tty=False)
    tty_out, tty_err, tty_code = _run(args, tmp_path, tty=True)
    assert piped_code == tty_code == 0, (piped_err, tty_err)
    assert shown in tty_err
    assert BAR in tty_err
    assert BAR not in piped_err
    assert b"\x1b[" not in piped_err
    assert shown not in piped_err
    assert tty_out == piped_out  # the data is the same bytes, bar or none
    assert BAR not in tty_out


def test_sim_tracks_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    _both(["sim", "tracks", str(SCENARIO), "--duration", "1800", "--seed", "3"], tmp_path, b"syria-iraq.yaml: tracks")


def test_sim_tracks_shows_the_simulation_step_too(tmp_path: Path) -> None:
    # the flight itself (before any line is written) has its own bar, gone when the writing starts
    args = ["sim", "tracks", str(SCENARIO), "--duration", "7200", "--seed", "3", "--truth"]
    _both(args, tmp_path, b"syria-iraq.yaml: simulating")


def _ledger(tmp_path: Path, count: int) -> tuple[Path, Path]:
    keys = {party: generate_key() for party in ("USA", "RUS")}
    heads: dict[str, Entry | str] = {"USA": "USA", "RUS": "RUS"}
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    entries = []
    for i in range(count):
        party = "USA" if i % 2 == 0 else "RUS"
        entry = append(
            heads[party],
            Kind.MESSAGE_SENT,
            {"message_id": f"m{i}"},
            seen=(),
            now=now + timedelta(milliseconds=i),
            signing_key=keys[party],
        )
        heads[party] = entry
        entries.append(entry)
    data = tmp_path / "ledger.jsonl"
    data.write_bytes(export(entries))
    pinned = tmp_path / "keys.json"
    pinned.write_text(json.dumps({p: public_key_to_text(k.public_key()) for p, k in keys.items()}))
    return data, pinned


def test_ledger_verify_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    data, pinned = _ledger(tmp_path, 3000)
    _both(["ledger", "verify", str(data), "--keys", str(pinned)], tmp_path, b"verifying")
    _both(["ledger", "verify", str(data), "--keys", str(pinned), "--json"], tmp_path, b"verifying")


def test_check_of_a_large_file_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    start = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    notices = []
    for i in range(2500):
        lon, lat = float(rng.uniform(30.0, 55.0)), float(rng.uniform(25.0, 42.0))
        ring = [[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.2], [lon, lat + 0.2], [lon, lat]]
        begin = start + timedelta(minutes=int(rng.integers(0, 2000)))
        volume = Volume4D(
            Shape.POLYGON,
            {"type": "Polygon", "coordinates": [ring]},
            Altitude(float(rng.integers(0, 30) * 1000)),
            Altitude(float(rng.integers(31, 45) * 1000)),
            begin,
            begin + timedelta(hours=2),
        )
        notices.append(Notice(f"N{i:05d}", ("USA", "RUS", "TUR")[i % 3], 1, NoticeKind.CAP, (volume,)))
    path = tmp_path / "notices.geojson"
    path.write_text(json.dumps(notices_to_geojson(notices), indent=1))
    assert path.stat().st_size > 1 << 20
    _both(["check", str(path), "--json"], tmp_path, b"notices.geojson")


def test_ledger_export_shows_progress_unless_its_data_shares_the_terminal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'node.db'}"
    keys = tmp_path / "keys"
    for code in ("USA", "RUS"):
        made = subprocess.run([*CLI, "party", "add", code, code, "--db", db, "--keys", str(keys)], check=False)
        assert made.returncode == 0
    _both(["ledger", "export", "--db", db], tmp_path, b"ledger export")
    # stdout and stderr on one terminal: a bar would be drawn over the exported lines, so there is none
    primary, secondary = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen([*CLI, "ledger", "export", "--db", db], stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=60) == 0
    shown = b"".join(chunks)
    assert b"ledger export" not in shown
    assert BAR not in shown
