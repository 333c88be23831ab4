// "As of": the party's picture as it stood at a past time (GET /api/v1/picture?at=T, docs/replay.md), shown
// read-only in a view of its own and drawn on the map (its notices, conflicts, tracks with their trails and
// alert lines, in the live styles) in place of the live layers. The live panels and layers keep taking events
// underneath, so the as-of view is never overwritten by them and "Back to live" shows them as they are now,
// with nothing to reload.
import { get } from "./api.js";
import { nodeNow } from "./clock.js";
import { $, h, replaceChildren } from "./dom.js";
import { t, tf } from "./i18n.js";
import { parseTime } from "./timeline.js";
import { conflictLayer, noticeLayer, showLiveView, showPastView } from "./map.js";
import { applyTrackEvent, renderTracks } from "./tracks.js";
import { alertLine } from "./alerts.js";
import { selectTrack } from "./datablock.js";
import { emit, inBand } from "./state.js";

/** How much of each track's path before T the desk asks for and draws (the node allows up to 300 s). */
export const PAST_TRAIL_S = 120;

const PARTS = [
  ["notices", (p) => (p.notices.features || []).map((f) => `${f.properties.notice_id} v${f.properties.version} · ${f.properties.kind} · ${f.properties.state}`)],
  ["conflicts", (p) => p.conflicts.map((c) => `${c.id}: ${c.own.notice_id} × ${c.other.notice_id || c.other.party}`)],
  ["hotline", (p) => p.messages.map((m) => `${m.message.author.party} → ${m.message.recipients.join(", ")}: ${m.rendered.text}`)],
  ["cases", (p) => p.cases.map((c) => `${c.case.case_id} · ${c.case.state}`)],
  ["tracks", (p) => p.tracks.map((s) => `${s.callsign || s.id} · ${s.party}${s.shared_by ? ` (${s.shared_by})` : ""}`)],
  ["alerts", (p) => p.alerts.map((a) => `${a.a.callsign || a.a.id} × ${a.b.callsign || a.b.id} · ${a.level_name}`)],
];

function showLive(redraw = true) {
  $("#asof-view").hidden = true;
  $("#asof-banner").hidden = true;
  document.body.classList.remove("as-of");
  showLiveView();
  // The live layers were redrawn off the map meanwhile: once more on it (labels placed, markers marked).
  if (redraw) emit("filter");
}

/** The past picture on the map's past layers, as the live layers draw theirs. */
function drawPast(picture, label) {
  selectTrack(null); // the live data block and trail would read as part of the past
  const layers = showPastView(label);
  for (const feature of (picture.notices && picture.notices.features) || []) {
    const layer = noticeLayer(feature);
    if (layer) layer.addTo(layers.notices);
  }
  for (const conflict of picture.conflicts) {
    const o = conflict.overlap;
    if (o && inBand(o.lower_ft, o.upper_ft)) conflictLayer(conflict).addTo(layers.conflicts);
  }
  const tracks = new Map();
  applyTrackEvent(tracks, { kind: "tracks.update", data: { tracks: picture.tracks } });
  renderTracks(layers.tracks, tracks);
  for (const [id, points] of Object.entries(picture.trails || {})) {
    const track = tracks.get(id);
    if (!track || points.length < 2 || !inBand(track.alt_ft, track.alt_ft)) continue;
    // The style of the live data block's trail (datablock.js), for every track.
    L.polyline(points.map(([lat, lon]) => [lat, lon]), {
      pane: "tracks", color: "#ffd43b", weight: 2, opacity: 0.8, dashArray: "2 4", className: "track-trail past-trail",
      interactive: false, pmIgnore: true,
    }).addTo(layers.tracks);
  }
  for (const alert of picture.alerts) {
    const a = tracks.get(String(alert.a.id));
    const b = tracks.get(String(alert.b.id));
    if (a && b && inBand(Math.min(a.alt_ft, b.alt_ft), Math.max(a.alt_ft, b.alt_ft))) alertLine(a, b, alert).addTo(layers.alerts);
  }
}

function render(picture) {
  const sections = PARTS.map(([key, lines]) => {
    const items = lines(picture);
    return h("section", { class: "asof-part", "data-part": key },
      h("h3", {}, `${t(key === "hotline" ? "messages" : key)} (${items.length})`),
      items.length ? h("ul", {}, ...items.map((line) => h("li", {}, line))) : h("p", { class: "muted" }, t("none_yet")));
  });
  replaceChildren($("#asof-parts"), sections);
  const label = tf("asof_banner", { t: `${picture.at.slice(11, 16)}Z` });
  $("#asof-text").textContent = label;
  drawPast(picture, label);
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
    const at = encodeURIComponent(new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
    render(await get(`/picture?at=${at}&trail_s=${PAST_TRAIL_S}`));
  } catch (failure) {
    error.textContent = failure.message;
  }
}

export function initAsOf() {
  $("#asof-form").onsubmit = show;
  $("#asof-live").onclick = () => showLive();
  $("#asof-at").placeholder = t("asof_hint");
  $("#asof-at").setAttribute("aria-label", t("asof_label"));
  $("#asof-submit").textContent = t("asof");
  $("#asof-live").textContent = t("asof_back");
  showLive(false);
}
