// The theatre map: an offline Natural Earth basemap (built by web/build.mjs), the scenario's places,
// the party's own notices, conflict overlaps, the drawing tools, and (see tracks.js) the air picture.

import { fmtAltitude, fmtBand, fmtWindow } from "./clock.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { altitudeFt, footprintLayer, volumeLayer } from "./geometry.js";
import { inBand, inWindow, state } from "./state.js";

// Syria, Iraq, Turkey, Iran and the Caspian.
const THEATRE_VIEW = [[27.5, 30.0], [43.5, 56.0]];
const THEATRE_LIMIT = [[10.0, 15.0], [52.0, 75.0]];

export const STYLE = {
  own: { color: "#4aa3ff", weight: 2, fillColor: "#4aa3ff", fillOpacity: 0.18 },
  conflict: { color: "#ff4d4d", weight: 2, dashArray: "6 4", fillColor: "#ff4d4d", fillOpacity: 0.45 },
  draft: { color: "#c77dff", weight: 2, fillColor: "#c77dff", fillOpacity: 0.25 },
  frequency: { color: "#3ecf8e", weight: 2, dashArray: "2 6", fillColor: "#3ecf8e", fillOpacity: 0.08 },
};

/** The layers an officer can show or hide (the legend's checkboxes), in legend order. */
export const TOGGLES = ["notices", "conflicts", "tracks", "alerts", "frequencies", "places"];

let map = null;
const layers = {};
// "As of" (asof.js): a past picture is drawn on layers of its own, in the live ones' panes and styles, while
// the live layers are taken off the map (they keep being redrawn underneath, so "Back to live" is current).
const past = {};
const LIVE_ONLY = ["notices", "conflicts", "agreements", "frequencies", "alerts", "tracks"];
let pastLabel = null;
const byNotice = new Map(); // notice_id -> layer group
const byConflict = new Map(); // conflict id -> layer

export function createMap(element) {
  if (map) return map;
  map = L.map(element, {
    zoomSnap: 0.5,
    minZoom: 4,
    maxZoom: 12,
    maxBounds: THEATRE_LIMIT,
    maxBoundsViscosity: 0.8,
    worldCopyJump: false,
  });
  element.setAttribute("role", "region");
  element.setAttribute("aria-roledescription", "map");
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Natural Earth");
  for (const [name, z] of [["basemap", 200], ["graticule", 250], ["volumes", 400], ["conflicts", 450], ["frequencies", 380], ["alerts", 610], ["tracks", 620], ["places", 640]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  map.getPane("places").style.pointerEvents = "none";
  map.getPane("graticule").style.pointerEvents = "none";
  layers.basemap = L.layerGroup().addTo(map);
  layers.graticule = graticule().addTo(map);
  layers.places = L.layerGroup().addTo(map);
  layers.notices = L.featureGroup().addTo(map);
  layers.conflicts = L.featureGroup().addTo(map);
  layers.agreements = L.layerGroup().addTo(map);
  layers.frequencies = L.featureGroup().addTo(map);
  layers.alerts = L.layerGroup().addTo(map);
  layers.tracks = L.layerGroup().addTo(map);
  past.notices = L.featureGroup();
  past.conflicts = L.featureGroup();
  past.alerts = L.layerGroup();
  past.tracks = L.layerGroup();
  element.dataset.view = "live";
  map.fitBounds(THEATRE_VIEW);
  loadBasemap();
  loadPlaces();
  return map;
}

export function getMap() {
  return map;
}

export function tracksLayer() {
  return layers.tracks;
}

export function agreementsLayer() {
  return layers.agreements;
}

export function alertsLayer() {
  return layers.alerts;
}

export function frequenciesLayer() {
  return layers.frequencies;
}

function toggleKey(name) {
  return `layer${name[0].toUpperCase()}${name.slice(1)}`;
}

/** Whether the officer left layer ``name`` on (the legend's checkbox). */
function wanted(name) {
  return map.getContainer().dataset[toggleKey(name)] !== "off";
}

/** Show or hide one of the TOGGLES layers (in a past view, its past counterpart; the choice holds for both). */
export function setLayerVisible(name, visible) {
  if (!map) return;
  map.getContainer().dataset[toggleKey(name)] = visible ? "on" : "off";
  const inPast = map.getContainer().dataset.view === "past";
  const layer = inPast && LIVE_ONLY.includes(name) ? past[name] : layers[name];
  if (!layer) return;
  if (visible && !map.hasLayer(layer)) layer.addTo(map);
  if (!visible && map.hasLayer(layer)) layer.remove();
}

/** Enter the past view: the live layers off the map, the past ones (emptied) on, marked with ``label``;
 * returns the past layers {notices, conflicts, alerts, tracks} to draw on. */
export function showPastView(label) {
  for (const name of LIVE_ONLY) layers[name].remove();
  for (const [name, layer] of Object.entries(past)) {
    layer.clearLayers();
    if (wanted(name)) layer.addTo(map);
  }
  if (pastLabel) pastLabel.remove();
  pastLabel = L.control({ position: "topright" });
  pastLabel.onAdd = () => h("div", { class: "past-label", role: "status" }, label);
  pastLabel.addTo(map);
  map.getContainer().dataset.view = "past";
  return past;
}

/** Leave the past view: its layers cleared and off, the live ones back as the legend has them. */
export function showLiveView() {
  if (!map) return;
  for (const layer of Object.values(past)) {
    layer.clearLayers();
    layer.remove();
  }
  if (pastLabel) pastLabel.remove();
  pastLabel = null;
  for (const name of LIVE_ONLY) if (wanted(name)) layers[name].addTo(map);
  map.getContainer().dataset.view = "live";
}

/** The scenario's places by name (lower case), for frequencies whose area names one. */
export const PLACES = new Map();

async function loadBasemap() {
  const response = await fetch("/static/basemap/countries.geojson");
  if (!response.ok) return;
  const countries = await response.json();
  L.geoJSON(countries, {
    pane: "basemap",
    interactive: false,
    pmIgnore: true,
    style: () => ({ color: "#6f8577", weight: 0.8, fillColor: "#26332b", fillOpacity: 1 }),
  }).addTo(layers.basemap);
  map.getContainer().dataset.basemap = String(countries.features.length);
}

async function loadPlaces() {
  const response = await fetch("/static/places.geojson");
  if (!response.ok) return;
  const places = await response.json();
  for (const feature of places.features) PLACES.set(String(feature.properties.name).toLowerCase(), feature);
  for (const feature of places.features) {
    const [lon, lat] = feature.geometry.coordinates;
    const { name, kind } = feature.properties;
    if (kind === "country" || kind === "sea") {
      L.tooltip({ permanent: true, direction: "center", className: `place-label ${kind}-label`, pane: "places" })
        .setLatLng([lat, lon]).setContent(lines(name)).addTo(layers.places);
      continue;
    }
    L.circleMarker([lat, lon], {
      pane: "places", radius: kind === "airbase" ? 4 : 3, color: "#fff", weight: 1,
      fillColor: kind === "airbase" ? "#ffd43b" : "#e9ecef", fillOpacity: 1, interactive: false, pmIgnore: true,
    }).addTo(layers.places);
    L.tooltip({ permanent: true, direction: "right", offset: [6, 0], className: "place-label", pane: "places" })
      .setLatLng([lat, lon]).setContent(lines(kind === "airbase" ? `✈ ${name}` : name)).addTo(layers.places);
  }
}

function graticule() {
  const group = L.layerGroup();
  const style = { pane: "graticule", color: "#3b5566", weight: 0.5, opacity: 0.6, interactive: false, pmIgnore: true };
  for (let lon = 15; lon <= 75; lon += 5) group.addLayer(L.polyline([[10, lon], [52, lon]], style));
  for (let lat = 10; lat <= 50; lat += 5) group.addLayer(L.polyline([[lat, 15], [lat, 75]], style));
  return group;
}

// Tooltip content as elements: text from the node is never parsed as markup.
export function lines(...texts) {
  return h("div", {}, texts.map((text) => h("div", {}, text)));
}

const ENDED = new Set(["cancelled", "closed"]);

/** Draw the party's own notices (all their volumes), filtered by the time slider. */
export function renderNotices() {
  layers.notices.clearLayers();
  byNotice.clear();
  for (const feature of state.notices) {
    const p = feature.properties;
    if (!inWindow(p.start, p.end)) continue;
    const layer = noticeLayer(feature);
    if (!layer) continue;
    if (!byNotice.has(p.notice_id)) byNotice.set(p.notice_id, L.featureGroup().addTo(layers.notices));
    byNotice.get(p.notice_id).addLayer(layer);
  }
}

/** One volume of an own notice as the map draws it (style, tooltip), or null when it is not shown (ended,
 * or outside the altitude filter). */
export function noticeLayer(feature) {
  const p = feature.properties;
  if (ENDED.has(p.state) || !inBand(altitudeFt(p.lower), altitudeFt(p.upper))) return null;
  const layer = volumeLayer(feature, { ...STYLE.own, pane: "volumes" });
  layer.bindTooltip(
    lines(`${p.notice_id} v${p.version} · ${t(`kind_${p.kind}`)}`, `${fmtAltitude(p.lower)}–${fmtAltitude(p.upper)}`, fmtWindow(p.start, p.end)),
    { sticky: true },
  );
  layer.feature = feature;
  return layer;
}

/** Draw each conflict's overlap (only the part of the other side within the agreed buffers of ours),
 * labelled with its altitude band and time window. */
export function renderConflicts() {
  layers.conflicts.clearLayers();
  byConflict.clear();
  for (const conflict of state.conflicts.values()) {
    const o = conflict.overlap;
    if (!inWindow(o.start, o.end) || !inBand(o.lower_ft, o.upper_ft)) continue;
    const layer = conflictLayer(conflict);
    layer.addTo(layers.conflicts);
    byConflict.set(conflict.id, layer);
  }
}

/** A conflict's overlap as the map draws it, labelled with the other party, its band and window. */
export function conflictLayer(conflict) {
  const o = conflict.overlap;
  const layer = footprintLayer(o.footprint, { ...STYLE.conflict, pane: "conflicts" });
  const other = conflict.other || {};
  layer.bindTooltip(lines(`⚠ ${other.party || "?"} · ${fmtBand(o.lower_ft, o.upper_ft)}`, fmtWindow(o.start, o.end)), {
    permanent: true, direction: "center", className: "conflict-label",
  });
  return layer;
}

export function zoomToNotice(noticeId) {
  const group = byNotice.get(noticeId);
  if (group && group.getLayers().length) map.fitBounds(group.getBounds(), { maxZoom: 9, padding: [40, 40] });
}

export function zoomToLatLng(lat, lon) {
  if (map) map.setView([lat, lon], Math.max(map.getZoom(), 8));
}

/** Fit the map to ``points`` ([[lat, lon], ...]): an alert's pair, an incident's paths. */
export function zoomToPoints(points) {
  if (!map || !points.length) return;
  map.fitBounds(L.latLngBounds(points), { maxZoom: 10, padding: [60, 60] });
}

export function zoomToLayer(layer) {
  if (map && layer && layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [40, 40] });
}

export function zoomToConflict(conflictId) {
  const layer = byConflict.get(conflictId);
  if (layer) map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [40, 40] });
}

export function clearMapData() {
  if (!map) return;
  layers.notices.clearLayers();
  layers.conflicts.clearLayers();
  layers.agreements.clearLayers();
  layers.tracks.clearLayers();
  layers.alerts.clearLayers();
  layers.frequencies.clearLayers();
  byNotice.clear();
  byConflict.clear();
}
