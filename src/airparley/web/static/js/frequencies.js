// The agreed frequencies (GET /api/v1/frequencies: name, MHz, area, notes, guard): a panel listing them,
// a layer drawing those whose area the map can place, and the choices of the notice form and the safety
// call. An area is placed when it is a GeoJSON geometry (JSON text), "lon lat radius_nm", or the name of
// one of the map's places (Palmyra, Mosul, ...); any other area is shown as text only.

import { get } from "./api.js";
import { $, h, replaceChildren } from "./dom.js";
import { dirOf, lang, t } from "./i18n.js";
import { emit, state } from "./state.js";
import { footprintLayer } from "./geometry.js";
import { lines, PLACES, STYLE, zoomToLayer } from "./map.js";

const METRES_PER_NM = 1852.0;
const PLACE_RADIUS_NM = 25; // how wide a frequency "at a place" is drawn

export async function loadFrequencies() {
  const list = await get("/frequencies");
  state.frequencies = Array.isArray(list) ? list : [];
  emit("frequencies");
}

export function fmtMhz(mhz) {
  const value = Number(mhz);
  return Number.isInteger(value * 10) ? value.toFixed(1) : String(value);
}

/** The map layer for a frequency's area, or null when the area names nothing the map can place. */
export function areaLayer(frequency) {
  const area = String(frequency.area || "").trim();
  if (!area) return null;
  const style = { ...STYLE.frequency, pane: "frequencies", pmIgnore: true };
  if (area.startsWith("{")) {
    try {
      const geometry = JSON.parse(area);
      if (geometry && typeof geometry.type === "string") return footprintLayer(geometry, style);
    } catch {
      return null;
    }
    return null;
  }
  const numbers = area.split(/[\s,]+/).map(Number);
  if (numbers.length === 3 && numbers.every(Number.isFinite)) {
    const [lon, lat, radius] = numbers;
    return L.circle([lat, lon], { ...style, radius: radius * METRES_PER_NM });
  }
  const place = PLACES.get(area.toLowerCase());
  if (place) {
    const [lon, lat] = place.geometry.coordinates;
    return L.circle([lat, lon], { ...style, radius: PLACE_RADIUS_NM * METRES_PER_NM });
  }
  return null;
}

const byFrequency = new Map();

export function renderFrequencyLayer(layer) {
  layer.clearLayers();
  byFrequency.clear();
  for (const frequency of state.frequencies) {
    const area = areaLayer(frequency);
    if (!area) continue;
    area.bindTooltip(lines(`📻 ${fmtMhz(frequency.mhz)} MHz · ${frequency.name}`, frequency.area), {
      permanent: true, direction: "center", className: "frequency-label",
    });
    area.addTo(layer);
    byFrequency.set(String(frequency.id ?? frequency.mhz), area);
  }
}

export function renderFrequencyList() {
  const root = $("#frequencies");
  root.setAttribute("dir", dirOf(lang()));
  const items = state.frequencies.map((frequency) => {
    const key = String(frequency.id ?? frequency.mhz);
    const placed = byFrequency.get(key);
    return h("li", { class: "card frequency", dataset: { mhz: String(frequency.mhz) } },
      // A guard is named in the reader's language; any other frequency by the name the parties gave it.
      h("h3", {}, h("span", { class: "mhz" }, `${fmtMhz(frequency.mhz)} MHz`), " ",
        frequency.guard ? `${Number(frequency.mhz) < 200 ? "VHF" : "UHF"}` : h("span", { dataset: { nodeText: "name" } }, frequency.name),
        frequency.guard ? h("span", { class: "badge guard" }, t("guard")) : null),
      h("dl", {},
        frequency.area ? [h("dt", {}, t("area")), h("dd", { dir: "auto" }, frequency.area)] : null,
        frequency.guard ? [h("dt", {}, t("notes")), h("dd", {}, t("guard_note"))]
          : frequency.notes ? [h("dt", {}, t("notes")), h("dd", { dir: "auto", dataset: { nodeText: "notes" } }, frequency.notes)] : null),
      placed ? h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => zoomToLayer(placed) }, t("zoom"))) : null);
  });
  replaceChildren(root, items.length ? items : [h("li", { class: "muted" }, t("none_yet"))]);
  $("#count-frequencies").textContent = String(state.frequencies.length);
  const datalist = $("#frequency-choices");
  if (datalist) {
    replaceChildren(datalist, state.frequencies.map((f) => h("option", { value: fmtMhz(f.mhz) }, `${f.name}`)));
  }
}
