"""The hotline in the node: messages and negotiation cases stored, shaped per party, and scheduled.

The pure ``airparley.hotline`` decides every move; the node's parts persist the results in the caller's
transaction, record the events each party is entitled to (shaped by ``_visibility``), and run the
deadlines: safety messages that ring again and escalate, cases that escalate or lapse, agreed cases that
resolve when their conflict disappears. Where each part lives:

- node/_hotline_base.py: the acting officer, languages, storing and announcing, replicated acts;
- node/_hotline_messages.py: send, read, acknowledge, list; ringing and escalating safety messages;
- node/_hotline_cases.py: open, move, list; escalating, resolving and lapsing cases;
- node/_hotline_service.py: what the routes call (transactions, the clock, non-response watches, safety calls).
"""

from __future__ import annotations

from datetime import datetime

from airparley.node._hotline_base import random_id
from airparley.node._hotline_cases import HotlineCases
from airparley.node._hotline_messages import HotlineMessages
from airparley.store import Tx

__all__ = ["Hotline", "random_id"]


class Hotline(HotlineMessages, HotlineCases):
    """Messages and cases of one node (``HotlineBase`` says what it is built from)."""

    def tick(self, tx: Tx, now: datetime) -> None:
        """Ring again, escalate unacknowledged safety messages, escalate overdue cases, lapse old ones."""
        self._tick_messages(tx, now)
        self._tick_cases(tx, now)
