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

/** Show or hide one of the TOGGLES layers. */
export function setLayerVisible(name, visible) {
  const layer = layers[name];
  if (!map || !layer) return;
  if (visible && !map.hasLayer(layer)) layer.addTo(map);
  if (!visible && map.hasLayer(layer)) layer.remove();
  map.getContainer().dataset[`layer${name[0].toUpperCase()}${name.slice(1)}`] = visible ? "on" : "off";
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
    if (ENDED.has(p.state) || !inWindow(p.start, p.end) || !inBand(altitudeFt(p.lower), altitudeFt(p.upper))) continue;
    const layer = volumeLayer(feature, { ...STYLE.own, pane: "volumes" });
    layer.bindTooltip(
      lines(`${p.notice_id} v${p.version} · ${t(`kind_${p.kind}`)}`, `${fmtAltitude(p.lower)}–${fmtAltitude(p.upper)}`, fmtWindow(p.start, p.end)),
      { sticky: true },
    );
    layer.feature = feature;
    if (!byNotice.has(p.notice_id)) byNotice.set(p.notice_id, L.featureGroup().addTo(layers.notices));
    byNotice.get(p.notice_id).addLayer(layer);
  }
}

/** Draw each conflict's overlap (only the part of the other side within the agreed buffers of ours),
 * labelled with its altitude band and time window. */
export function renderConflicts() {
  layers.conflicts.clearLayers();
  byConflict.clear();
  for (const conflict of state.conflicts.values()) {
    const o = conflict.overlap;
    if (!inWindow(o.start, o.end) || !inBand(o.lower_ft, o.upper_ft)) continue;
    const layer = footprintLayer(o.footprint, { ...STYLE.conflict, pane: "conflicts" });
    const other = conflict.other || {};
    layer.bindTooltip(lines(`⚠ ${other.party || "?"} · ${fmtBand(o.lower_ft, o.upper_ft)}`, fmtWindow(o.start, o.end)), {
      permanent: true, direction: "center", className: "conflict-label",
    });
    layer.addTo(layers.conflicts);
    byConflict.set(conflict.id, layer);
  }
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
