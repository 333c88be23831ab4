"""The scenarios ship with the package: what setuptools installs (its build_py, as pip runs it) holds them, and
the installed ``airparley demo`` finds and plays them from any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
def test_an_installed_airparley_plays_its_shipped_scenario_from_any_folder(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    )
    installed = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "-d", str(installed)],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )
    shipped = sorted(p.name for p in (installed / "airparley" / "sim" / "scenarios").iterdir())
    assert shipped == ["syria-iraq.geojson", "syria-iraq.yaml"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    listed = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--list"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.stdout.split("\t")[2].strip() == str(
        installed / "airparley" / "sim" / "scenarios" / "syria-iraq.yaml"
    )
    played = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--duration", "20"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = json.loads(played.stdout[played.stdout.index("\n{") + 1 :])
    assert summary["conflicts"] >= 3
    assert summary["demo"]["reports"] > 0
