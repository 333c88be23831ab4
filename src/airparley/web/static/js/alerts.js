// Tactical alerts of the party's own air picture, coloured by level, with a "Safety call" on each alert
// that involves another party's aircraft; and the non-responsive flags (a pilot who did not answer a
// safety call), shown so that they cannot be missed: a banner, a ring on the track, a spoken announcement.
//
// Sources (docs/ui.md, "Alerts"): the live picture (`tracks.update` with `alerts`, the whole list every
// second), `alert.raised` / `alert.cleared` events, and GET /api/v1/alerts at login; flags from
// GET /api/v1/flags and `track.non_responsive` events (a flag stays: the node never withdraws one). An endpoint this node does not serve yet is shown
// as unavailable (never requested, so no failed request).

import { get } from "./api.js";
import { fmtZ } from "./clock.js";
import { $, h, replaceChildren } from "./dom.js";
import { dirOf, lang, t } from "./i18n.js";
import { emit, inBand, myParty, serves, state } from "./state.js";
import { callControls } from "./safetycall.js";
import { ALERT_COLOURS, SEVERITY_NAMES, severityName, TRACK_STALE_MS } from "./tracks.js";
import { zoomToLatLng, zoomToPoints } from "./map.js";
import { sound } from "./sound.js";

const keyOf = (alert) => `${alert.a && alert.a.id}|${alert.b && alert.b.id}`;
const dismissed = new Set(); // flags this officer dismissed (on this page only)
let unavailable = { alerts: false, flags: false, call: false };

// -- announcements (ARIA live regions) ----------------------------------------------------------------

/** Say ``text`` to screen readers: politely, or at once (``urgent``) for warnings and flags. */
export function announce(text, urgent = false) {
  const region = $(urgent ? "#live-assertive" : "#live-polite");
  if (!region) return;
  region.textContent = "";
  // A new text node after a tick, so the same words said twice are announced twice.
  setTimeout(() => { region.textContent = text; }, 50);
}

function callsignOf(side) {
  return (side && (side.callsign || side.id)) || "?";
}

function describePair(alert) {
  return `${callsignOf(alert.a)} (${alert.a.party || "?"}) × ${callsignOf(alert.b)} (${alert.b.party || "?"})`;
}

// -- state ----------------------------------------------------------------------------------------------

function remember(alert, seenMs) {
  if (!alert || !alert.a || !alert.b) return false;
  const key = keyOf(alert);
  const before = state.alerts.get(key);
  const name = severityName(alert);
  if (name === "none") return state.alerts.delete(key);
  state.alerts.set(key, { ...alert, level_name: alert.level_name, seen_ms: seenMs });
  const rank = SEVERITY_NAMES.indexOf(name);
  if (!before || SEVERITY_NAMES.indexOf(severityName(before)) < rank) {
    const lowc = typeof alert.time_to_lowc_s === "number" ? ` · ${t("lowc_in")} ${Math.round(alert.time_to_lowc_s)} s` : "";
    announce(`${t(`level_${name}`)}: ${describePair(alert)}${lowc}`, rank >= 3);
    if (name === "warning") sound("warning");
  }
  return true;
}

/** Apply one event to the alerts; true when they changed. */
export function applyAlertEvent(event, seenMs = Date.now()) {
  const data = event.data || {};
  if (event.kind === "tracks.update" && Array.isArray(data.alerts)) {
    const keep = new Set(data.alerts.map(keyOf));
    let changed = false;
    for (const key of [...state.alerts.keys()]) if (!keep.has(key)) changed = state.alerts.delete(key) || changed;
    for (const alert of data.alerts) changed = remember(alert, seenMs) || changed;
    return changed;
  }
  if (event.kind === "alert.raised") return remember(data, seenMs);
  if (event.kind === "alert.cleared" && data.a && data.b) return state.alerts.delete(keyOf(data));
  return false;
}

export function dropStaleAlerts(nowMs = Date.now()) {
  let changed = false;
  for (const [key, alert] of state.alerts) {
    if (nowMs - alert.seen_ms > TRACK_STALE_MS) changed = state.alerts.delete(key) || changed;
  }
  return changed;
}

/** A flag as the node sends it (`GET /flags`, `track.non_responsive`: node/_visibility.py flag_for). */
function normalFlag(raw) {
  if (!raw || !raw.track || raw.track.id === undefined || raw.track.id === null) return null;
  return {
    track: String(raw.track.id),
    callsign: raw.track.callsign || "",
    party: raw.track.party || "",
    message_id: raw.message_id || "",
    time: raw.flagged_at || "",
  };
}

export function applyFlagEvent(event) {
  const data = event.data || {};
  if (event.kind === "track.non_responsive") {
    const flag = normalFlag(data);
    if (!flag) return false;
    const fresh = !state.flags.has(flag.track);
    state.flags.set(flag.track, flag);
    dismissed.delete(flag.track);
    if (fresh) announce(`${t("non_responsive")}: ${flag.callsign || flag.track}`, true);
    return true;
  }
  return false;
}

/** GET /api/v1/alerts and /api/v1/flags, where the node serves them. */
export async function loadAlerts() {
  unavailable = { alerts: !serves("get", "/alerts"), flags: !serves("get", "/flags"), call: !serves("post", "/alerts/safety-call") };
  const notes = [];
  if (!unavailable.alerts) {
    try {
      const list = await get("/alerts");
      for (const alert of Array.isArray(list) ? list : (list && list.alerts) || []) remember(alert, Date.now());
    } catch (error) {
      notes.push(`GET /api/v1/alerts: ${error.reason || error}`);
    }
  }
  if (!unavailable.flags) {
    try {
      const list = await get("/flags");
      for (const raw of Array.isArray(list) ? list : (list && list.flags) || []) {
        const flag = normalFlag(raw);
        if (flag) state.flags.set(flag.track, flag);
      }
    } catch (error) {
      notes.push(`GET /api/v1/flags: ${error.reason || error}`);
    }
  }
  status(notes);
  emit("alerts");
}

function status(extra = []) {
  const notes = [...extra];
  if (unavailable.alerts) notes.push(t("alerts_unavailable"));
  if (unavailable.call) notes.push(t("safety_call_unavailable"));
  const node = $("#alerts-status");
  node.textContent = notes.join(" ");
  node.hidden = notes.length === 0;
}

// -- the panel ------------------------------------------------------------------------------------------

function figure(label, value, unit) {
  // A figure and its unit are one left-to-right run, so an Arabic desk reads "28.5 s", not "s 28.5".
  return typeof value === "number" ? [h("dt", {}, label), h("dd", {}, h("bdi", { dir: "ltr" }, `${Math.round(value * 10) / 10} ${unit}`))] : null;
}

/** A card's frame: built once per alert pair, so the choices made in its call form and the focus survive
 * the live updates (every second); only its level and figures are refreshed (fillCard). */
function alertCard(alert) {
  const key = keyOf(alert);
  const call = callControls([alert.a, alert.b], key, !unavailable.call);
  const show = h("button", {
    type: "button", class: "secondary", dataset: { action: "show-alert" },
    onclick: () => {
      const points = [alert.a, alert.b].map((side) => state.tracks.get(String(side.id))).filter(Boolean).map((tr) => [tr.lat, tr.lon]);
      if (points.length) zoomToPoints(points);
    },
  }, t("show_on_map"));
  const node = h("li", { class: "card alert", dataset: { alert: key, parties: partiesOf(alert) } },
    h("h3", {}), h("dl", {}), h("div", { class: "actions" }, show), call);
  node.call = call;
  return node;
}

/** The pair's parties as the card was built for them (a card is rebuilt when they change). */
function partiesOf(alert) {
  return `${alert.a.party || ""}|${alert.b.party || ""}`;
}

function fillCard(node, alert) {
  const name = severityName(alert);
  const flagged = [alert.a, alert.b].some((side) => side && state.flags.has(String(side.id)));
  node.className = `card alert level-${name}${flagged ? " flagged" : ""}${involvesOwn(alert) ? " own" : ""}`;
  node.dataset.level = name;
  const heading = `${name}|${describePair(alert)}`;
  if (node.dataset.heading !== heading) {
    node.dataset.heading = heading;
    replaceChildren(node.querySelector("h3"), [h("span", { class: `badge level-${name}` }, t(`level_${name}`)), describePair(alert)]);
  }
  replaceChildren(node.querySelector("dl"), [
    figure(t("lowc_in"), alert.time_to_lowc_s, "s"),
    figure("tCPA", alert.tcpa_s, "s"),
    figure("dCPA", alert.dcpa_nm, "NM"),
    figure(t("separation"), alert.horizontal_sep_nm, "NM"),
    figure(t("vertical"), alert.vertical_sep_ft, "ft"),
  ]);
  if (node.call) node.call.setAvailable(!unavailable.call);
}

/** True when one of the pair is this party's own aircraft. */
export function involvesOwn(alert) {
  return [alert.a, alert.b].some((side) => side && side.party === myParty());
}

/** The order a duty officer works alerts in: the party's own aircraft first, then the most severe, then the
 * soonest loss of well clear (an alert without one after those with one), then a stable order. */
export function alertOrder(x, y) {
  const soon = (alert) => (typeof alert.time_to_lowc_s === "number" ? alert.time_to_lowc_s : Infinity);
  return Number(involvesOwn(y)) - Number(involvesOwn(x))
    || SEVERITY_NAMES.indexOf(severityName(y)) - SEVERITY_NAMES.indexOf(severityName(x))
    || soon(x) - soon(y)
    || keyOf(x).localeCompare(keyOf(y));
}

export function renderAlerts() {
  const list = [...state.alerts.values()].sort(alertOrder);
  const root = $("#alerts");
  root.setAttribute("dir", dirOf(lang()));
  const old = new Map([...root.children].filter((n) => n.dataset.alert).map((n) => [n.dataset.alert, n]));
  const nodes = list.map((alert) => {
    let node = old.get(keyOf(alert));
    if (!node || node.dataset.parties !== partiesOf(alert)) node = alertCard(alert);
    fillCard(node, alert);
    return node;
  });
  if (!nodes.length) nodes.push(h("li", { class: "muted" }, t("no_alerts")));
  // Move nodes only when the order changed: re-inserting a node would take the focus away from it.
  const current = [...root.children];
  if (current.length !== nodes.length || current.some((n, i) => n !== nodes[i])) root.replaceChildren(...nodes);
  $("#count-alerts").textContent = String(list.length);
  const worst = SEVERITY_NAMES[Math.max(0, ...list.map((alert) => SEVERITY_NAMES.indexOf(severityName(alert))))];
  document.querySelector("[data-tab=alerts]").dataset.level = state.flags.size ? "warning" : worst;
  renderFlags();
  status();
}

/** The alert pairs on the map: a line between the two aircraft, in the alert's colour. */
export function renderAlertLines(layer) {
  layer.clearLayers();
  for (const alert of state.alerts.values()) {
    const a = state.tracks.get(String(alert.a.id));
    const b = state.tracks.get(String(alert.b.id));
    if (!a || !b || !inBand(Math.min(a.alt_ft, b.alt_ft), Math.max(a.alt_ft, b.alt_ft))) continue;
    alertLine(a, b, alert).addTo(layer);
  }
}

/** The line between an alert's two aircraft (``a``, ``b``: {lat, lon}), in the alert's colour. */
export function alertLine(a, b, alert) {
  const name = severityName(alert);
  return L.polyline([[a.lat, a.lon], [b.lat, b.lon]], {
    pane: "alerts", color: ALERT_COLOURS[name], weight: 3, dashArray: name === "caution" ? "6 6" : null,
    className: `alert-line level-${name}`, interactive: false, pmIgnore: true,
  });
}

// -- the non-responsive banner -------------------------------------------------------------------------

let flagsExpanded = false;

/** The non-responsive banner, compact like the safety alarm: the count and the newest flag, all on demand. */
function renderFlags() {
  const shown = [...state.flags.values()].filter((f) => !dismissed.has(f.track))
    .sort((a, b) => (Date.parse(b.time) || 0) - (Date.parse(a.time) || 0));
  const banner = $("#flags");
  banner.hidden = shown.length === 0;
  banner.dataset.count = String(shown.length);
  banner.setAttribute("dir", dirOf(lang()));
  if (shown.length < 2) flagsExpanded = false;
  $("#flags-title").textContent = `${t("non_responsive_title")} (${shown.length})`;
  replaceChildren($("#flags-list"), (flagsExpanded ? shown : shown.slice(0, 1)).map((flag) => {
    const track = state.tracks.get(flag.track);
    return h("li", { dataset: { flag: flag.track } },
      h("span", { class: "flag-callsign" }, flag.callsign || flag.track),
      h("span", { class: "text" }, [
        flag.party ? `${flag.party} · ` : "", `${t("track")} ${flag.track}`,
        flag.message_id ? ` · ${t("unanswered_call")} ${flag.message_id}` : "",
        flag.time ? ` · ${fmtZ(flag.time)}` : "",
      ].join("")),
      track ? h("button", { type: "button", onclick: () => zoomToLatLng(track.lat, track.lon) }, t("show_on_map")) : null,
      h("button", {
        type: "button", class: "dismiss", dataset: { action: "dismiss-flag" },
        onclick: () => { dismissed.add(flag.track); renderFlags(); emit("tracks"); },
      }, t("dismiss")));
  }));
  const more = $("#flags-more");
  more.hidden = shown.length < 2;
  more.setAttribute("aria-expanded", String(flagsExpanded));
  more.textContent = flagsExpanded ? t("show_fewer") : `${t("show_all")} (+${shown.length - 1})`;
  more.onclick = () => {
    flagsExpanded = !flagsExpanded;
    renderFlags();
  };
}
