"""Benchmark of the ledger: entries signed and verified per second, against the raw Ed25519 rate.

Usage: ``python bench/ledger.py [--entries 10000] [--repeat 3]``. One JSON line: the rate of ``ledger.append``
(canonical JSON, SHA-256 chain, Ed25519 signature), of ``ledger.check_export`` over the exported feeds (parse,
canonical check, chain, signature, seen references), and in the same run the library's raw Ed25519
sign and verify rates on messages of the same size; the ratios are the cost of everything around the
signature. One core (BLAS threads 1; the work is single-threaded anyway).

``ledger verify`` checks the signatures of a large export in forked processes, one per core
(``--jobs``): ``verify_jobs_s`` times the command's own path (``cli/_ledger.py`` ``_check_export``) with
``jobs`` processes, and ``verify_jobs_ratio`` compares its rate with the raw verify rate of one core.

The machine this runs on is shared, so the verification and the raw verify loop are timed ``--repeat`` times
in alternation: ``verify_ratio`` is the ratio of the best times of each, ``verify_ratios`` the ratio of each
pair (one pair hit by a burst of load from elsewhere shows as an outlier there), and ``loadavg`` the 1-minute
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta

from airparley.cli._ledger import _check_export  # the command's own path, signatures in worker processes
from airparley.ledger import Kind, append, check_export, export, generate_key, public_key_to_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="processes for the command's path (default: per core)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    keys = {party: generate_key() for party in ("USA", "RUS")}
    body = {
        "message": {
            "message_id": "msg-0000",
            "urgency": "routine",
            "recipients": ["RUS"],
            "content": {"template": "stand_by", "params": {}},
        }
    }
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    heads: dict[str, object] = {"USA": "USA", "RUS": "RUS"}
    entries = []
    began = time.perf_counter()
    for i in range(args.entries):
        party = "USA" if i % 2 == 0 else "RUS"
        other = "RUS" if party == "USA" else "USA"
        seen = [heads[other]] if not isinstance(heads[other], str) else {}
        entry = append(
            heads[party],
            Kind.MESSAGE_SENT,
            body,
            seen=seen,
            now=now + timedelta(milliseconds=i),  # type: ignore[arg-type]
            signing_key=keys[party],
        )
        heads[party] = entry
        entries.append(entry)
    sign_s = time.perf_counter() - began
    data = export(entries)
    public = {party: key.public_key() for party, key in keys.items()}
    message = entries[0].signed_bytes
    raw_key = keys["USA"]
    began = time.perf_counter()
    signatures = [raw_key.sign(message) for _ in range(args.entries)]
    raw_sign_s = time.perf_counter() - began
    raw_public = raw_key.public_key()
    verify_times: list[float] = []
    raw_times: list[float] = []
    jobs_times: list[float] = []
    keys_text = {party: public_key_to_text(key) for party, key in public.items()}
    jobs = args.jobs or len(os.sched_getaffinity(0))
    for _ in range(args.repeat):
        began = time.perf_counter()
        report = check_export(data, public)
        verify_times.append(time.perf_counter() - began)
        assert report.ok, report.first
        del report
        began = time.perf_counter()
        for signature in signatures:
            raw_public.verify(signature, message)
        raw_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        report = _check_export(data, keys_text, True, "bench", jobs)
        jobs_times.append(time.perf_counter() - began)
        assert report.ok, report.first
        del report
    verify_s, raw_verify_s, jobs_s = min(verify_times), min(raw_times), min(jobs_times)
    result = {
        "bench": "ledger",
        "entries": args.entries,
        "entry_bytes": len(entries[0].to_json()),
        "signed_per_s": round(args.entries / sign_s),
        "verified_per_s": round(args.entries / verify_s),
        "raw_sign_per_s": round(args.entries / raw_sign_s),
        "raw_verify_per_s": round(args.entries / raw_verify_s),
        "sign_ratio": round(raw_sign_s / sign_s, 3),
        "verify_ratio": round(raw_verify_s / verify_s, 3),
        "verify_ratios": [round(raw / ours, 3) for ours, raw in zip(verify_times, raw_times, strict=True)],
        "jobs": jobs,
        "verify_jobs_s": round(jobs_s, 3),
        "verified_jobs_per_s": round(args.entries / jobs_s),
        "verify_jobs_ratio": round(raw_verify_s / jobs_s, 3),
        "cpus": len(os.sched_getaffinity(0)),
        "loadavg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
