// The desk: log in with an officer's token, then the theatre map, the hotline, conflicts, cases and
// notices, kept live by the node's event feed. docs/ui.md describes each panel.

import { del, get, onUnauthorized, post } from "./api.js";
import { fmtClock, nodeNow, syncNodeClock } from "./clock.js";
import { $ } from "./dom.js";
import { dirOf, setLanguage, t } from "./i18n.js";
import { emit, myParty, on, reset, snapshot, state } from "./state.js";
import {
  agreementsLayer, alertsLayer, clearMapData, createMap, frequenciesLayer, getMap, renderConflicts, renderNotices, tracksLayer,
} from "./map.js";
import { connect, disconnect, onEvent, onLink } from "./events.js";
import { checkLink, linkChanged, pictureArrived, resetLinkWatch } from "./linkwatch.js";
import { initHotline, renderAlarm, renderMessages, ring, upsertMessage } from "./hotline.js";
import { refreshCase, renderCases, tickCountdowns, upsertCase } from "./cases.js";
import { removeConflict, renderConflictList, upsertConflict } from "./conflicts.js";
import { initDrawing, loadNotices, renderNoticeList } from "./notices.js";
import { initTimeline, refreshTimeLabel } from "./timeline.js";
import { applyTrackEvent, dropStale, renderTracks } from "./tracks.js";
import { announce, applyAlertEvent, applyFlagEvent, dropStaleAlerts, loadAlerts, renderAlertLines, renderAlerts } from "./alerts.js";
import { loadFrequencies, renderFrequencyLayer, renderFrequencyList } from "./frequencies.js";
import { initFilters } from "./filters.js";
import { applyLag, loadLag } from "./lag.js";
import { audioState, initSound, played, renderMute, sound } from "./sound.js";
import { applyIncidentEvent, renderIncidents } from "./incidents.js";
import { fitToActivity, initMapTools, resetMapTools } from "./maptools.js";
import { renderDataBlock, selectTrack } from "./datablock.js";
import { initAgreementPanel, renderAgreements } from "./agreements.js";
import { initDisclosure } from "./disclosure.js";
import { initTheme } from "./theme.js";
import { initAsOf } from "./asof.js";
import { renderGantt } from "./gantt.js";

const SESSION_CHECK_MS = 60_000;
let timers = [];
let wired = false;
let drawingReady = false;
let soundReady = false;

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function showOnly(id) {
  for (const section of ["login", "desk", "broken"]) $(`#${section}`).hidden = section !== id;
}

function showLogin(reason = "") {
  showOnly("login");
  $("#login-error").textContent = reason;
  $("#login-token").value = "";
  $("#login-token").focus();
}

export function showTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const pane of document.querySelectorAll(".pane")) pane.hidden = pane.id !== `pane-${name}`;
}

const TABS = [["conflicts", "conflicts"], ["cases", "cases"], ["alerts", "alerts"], ["incidents", "incidents"], ["timeline", "timeline"], ["notices", "notices"], ["file", "file_notice"], ["frequencies", "frequencies"], ["agreements", "agreements_tab"]];

/** A safety message that just arrived for this party is said aloud (the banner shows it too). */
function announceSafety(view) {
  const message = view && view.message;
  if (!message || message.urgency !== "safety" || message.author.party === myParty() || state.messages.has(message.message_id)) return;
  announce(`${t("alarm")}: ${message.author.party}: ${(view.rendered && view.rendered.text) || ""}`, true);
  sound("safety");
}

/** Geoman's tool titles, by the English it gives them (kept in data-en, so that a later login in another
 * language finds them again). */
const DRAW_TITLES = {
  "Draw Rectangle": "pm_rect", "Draw Polygons": "pm_poly", "Draw Circle": "pm_circle", "Edit Layers": "pm_edit",
  "Drag Layers": "pm_drag", "Remove Layers": "pm_remove",
};

/** The page's fixed words, and those of the map's controls, in the officer's language. */
function localisePage() {
  $("#clock").title = t("node_time");
  $("#time-slider").setAttribute("aria-label", t("time_filter"));
  $("#alt-filter").setAttribute("aria-label", t("altitude_filter_form"));
  $("#draw-hint").textContent = t("draw_hint");
  for (const [selector, key] of [[".leaflet-control-zoom-in", "zoom_in"], [".leaflet-control-zoom-out", "zoom_out"]]) {
    const button = document.querySelector(selector);
    if (button) {
      button.title = t(key);
      button.setAttribute("aria-label", t(key));
    }
  }
  for (const node of document.querySelectorAll(".leaflet-pm-toolbar .button-container, .leaflet-pm-toolbar .leaflet-buttons-control-button")) {
    const english = node.dataset.en || node.getAttribute("title") || node.getAttribute("aria-label");
    if (!english || !DRAW_TITLES[english]) continue;
    node.dataset.en = english;
    if (node.hasAttribute("title")) node.setAttribute("title", t(DRAW_TITLES[english]));
    if (node.hasAttribute("aria-label")) node.setAttribute("aria-label", t(DRAW_TITLES[english]));
  }
}

/** The air picture on the map, the selected track's data block, and (once) the view fitted to it. */
function drawPicture() {
  renderTracks(tracksLayer(), state.tracks, state.flags, selectTrack);
  renderDataBlock();
  if (state.tracks.size) fitToActivity(true);
}

function wire() {
  if (wired) return;
  wired = true;
  on("notices", () => { renderNotices(); renderNoticeList(); });
  on("conflicts", () => { renderConflicts(); renderConflictList(); renderCases(); renderAgreements(agreementsLayer()); });
  on("messages", renderMessages);
  on("cases", () => { renderCases(); renderConflictList(); renderAgreements(agreementsLayer()); });
  on("time", () => { renderNotices(); renderConflicts(); renderConflictList(); renderNoticeList(); });
  on("tracks", () => { drawPicture(); renderAlertLines(alertsLayer()); });
  on("alerts", () => { renderAlerts(); renderAlertLines(alertsLayer()); drawPicture(); });
  on("frequencies", () => { renderFrequencyLayer(frequenciesLayer()); renderFrequencyList(); renderAlerts(); });
  on("filter", () => { emit("time"); emit("tracks"); });
  on("incidents", renderIncidents);
  for (const topic of ["notices", "conflicts", "time"]) on(topic, renderGantt);

  const reloadNotices = debounce(() => loadNotices().catch(() => {}), 150);
  const caseRefreshers = new Map();
  onEvent("notice.", reloadNotices);
  onEvent("conflict.detected", (event) => { upsertConflict(event.data); emit("conflicts"); });
  onEvent("conflict.cleared", (event) => removeConflict(event.data.id));
  onEvent("message.", (event) => { announceSafety(event.data); upsertMessage(event.data); emit("messages"); });
  onEvent("frequency.", () => loadFrequencies().catch(() => {}));
  // The frequencies agreed follow the agreements in force (docs/agreements.md): reload on a proposal or signature.
  onEvent("agreement.", () => loadFrequencies().catch(() => {}));
  onEvent("message.ring", () => { ring(); sound("safety"); });
  onEvent("case.", (event) => {
    const id = event.data && event.data.case && event.data.case.case_id;
    if (!id) return;
    // The event carries the case as both parties see it; the moves this officer may make come with GET.
    upsertCase({ ...event.data, permitted: (state.cases.get(id) || {}).permitted || [] });
    emit("cases");
    if (!caseRefreshers.has(id)) caseRefreshers.set(id, debounce(() => refreshCase(id), 100));
    caseRefreshers.get(id)();
  });
  // The node's kinds (docs/events.md): the live picture, alerts raised and cleared, non-responsive flags.
  onLink(linkChanged);
  onEvent("tracks.update", () => pictureArrived());
  for (const kind of ["tracks.update", "alert.raised", "alert.cleared"]) {
    onEvent(kind, (event) => {
      const tracks = applyTrackEvent(state.tracks, event, Date.now(), state.trails);
      const alerts = applyAlertEvent(event);
      if (alerts) emit("alerts");
      else if (tracks) emit("tracks");
    });
  }
  onEvent("track.non_responsive", (event) => { if (applyFlagEvent(event)) emit("alerts"); });
  onEvent("simulation.lag", (event) => applyLag(event.data));
  for (const kind of ["incident.recorded", "intrusion.detected"]) {
    onEvent(kind, (event) => { if (applyIncidentEvent(event)) emit("incidents"); });
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const compose = $("#compose");
    if (!compose.hidden && compose.contains(document.activeElement)) {
      $("#compose-toggle").click();
      $("#compose-toggle").focus();
    }
  });

  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  $("#logout").addEventListener("click", async () => {
    try {
      await del("/session");
    } finally {
      stopDesk();
      showLogin();
    }
  });
  onUnauthorized(() => {
    if (!state.session) return;
    stopDesk();
    showLogin("Your session has ended: log in again.");
  });
}

async function stillLoggedIn() {
  try {
    const session = await get("/session");
    syncNodeClock(session.now);
    return true;
  } catch (error) {
    if (error.status === 401) {
      stopDesk();
      showLogin("Your session has ended: log in again.");
      return false;
    }
    return true; // the node is unreachable: keep trying
  }
}

async function startDesk(session) {
  reset();
  state.session = session;
  state.cursor = session.cursor;
  syncNodeClock(session.now);
  setLanguage(session.party ? session.party.language : "en");
  document.documentElement.lang = session.party ? session.party.language : "en";
  showOnly("desk");
  const o = session.officer;
  $("#who").textContent = `${o.name} · ${o.party}${session.party ? ` (${session.party.name})` : ""} · ${o.tier}`;
  $("#logout").textContent = t("logout");
  for (const [tab, key] of TABS) {
    const button = document.querySelector(`[data-tab=${tab}]`);
    button.firstChild.textContent = `${t(key)} `;
  }
  document.querySelector(".tabs").setAttribute("dir", dirOf(session.party ? session.party.language : "en"));
  state.routes = session.routes || null;
  wire();
  createMap($("#map"));
  initMapTools();
  localisePage();
  initFilters();
  getMap().invalidateSize();
  if (!drawingReady) {
    initDrawing(showTab);
    drawingReady = true;
  }
  localisePage(); // (again: the drawing tools exist now)
  initTimeline();
  if (!soundReady) {
    initSound();
    soundReady = true;
  }
  renderMute();
  initTheme();
  const [parties, phrases, notices, conflicts, messages, cases, frequencies] = await Promise.all([
    get("/parties"), get("/phrases"), get("/notices"), get("/conflicts"), get("/messages"), get("/cases"), get("/frequencies"),
  ]);
  state.frequencies = Array.isArray(frequencies) ? frequencies : [];
  state.parties = parties;
  state.phrases = phrases;
  state.notices = notices.features || [];
  for (const conflict of conflicts) upsertConflict(conflict);
  for (const message of messages) upsertMessage(message);
  for (const view of cases) upsertCase(view);
  initHotline();
  initAgreementPanel();
  initDisclosure();
  initAsOf();
  for (const topic of ["notices", "conflicts", "messages", "cases", "frequencies", "incidents"]) emit(topic);
  renderAlarm();
  fitToActivity();
  await loadAlerts();
  await loadLag();
  connect(stillLoggedIn);
  timers.push(setInterval(() => {
    $("#clock").textContent = `${fmtClock(nodeNow())}`;
    tickCountdowns();
    refreshTimeLabel();
    checkLink();
    const staleAlerts = dropStaleAlerts();
    if (dropStale(state.tracks, Date.now(), state.trails) || staleAlerts) emit("alerts");
  }, 1000));
  timers.push(setInterval(stillLoggedIn, SESSION_CHECK_MS));
  $("#clock").textContent = fmtClock(nodeNow());
  document.body.dataset.ready = "true";
}

function stopDesk() {
  disconnect();
  for (const timer of timers) clearInterval(timer);
  timers = [];
  reset();
  clearMapData();
  selectTrack(null);
  resetMapTools();
  resetLinkWatch();
  for (const id of ["#messages", "#conflicts", "#cases", "#notices", "#alarm-list", "#alerts", "#frequencies", "#flags-list", "#incidents", "#intrusions"]) $(id).replaceChildren();
  $("#alarm").hidden = true;
  $("#flags").hidden = true;
  applyLag(null);
  document.body.classList.remove("alarmed");
  document.title = "airparley desk";
  delete document.body.dataset.ready;
}

async function boot() {
  // What the tests (and an officer's console) may read: the data, the alarms sounded, the map's view.
  const view = () => {
    const map = getMap();
    if (!map) return null;
    const bounds = map.getBounds();
    return { zoom: map.getZoom(), center: map.getCenter(), south: bounds.getSouth(), west: bounds.getWest(), north: bounds.getNorth(), east: bounds.getEast() };
  };
  window.airparley = { state, snapshot, audio: { played, state: audioState }, view };
  if (!window.L || !window.L.PM) {
    showOnly("broken");
    return;
  }
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#login-error").textContent = "";
    $("#login-submit").disabled = true;
    try {
      await startDesk(await post("/session", { token: $("#login-token").value.trim() }));
    } catch (error) {
      $("#login-error").textContent = error.reason || String(error);
      if (state.session) stopDesk();
      showOnly("login");
    } finally {
      $("#login-submit").disabled = false;
    }
  });
  try {
    await startDesk(await get("/session"));
  } catch (error) {
    showLogin(error.status === 401 ? "" : error.reason || String(error));
  }
}

boot();
