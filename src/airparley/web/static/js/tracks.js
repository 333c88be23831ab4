// The air picture: the party's own tracks (and those shared with it) with heading vectors, alert colours,
// a trail of the last minutes, and a data block on click.
//
// Fed by the node's event kinds (docs/events.md; docs/ui.md, "Tracks"):
//   tracks.update  the live picture {time, tracks: [{id, party, time_s, lat, lon, alt_ft, gs_kt, trk_deg,
//                  vs_fpm, callsign, source, severity, shared_by?}], alerts}, the whole picture every second:
//                  a track not in it is gone.
//   alert.raised   the node's alert {a: {id}, b: {id}, severity, ...}: both tracks take its colour at once.
//   alert.cleared  {a: {id}, b: {id}}: both go back to no alert (until the next picture says otherwise).
// A track not updated for TRACK_STALE_MS is dropped from the picture.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { inBand } from "./state.js";

export const TRACK_STALE_MS = 60_000;
/** Length of the heading vector: where the aircraft will be in this many seconds. */
export const LEADER_S = 60;

/** DO-365 levels (DAIDALUS), plus airparley's long-range caution; numbers 0-3 are DAIDALUS' own. */
export const ALERT_COLOURS = {
  none: "#e6edf3",
  caution: "#66d9ef",
  preventive: "#ffd43b",
  corrective: "#ff922b",
  warning: "#ff3b30",
};
const LEVEL_NAMES = ["none", "preventive", "corrective", "warning"];
/** The node's one ordering of everything a desk is told (node/_tactical.py): none < caution < ... < warning. */
export const SEVERITY_NAMES = ["none", "caution", "preventive", "corrective", "warning"];
/** The ring around a track whose pilot did not answer a safety call (track.non_responsive). */
export const NON_RESPONSIVE_COLOUR = "#ff2bd6";

export function alertName(level) {
  if (typeof level === "number") return LEVEL_NAMES[level] || "none";
  return ALERT_COLOURS[level] ? level : "none";
}

/** An alert of the node (level 0-3, caution, severity 0-4) as one level name. */
export function severityName(alert) {
  if (typeof alert.severity === "number") return SEVERITY_NAMES[alert.severity] || "none";
  if (alert.level_name && alert.level_name !== "none") return alertName(alert.level_name);
  if (typeof alert.level === "number" && alert.level > 0) return alertName(alert.level);
  return alert.caution ? "caution" : "none";
}

const TRACK_FIELDS = ["id", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "callsign", "party", "severity", "shared_by", "source", "time_s"];
/** How much of each track's path the map keeps and draws behind it (node time of its states). */
export const TRAIL_S = 300;

function upsert(tracks, raw, seenMs, trails) {
  if (!raw || raw.id === undefined || raw.id === null) return false;
  if (typeof raw.lat !== "number" || typeof raw.lon !== "number") return false;
  const track = { ...(tracks.get(String(raw.id)) || {}) };
  for (const key of TRACK_FIELDS) if (raw[key] !== undefined) track[key] = raw[key];
  track.id = String(raw.id);
  // The node's live picture gives each track the severity of its worst alert (0-4).
  track.alert_level = typeof raw.severity === "number" ? SEVERITY_NAMES[raw.severity] || "none" : track.alert_level || "none";
  track.seen_ms = seenMs;
  tracks.set(track.id, track);
  if (trails) {
    const when = typeof raw.time_s === "number" ? raw.time_s : seenMs / 1000;
    const trail = trails.get(track.id) || [];
    const last = trail[trail.length - 1];
    if (!last || last[2] < when) trail.push([raw.lat, raw.lon, when]);
    while (trail.length && trail[0][2] < when - TRAIL_S) trail.shift();
    trails.set(track.id, trail);
  }
  return true;
}

/** Apply one event of the feed to the picture (and the tracks' trails); true when it changed. */
export function applyTrackEvent(tracks, event, seenMs = Date.now(), trails = null) {
  const kind = event.kind || "";
  const data = event.data || {};
  if (kind === "tracks.update") {
    const list = Array.isArray(data.tracks) ? data.tracks : [];
    const keep = new Set(list.map((t) => String(t.id)));
    for (const id of [...tracks.keys()]) {
      if (!keep.has(id)) {
        tracks.delete(id);
        if (trails) trails.delete(id);
      }
    }
    for (const raw of list) upsert(tracks, raw, seenMs, trails);
    return true;
  }
  if ((kind === "alert.raised" || kind === "alert.cleared") && data.a && data.b) {
    const level = kind === "alert.cleared" ? "none" : severityName(data);
    let changed = false;
    for (const id of [data.a.id, data.b.id]) {
      const track = tracks.get(String(id));
      if (track) {
        track.alert_level = level;
        changed = true;
      }
    }
    return changed;
  }
  return false;
}

export function dropStale(tracks, nowMs = Date.now(), trails = null) {
  let changed = false;
  for (const [id, track] of tracks) {
    if (nowMs - track.seen_ms > TRACK_STALE_MS) {
      tracks.delete(id);
      if (trails) trails.delete(id);
      changed = true;
    }
  }
  return changed;
}

/** Where a track will be after ``seconds`` on its ground track, on a flat local frame (display only). */
function ahead(track, seconds) {
  const nm = ((track.gs_kt || 0) * seconds) / 3600;
  const rad = ((track.trk_deg || 0) * Math.PI) / 180;
  const dLat = (nm * Math.cos(rad)) / 60;
  const dLon = (nm * Math.sin(rad)) / (60 * Math.cos((track.lat * Math.PI) / 180));
  return [track.lat + dLat, track.lon + dLon];
}

function arrowIcon(colour, heading) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "-10 -10 20 20");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M0,-8 L6,7 L0,3 L-6,7 Z");
  path.setAttribute("fill", colour);
  path.setAttribute("stroke", "#000");
  path.setAttribute("stroke-width", "1");
  path.setAttribute("transform", `rotate(${Number(heading) || 0})`);
  svg.append(path);
  return L.divIcon({ html: svg, className: "track-icon", iconSize: [20, 20], iconAnchor: [10, 10] });
}

/** Redraw the picture on ``layer`` (a Leaflet layer group); a click on an aircraft calls ``onSelect(id)``. */
/** Where a label may go beside its aircraft, best first: right, left, then a step above or below each
 * (the farther ones with a leader line back to the aircraft). Offsets in pixels, as Leaflet's tooltips take. */
const LABEL_SPOTS = [
  ["right", 10, 0], ["left", -10, 0], ["right", 10, -18], ["right", 10, 18], ["left", -10, -18], ["left", -10, 18],
  ["right", 14, -36], ["right", 14, 36], ["left", -14, -36], ["left", -14, 36],
];
const LABEL_H = 16;

function overlaps(a, b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** The label's box (container pixels) at one spot, from its text's length (no layout needed). */
function labelBox(point, text, [direction, dx, dy]) {
  const width = 6.6 * text.length + 10;
  const x0 = direction === "right" ? point.x + dx : point.x + dx - width;
  return { x0, x1: x0 + width, y0: point.y + dy - LABEL_H / 2, y1: point.y + dy + LABEL_H / 2 };
}

/** Boxes the track labels must keep off: the conflict labels and the other labels already placed. */
function takenBoxes(map) {
  const origin = map.getContainer().getBoundingClientRect();
  return [...map.getContainer().querySelectorAll(".conflict-label, .agreement-label")].map((el) => {
    const r = el.getBoundingClientRect();
    return { x0: r.left - origin.left, x1: r.right - origin.left, y0: r.top - origin.top, y1: r.bottom - origin.top };
  });
}

/** Redraw the picture on ``layer`` (a Leaflet layer group); a click on an aircraft calls ``onSelect(id)``.
 * Labels are placed so as not to overprint each other or a conflict's label: alerting and flagged aircraft
 * choose first, each the first free spot of LABEL_SPOTS (else the first, overprinting as a last resort). */
export function renderTracks(layer, tracks, flags = new Map(), onSelect = null) {
  layer.clearLayers();
  const map = layer._map || null;
  const taken = map ? takenBoxes(map) : [];
  const rank = (track) => (flags.has(track.id) ? 5 : SEVERITY_NAMES.indexOf(alertName(track.alert_level)));
  const ordered = [...tracks.values()].sort((a, b) => rank(b) - rank(a));
  for (const track of ordered) {
    if (!inBand(track.alt_ft, track.alt_ft)) continue;
    const level = alertName(track.alert_level);
    const colour = ALERT_COLOURS[level];
    const position = [track.lat, track.lon];
    L.polyline([position, ahead(track, LEADER_S)], {
      pane: "tracks", color: colour, weight: level === "none" ? 1.5 : 2.5, interactive: false, pmIgnore: true,
    }).addTo(layer);
    const fl = typeof track.alt_ft === "number" ? `FL${String(Math.round(track.alt_ft / 100)).padStart(3, "0")}` : "";
    // A track another party shares is its report, not this party's sensors': say whose it is.
    const sharedBy = track.shared_by ? `⇄ ${track.shared_by}` : "";
    const label = [track.callsign || track.id, fl, typeof track.gs_kt === "number" ? `${Math.round(track.gs_kt)}kt` : "", sharedBy]
      .filter(Boolean).join(" ");
    const text = level === "none" ? label : `${label} · ${level.toUpperCase()}`;
    // Zoomed out, only aircraft in an alert or flagged keep their label (maptools.js LABEL_ZOOM, desk.css).
    const quiet = level === "none" && !flags.has(track.id);
    let spot = LABEL_SPOTS[0];
    if (map && !(quiet && map.getContainer().dataset.labels === "few")) {
      const point = map.latLngToContainerPoint(position);
      const free = LABEL_SPOTS.find((candidate) => !taken.some((box) => overlaps(box, labelBox(point, text, candidate))));
      spot = free || LABEL_SPOTS[0];
      taken.push(labelBox(point, text, spot));
      if (Math.abs(spot[2]) >= 18) {
        // A label moved away from its aircraft keeps a leader line to it.
        const end = map.containerPointToLatLng([point.x + spot[1], point.y + spot[2]]);
        L.polyline([position, end], { pane: "tracks", color: "#93a4b5", weight: 1, interactive: false, pmIgnore: true, className: "label-leader" }).addTo(layer);
      }
    }
    const marker = L.marker(position, { icon: arrowIcon(colour, track.trk_deg), pane: "tracks", pmIgnore: true, keyboard: false, title: track.callsign || track.id })
      .bindTooltip(h("span", {}, text), {
        permanent: true, direction: spot[0], offset: [spot[1], spot[2]], className: `track-label${quiet ? " quiet" : ""}`,
      })
      .addTo(layer);
    // A layer off the map (a hidden layer, the live picture under a past view) has no elements yet: mark the
    // marker's when it is added.
    const mark = () => { marker.getElement().dataset.track = track.id; };
    if (marker.getElement()) mark();
    else marker.once("add", mark);
    if (onSelect) marker.on("click", () => onSelect(track.id));
    if (flags.has(track.id)) {
      L.circleMarker(position, {
        pane: "tracks", radius: 18, color: NON_RESPONSIVE_COLOUR, weight: 4, fill: false, dashArray: "4 3",
        className: "non-responsive-ring", interactive: false, pmIgnore: true,
      }).addTo(layer);
      const flagText = `⚠ ${t("no_answer")} ${track.callsign || track.id}`;
      const flagSpot = spot[0] === "left" ? ["right", 20, 18] : ["left", -20, 0];
      L.tooltip({ permanent: true, direction: flagSpot[0], offset: [flagSpot[1], flagSpot[2]], className: "non-responsive-label", pane: "tracks" })
        .setLatLng(position).setContent(h("span", {}, flagText)).addTo(layer);
    }
  }
}
