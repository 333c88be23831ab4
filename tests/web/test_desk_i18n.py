"""Item 7 of issue 16 in a real Chromium against a real node: every string the desk itself shows comes from
its catalogue in the desk's language. On the Russian, Turkish and Arabic desks, with a conflict, a case, an
alert and a safety message on screen, no text of the page's own is left in English (node data such as
callsigns, ids, party codes and units, and hotline text the node rendered, are not the desk's strings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from palmyra import rus_strike, usa_strike

from airparley.geo import destination

pytestmark = pytest.mark.slow

#: The page's own text nodes, less what the node gave (hotline text, remarks, notice ids...).
UNTRANSLATED = r"""
([english, words]) => {
  const skip = "#messages .text, .quoted, [data-node-text], .leaflet-control-attribution, .place-label, .track-label,"
    + " .non-responsive-label, .frequency-label, script, style, noscript, datalist, option[value=''], #who, code,"
    + " .badge.safety, .flag-callsign, bdi, .mhz, .text[lang]";
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const visible = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !visible(el)) continue;
    const text = node.textContent.trim();
    if (text) texts.push([text, el]);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
    if (el.closest(skip) || !visible(el)) continue;
    for (const attr of ["placeholder", "title", "aria-label"]) {
      const value = el.getAttribute(attr);
      if (value && value.trim()) texts.push([value.trim(), el]);
    }
  }
  for (const [text, el] of texts) {
    const lower = text.toLowerCase();
    const exact = english.includes(lower);
    const word = (lower.match(/[a-z]{4,}/g) || []).find((w) => words.includes(w));
    const cls = el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "";
    if (exact || word) found.push(`${text} (${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${cls})`);
  }
  return [...new Set(found)];
}
"""


def _english_of(page: Any, code: str) -> tuple[list[str], list[str]]:
    """The catalogue's English values whose translation in ``code`` differs, and the English words (4+
    letters) of them that the translation does not contain."""
    result: tuple[list[str], list[str]] = page.evaluate(
        """async (code) => {
          const { catalogue } = await import("/static/js/i18n.js");
          const en = catalogue("en"), other = catalogue(code);
          const english = [], words = new Set();
          const extra = ["band", "window", "other", "remarks", "buffers", "subject", "deadline", "proposal",
            "history", "zoom", "case", "open", "agreed", "proposed", "accepted", "rejected", "escalated", "resolved",
            "lapsed", "live", "connecting", "reconnecting", "strike", "notice", "notices", "conflict", "version"];
          for (const [key, value] of Object.entries(en)) {
            if (other[key] === undefined || other[key] === value) continue;
            english.push(value.toLowerCase());
            const theirs = other[key].toLowerCase();
            for (const w of value.toLowerCase().match(/[a-z]{4,}/g) || []) if (!theirs.includes(w)) words.add(w);
          }
          for (const w of extra) words.add(w);
          // A word the language itself uses (Turkish "orbit", "tanker") is not English left behind.
          const theirsAll = Object.values(other).join(" ").toLowerCase();
          for (const w of [...words]) if (theirsAll.includes(w)) words.delete(w);
          return [english, [...words]];
        }""",
        code,
    )
    return result


def _scene(running: Any) -> None:
    """A conflict with a case and a proposal, a safety call to each desk, an alert in each party's picture."""
    for who, document in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):
        answer = running.desk(who).client.post("/api/v1/notices", json=document)
        assert answer.status_code in (200, 201), answer.text
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    opened = running.desk("usa_duty").client.post(
        "/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}
    )
    case_id = opened.json()["case"]["case_id"]
    proposed = running.desk("usa_duty").client.post(
        f"/api/v1/cases/{case_id}/propose",
        json={"terms": {"kind": "altitude_split", "at_ft": 22000, "above": "USA", "below": "RUS"}},
    )
    assert proposed.status_code in (200, 201), proposed.text
    for party in ("RUS", "TUR", "SYR"):
        sent = running.desk("usa_duty").client.post(
            "/api/v1/messages",
            json={"recipients": [party], "urgency": "safety", "template": "climb_immediately", "params": {}},
        )
        if sent.status_code not in (200, 201):
            sent = running.desk("usa_duty").client.post(
                "/api/v1/messages",
                json={"recipients": [party], "urgency": "safety", "text": "Climb", "language": "en"},
            )
        assert sent.status_code in (200, 201), sent.text
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    for party in ("rus", "tur", "syr"):
        states = [
            {"id": f"{party}-a", "party": party.upper(), "callsign": "ALPHA1", "lat": 35.4, "lon": 40.4},
            {"id": f"{party}-b", "party": "UNKNOWN", "callsign": "", "lat": float(lat), "lon": float(lon)},
        ]
        for s, trk in zip(states, (90, 270), strict=True):
            s |= {"time": now, "alt_ft": 30000, "gs_kt": 400, "trk_deg": trk, "vs_fpm": 0, "source": "radar"}
        posted = running.desk(f"{party}_sensor").client.post("/api/v1/tracks", json={"states": states})
        assert posted.status_code == 202, posted.text
    running.node.tick()


@pytest.mark.parametrize(("desk_name", "code"), [("rus_duty", "ru"), ("tur_duty", "tr"), ("syr_duty", "ar")])
def test_no_desk_string_is_left_in_english(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any], desk_name: str, code: str
) -> None:
    tab = new_desk(1280, 800)
    _scene(tab.running)
    tab.open(desk_name)
    page = tab.page
    page.wait_for_selector("#alarm:not([hidden])")
    english, words = _english_of(page, code)
    assert english, "the catalogue has translations to check against"
    found: dict[str, list[str]] = {}
    for tab_name in ("conflicts", "cases", "alerts", "incidents", "notices", "file", "frequencies"):
        page.click(f"[data-tab={tab_name}]")
        page.wait_for_timeout(150)
        found[tab_name] = page.evaluate(UNTRANSLATED, [english, words])
    screenshots(page, f"desk-{code}")
    left = {name: texts for name, texts in found.items() if texts}
    assert left == {}, f"untranslated on the {code} desk: {left}"
