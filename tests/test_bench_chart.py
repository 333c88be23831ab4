"""bench/chart.py: a bench's JSON lines as an SVG chart, and the committed chart is what the results give."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _chart() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_chart", ROOT / "bench" / "chart.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_series_skip_prose_and_rows_without_the_keys() -> None:
    chart = _chart()
    rows = chart.records(["```", '{"n": 10, "s": 2.0, "v": "a"}', "text", '{"n": 1, "s": 1.0, "v": "a"}', '{"n": 5}'])
    assert chart.series_of(rows, "n", ["s"], "v") == {"a s": [(1.0, 1.0), (10.0, 2.0)]}
    with pytest.raises(ValueError, match="nothing to draw"):
        chart.chart_svg({"x": [(0.0, 1.0)]}, title="", x_label="", y_label="", log=True)


def test_the_committed_chart_is_the_committed_results(tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    _chart().main(
        [
            str(ROOT / "bench" / "results" / "tactical_scan.jsonl"),
            *("--x", "n", "--y", "scan_s", "bluesky_cpp_s", "--group", "variant", "--log"),
            *("--title", "Tactical conflict scan: seconds per scan, airparley vs BlueSky (C++)"),
            *("--x-label", "aircraft", "--y-label", "seconds (log)", "--out", str(out)),
        ]
    )
    assert out.read_text() == (ROOT / "docs" / "images" / "bench-tactical-scan.svg").read_text()
    root = ET.fromstring(out.read_text())
    drawn = [e.attrib["data-series"] for e in root.iter("{http://www.w3.org/2000/svg}polyline")]
    assert drawn == ["theatre scan_s", "theatre bluesky_cpp_s", "dense scan_s", "dense bluesky_cpp_s"]
    assert "bench-tactical-scan.svg" in (ROOT / "docs" / "benchmarks.md").read_text()
