// Reading the map at a glance (item 2 of issue 16): it opens on the extent of the party's own activity
// (notices, conflicts, tracks) rather than the whole theatre; a scale in nautical miles; the cursor's
// latitude and longitude; a range and bearing tool; go-to by callsign, track id, notice id or place; and
// fewer labels when zoomed out (only alerting and flagged aircraft keep theirs).

import { $, h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { getMap, PLACES, zoomToLatLng, zoomToNotice, zoomToPoints } from "./map.js";

const NM_M = 1852;
/** Below this zoom only the labels of aircraft in an alert (or flagged) are drawn. */
export const LABEL_ZOOM = 6.5;

let userMoved = false;
let fitted = false;

/** "34°36.0'N 038°21.0'E": degrees and decimal minutes, as charts and radios say positions. */
export function fmtLatLon(lat, lon) {
  const part = (value, width, pos, neg) => {
    const abs = Math.abs(value);
    const deg = Math.floor(abs);
    const min = (abs - deg) * 60;
    return `${String(deg).padStart(width, "0")}°${min.toFixed(1).padStart(4, "0")}'${value >= 0 ? pos : neg}`;
  };
  return `${part(lat, 2, "N", "S")} ${part(lon, 3, "E", "W")}`;
}

/** Great-circle range (NM) and initial true bearing (degrees) from a to b. */
export function rangeBearing(a, b) {
  const rad = Math.PI / 180;
  const [p1, p2] = [a.lat * rad, b.lat * rad];
  const dl = (b.lng - a.lng) * rad;
  const cos = Math.sin(p1) * Math.sin(p2) + Math.cos(p1) * Math.cos(p2) * Math.cos(dl);
  const nm = (Math.acos(Math.min(1, Math.max(-1, cos))) * 6371008.8) / NM_M;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return { nm, bearing: ((Math.atan2(y, x) / rad) + 360) % 360 };
}

const NauticalScale = L.Control.Scale.extend({
  options: { position: "bottomleft", maxWidth: 120, metric: false, imperial: false, updateWhenIdle: false },
  _addScales(options, className, container) {
    this._nmScale = L.DomUtil.create("div", `${className} nm-scale`, container);
  },
  _updateScales(maxMeters) {
    const maxNm = maxMeters / NM_M;
    const nm = this._getRoundNum(maxNm);
    this._updateScale(this._nmScale, `${nm} NM`, nm / maxNm);
  },
});

function addCursor(map) {
  const Cursor = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() {
      const box = L.DomUtil.create("div", "map-cursor");
      box.id = "cursor-position";
      box.setAttribute("aria-live", "off");
      return box;
    },
  });
  map.addControl(new Cursor());
  map.on("mousemove", (event) => {
    const box = $("#cursor-position");
    box.textContent = fmtLatLon(event.latlng.lat, event.latlng.lng);
    box.dataset.lat = event.latlng.lat.toFixed(4);
    box.dataset.lon = event.latlng.lng.toFixed(4);
  });
}

/** Range and bearing: press the button, click two points; the line stays labelled until the next use. */
function addRangeBearing(map) {
  const layer = L.layerGroup().addTo(map);
  let first = null;
  let active = false;
  const button = h("button", { type: "button", id: "rbl", class: "secondary map-tool", "aria-pressed": "false" }, t("range_bearing"));
  const Tool = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      L.DomEvent.disableClickPropagation(button);
      return button;
    },
  });
  map.addControl(new Tool());
  const stop = () => {
    active = false;
    first = null;
    button.setAttribute("aria-pressed", "false");
    map.getContainer().classList.remove("measuring");
  };
  button.addEventListener("click", () => {
    if (active) return stop();
    layer.clearLayers();
    active = true;
    button.setAttribute("aria-pressed", "true");
    map.getContainer().classList.add("measuring");
  });
  map.on("click", (event) => {
    if (!active) return;
    if (!first) {
      first = event.latlng;
      L.circleMarker(first, { radius: 3, color: "#ffd43b", interactive: false, pmIgnore: true }).addTo(layer);
      return;
    }
    const { nm, bearing } = rangeBearing(first, event.latlng);
    const text = `${nm.toFixed(1)} NM · ${String(Math.round(bearing) % 360).padStart(3, "0")}°T`;
    L.polyline([first, event.latlng], { color: "#ffd43b", weight: 2, dashArray: "5 4", interactive: false, pmIgnore: true })
      .bindTooltip(h("span", { id: "rbl-result" }, text), { permanent: true, direction: "center", className: "rbl-label" })
      .addTo(layer);
    button.dataset.result = text;
    stop();
  });
}

/** Go to a callsign, track id, notice id or place (the first that matches, case-insensitive). */
export function goTo(query) {
  const q = query.trim().toLowerCase();
  if (!q) return false;
  for (const track of state.tracks.values()) {
    if ((track.callsign || "").toLowerCase() === q || track.id.toLowerCase() === q) {
      zoomToLatLng(track.lat, track.lon);
      return true;
    }
  }
  const notice = state.notices.find((f) => String(f.properties.notice_id).toLowerCase() === q);
  if (notice) {
    zoomToNotice(notice.properties.notice_id);
    return true;
  }
  const place = PLACES.get(q);
  if (place) {
    const [lon, lat] = place.geometry.coordinates;
    zoomToLatLng(lat, lon);
    return true;
  }
  return false;
}

function addGoTo(map) {
  const input = h("input", { id: "goto", type: "search", list: "goto-choices", "aria-label": t("go_to"), placeholder: t("go_to_hint") });
  const choices = h("datalist", { id: "goto-choices" });
  const result = h("span", { class: "small field-error", id: "goto-result", role: "status" });
  const form = h("form", { class: "goto map-tool", role: "search" }, input, choices, h("button", { type: "submit", class: "secondary" }, t("go")), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    result.textContent = goTo(input.value) ? "" : `${t("not_found")}: ${input.value}`;
  });
  input.addEventListener("focus", () => {
    const names = new Set();
    for (const track of state.tracks.values()) names.add(track.callsign || track.id);
    for (const f of state.notices) names.add(f.properties.notice_id);
    for (const place of PLACES.values()) if (place.properties.kind !== "country" && place.properties.kind !== "sea") names.add(place.properties.name);
    choices.replaceChildren(...[...names].sort().map((name) => h("option", { value: name })));
  });
  const Tool = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      L.DomEvent.disableClickPropagation(form);
      L.DomEvent.disableScrollPropagation(form);
      return form;
    },
  });
  map.addControl(new Tool());
}

function zoomBand(map) {
  map.getContainer().dataset.labels = map.getZoom() < LABEL_ZOOM ? "few" : "all";
}

export function initMapTools() {
  const map = getMap();
  if (map.getContainer().dataset.tools) return;
  map.getContainer().dataset.tools = "on";
  new NauticalScale().addTo(map);
  addCursor(map);
  addRangeBearing(map);
  addGoTo(map);
  map.on("zoomend", () => zoomBand(map));
  zoomBand(map);
  // The officer's own moves win: once the map was dragged, zoomed or keyed, it is never refitted.
  for (const type of ["mousedown", "wheel", "keydown", "touchstart"]) {
    map.getContainer().addEventListener(type, () => { userMoved = true; }, { passive: true });
  }
}

/** Every point of the party's activity: its notices' volumes, its conflicts' overlaps, its tracks. */
function activityBounds() {
  const points = [];
  const add = (coords) => {
    if (typeof coords[0] === "number") points.push([coords[1], coords[0]]);
    else for (const c of coords) add(c);
  };
  for (const f of state.notices) if (f.geometry) add(f.geometry.coordinates);
  for (const c of state.conflicts.values()) if (c.overlap && c.overlap.footprint) add(c.overlap.footprint.coordinates);
  for (const track of state.tracks.values()) points.push([track.lat, track.lon]);
  return points;
}

/** Open on the party's activity (once more when the first air picture arrives), unless the officer has moved. */
export function fitToActivity(final = false) {
  if (userMoved || fitted) return;
  const points = activityBounds();
  if (points.length) zoomToPoints(points);
  getMap().getContainer().dataset.fitted = String(points.length);
  if (final) fitted = true;
}

export function resetMapTools() {
  userMoved = false;
  fitted = false;
}
