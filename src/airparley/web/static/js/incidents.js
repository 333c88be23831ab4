// Incidents and intrusions of the party's own picture (item 3 of issue 16), which the node sends on the
// feed (`incident.recorded`, `intrusion.detected`, docs/events.md) and the desk lists under *Incidents*:
// each incident with a plot of the encounter (both aircraft's paths, and their separation over time against
// the incident threshold), each intrusion with the notice it enters and when. Both lists hold what arrived
// since the desk was opened (the node keeps incidents in the ledger: `airparley ledger`).

import { fmtZ } from "./clock.js";
import { $, h, replaceChildren } from "./dom.js";
import { dirOf, lang, t } from "./i18n.js";
import { state } from "./state.js";
import { zoomToLatLng, zoomToPoints } from "./map.js";
import { discloseControl } from "./disclosure.js";

const SVG = "http://www.w3.org/2000/svg";
const NM_PER_DEG = 60;

export function applyIncidentEvent(event) {
  const data = event.data || {};
  if (event.kind === "incident.recorded" && Array.isArray(data.tracks)) {
    state.incidents.unshift({ ...data, seq: event.seq });
    return true;
  }
  if (event.kind === "intrusion.detected" && data.track) {
    state.intrusions.set(`${data.track.id}|${data.notice_id}|${data.volume}`, { ...data, seq: event.seq, time: event.time });
    return true;
  }
  return false;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/** Horizontal distance, NM, on a flat local frame (display only; the node measured the incident). */
function distanceNm(a, b) {
  const dy = (b.lat - a.lat) * NM_PER_DEG;
  const dx = (b.lon - a.lon) * NM_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/** Each state of ``a`` with the state of ``b`` nearest in time (within 5 s): [time_s, NM, ft]. */
export function separations(a, b) {
  const out = [];
  for (const sa of a) {
    let best = null;
    for (const sb of b) if (!best || Math.abs(sb.time_s - sa.time_s) < Math.abs(best.time_s - sa.time_s)) best = sb;
    if (best && Math.abs(best.time_s - sa.time_s) <= 5) out.push([sa.time_s, distanceNm(sa, best), Math.abs(sa.alt_ft - best.alt_ft)]);
  }
  return out;
}

const COLOURS = ["#4aa3ff", "#ffa94d"];

/** The encounter: both paths (left) and the separation over time with the threshold (right). */
function plot(incident) {
  const [idA, idB] = incident.tracks;
  const history = incident.history || {};
  const paths = [history[idA] || [], history[idB] || []];
  const W = 150;
  const H = 110;
  const root = svg("svg", { viewBox: `0 0 ${2 * W + 10} ${H}`, width: 2 * W + 10, height: H, class: "encounter", role: "img" });
  root.setAttribute("aria-label", t("encounter_plot"));
  const all = paths.flat();
  if (all.length) {
    const lats = all.map((s) => s.lat);
    const lons = all.map((s) => s.lon);
    const cos = Math.cos(((lats.reduce((x, y) => x + y, 0) / lats.length) * Math.PI) / 180);
    const [minX, maxX] = [Math.min(...lons) * cos, Math.max(...lons) * cos];
    const [minY, maxY] = [Math.min(...lats), Math.max(...lats)];
    const span = Math.max(maxX - minX, maxY - minY, 1e-4);
    const x = (s) => 5 + ((s.lon * cos - minX) / span) * (W - 10);
    const y = (s) => H - 5 - ((s.lat - minY) / span) * (H - 10);
    paths.forEach((path, i) => {
      if (!path.length) return;
      root.append(svg("polyline", {
        points: path.map((s) => `${x(s).toFixed(1)},${y(s).toFixed(1)}`).join(" "),
        fill: "none", stroke: COLOURS[i], "stroke-width": 2, class: `path path-${i}`,
      }));
      const last = path[path.length - 1];
      root.append(svg("circle", { cx: x(last).toFixed(1), cy: y(last).toFixed(1), r: 3, fill: COLOURS[i] }));
    });
  }
  const seps = separations(paths[0], paths[1]);
  root.append(svg("rect", { x: W + 10, y: 0, width: W, height: H, fill: "none", stroke: "#2c3b4a" }));
  if (seps.length) {
    const threshold = (incident.thresholds && incident.thresholds.horizontal_nm) || 0.5;
    const t0 = seps[0][0];
    const t1 = Math.max(seps[seps.length - 1][0], t0 + 1);
    const top = Math.max(...seps.map((s) => s[1]), threshold * 2);
    const sx = (time) => W + 15 + ((time - t0) / (t1 - t0)) * (W - 10);
    const sy = (nm) => H - 5 - (nm / top) * (H - 20);
    root.append(svg("line", { x1: W + 10, x2: 2 * W + 10, y1: sy(threshold), y2: sy(threshold), stroke: "#ff3b30", "stroke-dasharray": "4 3", class: "threshold" }));
    root.append(svg("polyline", {
      points: seps.map(([time, nm]) => `${sx(time).toFixed(1)},${sy(nm).toFixed(1)}`).join(" "),
      fill: "none", stroke: "#e6edf3", "stroke-width": 1.5, class: "separation",
    }));
    const label = svg("text", { x: W + 14, y: 12, fill: "#93a4b5", "font-size": 10 });
    label.textContent = `${t("separation")} NM (max ${top.toFixed(1)})`;
    root.append(label);
  }
  return root;
}

function callsignOf(incident, id) {
  const states = (incident.history || {})[id] || [];
  return (states.length && states[states.length - 1].callsign) || id;
}

function centre(incident) {
  const points = Object.values(incident.history || {}).flat().map((s) => [s.lat, s.lon]);
  return points;
}

function incidentCard(incident) {
  const [a, b] = incident.tracks;
  const min = incident.min_separation || {};
  const points = centre(incident);
  return h("li", { class: "card incident", dataset: { incident: `${a}|${b}|${incident.started}` } },
    h("h3", {}, h("span", { class: "badge level-warning" }, t("incident")), ` ${callsignOf(incident, a)} × ${callsignOf(incident, b)}`),
    h("dl", {},
      h("dt", {}, t("closest")), h("dd", {}, `${min.horizontal_nm ?? "?"} NM · ${min.vertical_ft ?? "?"} ft · ${min.at ? fmtZ(min.at) : ""}`),
      h("dt", {}, t("from_to")), h("dd", {}, `${fmtZ(incident.started)} – ${fmtZ(incident.ended)}`),
      incident.entry ? [h("dt", {}, t("ledger")), h("dd", {}, `${incident.entry.party} #${incident.entry.seq}`)] : null),
    plot(incident),
    points.length ? h("div", { class: "actions" }, h("button", {
      type: "button", class: "secondary", dataset: { action: "show-incident" }, onclick: () => zoomToPoints(points),
    }, t("show_on_map"))) : null,
    discloseControl(incident, (record) => {
      const at = state.incidents.indexOf(incident);
      if (at >= 0) state.incidents[at] = { ...record, seq: incident.seq };
      renderIncidents();
    }));
}

function intrusionCard(intrusion) {
  const track = intrusion.track;
  const live = state.tracks.get(String(track.id));
  const when = intrusion.inside_now ? t("inside_now") : `${t("enters_in")} ${Math.round(intrusion.entry_s)} s (${fmtZ(intrusion.entry_time)})`;
  return h("li", { class: "card intrusion", dataset: { intrusion: `${track.id}|${intrusion.notice_id}` } },
    h("h3", {}, h("span", { class: "badge level-corrective" }, t("intrusion")), ` ${track.callsign || track.id} (${track.party || "?"})`),
    h("p", {}, `${t("notice_id")} ${intrusion.notice_id} · ${when}`),
    live ? h("div", { class: "actions" }, h("button", {
      type: "button", class: "secondary", dataset: { action: "show-intrusion" }, onclick: () => zoomToLatLng(live.lat, live.lon),
    }, t("show_on_map"))) : null);
}

export function renderIncidents() {
  const root = $("#pane-incidents");
  root.setAttribute("dir", dirOf(lang()));
  $("#incidents-title").textContent = t("incidents");
  $("#intrusions-title").textContent = t("intrusions");
  replaceChildren($("#incidents"), state.incidents.length ? state.incidents.map(incidentCard) : [h("li", { class: "muted" }, t("none_yet"))]);
  const intrusions = [...state.intrusions.values()].sort((x, y) => y.seq - x.seq);
  replaceChildren($("#intrusions"), intrusions.length ? intrusions.map(intrusionCard) : [h("li", { class: "muted" }, t("none_yet"))]);
  $("#count-incidents").textContent = String(state.incidents.length + intrusions.length);
}
