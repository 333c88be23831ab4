// The map's filters and legend: an altitude band (only the volumes, overlaps, tracks and alerts that
// intersect it are drawn; flight levels or feet MSL) and, for every layer, a checkbox with its colour.

import { $, h, replaceChildren } from "./dom.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { t } from "./i18n.js";
import { emit, state } from "./state.js";
import { setLayerVisible, STYLE, TOGGLES } from "./map.js";
import { ALERT_COLOURS, NON_RESPONSIVE_COLOUR } from "./tracks.js";

const MAX_FT = 100_000;

function feet(raw, unit, field) {
  const text = String(raw).trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value) || value < 0) throw { field, reason: t("band_number") };
  const ft = unit === "FL" ? value * 100 : value;
  if (ft > MAX_FT) throw { field, reason: `${t("band_max")} ${MAX_FT.toLocaleString("en-US")} ft` };
  return ft;
}

export function setBand(band) {
  state.band = band;
  const label = $("#alt-status");
  const fl = (ft) => `FL${String(Math.round(ft / 100)).padStart(3, "0")}`;
  label.textContent = band
    ? `${t("showing")} ${Math.round(band.lower_ft).toLocaleString("en-US")}–${Math.round(band.upper_ft).toLocaleString("en-US")} ft (${fl(band.lower_ft)}–${fl(band.upper_ft)})`
    : t("all_altitudes");
  $("#map").dataset.band = band ? `${band.lower_ft}-${band.upper_ft}` : "";
  emit("filter");
}

function initAltitudeFilter() {
  const form = $("#alt-filter");
  replaceChildren(form, [
    h("span", { class: "filter-title", id: "alt-title" }, t("altitude_filter")),
    h("label", { for: "alt-lower", class: "sr-only" }, t("lower")),
    h("input", { id: "alt-lower", name: "band_lower", inputmode: "numeric", size: "5", placeholder: t("lower"), "aria-describedby": "alt-title" }),
    h("span", { "aria-hidden": "true" }, "–"),
    h("label", { for: "alt-upper", class: "sr-only" }, t("upper")),
    h("input", { id: "alt-upper", name: "band_upper", inputmode: "numeric", size: "5", placeholder: t("upper"), "aria-describedby": "alt-title" }),
    h("label", { for: "alt-unit", class: "sr-only" }, t("unit")),
    h("select", { id: "alt-unit", name: "unit" }, h("option", { value: "FL" }, "FL"), h("option", { value: "ft" }, "ft MSL")),
    h("button", { type: "submit", id: "alt-apply", class: "secondary" }, t("apply")),
    h("button", { type: "button", id: "alt-clear", class: "secondary" }, t("all_altitudes")),
    h("output", { id: "alt-status", for: "alt-lower alt-upper", "aria-live": "polite" }),
    fieldError("band_lower"), fieldError("band_upper"), fieldError("band"),
  ]);
  form.onsubmit = (event) => {
    event.preventDefault();
    clearErrors(form);
    const unit = form.elements.unit.value;
    try {
      const lower = feet(form.elements.band_lower.value, unit, "band_lower");
      const upper = feet(form.elements.band_upper.value, unit, "band_upper");
      if (upper < lower) throw { field: "band_upper", reason: t("band_order") };
      setBand({ lower_ft: lower, upper_ft: upper });
    } catch (error) {
      showErrors(form, { errors: [error.field ? error : { field: "band", reason: String(error) }] });
    }
  };
  $("#alt-clear").onclick = () => {
    clearErrors(form);
    form.elements.band_lower.value = "";
    form.elements.band_upper.value = "";
    setBand(null);
  };
  setBand(state.band);
}

function swatch(kind, colour) {
  const span = h("span", { class: `swatch ${kind}`, "aria-hidden": "true" });
  if (colour) span.style.setProperty("--c", colour);
  return span;
}

/** Every layer and every colour the map uses, each layer with a checkbox to show or hide it. */
function initLegend() {
  const visible = (name) => !$("#map").dataset[`layer${name[0].toUpperCase()}${name.slice(1)}`]
    || $("#map").dataset[`layer${name[0].toUpperCase()}${name.slice(1)}`] === "on";
  const entries = {
    notices: [swatch("own", STYLE.own.color)],
    conflicts: [swatch("conflict", STYLE.conflict.color)],
    tracks: [swatch("track", ALERT_COLOURS.none)],
    alerts: Object.keys(ALERT_COLOURS).filter((l) => l !== "none").map((l) => swatch("line", ALERT_COLOURS[l])),
    frequencies: [swatch("frequency", STYLE.frequency.color)],
    places: [swatch("place", "#ffd43b")],
  };
  const toggles = TOGGLES.map((name) => h("label", { class: "toggle", dataset: { layer: name } },
    h("input", { type: "checkbox", id: `layer-${name}`, checked: visible(name), onchange: (event) => setLayerVisible(name, event.currentTarget.checked) }),
    entries[name], ` ${t(`layer_${name}`)}`));
  const levels = Object.entries(ALERT_COLOURS).map(([level, colour]) => h("span", { class: "key", dataset: { level } },
    swatch("track", colour), ` ${t(`level_${level}`)}`));
  replaceChildren($("#legend"), [
    h("legend", { class: "sr-only" }, t("legend")),
    h("div", { class: "legend-row" }, toggles),
    h("div", { class: "legend-row", "aria-label": t("alert_colours") },
      h("span", { class: "legend-head" }, `${t("alert_colours")}:`), levels,
      h("span", { class: "key", dataset: { level: "non_responsive" } }, swatch("ring", NON_RESPONSIVE_COLOUR), ` ${t("non_responsive")}`),
      h("span", { class: "key", dataset: { level: "drawing" } }, swatch("draft", STYLE.draft.color), ` ${t("drawing")}`)),
  ]);
}

export function initFilters() {
  initAltitudeFilter();
  initLegend();
}
