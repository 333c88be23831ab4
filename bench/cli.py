"""The CLI end to end against its core: each command run as a user runs it, as a process. Not a test.

Run from the repository root::

    .venv/bin/python bench/cli.py                                   # defaults below
    .venv/bin/python bench/cli.py --aircraft 10000 --notices 10000 --repeats 3

Loads (written once to a temporary folder): ``dense_N.jsonl``, N aircraft in a 200 NM square (the ``dense``
scene of bench/tactical.py, one state each, JSON lines as docs/tactical.md); ``notices_M.geojson``, M random
notices over the theatre (the generator of bench/strategic.py). The commands:

- ``airparley tactical scan dense_N.jsonl --json``: ``core_s`` is :func:`airparley.tactical.scan_conflicts` on
  the same states already in memory (newest per id), ``parse_s`` :func:`parse_track_lines` of the file's
  lines; BlueSky's compiled ``cstatebased.detect`` on the same states is the reference when BlueSky is
  installed (``pip install bluesky-simulator``, the ``bench`` extra), and ``bluesky_over_end_to_end`` is how
  many times faster the whole command is than that one call (the target is >= 5); ``..._cpu`` compares CPU
  seconds, the fairer figure when the machine is loaded.
- ``airparley check notices_M.geojson --json``: ``core_s`` is ``ConflictIndex.build(...).conflicts()`` on the
  notices in memory, ``as_dict_s`` drawing every conflict's record (``Conflict.as_dict``, the overlap geometry:
  strategic's own work that the command prints), ``parse_s`` :func:`parse_notices` of the file's text. The
  command draws in one process per core (``drawing_jobs``); ``end_to_end_jobs_1_s`` is the same command with
  ``--jobs 1``, and ``ratio_jobs_1`` its ratio to the core. ``table_end_to_end_s`` is the same file's table
  (``airparley check notices_M.geojson``, piped), whose gap column is measured without drawing, by one process
  per core too: ``table_gaps_s`` is :func:`smallest_gaps_nm` of the conflicts in memory, in one process.
- ``airparley --help`` and ``airparley notice validate`` of a small file: start-up, against ``python -c pass``.
- ``airparley sim tracks syria-iraq --duration D --out day.jsonl``: ``core_s`` is :func:`airparley.sim.simulate`
  and :func:`sensor_reports` of the shipped scenario over ``D`` seconds (``--day-s``, a day by default) in this
  process, every report made into its record (``state_record``) and JSON line, without writing.
- ``airparley tactical incidents day.jsonl --json`` on that day of sensor reports: ``core_s`` is
  :func:`find_incidents` on the states in memory, ``parse_s`` :func:`parse_track_lines` of the file's lines.
- ``airparley ingest csv day.csv --out day_in.jsonl`` of the same day written as CSV: ``core_s`` is
  :func:`parse_csv` of the file's lines (every row to a state), ``parse_s`` the same plus each state's JSON line.
- ``airparley ledger export`` of a node database holding ``--ledger-entries`` signed entries, and ``airparley
  ledger verify`` of that export with the parties' keys: ``core_s`` is ``tx.ledger_lines()`` and
  :func:`check_export` on the bytes in memory (one process). ``verify`` checks signatures in one process per
  core from 10,000 entries (``verify_jobs``); ``end_to_end_jobs_1_s`` is the command with ``--jobs 1``.

Processes run with their bytecode cached, as an installed package runs (``PYTHONDONTWRITEBYTECODE`` is removed
from their environment and ``PYTHONPYCACHEPREFIX`` points into the temporary folder): the start-up and ledger
commands get one unmeasured run first that compiles; for the long commands the first of the repeats compiles
(a few tenths of a second in their tens of seconds). Without it every start-up also compiles airparley's sources.

Each command's ``end_to_end_s`` is the median wall time of ``--repeats`` runs of the process (standard output
to a file, as ``> out.jsonl`` does); the core figures are the best of ``--repeats`` calls in this process,
taken in the same run. ``ratio`` is ``end_to_end_s / core_s`` and ``ratio_to_parse_and_core`` divides by
parse + core (+ as_dict): what is left over is start-up, options and writing. One JSON line per command.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from airparley.cli._common import paused_gc  # noqa: E402
from airparley.cli._ledger import _VERIFY_BLOCK  # noqa: E402  (the command's own blocks of signatures)
from airparley.cli._processes import jobs_for  # noqa: E402  (the command's own choice of processes)
from airparley.cli._strategic import _DRAW_BLOCK, _drawn  # noqa: E402  (the command's own drawing)
from airparley.ingest import CsvMapping, Tally, parse_csv, state_record  # noqa: E402
from airparley.ledger import Kind, append, check_export, generate_key, public_key_to_text  # noqa: E402
from airparley.sim import load_scenario, sensor_reports, simulate  # noqa: E402
from airparley.store import Store  # noqa: E402
from airparley.strategic import (  # noqa: E402
    Buffers,
    ConflictIndex,
    notices_to_geojson,
    parse_notices,
    smallest_gaps_nm,
)
from airparley.tactical import (  # noqa: E402
    IncidentSettings,
    ScanSettings,
    TrackStates,
    find_incidents,
    latest_per_id,
    parse_track_lines,
    scan_conflicts,
)
from strategic import random_notices  # noqa: E402
from tactical import FT_M, NM_M, bluesky_traffic, scene  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def write_states(states: TrackStates, path: Path) -> None:
    when = datetime.fromtimestamp(float(states.time_s[0]), UTC).isoformat().replace("+00:00", "Z")
    columns = zip(
        states.id.tolist(),
        states.party.tolist(),
        states.lat.tolist(),
        states.lon.tolist(),
        states.alt_ft.tolist(),
        states.gs_kt.tolist(),
        states.trk_deg.tolist(),
        states.vs_fpm.tolist(),
        strict=True,
    )
    with path.open("w", encoding="utf-8") as out:
        for track, party, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm in columns:
            record = {"id": track, "party": party, "time": when, "lat": lat, "lon": lon}
            record.update(alt_ft=alt_ft, gs_kt=gs_kt, trk_deg=trk_deg, vs_fpm=vs_fpm)
            out.write(json.dumps(record) + "\n")


#: CPU seconds of the fastest call of the last :func:`best` (wall and CPU of one call are taken together).
LAST_CPU_S: list[float] = [0.0]


def best(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    fastest, result = float("inf"), None
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = call()
        wall = time.perf_counter() - began
        if wall < fastest:
            fastest, LAST_CPU_S[0] = wall, time.process_time() - began_cpu
    return fastest, result


def command_env(folder: Path) -> dict[str, str]:
    """The environment of a measured command: bytecode cached (in ``folder``), as an installed package runs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def run_command(args: list[str], out: Path, repeats: int, warmup: bool = False) -> dict[str, Any]:
    """Median wall and CPU seconds of the command as a process, its output to ``out``; its exit code.

    One unmeasured run first (``warmup``) writes the bytecode cache, as the first run after an install does."""
    env = command_env(out.parent)
    if warmup:
        with out.open("w", encoding="utf-8") as sink:
            subprocess.run(
                [sys.executable, "-m", "airparley.cli", *args],
                stdout=sink,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                env=env,
                check=False,
            )
    walls, cpus, code = [], [], 0
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        with out.open("w", encoding="utf-8") as sink:
            done = subprocess.run(
                [sys.executable, "-m", "airparley.cli", *args],
                stdout=sink,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                env=env,
                check=False,
            )
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        code = done.returncode
    return {
        "end_to_end_s": round(statistics.median(walls), 3),
        "end_to_end_cpu_s": round(statistics.median(cpus), 3),
        "exit": code,
        "output_lines": sum(1 for _ in out.open(encoding="utf-8")),
    }


def bluesky_detect(states: TrackStates, settings: ScanSettings, repeats: int) -> tuple[float, float] | str:
    """BlueSky's C detect on the states: (wall s, CPU s) of the fastest call, or why it was not run."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # BlueSky prints what it loads
            from bluesky.traffic.asas import cstatebased  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return "not installed (pip install bluesky-simulator): no reference in this run"
    traffic = bluesky_traffic(states)
    n = len(states)
    rpz, hpz = np.full(n, settings.rpz_nm * NM_M), np.full(n, settings.hpz_ft * FT_M)
    lookahead = np.full(n, settings.lookahead_s)
    fastest = (float("inf"), float("inf"))
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        cstatebased.detect(traffic, traffic, rpz, hpz, lookahead)
        fastest = min(fastest, (time.perf_counter() - wall, time.process_time() - cpu))
    return fastest


def scan_line(folder: Path, n: int, repeats: int) -> dict[str, Any]:
    path = folder / f"dense_{n}.jsonl"
    write_states(scene(n, "dense"), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    parse_s, parsed = best(lambda: parse_track_lines(lines), repeats)
    states = latest_per_id(parsed.states)
    settings = ScanSettings()
    core_s, conflicts = best(lambda: scan_conflicts(states, settings), repeats)
    line: dict[str, Any] = {"command": f"airparley tactical scan dense_{n}.jsonl --json", "aircraft": n}
    line.update(run_command(["tactical", "scan", str(path), "--json"], folder / "scan.out", repeats))
    line.update(pairs=len(conflicts), parse_s=round(parse_s, 3), core_s=round(core_s, 3))
    line["ratio"] = round(line["end_to_end_s"] / core_s, 2)
    line["ratio_to_parse_and_core"] = round(line["end_to_end_s"] / (parse_s + core_s), 2)
    reference = bluesky_detect(states, settings, 1)  # an N^2 loop: one call is long enough
    if isinstance(reference, tuple):
        line["bluesky_cpp_detect_s"] = round(reference[0], 3)
        line["bluesky_cpp_detect_cpu_s"] = round(reference[1], 3)
        line["bluesky_over_end_to_end"] = round(reference[0] / line["end_to_end_s"], 2)
        # On a loaded machine wall times stretch unevenly; CPU seconds compare the work itself.
        line["bluesky_over_end_to_end_cpu"] = round(reference[1] / line["end_to_end_cpu_s"], 2)
    else:
        line["bluesky_cpp_detect_s"] = reference
    return line


def check_line(folder: Path, count: int, repeats: int) -> dict[str, Any]:
    path = folder / f"notices_{count}.geojson"
    path.write_text(json.dumps(notices_to_geojson(random_notices(np.random.default_rng(1), count))), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    # The command runs with the cyclic collector paused (nothing it makes holds a cycle): so do its cores here.
    with paused_gc():
        parse_s, parsed = best(lambda: parse_notices(text), repeats)
        core_s, conflicts = best(lambda: ConflictIndex.build(parsed.notices, Buffers()).conflicts(), repeats)
        conflict_count = len(conflicts)
        gaps_s, _ = best(lambda: smallest_gaps_nm(conflicts), repeats)  # the table's gap column, nothing drawn
        # As the command does in one process: drawn a block at a time, each block let go once written.
        as_dict_s, _ = best(lambda: sum(1 for conflict in _drawn(conflicts) if conflict.as_dict()), 1)
    line: dict[str, Any] = {"command": f"airparley check notices_{count}.geojson --json", "notices": count}
    line.update(run_command(["check", str(path), "--json"], folder / "check.out", repeats))
    line.update(conflicts=conflict_count, parse_s=round(parse_s, 3), core_s=round(core_s, 3))
    line["as_dict_s"] = round(as_dict_s, 3)
    line["ratio"] = round(line["end_to_end_s"] / core_s, 2)
    line["ratio_to_parse_and_core"] = round(line["end_to_end_s"] / (parse_s + core_s + as_dict_s), 2)
    # The command draws in one process per core by default: the one-process figure too, for the core's terms.
    line["drawing_jobs"] = jobs_for(None, conflict_count, _DRAW_BLOCK)
    one = run_command(["check", str(path), "--json", "--jobs", "1"], folder / "check.out", repeats)
    line["end_to_end_jobs_1_s"] = one["end_to_end_s"]
    line["ratio_jobs_1"] = round(one["end_to_end_s"] / core_s, 2)
    # The table (piped, so written in full by write_table): parse, check, and the gaps measured without drawing.
    table = run_command(["check", str(path)], folder / "table.out", repeats)
    line["table_end_to_end_s"] = table["end_to_end_s"]
    line["table_gaps_s"] = round(gaps_s, 3)
    line["table_ratio"] = round(table["end_to_end_s"] / core_s, 2)
    line["table_ratio_to_parse_core_and_gaps"] = round(table["end_to_end_s"] / (parse_s + core_s + gaps_s), 2)
    return line


def with_ratio(
    line: dict[str, Any], core_s: float, parse_s: float | None = None, core_cpu_s: float | None = None
) -> dict[str, Any]:
    """The ratios of the command to its core: wall to wall, and CPU to CPU (steadier on a loaded machine)."""
    line["core_s"] = round(core_s, 3)
    line["ratio"] = round(line["end_to_end_s"] / core_s, 2)
    if core_cpu_s is not None:
        line["core_cpu_s"] = round(core_cpu_s, 3)
        line["ratio_cpu"] = round(line["end_to_end_cpu_s"] / core_cpu_s, 2)
    line["target_ratio"] = 2.0
    if parse_s is not None:
        line["parse_s"] = round(parse_s, 3)
        line["ratio_to_parse_and_core"] = round(line["end_to_end_s"] / (parse_s + core_s), 2)
    return line


def day_lines(folder: Path, day_s: float, repeats: int) -> list[dict[str, Any]]:
    """``sim tracks`` writing a day of the shipped scenario's sensor reports, then ``tactical incidents`` and
    ``ingest csv --out`` on that day."""
    found = []
    scenario = load_scenario(Path("syria-iraq"))

    def reports() -> list[dict[str, Any]]:
        truth = simulate(scenario, day_s)
        return [
            {**state_record(state), "reported_by": report.party}
            for report in sensor_reports(scenario, truth, scenario.seed)
            for state in report.states
        ]

    core_s, records = best(reports, 1)
    core_cpu_s = LAST_CPU_S[0]
    day = folder / "day.jsonl"
    args = ["sim", "tracks", "syria-iraq", "--duration", f"{day_s:g}", "--out", str(day)]
    line: dict[str, Any] = {"command": f"airparley sim tracks syria-iraq --duration {day_s:g} --out day.jsonl"}
    line.update(run_command(args, folder / "sim.out", repeats))
    line["output_lines"] = sum(1 for _ in day.open(encoding="utf-8"))
    found.append(with_ratio(line, core_s, core_cpu_s=core_cpu_s))

    lines = day.read_text(encoding="utf-8").splitlines()
    parse_s, parsed = best(lambda: parse_track_lines(lines), repeats)
    settings = IncidentSettings()
    parse_cpu_s = LAST_CPU_S[0]
    core_s, incidents = best(lambda: find_incidents(parsed.states, settings), repeats)
    core_cpu_s = LAST_CPU_S[0]
    line = {"command": "airparley tactical incidents day.jsonl --json", "states": len(parsed.states)}
    line.update(run_command(["tactical", "incidents", str(day), "--json"], folder / "incidents.out", repeats))
    line["incidents"] = len(incidents)
    line["parse_cpu_s"] = round(parse_cpu_s, 3)
    found.append(with_ratio(line, core_s, parse_s, core_cpu_s))

    csv = folder / "day.csv"
    names = ("id", "time", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")
    with csv.open("w", encoding="utf-8") as out:
        out.write(",".join(names) + "\n")
        for record in records:
            out.write(",".join(str(record[name]) for name in names) + "\n")
    rows = csv.read_text(encoding="utf-8").splitlines()
    mapping = CsvMapping(CsvMapping.parse_map(""))

    def parse_rows() -> list[Any]:
        return list(parse_csv(iter(rows), mapping, Tally("day.csv"), source="day.csv"))

    core_s, states = best(parse_rows, repeats)
    core_cpu_s = LAST_CPU_S[0]
    written = folder / "day_in.jsonl"
    line = {"command": "airparley ingest csv day.csv --out day_in.jsonl", "rows": len(rows) - 1}
    line.update(run_command(["ingest", "csv", str(csv), "--out", str(written)], folder / "ingest.out", repeats))
    line["states"] = len(states)
    line["output_lines"] = sum(1 for _ in written.open(encoding="utf-8"))
    found.append(with_ratio(line, core_s, core_cpu_s=core_cpu_s))
    return found


def ledger_lines(folder: Path, entries: int, repeats: int) -> list[dict[str, Any]]:
    """``ledger export`` of a node database of ``entries`` signed entries, and ``ledger verify`` of the export."""
    url = f"sqlite:///{folder / 'ledger.db'}"
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    keys = {party: generate_key() for party in ("USA", "RUS")}
    store = Store.open(url)
    body = {"message": {"message_id": "msg-0000", "urgency": "routine", "recipients": ["RUS"], "content": {}}}
    heads: dict[str, Any] = {"USA": "USA", "RUS": "RUS"}
    with store.begin() as tx:
        for party, key in keys.items():
            tx.add_party(party, party, "en", now, public_key=public_key_to_text(key))
        for i in range(entries):
            party = "USA" if i % 2 == 0 else "RUS"
            other = heads["RUS" if party == "USA" else "USA"]
            seen = [] if isinstance(other, str) else [other]
            moment = now + timedelta(milliseconds=i)
            entry = append(heads[party], Kind.MESSAGE_SENT, body, seen=seen, now=moment, signing_key=keys[party])
            heads[party] = entry
            tx.add_entry(entry)

    def read_lines() -> list[str]:
        with store.begin() as tx:
            return tx.ledger_lines()

    core_s, exported = best(read_lines, repeats)
    core_cpu_s = LAST_CPU_S[0]
    store.close()
    found = []
    line: dict[str, Any] = {"command": "airparley ledger export --db ledger.db > ledger.jsonl", "entries": entries}
    line.update(run_command(["ledger", "export", "--db", url], folder / "ledger.jsonl", repeats, warmup=True))
    found.append(with_ratio(line, core_s, core_cpu_s=core_cpu_s))

    data = (folder / "ledger.jsonl").read_bytes()
    assert data == "".join(text + "\n" for text in exported).encode("utf-8"), "the export is not the store's lines"
    public = {party: key.public_key() for party, key in keys.items()}
    core_s, report = best(lambda: check_export(data, public), repeats)
    core_cpu_s = LAST_CPU_S[0]
    assert report.ok, report.first
    keys_file = folder / "keys.json"
    keys_file.write_text(json.dumps({p: public_key_to_text(k) for p, k in keys.items()}), encoding="utf-8")
    args = ["ledger", "verify", str(folder / "ledger.jsonl"), "--keys", str(keys_file)]
    line = {"command": "airparley ledger verify ledger.jsonl --keys keys.json", "entries": entries}
    line.update(run_command(args, folder / "verify.out", repeats, warmup=True))
    with_ratio(line, core_s, core_cpu_s=core_cpu_s)
    # The command checks signatures in one process per core from 10,000 entries: one process too, the core's terms.
    line["verify_jobs"] = jobs_for(None, entries, _VERIFY_BLOCK)
    one = run_command([*args, "--jobs", "1"], folder / "verify.out", repeats)
    line["end_to_end_jobs_1_s"] = one["end_to_end_s"]
    line["ratio_jobs_1"] = round(one["end_to_end_s"] / core_s, 2)
    found.append(line)
    return found


def startup_lines(folder: Path, repeats: int) -> list[dict[str, Any]]:
    small = folder / "small.geojson"
    small.write_text(json.dumps(notices_to_geojson(random_notices(np.random.default_rng(2), 12))), encoding="utf-8")
    python = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python.append(time.perf_counter() - began)
    python_s = statistics.median(python)
    found = []
    for args in (["--help"], ["notice", "validate", str(small)]):
        line: dict[str, Any] = {
            "command": "airparley " + " ".join(a if a != str(small) else "small.geojson" for a in args)
        }
        line.update(run_command(args, folder / "startup.out", repeats, warmup=True))
        line.update(python_start_s=round(python_s, 3), target_s=0.3)
        found.append(line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aircraft", type=int, nargs="+", default=[10_000])
    parser.add_argument("--notices", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--startup-repeats", type=int, default=10)
    parser.add_argument("--day-s", type=float, default=86_400.0, help="simulated seconds of the scenario's day")
    parser.add_argument("--ledger-entries", type=int, default=20_000, help="signed entries in the node's ledger")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["startup", "scan", "check", "day", "ledger"],
        default=["startup", "scan", "check", "day", "ledger"],
        help="which groups of commands to run",
    )
    args = parser.parse_args()
    common = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="airparley-bench-cli-") as name:
        folder = Path(name)

        def show(line: dict[str, Any]) -> None:
            print(json.dumps({**line, **common, "load_avg_1min": round(os.getloadavg()[0], 2)}), flush=True)

        if "startup" in args.only:
            for line in startup_lines(folder, args.startup_repeats):
                show(line)
        if "scan" in args.only:
            for n in args.aircraft:
                show(scan_line(folder, n, args.repeats))
        if "check" in args.only:
            for count in args.notices:
                show(check_line(folder, count, args.repeats))
        if "day" in args.only:
            for line in day_lines(folder, args.day_s, args.repeats):
                show(line)
        if "ledger" in args.only:
            for line in ledger_lines(folder, args.ledger_entries, args.repeats):
                show(line)


if __name__ == "__main__":
    main()
