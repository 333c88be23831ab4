// The air picture: the party's own tracks with heading vectors and alert colours.
//
// The node has no track feed for the page yet. This layer is fed by WebSocket events, so a feed can be
// added on the node without touching the page. The contract (docs/ui.md, "Tracks"):
//   tracks.update  {tracks: [{id, lat, lon, alt_ft, gs_kt, trk_deg, callsign, alert_level}], replace?: bool}
//                  upserts each track; with replace: true the list is the whole picture.
//   track.update   one track, same fields, at the top level of data.
//   track.lost     {id} (or {ids: [...]}) removes tracks.
//   alert.*        {track_id | track_ids: [...], alert_level | level} sets their alert colour;
//                  alert.cleared sets "none".
// A track not updated for TRACK_STALE_MS is dropped from the picture.

import { h } from "./dom.js";
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

const TRACK_FIELDS = ["id", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "callsign", "alert_level", "party", "severity", "shared_by"];

function upsert(tracks, raw, seenMs) {
  if (!raw || raw.id === undefined || raw.id === null) return false;
  if (typeof raw.lat !== "number" || typeof raw.lon !== "number") return false;
  const track = { ...(tracks.get(String(raw.id)) || {}) };
  for (const key of TRACK_FIELDS) if (raw[key] !== undefined) track[key] = raw[key];
  track.id = String(raw.id);
  // The node's live picture gives each track the severity of its worst alert (0-4) rather than a level.
  if (raw.alert_level === undefined && typeof raw.severity === "number") track.alert_level = SEVERITY_NAMES[raw.severity] || "none";
  track.seen_ms = seenMs;
  tracks.set(track.id, track);
  return true;
}

/** Apply one event of the feed to the picture; true when it changed. */
export function applyTrackEvent(tracks, event, seenMs = Date.now()) {
  const kind = event.kind || "";
  const data = event.data || {};
  if (kind === "tracks.update") {
    const list = Array.isArray(data.tracks) ? data.tracks : [];
    // The node's live picture ({time, tracks, alerts}) is the whole picture, pushed every second.
    if (data.replace || Array.isArray(data.alerts)) {
      const keep = new Set(list.map((t) => String(t.id)));
      for (const id of [...tracks.keys()]) if (!keep.has(id)) tracks.delete(id);
    }
    let changed = Boolean(data.replace || Array.isArray(data.alerts));
    for (const raw of list) changed = upsert(tracks, raw, seenMs) || changed;
    return changed;
  }
  if (kind === "track.update") return upsert(tracks, data, seenMs);
  if (kind === "track.lost" || kind === "track.removed") {
    const ids = Array.isArray(data.ids) ? data.ids : [data.id];
    let changed = false;
    for (const id of ids) changed = tracks.delete(String(id)) || changed;
    return changed;
  }
  if (kind.startsWith("alert.")) {
    // Either {track_id | track_ids, alert_level | level}, or the node's alert: {a: {id}, b: {id}, severity, ...}.
    const pair = data.a && data.b;
    const ids = pair ? [data.a.id, data.b.id] : Array.isArray(data.track_ids) ? data.track_ids : [data.track_id];
    const level = kind === "alert.cleared" ? "none" : pair ? severityName(data) : (data.alert_level ?? data.level);
    let changed = false;
    for (const id of ids) {
      const track = tracks.get(String(id));
      if (track && level !== undefined) {
        track.alert_level = level;
        changed = true;
      }
    }
    return changed;
  }
  return false;
}

export function dropStale(tracks, nowMs = Date.now()) {
  let changed = false;
  for (const [id, track] of tracks) {
    if (nowMs - track.seen_ms > TRACK_STALE_MS) {
      tracks.delete(id);
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

/** Redraw the picture on ``layer`` (a Leaflet layer group). */
export function renderTracks(layer, tracks, flags = new Map()) {
  layer.clearLayers();
  for (const track of tracks.values()) {
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
    L.marker(position, { icon: arrowIcon(colour, track.trk_deg), pane: "tracks", pmIgnore: true, keyboard: false })
      .bindTooltip(h("span", {}, level === "none" ? label : `${label} · ${level.toUpperCase()}`), {
        permanent: true, direction: "right", offset: [10, 0], className: "track-label",
      })
      .addTo(layer);
    if (flags.has(track.id)) {
      L.circleMarker(position, {
        pane: "tracks", radius: 18, color: NON_RESPONSIVE_COLOUR, weight: 4, fill: false, dashArray: "4 3",
        className: "non-responsive-ring", interactive: false, pmIgnore: true,
      }).addTo(layer);
      L.tooltip({ permanent: true, direction: "left", offset: [-20, 0], className: "non-responsive-label", pane: "tracks" })
        .setLatLng(position).setContent(h("span", {}, `⚠ NO ANSWER ${track.callsign || track.id}`)).addTo(layer);
    }
  }
}
