"""A bench's JSON lines as an SVG line chart, for docs/benchmarks.md.

Usage::

    python bench/chart.py RESULTS.jsonl --x n --y scan_s bluesky_cpp_s --group variant --log \
        --title "Tactical scan" --out docs/images/bench-tactical-scan.svg

Reads JSON lines (files, or stdin with ``-``); a line that is not a JSON object (prose, a Markdown fence) is
skipped, so a results block can be fed straight from the docs. One series per (``--group`` value, ``--y``
key), a point per line that has both ``--x`` and that key; ``--log`` draws both axes in decades (the benches
step sizes by tens). The SVG is written by hand (no plotting library): small, no script or external resource,
and the same bytes for the same input, so a committed chart changes only when its figures do.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any, Final

_WIDTH: Final = 720
_HEIGHT: Final = 420
_LEFT: Final = 70
_RIGHT: Final = 200
_TOP: Final = 40
_BOTTOM: Final = 50
_COLOURS: Final = ("#1f5fbf", "#c0392b", "#2e8b57", "#c77800", "#7b3fa0", "#444444")
_DASHES: Final = ("", "6 4", "2 3", "8 3 2 3")


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _label(value: float) -> str:
    return f"{value:g}"


def records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The JSON objects among ``lines``; anything else is skipped."""
    found = []
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def series_of(
    rows: Sequence[Mapping[str, Any]], x: str, ys: Sequence[str], group: str | None
) -> dict[str, list[tuple[float, float]]]:
    """``{name: [(x, y), ...]}`` in x order; a row missing a key (or with a non-number) gives no point."""
    series: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        for y in ys:
            xv, yv = row.get(x), row.get(y)
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (xv, yv)):
                continue
            name = y if group is None else f"{row.get(group)} {y}"
            series.setdefault(name, []).append((float(xv), float(yv)))  # type: ignore[arg-type]
    return {name: sorted(points) for name, points in series.items()}


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        return [10.0**k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
    step = 10.0 ** math.floor(math.log10(max(hi - lo, 1e-12)))
    while (hi - lo) / step < 4:
        step /= 2
    return [k * step for k in range(math.floor(lo / step), math.ceil(hi / step) + 1)]


def chart_svg(
    series: Mapping[str, Sequence[tuple[float, float]]], *, title: str, x_label: str, y_label: str, log: bool
) -> str:
    """An SVG line chart of ``series`` (see the module docstring); points <= 0 are left out on log axes."""
    kept = {name: [(x, y) for x, y in points if not log or (x > 0 and y > 0)] for name, points in series.items()}
    kept = {name: points for name, points in kept.items() if points}
    if not kept:
        raise ValueError("nothing to draw: no series has a point")
    xs = [x for points in kept.values() for x, _ in points]
    ys = [y for points in kept.values() for _, y in points]
    x_ticks = _ticks(min(xs), max(xs), log)
    y_ticks = _ticks(min(ys), max(ys), log)
    x_lo, x_hi = x_ticks[0], x_ticks[-1]
    y_lo, y_hi = (y_ticks[0], y_ticks[-1]) if log else (min(0.0, y_ticks[0]), y_ticks[-1])
    scale = math.log10 if log else float
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def px(x: float) -> float:
        span = scale(x_hi) - scale(x_lo) or 1.0
        return _LEFT + (scale(x) - scale(x_lo)) / span * plot_w

    def py(y: float) -> float:
        span = scale(y_hi) - scale(y_lo) or 1.0
        return _TOP + plot_h - (scale(y) - scale(y_lo)) / span * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in x_ticks:
        x = px(tick)
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{_TOP}" x2="{_fmt(x)}" y2="{_TOP + plot_h}" stroke="#e4e4e4"/>'
            f'<text x="{_fmt(x)}" y="{_TOP + plot_h + 16}" text-anchor="middle" fill="#555">{_label(tick)}</text>'
        )
    for tick in y_ticks:
        if not y_lo <= tick <= y_hi:
            continue
        y = py(tick)
        parts.append(
            f'<line x1="{_LEFT}" y1="{_fmt(y)}" x2="{_LEFT + plot_w}" y2="{_fmt(y)}" stroke="#e4e4e4"/>'
            f'<text x="{_LEFT - 6}" y="{_fmt(y + 4)}" text-anchor="end" fill="#555">{_label(tick)}</text>'
        )
    parts.append(
        f'<text x="{_LEFT + plot_w / 2}" y="{_HEIGHT - 12}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(16 {_TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    for k, (name, points) in enumerate(kept.items()):
        colour, dash = _COLOURS[k % len(_COLOURS)], _DASHES[(k // len(_COLOURS)) % len(_DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{_fmt(px(x))},{_fmt(py(y))}" for x, y in points)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dashed} points="{coords}" '
            f'data-series="{escape(name)}"/>'
        )
        parts.extend(f'<circle cx="{_fmt(px(x))}" cy="{_fmt(py(y))}" r="3" fill="{colour}"/>' for x, y in points)
        ly = _TOP + 10 + 18 * k
        parts.append(
            f'<line x1="{_LEFT + plot_w + 12}" y1="{ly}" x2="{_LEFT + plot_w + 36}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/><text x="{_LEFT + plot_w + 42}" y="{ly + 4}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", help="JSON-lines files of a bench's results; - for stdin")
    parser.add_argument("--x", required=True, help="the key on the horizontal axis")
    parser.add_argument("--y", required=True, nargs="+", help="the key(s) drawn, one series each")
    parser.add_argument("--group", help="a key whose values split the lines into series")
    parser.add_argument("--where", nargs="*", default=[], help="KEY=VALUE: only lines where KEY is VALUE")
    parser.add_argument("--log", action="store_true", help="both axes in decades")
    parser.add_argument("--title", default="")
    parser.add_argument("--x-label", default=None)
    parser.add_argument("--y-label", default=None)
    parser.add_argument("--out", required=True, help="the SVG file to write; - for stdout")
    args = parser.parse_args(argv)
    lines: list[str] = []
    for name in args.inputs:
        lines.extend(sys.stdin if name == "-" else Path(name).read_text(encoding="utf-8").splitlines())
    rows = records(lines)
    for condition in args.where:
        key, _, value = condition.partition("=")
        rows = [row for row in rows if str(row.get(key)) == value]
    svg = chart_svg(
        series_of(rows, args.x, args.y, args.group),
        title=args.title,
        x_label=args.x_label or args.x,
        y_label=args.y_label or ", ".join(args.y),
        log=args.log,
    )
    if args.out == "-":
        sys.stdout.write(svg)
    else:
        Path(args.out).write_text(svg, encoding="utf-8")


if __name__ == "__main__":
    main()
