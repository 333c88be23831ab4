"""The hotline's threads (one per set of other parties) and replies that quote what they answer."""

from __future__ import annotations

from typing import Any

import pytest
from desk_support import Desk

pytestmark = pytest.mark.slow


def _send(desk: Desk, who: str, body: dict[str, Any]) -> str:
    answer = desk.running.desk(who).client.post("/api/v1/messages", json=body)
    assert answer.status_code == 201, answer.text
    message_id: str = answer.json()["message"]["message_id"]
    return message_id


def test_threads_split_the_hotline_by_party_and_a_reply_quotes_its_message(desk: Desk) -> None:
    from_rus = _send(desk, "rus_duty", {"recipients": ["USA"], "template": "stand_by"})
    _send(desk, "tur_duty", {"recipients": ["USA"], "text": "Ankara desk here, radio check.", "language": "en"})
    desk.open("usa_duty")
    page = desk.page
    threads = page.locator("#threads [data-thread]")
    threads.first.wait_for()
    assert [threads.nth(i).get_attribute("data-thread") for i in range(threads.count())] == ["", "RUS", "TUR"]
    assert page.locator("#threads [data-thread='RUS'] .count").inner_text() == "1"  # unread
    assert page.locator("#messages .msg").count() == 2

    page.click("#threads [data-thread='RUS']")
    page.wait_for_selector("#threads [data-thread='RUS'][aria-pressed=true]")
    assert page.locator("#messages .msg").count() == 1
    assert page.locator(f"#messages li.msg[data-message='{from_rus}']").count() == 1

    # A new TUR message arrives live while the RUS thread is shown: it is counted, not shown.
    _send(desk, "tur_duty", {"recipients": ["USA"], "template": "message_received"})
    page.wait_for_selector("#threads [data-thread='TUR'] .count:text-is('2')")
    assert page.locator("#messages .msg").count() == 1

    page.click(f"#messages li.msg[data-message='{from_rus}'] [data-action=reply]")
    page.wait_for_selector("#compose:not([hidden]) #compose-reply:not([hidden])")
    assert page.is_checked("#compose input[name=recipients][value=RUS]")
    assert not page.is_checked("#compose input[name=recipients][value=TUR]")
    page.fill("#compose-text", "Understood, standing by on 243.0.")
    page.click("#compose button[type=submit]")
    reply = page.locator("#messages .msg", has_text="Understood, standing by")
    reply.wait_for()
    assert reply.locator(".reply-to").get_attribute("data-reply-to") == from_rus
    sent = desk.running.desk("usa_duty").client.get("/api/v1/messages").json()
    (answer,) = [m for m in sent if m["message"]["author"]["party"] == "USA"]
    assert answer["message"]["references"] == [{"kind": "message", "id": from_rus}]
    assert answer["message"]["recipients"] == ["RUS"]
    assert page.locator("#compose-reply").is_hidden()  # the next message is a new one

    page.click("#threads [data-thread='']")
    page.wait_for_selector("#threads [data-thread=''][aria-pressed=true]")
    assert page.locator("#messages .msg").count() == 4
