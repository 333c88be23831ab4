// "As of": the party's picture as it stood at a past time (GET /api/v1/picture?at=T, docs/replay.md), shown
// read-only in a view of its own. The live panels keep taking events underneath, so the as-of view is never
// overwritten by them and "Back to live" shows them as they are now, with nothing to reload.
import { get } from "./api.js";
import { nodeNow } from "./clock.js";
import { $, h, replaceChildren } from "./dom.js";
import { t, tf } from "./i18n.js";
import { parseTime } from "./timeline.js";

const PARTS = [
  ["notices", (p) => (p.notices.features || []).map((f) => `${f.properties.notice_id} v${f.properties.version} · ${f.properties.kind} · ${f.properties.state}`)],
  ["conflicts", (p) => p.conflicts.map((c) => `${c.id}: ${c.own.notice_id} × ${c.other.notice_id || c.other.party}`)],
  ["hotline", (p) => p.messages.map((m) => `${m.message.author.party} → ${m.message.recipients.join(", ")}: ${m.rendered.text}`)],
  ["cases", (p) => p.cases.map((c) => `${c.case.case_id} · ${c.case.state}`)],
  ["tracks", (p) => p.tracks.map((s) => `${s.callsign || s.id} · ${s.party}${s.shared_by ? ` (${s.shared_by})` : ""}`)],
  ["alerts", (p) => p.alerts.map((a) => `${a.a.callsign || a.a.id} × ${a.b.callsign || a.b.id} · ${a.level_name}`)],
];

function showLive() {
  $("#asof-view").hidden = true;
  $("#asof-banner").hidden = true;
  document.body.classList.remove("as-of");
}

function render(picture) {
  const sections = PARTS.map(([key, lines]) => {
    const items = lines(picture);
    return h("section", { class: "asof-part", "data-part": key },
      h("h3", {}, `${t(key === "hotline" ? "messages" : key)} (${items.length})`),
      items.length ? h("ul", {}, ...items.map((line) => h("li", {}, line))) : h("p", { class: "muted" }, t("none_yet")));
  });
  replaceChildren($("#asof-parts"), sections);
  $("#asof-text").textContent = tf("asof_banner", { t: `${picture.at.slice(11, 16)}Z` });
  $("#asof-banner").hidden = false;
  $("#asof-view").hidden = false;
  document.body.classList.add("as-of");
}

async function show(event) {
  event.preventDefault();
  const error = $("#asof-error");
  error.textContent = "";
  const ms = parseTime($("#asof-at").value);
  if (ms === null || ms > nodeNow()) {
    error.textContent = t("asof_bad");
    return;
  }
  try {
    render(await get(`/picture?at=${encodeURIComponent(new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"))}`));
  } catch (failure) {
    error.textContent = failure.message;
  }
}

export function initAsOf() {
  $("#asof-form").onsubmit = show;
  $("#asof-live").onclick = showLive;
  $("#asof-at").placeholder = t("asof_hint");
  $("#asof-at").setAttribute("aria-label", t("asof_label"));
  $("#asof-submit").textContent = t("asof");
  $("#asof-live").textContent = t("asof_back");
  showLive();
}
