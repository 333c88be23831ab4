"""The report as one self-contained HTML page: no script, no external asset, every value escaped."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["render_html"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #c8ccd0;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#eef1f4}.pass{background:#d8f3dc}.fail{background:#ffd6d6}.error{background:#ffe5b4}
.skip,.untested{background:#eceff1;color:#555}
code,pre{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
.matrix td{text-align:center;min-width:2.5rem}
"""


def _cell(outcome: str) -> str:
    return f'<td class="{escape(outcome)}">{escape(outcome)}</td>'


def _counts(by_outcome: Any) -> str:
    """``{"pass": 3, "fail": 1}`` as ``3 pass, 1 fail``."""
    return ", ".join(f"{n} {name}" for name, n in (by_outcome or {}).items())


def render_html(report: Mapping[str, Any]) -> str:
    summary = report.get("summary", {})
    outcome = escape(str(summary.get("outcome", "")))
    scenarios = report.get("scenarios", [])
    matrix = report.get("matrix", {})
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>airparley qualification report {escape(str(report.get('run', {}).get('id', '')))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f'<h1>airparley qualification: <span class="{outcome}">{outcome}</span></h1>',
        "<table>",
    ]
    run = report.get("run", {})
    rows = [
        (
            "run",
            f"{run.get('id')} from {run.get('started_at')} to {run.get('finished_at')} ({run.get('duration_s')} s)",
        ),
        ("tool", f"{report.get('tool', {}).get('name')} {report.get('tool', {}).get('version')}"),
        ("requirements", f"{summary.get('requirements')}: {_counts(summary.get('requirements_by_outcome'))}"),
        ("checks", f"{summary.get('checks')}: {_counts(summary.get('checks_by_outcome'))}"),
        ("scenarios", f"{summary.get('scenarios')}: {_counts(summary.get('scenarios_by_outcome'))}"),
    ]
    for node in report.get("nodes", []):
        rows.append((f"node {node.get('name')}", f"{node.get('url')} version {node.get('version')}"))
    signature = report.get("signature") or {}
    rows.append(("signed by", f"ed25519 {signature.get('public_key', '(unsigned)')}"))
    out += [f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows]
    out.append("</table>")
    settings = (report.get("declared") or {}).get("settings", {})
    out.append("<h2>Declared settings</h2><table>")
    out += [f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in settings.items()]
    out.append("</table>")

    out.append('<h2>Requirements by scenario</h2><table class="matrix"><tr><th>requirement</th><th>outcome</th>')
    out += [f'<th title="{escape(s["title"])}">{escape(s["id"].split("-")[0])}</th>' for s in scenarios]
    out.append("<th>statement</th></tr>")
    for requirement in report.get("requirements", []):
        cells = matrix.get(requirement["id"], {})
        out.append(f"<tr><th>{escape(requirement['id'])}</th>{_cell(requirement['outcome'])}")
        out += [_cell(cells[s["id"]]) if s["id"] in cells else "<td></td>" for s in scenarios]
        out.append(f"<td>{escape(requirement['statement'])}</td></tr>")
    out.append("</table>")

    out.append("<h2>Scenarios and checks</h2>")
    for scenario in scenarios:
        out.append(
            f'<h3 class="{escape(scenario["outcome"])}">{escape(scenario["id"])}: {escape(scenario["title"])}'
            f" ({escape(scenario['outcome'])}, {scenario['duration_s']} s)</h3>"
        )
        if scenario.get("reason"):
            out.append(f"<p>{escape(scenario['reason'])}</p>")
        out.append("<table><tr><th>check</th><th>requirement</th><th>outcome</th><th>step</th><th>evidence</th></tr>")
        for check in scenario["checks"]:
            evidence = ""
            if check["outcome"] == "fail":
                evidence = (
                    f"<b>expected</b> {escape(check['expected'])}"
                    f"<br><b>got</b> <code>{escape(check['observed'])}</code>"
                    f"<br><b>request</b> <code>{escape(check['request'])}</code>"
                )
            elif check["outcome"] == "skip":
                evidence = escape(check["reason"])
            out.append(
                f"<tr><td>{escape(check['name'])}</td><td>{escape(check['requirement'])}</td>{_cell(check['outcome'])}"
                f"<td>{escape(check['step'])}</td><td>{evidence}</td></tr>"
            )
        out.append("</table>")
        for problem in scenario.get("cleanup", []):
            out.append(f"<p>cleanup: {escape(problem)}</p>")
    out.append("</body></html>")
    return "\n".join(out)
