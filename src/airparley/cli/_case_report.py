"""``airparley case report`` joins the ``case`` group of ``_client`` from ``_ledger``, where it is written."""

from __future__ import annotations

import typer

from airparley.cli._ledger import case_report_command

__all__ = ["register"]


def register(case_app: typer.Typer) -> None:
    case_app.command("report")(case_report_command)
