"""Databases for tests: copies of one migrated database (see ``tests/conftest.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path


def migrated_sqlite(template: Path, folder: Path) -> str:
    """A copy of the migrated SQLite ``template`` file in ``folder``, as a database URL."""
    path = folder / "airparley.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
