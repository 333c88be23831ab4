"""A case report as a document a person reads and prints: HTML, and PDF through fpdf2.

The first page says whether the report verified, under which keys (each party's fingerprint: SHA-256 of the
raw 32-byte Ed25519 public key, first 16 hex, and where the key came from), then the case, then every subject
entry with its proof (the anchor its hash path reaches and the other party's entry that witnessed it). Path
and witness entries are listed by party, seq, kind and hash only: they are in the report to prove, not to read.

fpdf2 is pure Python (no system library, no browser) and maintained; its built-in fonts are Latin-1 only, so
DejaVu Sans is used where the system has it (Cyrillic and Arabic names in a case), else Helvetica with any
other character shown as ``?`` (the JSON report keeps every byte; the PDF is for reading).
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airparley.errors import InvalidInput
from airparley.ledger import Entry, ExtractCheck, Kind, format_time
from airparley.tactical import closest_point_svg

__all__ = ["PROOF_ONLY", "KeyLine", "Verdict", "incident_ids", "render_html", "render_pdf", "verdict_of"]

_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))


@dataclass(frozen=True)
class KeyLine:
    """One key a report was verified under: party, fingerprint, and where the key came from."""

    party: str
    fingerprint: str
    origin: str


@dataclass(frozen=True)
class Verdict:
    """The verification result as the document states it."""

    verified: bool
    summary: str
    keys: tuple[KeyLine, ...]
    notes: tuple[str, ...]
    check: ExtractCheck


PROOF_ONLY = (
    "These entries are not about the case. They are in this report only as proof: each lies on the hash path"
    " between an entry of the case and the head another party of the case signed in seen, or is that other"
    " party's witnessing entry. An entry's hash covers its whole bytes, so each is disclosed whole (its body"
    " included) to every reader of the report, although only its party, seq, kind and hash are listed here."
)


def verdict_of(check: ExtractCheck, keys: Sequence[KeyLine], notes: Sequence[str] = ()) -> Verdict:
    report = check.report
    if report.ok:
        witnessed = sum(anchor.witness is not None for anchor in check.anchors)
        summary = (
            f"VERIFIED: {report.checked} entries; {len(check.anchors)} subject entries, {witnessed} witnessed by"
            f" another party of the case, {len(check.anchors) - witnessed} not yet acknowledged (signature only)"
        )
    else:
        first = report.problems[0]
        name = f"{first.party}#{first.seq}" if first.party is not None and first.seq is not None else first.where
        summary = f"FAILED at {name} ({first.where}): {first.error} ({len(report.problems)} problem(s))"
    return Verdict(report.ok, summary, tuple(keys), tuple(notes), check)


def _describe(entry: Entry) -> str:
    """One line on what an entry says, from the fields the node's bodies carry."""
    body: Any = entry.to_dict()["body"]
    notice = body.get("notice")
    if isinstance(notice, Mapping):
        props = notice["features"][0]["properties"]
        return f"notice {props.get('notice_id')} v{props.get('version')} {props.get('kind')} ({props.get('state')})"
    message = body.get("message")
    if isinstance(message, Mapping):
        content = message.get("content") or {}
        what = content.get("template") or str(content.get("text", ""))[:80]
        recipients = ",".join(message.get("recipients") or ())
        return f"message {message.get('message_id')} {message.get('urgency')} to {recipients}: {what}"
    if "case_id" in body:
        step = body.get("entry") or {}
        proposal = step.get("proposal")
        # The terms are what was agreed; who proposed them is the entry's party (the officer id says nothing more).
        terms = proposal.get("terms") if isinstance(proposal, Mapping) else step.get("terms")
        shown = f" {json.dumps(terms, ensure_ascii=False, sort_keys=True)}" if terms else ""
        return f"case {body['case_id']} {step.get('event', '')} -> {body.get('state', '')}{shown}".strip()
    if "message_id" in body:
        return f"message {body['message_id']} {entry.kind.value.split('.')[-1]}"
    return json.dumps(body, ensure_ascii=False, sort_keys=True)[:120]


@dataclass(frozen=True)
class _Row:
    subject: Entry
    anchor: str
    witness: str


def _rows(check: ExtractCheck) -> list[_Row]:
    rows = []
    for anchor in check.anchors:
        reached = f"{anchor.anchor.party}#{anchor.anchor.seq}"
        if anchor.witness is None:
            witness = "none yet (stands on its signature)"
        else:
            witness = f"{anchor.witness.party}#{anchor.witness.seq} at {format_time(anchor.witness.time)}"
        rows.append(_Row(anchor.subject, reached, witness))
    return rows


def _links(report: Mapping[str, Any], check: ExtractCheck) -> list[Entry]:
    """The entries that are not subjects (all of them when the report failed: no proof was established)."""
    subjects = {anchor.subject for anchor in check.anchors}
    links = []
    for line in report.get("entries", []):
        try:
            entry = Entry.from_json(line)
        except (InvalidInput, TypeError):
            continue  # named among the problems
        if entry not in subjects:
            links.append(entry)
    return links


def incident_ids(report: Mapping[str, Any]) -> list[str]:
    """The incidents whose ``incident.recorded`` entry the report holds, in report order."""
    found = []
    for line in report.get("entries", []):
        try:
            entry = Entry.from_json(line)
        except (InvalidInput, TypeError):
            continue
        if entry.kind is Kind.INCIDENT_RECORDED and isinstance(entry.body.get("incident_id"), str):
            found.append(str(entry.body["incident_id"]))
    return found


def _figures(report: Mapping[str, Any], trails: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The incident figures of the report, each as (title, SVG, caption): each recorded incident's encounter
    (the closest point the entry shares) and, after it, its trails from ``trails`` (incident id -> SVG), for a
    reader who may see them (the recorder, or a party they were disclosed to: the caller decides,
    ``node/_visibility.py``)."""
    figures: list[tuple[str, str, str]] = []
    for line in report.get("entries", []):
        try:
            entry = Entry.from_json(line)
        except (InvalidInput, TypeError):
            continue  # named among the problems
        if entry.kind is not Kind.INCIDENT_RECORDED:
            continue
        svg = closest_point_svg(entry.body)
        if svg is None:
            continue
        incident_id = str(entry.body.get("incident_id", ""))
        figures.append(
            (
                f"Incident {incident_id}",
                svg,
                f"As recorded by {entry.party} (#{entry.seq}) at {format_time(entry.time)}: the closest point"
                " the entry shares; the trails stay with the recorder unless disclosed.",
            )
        )
        drawn = trails.get(incident_id)
        if drawn is not None:
            figures.append(
                (
                    "",
                    drawn,
                    "The trails, from the record this node holds for the reader's party (not part of the signed"
                    " report: they are checked against the trails_sha256 it holds).",
                )
            )
    return figures


def _incident_figures(report: Mapping[str, Any], trails: Mapping[str, str]) -> list[str]:
    """The incident figures (``_figures``) as HTML."""
    esc = html.escape
    parts: list[str] = []
    for title, svg, caption in _figures(report, trails):
        if title:
            parts.append(f"<h2>{esc(title)}</h2>")
        parts.append(f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>")
    return parts


def render_html(report: Mapping[str, Any], verdict: Verdict, trails: Mapping[str, str] | None = None) -> str:
    """A self-contained, printable HTML page (no script, no external resource); ``trails``: see
    ``_incident_figures``."""
    esc = html.escape
    case: Mapping[str, Any] = report.get("case") or {}
    state = "ok" if verdict.verified else "failed"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Case report {esc(str(report.get('case_id', '')))}</title>",
        "<style>body{font-family:sans-serif;margin:2em;font-size:11pt}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}"
        ".ok{color:#060}.failed{color:#a00}code{font-size:9pt;word-break:break-all}"
        "@media print{.page{page-break-after:always}}</style></head><body>",
        '<section class="page">',
        f"<h1>Case report {esc(str(report.get('case_id', '')))}</h1>",
        f"<p>Parties: {esc(', '.join(report.get('parties', [])))}. Exported by {esc(str(report.get('made_by', '')))}"
        f" at {esc(str(report.get('made_at', '')))}. Format {esc(str(report.get('format', '')))}.</p>",
        "<h2>Verification</h2>",
        f'<p class="{state}" id="verdict"><strong>{esc(verdict.summary)}</strong></p>',
        "<table><tr><th>Party</th><th>Key fingerprint</th><th>Key from</th></tr>",
        *(
            f"<tr><td>{esc(k.party)}</td><td><code>{esc(k.fingerprint)}</code></td><td>{esc(k.origin)}</td></tr>"
            for k in verdict.keys
        ),
        "</table>",
        *(f"<p>{esc(note)}</p>" for note in verdict.notes),
        "<p>Fingerprint: SHA-256 of the raw 32-byte Ed25519 public key, first 16 hex digits. Compare them with"
        " the parties' own.</p>",
        "<h2>Case</h2>",
        f"<p>State: {esc(str(case.get('state', '')))}. Subject: "
        f"<code>{esc(json.dumps(case.get('subject', {}), ensure_ascii=False, sort_keys=True))}</code></p>",
        "</section>",
        *_incident_figures(report, trails or {}),
        "<h2>Entries of the case, each with its proof</h2>",
        "<table><tr><th>Entry</th><th>Time</th><th>Kind</th><th>What</th><th>Path reaches</th><th>Witness</th></tr>",
    ]
    for row in _rows(verdict.check):
        entry = row.subject
        parts.append(
            f"<tr><td>{esc(entry.party)}#{entry.seq}</td><td>{esc(format_time(entry.time))}</td>"
            f"<td>{esc(entry.kind.value)}</td><td>{esc(_describe(entry))}</td><td>{esc(row.anchor)}</td>"
            f"<td>{esc(row.witness)}</td></tr>"
        )
    parts.append('</table><h2 id="proof-only">Entries present only as proof</h2>')
    parts.append(f"<p>{esc(PROOF_ONLY)}</p>")
    parts.append("<table><tr><th>Entry</th><th>Kind</th><th>SHA-256</th></tr>")
    for link in _links(report, verdict.check):
        parts.append(
            f"<tr><td>{esc(link.party)}#{link.seq}</td><td>{esc(link.kind.value)}</td>"
            f"<td><code>{esc(link.hash)}</code></td></tr>"
        )
    parts.append("</table>")
    if not verdict.verified:
        parts.append("<h2>Problems</h2><ul>")
        parts.extend(f"<li>{esc(p.where)}: {esc(str(p.error))}</li>" for p in verdict.check.report.problems)
        parts.append("</ul>")
    parts.append(f"<p>How to verify: {esc(str(report.get('how_to_verify', '')))}</p></body></html>")
    return "\n".join(parts)


def render_pdf(report: Mapping[str, Any], verdict: Verdict, trails: Mapping[str, str] | None = None) -> bytes:
    """The same content as ``render_html``, as a PDF: the verification and fingerprints on page 1; each incident's
    figures (``_figures``) drawn as vector graphics (fpdf2 converts the SVG to PDF paths)."""
    from fpdf import FPDF  # imported here: only a PDF export pays for it
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    font_file = next((path for path in _FONTS if path.is_file()), None)
    if font_file is not None:
        pdf.add_font("DejaVu", "", str(font_file))
        family = "DejaVu"

        def text(value: str) -> str:
            return value

    else:
        family = "Helvetica"

        def text(value: str) -> str:
            return value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(f"Case report {report.get('case_id', '')}")
    pdf.add_page()

    def line(value: str, size: float = 9, height: float = 5) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(0, height, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    case: Mapping[str, Any] = report.get("case") or {}
    line(f"Case report {report.get('case_id', '')}", 16, 9)
    line(
        f"Parties: {', '.join(report.get('parties', []))}. Exported by {report.get('made_by', '')} at"
        f" {report.get('made_at', '')}. Format {report.get('format', '')}."
    )
    pdf.ln(2)
    line("Verification", 13, 7)
    pdf.set_text_color(0, 96, 0) if verdict.verified else pdf.set_text_color(170, 0, 0)
    line(verdict.summary, 10)
    pdf.set_text_color(0, 0, 0)
    line("Keys (fingerprint: SHA-256 of the raw 32-byte Ed25519 public key, first 16 hex):")
    for key in verdict.keys:
        line(f"  {key.party}  {key.fingerprint}  from {key.origin}")
    for note in verdict.notes:
        line(note)
    pdf.ln(2)
    line("Case", 13, 7)
    line(f"State: {case.get('state', '')}. Subject: {json.dumps(case.get('subject', {}), ensure_ascii=False)}")
    pdf.ln(2)
    line("Entries of the case, each with its proof", 13, 7)
    for row in _rows(verdict.check):
        entry = row.subject
        line(f"{entry.party}#{entry.seq}  {format_time(entry.time)}  {entry.kind.value}", 9)
        line(f"    {_describe(entry)}", 8, 4)
        line(f"    path reaches {row.anchor}; witness {row.witness}", 8, 4)
    pdf.ln(2)
    line("Entries present only as proof", 13, 7)
    line(PROOF_ONLY, 8, 4)
    for link in _links(report, verdict.check):
        line(f"{link.party}#{link.seq}  {link.kind.value}  {link.hash}", 8, 4)
    if not verdict.verified:
        line("Problems", 13, 7)
        for problem in verdict.check.report.problems:
            line(f"{problem.where}: {problem.error}", 8, 4)
    for title, svg, caption in _figures(report, trails or {}):
        pdf.ln(2)
        if title:
            line(title, 13, 7)
        pdf.image(io.BytesIO(svg.encode("utf-8")), w=pdf.epw * 0.8)
        line(caption, 8, 4)
    pdf.ln(2)
    line(f"How to verify: {report.get('how_to_verify', '')}", 8, 4)
    return bytes(pdf.output())
