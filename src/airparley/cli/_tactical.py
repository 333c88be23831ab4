"""``airparley tactical ...``: scan, intrusions, incidents (alert and bands live in ``_tactical_alerting``)."""

from __future__ import annotations

import typer

__all__ = ["tactical_app"]

tactical_app = typer.Typer(
    help="Predicted conflicts, alerts, bands, intrusions and incidents from track states.", no_args_is_help=True
)
