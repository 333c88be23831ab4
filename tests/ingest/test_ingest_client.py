"""The batching poster against a CONTRACT STAND-IN of ``POST /api/v1/tracks`` (ingest_support.ContractNode).

The stand-in is a real HTTP server on 127.0.0.1 and a random port that implements the agreed contract; it
is not the node. An end-to-end test against the node's own endpoint belongs with the node's tests.
"""

from __future__ import annotations

import time

import pytest
from ingest_support import contract_node, free_port

from airparley.errors import InvalidInput
from airparley.ingest import TrackPoster, checked_state, state_record
from airparley.tactical import TrackState

T0 = 1795662000.0


def _states(count: int, prefix: str = "T") -> list[TrackState]:
    return [
        checked_state(f"{prefix}{i:04d}", T0 + i * 0.01, 34.5, 38.2 + i * 1e-4, 20000.0, 400.0, 90.0, 0.0)
        for i in range(count)
    ]


def test_batches_by_count_then_the_rest_on_close() -> None:
    with contract_node() as node:
        poster = TrackPoster(node.url, "usa-sensor", batch_size=100, max_delay_s=30.0)
        poster.submit(_states(250))
        node.wait_for_requests(2)
        time.sleep(0.1)
        assert [r.count for r in node.requests] == [100, 100]  # the last 50 wait for their delay
        summary = poster.close()
        assert [r.count for r in node.requests] == [100, 100, 50]
        assert (summary.submitted, summary.accepted, summary.batches, summary.failed) == (250, 250, 3, 0)
        assert summary.ok
        assert len(node.states_of("USA")) == 250


def test_batches_by_time_without_flush_or_close() -> None:
    with contract_node() as node:
        poster = TrackPoster(node.url, "usa-sensor", batch_size=500, max_delay_s=0.2)
        started = time.monotonic()
        poster.submit(_states(7))
        node.wait_for_requests(1, timeout_s=3.0)
        waited = time.monotonic() - started
        assert 0.15 <= waited < 2.0
        assert node.requests[0].count == 7
        poster.submit(_states(3, "U"))
        poster.flush()
        node.wait_for_requests(2, timeout_s=0.5)  # a flush sends at once, not after the delay
        assert poster.close().accepted == 10


def test_rejected_states_are_reported_with_their_id_field_and_reason() -> None:
    records = [state_record(s) for s in _states(4)]
    records[1]["trk_deg"] = 400
    records[3] = {**records[3], "time": "2026-11-26T03:00:00"}
    with contract_node() as node, TrackPoster(node.url, "usa-sensor") as poster:
        poster.submit(records)
    summary = poster.summary
    assert (summary.accepted, summary.rejected) == (2, 2)
    assert [(r.id, r.field) for r in summary.rejections] == [("T0001", "trk_deg"), ("T0003", "time")]
    assert "360" in summary.rejections[0].reason
    assert summary.ok  # delivered; the node said no to two states, which is not a delivery failure


def test_retries_after_a_dropped_connection_and_a_503_with_the_same_idempotency_key() -> None:
    with contract_node(faults=["drop", "503"]) as node:
        poster = TrackPoster(node.url, "usa-sensor", backoff_s=0.05)
        poster.submit(_states(5))
        summary = poster.close()
        assert (summary.accepted, summary.retries, summary.failed) == (5, 2, 0)
        assert len(node.requests) == 1  # the two faults were never answered as a delivery
        assert node.requests[0].key is not None
        assert any("cannot reach" in e or "503" in e for e in summary.errors)


def test_a_retry_after_a_lost_answer_is_not_stored_twice() -> None:
    with contract_node() as node:
        poster = TrackPoster(node.url, "usa-sensor")
        batch = [state_record(s) for s in _states(3)]
        key = "fixed-key"
        assert poster._post_once(batch, key)[0] == "done"
        assert poster._post_once(batch, key)[0] == "done"  # as a retry would, after a lost 202
        poster.close()
        assert len(node.states_of("USA")) == 3
        assert [r.count for r in node.requests] == [3, -1]  # the second was a replay


def test_an_unreachable_node_is_given_up_on_in_bounded_time() -> None:
    poster = TrackPoster(f"http://127.0.0.1:{free_port()}", "t", retry_for_s=0.6, backoff_s=0.05, backoff_max_s=0.2)
    started = time.monotonic()
    poster.submit(_states(20))
    summary = poster.close(timeout_s=10.0)
    assert time.monotonic() - started < 5.0
    assert (summary.accepted, summary.failed) == (0, 20)
    assert summary.retries >= 3
    assert not summary.ok
    assert any("gave up after" in e and "cannot reach the node" in e for e in summary.errors)


def test_a_node_that_comes_up_late_gets_everything() -> None:
    port = free_port()
    poster = TrackPoster(f"http://127.0.0.1:{port}", "usa-sensor", retry_for_s=20.0, backoff_s=0.05, backoff_max_s=0.2)
    poster.submit(_states(10))
    deadline = time.monotonic() + 5
    while poster.summary.retries < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert poster.summary.retries >= 2  # refused connections, retried
    with contract_node(port=port) as node:
        summary = poster.close(timeout_s=10.0)
        assert (summary.accepted, summary.failed) == (10, 0)
        assert len(node.states_of("USA")) == 10


def test_a_refused_token_stops_the_poster() -> None:
    with contract_node() as node:
        poster = TrackPoster(node.url, "not-a-token", max_delay_s=0.05)
        poster.submit(_states(5))
        deadline = time.monotonic() + 3
        while poster.refused is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert poster.refused is not None
        assert poster.refused.startswith("401")
        poster.submit(_states(5, "U"))  # not even queued
        summary = poster.close()
        assert (summary.submitted, summary.failed, summary.accepted) == (10, 10, 0)
        assert len(node.requests) == 0


def test_a_body_too_large_is_split_until_it_fits() -> None:
    with contract_node(max_body_bytes=6000) as node:
        poster = TrackPoster(node.url, "usa-sensor", batch_size=200)
        poster.submit(_states(200))
        summary = poster.close()
        assert (summary.accepted, summary.failed) == (200, 0)
        assert max(r.count for r in node.requests) <= 50
        assert len(node.states_of("USA")) == 200


def test_close_never_waits_forever_on_a_hanging_node() -> None:
    with contract_node(faults=["hang:3", "hang:3", "hang:3"]) as node:
        poster = TrackPoster(node.url, "usa-sensor", timeout_s=0.3, retry_for_s=30.0, backoff_s=0.05)
        poster.submit(_states(5))
        node.first_request.wait(2)
        started = time.monotonic()
        summary = poster.close(timeout_s=0.5)
        assert time.monotonic() - started < 2.5
        assert summary.failed + summary.pending == 5
        assert not summary.ok


def test_a_full_queue_drops_its_oldest_states_and_counts_them() -> None:
    with contract_node(faults=["hang:1"]) as node:
        poster = TrackPoster(node.url, "usa-sensor", batch_size=10, max_pending=10, timeout_s=5.0, backoff_s=0.01)
        poster.submit(_states(10, "A"))
        node.first_request.wait(2)  # the worker is now busy with the first batch
        poster.submit(_states(30, "B"))
        summary = poster.close(timeout_s=10.0)
        assert summary.dropped == 20
        ids = {s["id"] for s in node.states_of("USA")}
        assert {f"B{i:04d}" for i in range(20, 30)} <= ids  # the newest were kept
        assert not ({f"B{i:04d}" for i in range(20)} & ids)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="batch_size"):
        TrackPoster("http://127.0.0.1:1", "t", batch_size=5001)
    with pytest.raises(InvalidInput, match="max_pending"):
        TrackPoster("http://127.0.0.1:1", "t", batch_size=100, max_pending=10)
