// A track's data block (item 2 of issue 16): click an aircraft on the map for its callsign, owner, source,
// flight level, ground speed, vertical trend, track and the age of its last report, with its trail of the
// last minutes drawn on the map, "show on map", and the safety call about it when it is not the party's own.

import { nodeNow } from "./clock.js";
import { $, h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { getMap, zoomToLatLng } from "./map.js";
import { callControls } from "./safetycall.js";
import { fmtLatLon } from "./maptools.js";

let selected = null; // track id
let built = null; // {id, party, call}: the block's frame, kept while the same track is shown
let trailLayer = null;
let box = null;

function container() {
  if (box) return box;
  const map = getMap();
  box = h("section", { id: "datablock", class: "datablock", hidden: true, "aria-live": "polite" });
  const Block = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });
  map.addControl(new Block());
  trailLayer = L.layerGroup().addTo(map);
  return box;
}

export function selectTrack(id) {
  selected = id === null ? null : String(id);
  built = null;
  renderDataBlock();
}

function trend(vs) {
  if (typeof vs !== "number" || Math.abs(vs) < 300) return `→ ${t("level_flight")}`;
  return vs > 0 ? `↑ ${t("climbing")} ${Math.round(vs)} ft/min` : `↓ ${t("descending")} ${Math.round(-vs)} ft/min`;
}

// Figures and units as one left-to-right run (an Arabic desk reads "420 kt", not "kt 420").
const row = (label, value, key) => [h("dt", {}, label), h("dd", { dataset: { field: key } }, h("bdi", { dir: "ltr" }, value))];

/** Redraw the block and the trail for the selected track (after every picture). */
export function renderDataBlock() {
  const block = container();
  trailLayer.clearLayers();
  const track = selected === null ? null : state.tracks.get(selected);
  if (!track) {
    block.hidden = true;
    replaceChildren(block, []);
    built = null;
    if (selected !== null && !state.tracks.has(selected)) selected = null;
    return;
  }
  const trail = state.trails.get(track.id) || [];
  if (trail.length > 1) {
    L.polyline(trail.map(([lat, lon]) => [lat, lon]), {
      color: "#ffd43b", weight: 2, opacity: 0.8, dashArray: "2 4", className: "track-trail", interactive: false, pmIgnore: true,
    }).addTo(trailLayer);
  }
  if (!built || built.id !== track.id || built.party !== track.party) {
    const call = callControls([track], `db-${track.id}`);
    built = { id: track.id, party: track.party, call };
    replaceChildren(block, [
      h("header", { class: "datablock-head" },
        h("h3", { id: "datablock-title" }),
        h("button", { type: "button", class: "secondary", dataset: { action: "close-datablock" }, "aria-label": t("close"), onclick: () => selectTrack(null) }, "×")),
      h("dl", {}),
      h("div", { class: "actions" }, h("button", {
        type: "button", class: "secondary", dataset: { action: "center-track" },
        onclick: () => { const now = state.tracks.get(track.id); if (now) zoomToLatLng(now.lat, now.lon); },
      }, t("show_on_map"))),
      call,
    ]);
  }
  block.hidden = false;
  block.dataset.track = track.id;
  block.querySelector("#datablock-title").textContent = `${t("data_block")}: ${track.callsign || track.id}`;
  const fl = typeof track.alt_ft === "number" ? `FL${String(Math.round(track.alt_ft / 100)).padStart(3, "0")} (${Math.round(track.alt_ft).toLocaleString("en-US")} ft)` : "?";
  const age = typeof track.time_s === "number" ? Math.max(0, Math.round(nodeNow() / 1000 - track.time_s)) : null;
  replaceChildren(block.querySelector("dl"), [
    row(t("track"), track.id, "id"),
    row(t("owner"), `${track.party || "?"}${track.shared_by ? ` (⇄ ${track.shared_by})` : ""}`, "owner"),
    row(t("source"), track.source || "?", "source"),
    row(t("flight_level"), fl, "fl"),
    row(t("speed"), typeof track.gs_kt === "number" ? `${Math.round(track.gs_kt)} kt · ${String(Math.round(track.trk_deg || 0)).padStart(3, "0")}°T` : "?", "speed"),
    row(t("vertical"), trend(track.vs_fpm), "trend"),
    row(t("age"), age === null ? "?" : `${age} s`, "age"),
    row(t("position"), fmtLatLon(track.lat, track.lon), "position"),
  ]);
  if (built.call) built.call.refresh();
}
